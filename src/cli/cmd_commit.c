/*
 * cmd_commit.c: `drconsole commit [RUN]`: commit the open failover
 * (failover_commit.h); with --drill, the open drill failover. Exit 0
 * committed, 1 nothing to commit or the run lock is held, 2 refused
 * (read-only mode, an unsafe state directory, configuration errors).
 */
#include <stdio.h>
#include <stdlib.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/failover_commit.h"

static int
cmd_commit_run(const struct cli_options *opts, int argc, char **argv)
{
	struct failover_commit_params p = { 0 };
	struct app app;
	char *msg = NULL;
	int rc;

	if (argc > 2 || opts->mode == RUN_DRY) {
		fputs("usage: drconsole [--drill] commit [RUN]  (a commit has no dry-run)\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL ||
	    app.dl.errors > 0) {
		diag_print(&app.dl, stderr);
		fputs("drconsole: configuration or environment errors: not committing (see drconsole lint)\n",
		      stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	p.cfg = &app.cfg;
	p.sites[0] = app.sites[0];
	p.sites[1] = app.sites[1];
	p.drill = app.drill;
	p.read_only = app.mode == RUN_READ_ONLY;
	p.read_only_reason = app.read_only_reason;
	p.run = argc == 2 ? argv[1] : NULL;
	rc = failover_commit(&p, &msg);
	fprintf(rc == 0 ? stdout : stderr, "%s%s\n", rc == 0 ? "" : "drconsole: ", msg);
	free(msg);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_commit = {
	.name = "commit",
	.args = "[RUN] [--drill]",
	.summary = "commit the open failover (fail-back is then the way back)",
	.accepts = OPT_MODE,
	.run = cmd_commit_run,
};
