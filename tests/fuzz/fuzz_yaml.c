/* libFuzzer target: YAML documents with positions. */
#include <stddef.h>
#include <stdint.h>

#include "drconsole/config/yaml_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct ydoc *d = ydoc_load_buffer("fuzz.yml", (const char *)data, size, &dl);

	if (d != NULL && d->root != NULL) {
		bool b;
		long long i;

		(void)ynode_bool(d->root, &b);
		(void)ynode_int(d->root, &i);
		(void)ynode_get(d->root, "sites");
	}
	ydoc_free(d);
	diag_list_free(&dl);
	return 0;
}
