/*
 * cmd_watch.c: `drconsole watch [RUN]`: follow a run live from its journal,
 * one line per step event, until the run ends. Without RUN, the newest
 * unfinished run. Read-only: it works in read-only mode and for any
 * operator who can read the state dir (the shared setup in README).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/cli/app.h"
#include "drconsole/util/util.h"
#include "drconsole/runbook/watch.h"

#define WATCH_POLL_MS 200

static int
cmd_watch_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	struct journal_tail t = { 0 };
	char *id, *err = NULL;
	bool ended = false;
	int rc = EXIT_OK;

	if (argc > 2) {
		fputs("usage: drconsole watch [RUN]\n", stderr);
		return EXIT_USAGE;
	}
	if (!app_load_state(&app, opts))
		return EXIT_USAGE;
	id = argc == 2 ? xstrdup(argv[1]) : watch_active_run(app.cfg.state_dir);
	if (id == NULL) {
		fprintf(stderr, "drconsole: watch: no unfinished run under %s/runs (drconsole runs lists them)\n",
			app.cfg.state_dir);
		app_free(&app);
		return EXIT_RUNTIME;
	}
	if (strchr(id, '/') != NULL || strcmp(id, "..") == 0) {
		fprintf(stderr, "drconsole: watch: '%s' is not a run id (drconsole runs lists them)\n", id);
		free(id);
		app_free(&app);
		return EXIT_USAGE;
	}
	t.path = xasprintf("%s/runs/%s.journal", app.cfg.state_dir, id);
	printf("Watching run %s (journal %s); read-only, Ctrl-C stops watching, not the run\n", id, t.path);
	fflush(stdout);
	while (!ended) {
		json_t **evs;
		size_t n;

		if (journal_tail_read(&t, &evs, &n, &err) != 0) {
			fprintf(stderr, "drconsole: watch: %s\n", err);
			free(err);
			rc = t.offset == 0 ? EXIT_USAGE : EXIT_RUNTIME;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			char *line = watch_format_event(evs[i]);

			if (line != NULL)
				printf("%s\n", line);
			free(line);
			ended |= str_eq(json_string_value(json_object_get(evs[i], "event")), "run_end");
			json_decref(evs[i]);
		}
		free(evs);
		fflush(stdout);
		if (!ended) {
			struct timespec ts = { 0, WATCH_POLL_MS * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	free(t.path);
	free(id);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_watch = {
	.name = "watch",
	.args = "[RUN]",
	.summary = "follow a run live from its journal (read-only)",
	.accepts = OPT_MODE,
	.run = cmd_watch_run,
};
