/*
 * cmd_rollback.c: `drconsole rollback [RUN]`: undo the open, uncommitted
 * failover by running the configured fail-back runbook in its rollback form
 * (run.h rollback_of: steps marked `when: not rollback` are skipped), in
 * line mode as `run` does; with --drill, the open drill failover, as a
 * drill. Exit codes as `run`; 1 when there is no uncommitted failover, 2
 * when no fail-back runbook is configured.
 */
#include <stdio.h>
#include <stdlib.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/drills.h"
#include "drconsole/runbook/failover_commit.h"
#include "drconsole/util/util.h"

static int
cmd_rollback_run(const struct cli_options *opts, int argc, char **argv)
{
	struct failover_state st;
	struct app app;
	char *why = NULL, *failback = NULL, *run;
	int rc;

	if (argc > 2) {
		fputs("usage: drconsole [--drill | --dry-run] rollback [RUN] [--yes]\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL ||
	    app.dl.errors > 0) {
		diag_print(&app.dl, stderr);
		fputs("drconsole: configuration or environment errors: not rolling back (see drconsole lint)\n",
		      stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	if (app_refused_read_only(&app, "a failover cannot be rolled back")) {
		app_free(&app);
		return EXIT_USAGE;
	}
	if (!app_state_dir_ok(&app)) {
		app_free(&app);
		return EXIT_USAGE;
	}
	if (failover_open_for(&app.cfg, app.drill, argc == 2 ? argv[1] : NULL, &st, &why) != 0) {
		fprintf(stderr, "drconsole: nothing to roll back: %s\n", why);
		free(why);
		app_free(&app);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < app.cfg.n_runbooks && failback == NULL; i++)
		if (drill_models_of_runbooks(&app.cfg.runbooks[i], 1) & (1u << DRILL_FAILBACK))
			failback = xstrdup(app.cfg.runbooks[i]);
	if (failback == NULL) {
		fputs("drconsole: rollback: no fail-back runbook (model: failback) among the configured "
		      "runbooks\n", stderr);
		failover_state_clear(&st);
		app_free(&app);
		return EXIT_USAGE;
	}
	run = xstrdup(st.run);
	printf("Rolling back %sfailover %s with %s\n", app.drill ? "drill " : "", run, failback);
	fflush(stdout);
	failover_state_clear(&st);
	app_free(&app);
	rc = cli_run_rollback(opts, failback, run);
	free(failback);
	free(run);
	return rc;
}

const struct cli_command cmd_rollback = {
	.name = "rollback",
	.args = "[RUN] [--drill|--dry-run]",
	.summary = "undo the open failover: fail-back in its rollback form",
	.accepts = OPT_MODE | OPT_YES,
	.run = cmd_rollback_run,
};
