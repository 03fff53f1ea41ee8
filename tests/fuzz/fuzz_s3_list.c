/* libFuzzer target: the S3 list/error response parser, and the backup key parser on every key it yields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "drconsole/probe/probe_s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3_list l;
	char *err = NULL;

	if (s3_list_parse((const char *)data, size, &l, &err) != 0) {
		free(err);
		return 0;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct backup_key k;

		for (int st = 0; st < STORE_COUNT; st++)
			if (backup_key_parse((enum backup_store)st, "production", st == 0 ? "dump" : "plain",
					     l.objects[i].key, &k))
				(void)backup_taken_at(&k, l.objects[i].last_modified);
	}
	s3_list_free(&l);
	return 0;
}
