/*
 * history.c: past runs from their journals. The journal is the only record
 * of a run (engine.h): its run_start names the runbook, mode and user, its
 * run_end the outcome; a journal without run_end is an unfinished run.
 */
#include "drconsole/runbook/history.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/digest.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/util/util.h"

struct runbook *
history_runbook(const struct journal_read *jr, struct diag_list *dl, bool *from_copy)
{
	const json_t *rs = NULL, *text;
	const char *path, *sum;
	char hex[DIGEST_SHA256_HEX_LEN + 1];

	if (from_copy != NULL)
		*from_copy = false;
	for (size_t i = 0; i < jr->n && rs == NULL; i++)
		if (str_eq(json_string_value(json_object_get(jr->events[i], "event")), "run_start"))
			rs = jr->events[i];
	path = rs != NULL ? json_string_value(json_object_get(rs, "runbook")) : NULL;
	if (path == NULL || *path == '\0') {
		diag_error(dl, "journal", 0, 0, "no runbook recorded (no run_start event)");
		return NULL;
	}
	text = json_object_get(rs, "runbook_text");
	sum = json_string_value(json_object_get(rs, "runbook_sha256"));
	if (!json_is_string(text) && sum == NULL)
		return runbook_load(path, dl);
	if (!json_is_string(text) || sum == NULL) {
		diag_error(dl, path, 0, 0, "the journal's copy of the runbook is incomplete");
		return NULL;
	}
	digest_sha256_hex(json_string_value(text), json_string_length(text), hex);
	if (strcmp(hex, sum) != 0) {
		diag_error(dl, path, 0, 0, "the journal's copy of the runbook does not match its "
			   "sha256 %s", sum);
		return NULL;
	}
	if (from_copy != NULL)
		*from_copy = true;
	return runbook_load_buffer(path, json_string_value(text), json_string_length(text), dl);
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct run_info *)a)->id, ((const struct run_info *)b)->id);
}

static char *
ev_dup(const json_t *ev, const char *key, const char *dflt)
{
	const char *s = ev != NULL ? json_string_value(json_object_get(ev, key)) : NULL;

	return xstrdup(s != NULL ? s : dflt);
}

static void
read_info(struct run_info *ri)
{
	struct journal_read jr;
	const json_t *rs = NULL, *re = NULL;
	char *err = NULL;

	if (journal_read(ri->path, &jr, &err) != 0) {
		ri->error = err;
		jr.n = 0;
		jr.events = NULL;
	}
	for (size_t k = 0; k < jr.n; k++) {
		const char *ev = json_string_value(json_object_get(jr.events[k], "event"));

		if (str_eq(ev, "run_start") && rs == NULL)
			rs = jr.events[k];
		else if (str_eq(ev, "run_end"))
			re = jr.events[k];
	}
	ri->runbook = ev_dup(rs, "runbook", "");
	ri->name = ev_dup(rs, "name", "?");
	ri->mode = ev_dup(rs, "mode", "?");
	ri->user = ev_dup(rs, "user", "?");
	ri->outcome = re != NULL ? ev_dup(re, "outcome", "?") : NULL;
	ri->started_ms = rs != NULL ? (long long)json_integer_value(json_object_get(rs, "t")) : 0;
	if (ri->error == NULL)
		journal_read_free(&jr);
}

struct run_info *
history_list(const char *state_dir, size_t *n)
{
	struct run_info *runs = NULL;
	size_t cap = 0;
	char *dir = xasprintf("%s/runs", state_dir);
	DIR *d = opendir(dir);
	struct dirent *de;

	*n = 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		struct run_info *ri;

		if (!str_ends_with(de->d_name, ".journal"))
			continue;
		grow_array(&runs, &cap, *n + 1, sizeof *runs);
		ri = &runs[(*n)++];
		memset(ri, 0, sizeof *ri);
		ri->path = xasprintf("%s/%s", dir, de->d_name);
		ri->id = xstrndup(de->d_name, strlen(de->d_name) - strlen(".journal"));
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	if (*n > 0)
		qsort(runs, *n, sizeof *runs, cmp_id);
	for (size_t i = 0; i < *n; i++)
		read_info(&runs[i]);
	return runs;
}

void
history_free(struct run_info *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(runs[i].id);
		free(runs[i].path);
		free(runs[i].runbook);
		free(runs[i].name);
		free(runs[i].mode);
		free(runs[i].user);
		free(runs[i].outcome);
		free(runs[i].error);
	}
	free(runs);
}

int
history_last_drill(const char *state_dir, double rpo_objective_s, double rto_objective_s,
		   struct report_summary *out, char **run_id)
{
	size_t n;
	struct run_info *runs = history_list(state_dir, &n);
	const struct run_info *best = NULL;
	struct journal_read jr;
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb;
	char *err = NULL;
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		if (runs[i].outcome != NULL && run_mode_parse(runs[i].mode) == RUN_DRILL &&
		    (best == NULL || runs[i].started_ms > best->started_ms))
			best = &runs[i];
	if (best != NULL && journal_read(best->path, &jr, &err) == 0) {
		if ((rb = history_runbook(&jr, &dl, NULL)) != NULL) {
			struct report_input in = {
				.rb = rb, .journal = &jr, .run_id = best->id,
				.rpo_objective_s = rpo_objective_s, .rto_objective_s = rto_objective_s,
			};

			report_summarise(&in, out);
			if (run_id != NULL)
				*run_id = xstrdup(best->id);
			runbook_free(rb);
			rc = 0;
		}
		journal_read_free(&jr);
	}
	free(err);
	diag_list_free(&dl);
	history_free(runs, n);
	return rc;
}
