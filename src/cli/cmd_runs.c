/*
 * cmd_runs.c: `drconsole runs`: past runs from the journals under
 * STATE_DIR/runs: id, runbook, mode, start (UTC), outcome, who. A run
 * without a run_end is "unfinished" (it can be resumed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/history.h"
#include "drconsole/util/sanitize.h"

static int
cmd_runs_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	struct run_info *runs;
	size_t n;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole runs\n", stderr);
		return EXIT_USAGE;
	}
	if (!app_load_state(&app, opts))
		return EXIT_USAGE;
	runs = history_list(app.cfg.state_dir, &n);
	printf("%-40s %-32s %-8s %-20s %-12s %s\n", "RUN", "RUNBOOK", "MODE", "START (UTC)",
	       "OUTCOME", "WHO");
	for (size_t i = 0; i < n; i++) {
		const struct run_info *ri = &runs[i];
		char start[32] = "?", *name;

		if (ri->error != NULL) {
			printf("%-40s (unreadable: %s)\n", ri->id, ri->error);
			continue;
		}
		if (ri->started_ms > 0) {
			time_t t = (time_t)(ri->started_ms / 1000);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(start, sizeof start, "%Y-%m-%d %H:%M:%S", &tm);
		}
		/* cut to its column only once sanitised: never inside a sequence */
		name = sanitize_string(ri->name, strlen(ri->name), SANITIZE_ONE_LINE);
		printf("%-40s %-32.32s %-8s %-20s %-12s %s\n", ri->id, name, ri->mode, start,
		       ri->outcome != NULL ? ri->outcome : "unfinished", ri->user);
		free(name);
	}
	history_free(runs, n);
	app_free(&app);
	return EXIT_OK;
}

const struct cli_command cmd_runs = {
	.name = "runs",
	.args = "",
	.summary = "list past runs (journals under the state dir)",
	.accepts = 0,
	.run = cmd_runs_run,
};
