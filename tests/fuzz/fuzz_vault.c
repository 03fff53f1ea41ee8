/*
 * libFuzzer target: AWS Backup's ListRecoveryPointsByBackupVault pages (or
 * error documents), merged page after page: the input is split at each NUL
 * byte into successive pages of one listing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drconsole/probe/probe_vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vault_list l;
	const char *p = (const char *)data, *end = p + size;
	char err[256];

	memset(&l, 0, sizeof l);
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);

		(void)vault_page_parse(p, len, &l, err, sizeof err);
		p += len + 1;
	}
	vault_list_free(&l);
	return 0;
}
