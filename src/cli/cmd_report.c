/*
 * cmd_report.c: `drconsole report RUN [-o FILE]`: the Markdown report of a
 * run (report.h), from its journal alone (with the copy of the runbook the
 * journal keeps). RUN is a run id (as `drconsole runs` lists it) or a
 * journal path. FILE is replaced atomically: the report is written to a
 * temporary file beside it, fsync'd, then renamed over it, so a crash or a
 * full disk leaves the old file or the whole new one, never a part.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/history.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/report.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/util.h"

/* Write the report to path through a temporary file and rename(2). 0 or -1 (message printed). */
static int
write_atomic(const char *path, const struct report_input *in)
{
	const char *slash = strrchr(path, '/');
	char *tmp = slash != NULL ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
		    : xasprintf(".%s.XXXXXX", path);
	mode_t um = umask(0);
	FILE *fp = NULL;
	int fd, rc = -1;

	umask(um);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "drconsole: report: mkstemp(%s): %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0666 & ~um) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "drconsole: report: %s: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	/* a report is read in a terminal or a viewer: sanitised like stdout */
	{
		FILE *sfp = sanitize_fopen(fp, _IOFBF);
		bool bad = sfp == NULL || report_write(sfp, in) != 0;

		if (sfp != NULL && fclose(sfp) != 0)
			bad = true;
		if (bad || fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
			fprintf(stderr, "drconsole: report: write(%s): %s\n", tmp, strerror(errno));
			fclose(fp);
			goto out;
		}
	}
	if (fclose(fp) != 0) {
		fprintf(stderr, "drconsole: report: close(%s): %s\n", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "drconsole: report: rename(%s, %s): %s\n", tmp, path, strerror(errno));
		goto out;
	}
	{
		char *dir = slash != NULL ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
		int dfd = open(*dir != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	rc = 0;
out:
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int
cmd_report_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	struct journal_read jr;
	struct diag_list dl = DIAG_LIST_INIT;
	struct report_input in;
	struct runbook *rb = NULL;
	char *path, *err = NULL, *id;
	int rc = EXIT_OK;

	if (argc != 2) {
		fputs("usage: drconsole report RUN [-o FILE]\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load(&app, opts) != 0) {
		diag_print(&app.dl, stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	if (strchr(argv[1], '/') != NULL && access(argv[1], R_OK) == 0) {
		path = xstrdup(argv[1]);
	} else if (!app_state_dir_ok(&app)) {
		app_free(&app);
		return EXIT_USAGE;
	} else {
		path = xasprintf("%s/runs/%s.journal", app.cfg.state_dir, argv[1]);
	}
	if (journal_read(path, &jr, &err) != 0) {
		fprintf(stderr, "drconsole: report: %s\n", err);
		free(err);
		free(path);
		app_free(&app);
		return EXIT_USAGE;
	}
	if ((rb = history_runbook(&jr, &dl, NULL)) == NULL) {
		fprintf(stderr, "drconsole: report: cannot load the run's runbook\n");
		diag_print(&dl, stderr);
		rc = EXIT_RUNTIME;
		goto out;
	}
	{
		const char *b = strrchr(path, '/');

		id = xstrdup(b != NULL ? b + 1 : path);
		if (str_ends_with(id, ".journal"))
			id[strlen(id) - 8] = '\0';
	}
	memset(&in, 0, sizeof in);
	in.rb = rb;
	in.journal = &jr;
	in.run_id = id;
	in.rpo_objective_s = (double)app.cfg.rpo_ms / 1000.0;
	in.rto_objective_s = (double)app.cfg.rto_ms / 1000.0;
	if (opts->output != NULL ? write_atomic(opts->output, &in) != 0 : report_write(stdout, &in) != 0)
		rc = EXIT_RUNTIME;
	free(id);
out:
	diag_list_free(&dl);
	runbook_free(rb);
	journal_read_free(&jr);
	free(path);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_report = {
	.name = "report",
	.args = "RUN [-o FILE]",
	.summary = "Markdown report of a run",
	.accepts = OPT_OUTPUT,
	.run = cmd_report_run,
};
