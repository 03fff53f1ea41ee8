/*
 * libFuzzer target: reading a (possibly damaged) run journal, then reopening
 * it to append (a resume): whatever the damage, the appended event must come
 * out whole as the last event, with no torn line left.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/runbook/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* on tmpfs if there is one: every append fsyncs, free there, slow on a disk */
	char shm[] = "/dev/shm/drconsole-fuzz-journal-XXXXXX", tmp[] = "/tmp/drconsole-fuzz-journal-XXXXXX";
	char *path = shm;
	struct journal_read r;
	struct journal *j;
	char *err = NULL;
	int fd = mkstemp(shm);

	if (fd < 0) {
		path = tmp;
		fd = mkstemp(tmp);
	}
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
	err = NULL;
	j = journal_open(path, &err);
	if (j != NULL) {
		if (journal_append(j, json_pack("{s:s}", "event", "fuzz_probe"), &err) != 0)
			abort();
		journal_close(j);
		if (journal_read(path, &r, &err) != 0 || r.torn != 0 || r.n == 0 ||
		    strcmp(json_string_value(json_object_get(r.events[r.n - 1], "event")),
			   "fuzz_probe") != 0)
			abort();
		journal_read_free(&r);
	}
	free(err);
	unlink(path);
	return 0;
}
