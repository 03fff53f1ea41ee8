/*
 * undone.c: steps whose undoing step never ran (undone.h). The journals are
 * listed (history.c), the newest run of each runbook name is replayed
 * against the runbook copy it keeps (engine.c), and each step with
 * undone_by is judged from the two steps' states and the journal's
 * put_back events.
 */
#include "drconsole/runbook/undone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/runbook/audit.h"
#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/history.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/util/util.h"

static int
step_index(const struct runbook *rb, const char *id)
{
	for (size_t i = 0; i < rb->n_steps; i++)
		if (str_eq(rb->steps[i].id, id))
			return (int)i;
	return -1;
}

/* The last event of kind what about step id in the journal, or NULL. */
static const json_t *
last_step_event(const struct journal_read *jr, const char *what, const char *id)
{
	const json_t *found = NULL;

	for (size_t i = 0; i < jr->n; i++)
		if (str_eq(json_string_value(json_object_get(jr->events[i], "event")), what) &&
		    str_eq(json_string_value(json_object_get(jr->events[i], "step")), id))
			found = jr->events[i];
	return found;
}

static void
judge_run(const struct run_info *ri, struct undone **out, size_t *n, size_t *cap)
{
	struct journal_read jr;
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb;
	struct engine e;
	char *err = NULL;

	if (journal_read(ri->path, &jr, &err) != 0) {
		free(err);
		return;
	}
	rb = history_runbook(&jr, &dl, NULL);
	diag_list_free(&dl);
	if (rb == NULL) {
		journal_read_free(&jr);
		return;
	}
	engine_init(&e, rb);
	engine_replay(&e, jr.events, jr.n);
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *st = &rb->steps[i];
		int k = st->undone_by != NULL ? step_index(rb, st->undone_by) : -1;
		const json_t *skip;
		struct undone *u;

		if (k < 0 || e.steps[i].attempts == 0 || e.steps[i].state == STEP_SKIPPED ||
		    e.steps[k].state == STEP_DONE || last_step_event(&jr, "put_back", st->id) != NULL)
			continue;
		grow_array(out, cap, *n + 1, sizeof **out);
		u = &(*out)[(*n)++];
		memset(u, 0, sizeof *u);
		u->run = xstrdup(ri->id);
		u->runbook = xstrdup(ri->name);
		u->mode = xstrdup(ri->mode);
		u->step = xstrdup(st->id);
		u->undo_step = xstrdup(st->undone_by);
		u->journal = xstrdup(ri->path);
		u->undo_state = e.steps[k].state == STEP_SKIPPED ? "skipped"
				: e.steps[k].state == STEP_FAILED ? "failed" : "not run";
		if (e.steps[k].state == STEP_SKIPPED &&
		    (skip = last_step_event(&jr, "skip", st->undone_by)) != NULL &&
		    json_string_value(json_object_get(skip, "reason")) != NULL &&
		    *json_string_value(json_object_get(skip, "reason")) != '\0')
			u->skip_reason = xstrdup(json_string_value(json_object_get(skip, "reason")));
	}
	engine_free(&e);
	runbook_free(rb);
	journal_read_free(&jr);
}

size_t
undone_find(const char *state_dir, struct undone **out)
{
	size_t n_runs = 0, n = 0, cap = 0;
	struct run_info *runs = history_list(state_dir, &n_runs);

	*out = NULL;
	for (size_t i = 0; i < n_runs; i++) {
		bool newest = true;

		if (runs[i].error != NULL || str_eq(runs[i].mode, "dry-run"))
			continue;
		for (size_t j = 0; j < n_runs && newest; j++)
			if (j != i && runs[j].error == NULL && !str_eq(runs[j].mode, "dry-run") &&
			    str_eq(runs[j].name, runs[i].name) &&
			    (runs[j].started_ms > runs[i].started_ms ||
			     (runs[j].started_ms == runs[i].started_ms && j > i)))
				newest = false;
		if (newest)
			judge_run(&runs[i], out, &n, &cap);
	}
	history_free(runs, n_runs);
	return n;
}

void
undone_free(struct undone *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].run);
		free(u[i].runbook);
		free(u[i].mode);
		free(u[i].step);
		free(u[i].undo_step);
		free(u[i].skip_reason);
		free(u[i].journal);
	}
	free(u);
}

json_t *
undone_json(const struct undone *u, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "run", u[i].run,
						   "runbook", u[i].runbook, "mode", u[i].mode,
						   "step", u[i].step, "undone_by", u[i].undo_step,
						   "undone_by_state", u[i].undo_state));
	return a;
}

char *
undone_text(const struct undone *u)
{
	const char *what = str_eq(u->undo_state, "skipped") ? "was skipped"
			   : str_eq(u->undo_state, "failed") ? "failed" : "has not run";

	return xasprintf("run %s (%s, %s) started step %s, and %s, which puts it back, %s%s%s%s",
			 u->run, u->runbook, u->mode, u->step, u->undo_step, what,
			 u->skip_reason != NULL ? " (" : "", u->skip_reason != NULL ? u->skip_reason : "",
			 u->skip_reason != NULL ? ")" : "");
}

int
undone_put_back(const char *state_dir, const char *run, const char *step, const char *user,
		char **err)
{
	struct undone *u;
	size_t n = undone_find(state_dir, &u), i;
	char *jerr = NULL;
	struct journal *j;
	struct audit *a;
	int rc = 0;

	*err = NULL;
	for (i = 0; i < n; i++)
		if (str_eq(u[i].run, run) && str_eq(u[i].step, step))
			break;
	if (i == n) {
		*err = xasprintf("run %s has no step %s left undone (drconsole status lists those "
				 "that are)", run, step);
		rc = 1;
	} else if ((j = journal_open(u[i].journal, &jerr)) == NULL) {
		bool theirs = access(u[i].journal, W_OK) != 0 && errno == EACCES;

		*err = xasprintf("%s%s", jerr != NULL ? jerr : "?",
				 theirs ? " (a teammate's run: its operator, or root, says it was put back)" : "");
		rc = 1;
	} else {
		if (journal_append(j, json_pack("{s:s,s:s,s:s,s:s}", "event", "put_back", "step", step,
						"undone_by", u[i].undo_step, "user", user), &jerr) != 0) {
			*err = xasprintf("journal %s: %s", u[i].journal, jerr != NULL ? jerr : "?");
			rc = 1;
		}
		journal_close(j);
	}
	if (rc == 0) {
		a = audit_open(state_dir, &jerr);
		/* the journal holds it: say so, but it stands */
		if (a == NULL || audit_write(a, json_pack("{s:s,s:s,s:s,s:s}", "event", "put_back", "run", run,
							 "step", step, "mode", u[i].mode), &jerr) != 0)
			*err = xasprintf("put back, but the audit log: %s", jerr != NULL ? jerr : "?");
		audit_close(a);
	}
	free(jerr);
	undone_free(u, n);
	return rc;
}
