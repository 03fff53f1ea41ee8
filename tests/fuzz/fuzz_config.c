/*
 * libFuzzer target: drconsole.yml through the whole loader (YAML, the option
 * table, durations, secrets refused). The input is written to a private
 * temporary file because the loader reads a path, as it does in use.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/config/config.h"
#include "drconsole/util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
remove_file(void)
{
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_sources src = { .home = "/nonexistent", .system_path = "/nonexistent" };
	struct diag_list dl = DIAG_LIST_INIT;
	struct config cfg;
	FILE *fp;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof path, "/tmp/fuzz-config-%ld-XXXXXX", (long)getpid());
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(remove_file);
	}
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	(void)config_load_file(path, &src, &cfg, &dl);
	config_free(&cfg);
	diag_list_free(&dl);
	return 0;
}
