/*
 * cmd_runs.c: `drconsole runs`: past runs from the journals under
 * STATE_DIR/runs: id, runbook, mode, start (UTC), outcome, who. A run
 * without a run_end is "unfinished" (it can be resumed).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/app.h"
#include "drconsole/journal.h"
#include "drconsole/util.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *
ev_s(const json_t *ev, const char *k)
{
	const char *s = json_string_value(json_object_get(ev, k));

	return s != NULL ? s : "?";
}

static int
cmd_runs_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	char *dir, **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	struct dirent *de;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole runs\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load(&app, opts) != 0) {
		diag_print(&app.dl, stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	dir = xasprintf("%s/runs", app.cfg.state_dir);
	d = opendir(dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (!str_ends_with(de->d_name, ".journal"))
			continue;
		grow_array(&names, &cap, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	if (d != NULL)
		closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	printf("%-40s %-32s %-8s %-20s %-12s %s\n", "RUN", "RUNBOOK", "MODE", "START (UTC)",
	       "OUTCOME", "WHO");
	for (size_t i = 0; i < n; i++) {
		struct journal_read jr;
		char *path = xasprintf("%s/%s", dir, names[i]), *err = NULL, start[32] = "?";
		const json_t *rs = NULL, *re = NULL;

		names[i][strlen(names[i]) - 8] = '\0';
		if (journal_read(path, &jr, &err) != 0) {
			printf("%-40s (unreadable: %s)\n", names[i], err);
			free(err);
			free(path);
			continue;
		}
		for (size_t k = 0; k < jr.n; k++) {
			const char *ev = ev_s(jr.events[k], "event");

			if (strcmp(ev, "run_start") == 0 && rs == NULL)
				rs = jr.events[k];
			else if (strcmp(ev, "run_end") == 0)
				re = jr.events[k];
		}
		if (rs != NULL) {
			time_t t = (time_t)(json_integer_value(json_object_get(rs, "t")) / 1000);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(start, sizeof start, "%Y-%m-%d %H:%M:%S", &tm);
		}
		printf("%-40s %-32.32s %-8s %-20s %-12s %s\n", names[i],
		       rs != NULL ? ev_s(rs, "name") : "?", rs != NULL ? ev_s(rs, "mode") : "?", start,
		       re != NULL ? ev_s(re, "outcome") : "unfinished", rs != NULL ? ev_s(rs, "user") : "?");
		journal_read_free(&jr);
		free(path);
	}
	str_array_free(names, n);
	free(dir);
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
