/*
 * cmd_put_back.c: `drconsole put-back RUN STEP`: the operator says that
 * what STEP of run RUN changed (a step with `undone_by:`) has been put back
 * by hand, so it is no longer "left undone" (undone.h): journaled in the
 * run's journal with who said it, and in the audit log. Exit 0 recorded;
 * 1 that run has no such step left undone, or its journal cannot be
 * written; 2 refused (read-only mode, --dry-run, an unsafe state directory,
 * usage).
 */
#include <stdio.h>
#include <stdlib.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/audit.h"
#include "drconsole/runbook/undone.h"

static int
cmd_put_back_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	char *err = NULL, *user;
	int rc;

	if (argc != 3 || opts->mode == RUN_DRY) {
		fputs("usage: drconsole put-back RUN STEP  (drconsole status lists the steps left "
		      "undone; there is no dry-run)\n", stderr);
		return EXIT_USAGE;
	}
	if (!app_load_state(&app, opts))
		return EXIT_USAGE;
	if (app_refused_read_only(&app, "nothing is recorded as put back")) {
		app_free(&app);
		return EXIT_USAGE;
	}
	user = audit_whoami();
	rc = undone_put_back(app.cfg.state_dir, argv[1], argv[2], user, &err);
	if (rc == 0)
		printf("run %s: %s recorded as put back by %s%s%s\n", argv[1], argv[2], user,
		       err != NULL ? "; " : "", err != NULL ? err : "");
	else
		fprintf(stderr, "drconsole: put-back: %s\n", err != NULL ? err : "?");
	free(err);
	free(user);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_put_back = {
	.name = "put-back",
	.args = "RUN STEP",
	.summary = "say a step left undone was put back by hand",
	.accepts = OPT_MODE,
	.run = cmd_put_back_run,
};
