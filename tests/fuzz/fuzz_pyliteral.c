/* libFuzzer target: the Python-literal evaluator used for inventory values. */
#include <stddef.h>
#include <stdint.h>

#include "drconsole/util/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct value *v = pyliteral_eval((const char *)data, size);

	if (v != NULL) {
		struct value *c = value_copy(v);
		json_t *j = value_to_json(v);

		if (!value_equal(v, c))
			__builtin_trap();
		json_decref(j);
		value_free(c);
	}
	value_free(v);
	return 0;
}
