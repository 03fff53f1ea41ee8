/*
 * cmd_check.c: `drconsole check`, a monitoring plugin (Nagios, Icinga,
 * Datadog): one summary line with perfdata, then the non-OK checks. Exit
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for a broken configuration).
 */
#include <stdio.h>

#include "drconsole/cli/app.h"
#include "drconsole/cli/status_report.h"

static int
cmd_check_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	int rc;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole check\n", stderr);
		return 3;
	}
	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL ||
	    app.dl.errors > 0) {
		printf("DRCONSOLE UNKNOWN - configuration or environment errors (run drconsole lint)\n");
		diag_print(&app.dl, stdout);
		app_free(&app);
		return 3;
	}
	rc = status_report_check(&app, stdout);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_check = {
	.name = "check",
	.args = "[--drill]",
	.summary = "monitoring-plugin check (exit 0/1/2/3)",
	.accepts = OPT_MODE,
	.run = cmd_check_run,
};
