/* libFuzzer target: reading a (possibly damaged) run journal. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "drconsole/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/drconsole-fuzz-journal-XXXXXX";
	struct journal_read r;
	char *err = NULL;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (journal_read(path, &r, &err) == 0)
		journal_read_free(&r);
	free(err);
	unlink(path);
	return 0;
}
