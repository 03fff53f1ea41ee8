/*
 * cmd_report.c: `drconsole report RUN [-o FILE]`: the Markdown report of a
 * run (report.h), from its journal alone. RUN is a run id (as `drconsole
 * runs` lists it) or a journal path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/app.h"
#include "drconsole/journal.h"
#include "drconsole/report.h"
#include "drconsole/runbook.h"
#include "drconsole/sanitize.h"
#include "drconsole/util.h"

static int
cmd_report_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	struct journal_read jr;
	struct diag_list dl = DIAG_LIST_INIT;
	struct report_input in;
	struct runbook *rb = NULL;
	char *path, *err = NULL, *id;
	const char *rb_path = NULL;
	FILE *fp = stdout, *file = NULL;
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
	if (strchr(argv[1], '/') != NULL && access(argv[1], R_OK) == 0)
		path = xstrdup(argv[1]);
	else
		path = xasprintf("%s/runs/%s.journal", app.cfg.state_dir, argv[1]);
	if (journal_read(path, &jr, &err) != 0) {
		fprintf(stderr, "drconsole: report: %s\n", err);
		free(err);
		free(path);
		app_free(&app);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < jr.n && rb_path == NULL; i++)
		if (str_eq(json_string_value(json_object_get(jr.events[i], "event")), "run_start"))
			rb_path = json_string_value(json_object_get(jr.events[i], "runbook"));
	if (rb_path == NULL || (rb = runbook_load(rb_path, &dl)) == NULL) {
		fprintf(stderr, "drconsole: report: cannot load the run's runbook %s\n",
			rb_path != NULL ? rb_path : "(none recorded)");
		diag_print(&dl, stderr);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (opts->output != NULL && (file = fopen(opts->output, "w")) == NULL) {
		perror(opts->output);
		rc = EXIT_RUNTIME;
		goto out;
	}
	/* a report is read in a terminal or a viewer: sanitised like stdout */
	if (file != NULL && (fp = sanitize_fopen(file, _IOFBF)) == NULL) {
		perror(opts->output);
		fclose(file);
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
	if (report_write(fp, &in) != 0)
		rc = EXIT_RUNTIME;
	if (file != NULL && (fclose(fp) != 0) + (fclose(file) != 0) > 0) {
		perror(opts->output);
		rc = EXIT_RUNTIME;
	}
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
