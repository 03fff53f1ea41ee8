/*
 * cmd_drift.c: `drconsole drift [--json]`. Exit 0 when no suspicious
 * drift, 1 when there is some, 2 on configuration errors.
 */
#include <stdio.h>

#include "drconsole/app.h"
#include "drconsole/drift.h"
#include "drconsole/output.h"

static void
print_group(const struct app *app, const struct drift *d, bool expected)
{
	static const char *const kinds[] = { "changed", "primary only", "secondary only" };
	const char *dirs[2] = { app->sites[0]->env_dir, app->sites[1]->env_dir };

	printf("%s (%zu)\n", expected ? "Expected differences" : "SUSPICIOUS differences",
	       expected ? d->n - d->suspicious : d->suspicious);
	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *it = &d->items[i];

		if (it->expected != expected)
			continue;
		printf("  %s: %s  [%s%s%s]\n", it->file, it->path, kinds[it->kind],
		       expected ? ": " : "", expected ? it->why : "");
		if (it->primary != NULL)
			printf("      primary   %s/%s:%u  %s\n", dirs[0], it->file, it->primary_line, it->primary);
		if (it->secondary != NULL)
			printf("      secondary %s/%s:%u  %s\n", dirs[1], it->file, it->secondary_line,
			       it->secondary);
	}
}

static int
cmd_drift_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	struct drift d;
	int rc;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole drift [--json]\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL ||
	    app.dl.errors > 0) {
		diag_print(&app.dl, stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	drift_compare(app.sites[SITE_PRIMARY], app.sites[SITE_SECONDARY], &d);
	if (opts->json) {
		json_t *j = drift_to_json(&d);

		output_json(j, stdout, JSON_INDENT(2));
		json_decref(j);
	} else {
		print_group(&app, &d, false);
		putchar('\n');
		print_group(&app, &d, true);
	}
	rc = d.suspicious > 0 ? EXIT_RUNTIME : EXIT_OK;
	drift_free(&d);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_drift = {
	.name = "drift",
	.args = "[--json]",
	.summary = "configuration drift between the two env dirs",
	.accepts = OPT_JSON,
	.run = cmd_drift_run,
};
