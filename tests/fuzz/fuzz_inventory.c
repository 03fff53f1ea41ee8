/* libFuzzer target: the INI inventory parser and its JSON rendering. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "drconsole/config/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct inventory *inv = inventory_parse("fuzz.ini", (const char *)data, size, &dl);
	json_t *j = inventory_to_ansible_json(inv, false);

	json_decref(j);
	j = inventory_to_ansible_json(inv, true);
	json_decref(j);
	inventory_free(inv);
	diag_list_free(&dl);
	return 0;
}
