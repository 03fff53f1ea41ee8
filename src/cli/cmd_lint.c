/*
 * cmd_lint.c: `drconsole lint [--json]`: the configuration and both
 * environment directories; every problem with file:line:col. Exit 2 when
 * there are errors, 0 otherwise (warnings alone do not fail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/cli/app.h"
#include "drconsole/config/drift.h"
#include "drconsole/config/lint.h"
#include "drconsole/cli/output.h"
#include "drconsole/runbook/run_lint.h"
#include "drconsole/util/sanitize.h"

static int
cmd_lint_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	int rc;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole lint [--json]\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load_strict(&app, opts) == 0) {
		lint_sites(app.sites[SITE_PRIMARY], app.sites[SITE_SECONDARY], &app.dl);
		if (app.cfg.n_drift_ignore > 0 && app.sites[SITE_PRIMARY] != NULL &&
		    app.sites[SITE_SECONDARY] != NULL) {
			struct drift d;

			drift_compare(app.sites[SITE_PRIMARY], app.sites[SITE_SECONDARY], &d);
			drift_unmatched_ignores(&d, &app.cfg, &app.dl);
			drift_free(&d);
		}
		/* runbooks: syntax, unknown variables, hosts, groups and probes */
		for (size_t i = 0; i < app.cfg.n_runbooks; i++) {
			struct runbook *rb = runbook_load(app.cfg.runbooks[i], &app.dl);

			if (rb != NULL && app.sites[SITE_PRIMARY] != NULL &&
			    app.sites[SITE_SECONDARY] != NULL)
				run_lint_runbook(rb, &app.cfg, app.sites, &app.dl);
			runbook_free(rb);
		}
	}
	lint_sort(&app.dl);
	if (opts->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < app.dl.n; i++) {
			const struct diag *d = &app.dl.items[i];
			/* names from env dirs may be any bytes: JSON needs UTF-8 */
			char *file = d->file != NULL ? sanitize_utf8(d->file, strlen(d->file)) : NULL;
			char *msg = sanitize_utf8(d->message, strlen(d->message));

			json_array_append_new(arr, json_pack("{s:s?,s:i,s:i,s:s,s:s}",
				"file", file, "line", (int)d->line, "column", (int)d->col,
				"severity", diag_severity_name(d->severity), "message", msg));
			free(file);
			free(msg);
		}
		output_json(arr, stdout, JSON_INDENT(2));
		json_decref(arr);
	} else {
		diag_print(&app.dl, stdout);
		printf("%zu error%s, %zu warning%s\n", app.dl.errors, app.dl.errors == 1 ? "" : "s",
		       app.dl.warnings, app.dl.warnings == 1 ? "" : "s");
	}
	rc = app.dl.errors > 0 ? EXIT_USAGE : EXIT_OK;
	app_free(&app);
	return rc;
}

const struct cli_command cmd_lint = {
	.name = "lint",
	.args = "[--json]",
	.summary = "check the configuration and both env dirs",
	.accepts = OPT_JSON,
	.run = cmd_lint_run,
};
