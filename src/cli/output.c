/*
 * output.c: the sanitising standard streams of the commands (output.h).
 * glibc lets a program assign stdout and stderr; every stdio call that
 * names them (printf, puts, perror, diag_print(..., stderr)) then writes
 * through the sanitiser, which writes through to the real stream.
 */
#include "drconsole/cli/output.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/util/sanitize.h"

static FILE *real_stdout, *real_stderr;

void
output_begin(bool keep_stdout)
{
	FILE *fp;

	if (real_stderr != NULL)
		return;
	fflush(stdout);
	fflush(stderr);
	if ((fp = sanitize_fopen(stderr, _IONBF)) != NULL) {
		real_stderr = stderr;
		stderr = fp;
	}
	if (keep_stdout)
		return;
	fp = sanitize_fopen(stdout, isatty(fileno(stdout)) ? _IOLBF : _IOFBF);
	if (fp != NULL) {
		real_stdout = stdout;
		stdout = fp;
	}
}

void
output_end(void)
{
	if (real_stdout != NULL) {
		fclose(stdout);
		stdout = real_stdout;
		real_stdout = NULL;
	}
	if (real_stderr != NULL) {
		fclose(stderr);
		stderr = real_stderr;
		real_stderr = NULL;
	}
}

int
output_json(const json_t *j, FILE *fp, size_t flags)
{
	char *text = json_dumps(j, flags), *safe;
	int rc;

	if (text == NULL)
		return -1;
	safe = sanitize_json(text, strlen(text));
	rc = fputs(safe, fp) == EOF || fputc('\n', fp) == EOF ? -1 : 0;
	free(safe);
	free(text);
	return rc;
}
