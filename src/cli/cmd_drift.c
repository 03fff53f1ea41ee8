/*
 * cmd_drift.c: `drconsole drift [--json] [--explain KEY]`. Suspicious
 * findings first, grouped by file (the file with the worst finding first),
 * then the capacity table (primary vs secondary), the accepted findings
 * (drift_ignore) and the expected ones. Exit 0 when nothing is suspicious,
 * 1 when something is, 2 on configuration errors.
 */
#include <stdio.h>
#include <string.h>

#include "drconsole/cli/app.h"
#include "drconsole/config/drift.h"
#include "drconsole/cli/output.h"

/* "dir/file:line", or "dir" for a finding about a whole file. */
static void
print_side(const char *label, const char *dir, const struct drift_item *it, const char *value,
	   unsigned line)
{
	if (value == NULL) {
		printf("      %-9s (absent)\n", label);
		return;
	}
	if (strcmp(it->file, "env dir") == 0)
		printf("      %-9s %s/%s\n", label, dir, it->path);
	else if (line > 0)
		printf("      %-9s %s/%s:%u  %s\n", label, dir, it->file, line, value);
	else
		printf("      %-9s %s/%s  %s\n", label, dir, it->file, value);
}

static void
print_item(const struct app *app, const struct drift_item *it)
{
	printf("  %-9s %s", drift_kind_name(it->kind), it->path);
	if (it->other_path != NULL)
		printf(" / %s", it->other_path);
	printf("\n      why       %s\n", it->why);
	if (it->accepted)
		printf("      accepted  %s\n", it->accepted_reason);
	print_side("primary", app->sites[0]->env_dir, it, it->primary, it->primary_line);
	print_side("secondary", app->sites[1]->env_dir, it, it->secondary, it->secondary_line);
}

enum section { SEC_SUSPICIOUS, SEC_ACCEPTED, SEC_EXPECTED };

static bool
in_section(const struct drift_item *it, enum section sec)
{
	switch (sec) {
	case SEC_SUSPICIOUS:
		return drift_item_suspicious(it);
	case SEC_ACCEPTED:
		return it->accepted;
	case SEC_EXPECTED:
		return !it->accepted && it->kind == DRIFT_EXPECTED;
	}
	return false;
}

static void
print_section(const struct app *app, const struct drift *d, enum section sec, const char *title)
{
	const char *file = NULL;
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += in_section(&d->items[i], sec);
	printf("%s (%zu)\n", title, n);
	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *it = &d->items[i];

		if (!in_section(it, sec))
			continue;
		if (file == NULL || strcmp(file, it->file) != 0) {
			printf(" %s\n", it->file);
			file = it->file;
		}
		print_item(app, it);
	}
	putchar('\n');
}

static void
print_capacity(const struct drift *d)
{
	size_t n = 0;
	int w = 4;

	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].kind == DRIFT_CAPACITY && !d->items[i].accepted) {
			n++;
			if ((int)strlen(d->items[i].path) > w)
				w = (int)strlen(d->items[i].path);
		}
	printf("Capacity, primary vs secondary (%zu): informational for a pilot-light secondary\n", n);
	if (n > 0)
		printf("  %-18s %-*s %-10s %s\n", "file", w, "what", "primary", "secondary");
	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *it = &d->items[i];

		if (it->kind != DRIFT_CAPACITY || it->accepted)
			continue;
		printf("  %-18s %-*s %-10s %s\n", it->file, w, it->path,
		       it->primary != NULL ? it->primary : "-", it->secondary != NULL ? it->secondary : "-");
	}
	putchar('\n');
}

static int
explain(const struct app *app, const struct drift *d, const char *key)
{
	size_t shown = 0, suspicious = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *it = &d->items[i];

		if (!drift_item_matches(it, key))
			continue;
		printf("%s: %s (%s)\n", it->file, it->path,
		       drift_item_suspicious(it) ? "suspicious" : it->accepted ? "accepted" : "informational");
		print_item(app, it);
		shown++;
		suspicious += drift_item_suspicious(it);
	}
	if (shown == 0)
		printf("%s: no difference between %s and %s\n", key, app->sites[0]->env_name,
		       app->sites[1]->env_name);
	return suspicious > 0 ? EXIT_RUNTIME : EXIT_OK;
}

static int
cmd_drift_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	struct drift d;
	int rc;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole drift [--json] [--explain KEY]\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL ||
	    app.dl.errors > 0) {
		diag_print(&app.dl, stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	drift_compare(app.sites[SITE_PRIMARY], app.sites[SITE_SECONDARY], &d);
	drift_accept(&d, &app.cfg);
	if (opts->explain == NULL) {	/* entries that accept nothing, on stderr */
		struct diag_list dl = DIAG_LIST_INIT;

		drift_unmatched_ignores(&d, &app.cfg, &dl);
		diag_print(&dl, stderr);
		diag_list_free(&dl);
	}
	if (opts->explain != NULL) {
		rc = explain(&app, &d, opts->explain);
		drift_free(&d);
		app_free(&app);
		return rc;
	}
	if (opts->json) {
		json_t *j = drift_to_json(&d);

		output_json(j, stdout, JSON_INDENT(2));
		json_decref(j);
	} else {
		printf("drift %s -> %s: %zu suspicious, %zu accepted, %zu capacity, %zu expected\n\n",
		       app.sites[0]->env_name, app.sites[1]->env_name, d.suspicious, d.accepted,
		       d.by_kind[DRIFT_CAPACITY], d.by_kind[DRIFT_EXPECTED]);
		print_section(&app, &d, SEC_SUSPICIOUS, "SUSPICIOUS differences, worst file first");
		print_capacity(&d);
		if (d.accepted > 0)
			print_section(&app, &d, SEC_ACCEPTED, "Accepted differences (drift_ignore)");
		print_section(&app, &d, SEC_EXPECTED, "Expected differences");
	}
	rc = d.suspicious > 0 ? EXIT_RUNTIME : EXIT_OK;
	drift_free(&d);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_drift = {
	.name = "drift",
	.args = "[--json] [--explain KEY]",
	.summary = "configuration drift between the two env dirs",
	.accepts = OPT_JSON | OPT_EXPLAIN,
	.run = cmd_drift_run,
};
