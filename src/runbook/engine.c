/*
 * engine.c: step states from journal events. The journal is the only source
 * of truth: the console and line mode append an event, then apply the same
 * event here, so a replay after a crash reaches the same state.
 */
#include "drconsole/runbook/engine.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/util/util.h"

const char *
step_state_name(enum step_state s)
{
	static const char *const names[] = {
		[STEP_PENDING] = "pending", [STEP_RUNNING] = "running",
		[STEP_DONE] = "done", [STEP_FAILED] = "failed",
		[STEP_SKIPPED] = "skipped", [STEP_INTERRUPTED] = "interrupted",
		[STEP_UNKNOWN] = "outcome unknown",
	};

	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "unknown";
}

void
engine_init(struct engine *e, const struct runbook *rb)
{
	memset(e, 0, sizeof *e);
	e->rb = rb;
	e->steps = xcalloc(rb->n_steps == 0 ? 1 : rb->n_steps, sizeof *e->steps);
	for (size_t i = 0; i < rb->n_steps; i++)
		e->steps[i].exit_status = -1;
}

static void
remote_clear(struct step_status *s)
{
	for (size_t k = 0; k < s->n_remote; k++)
		free(s->remote[k].host);
	free(s->remote);
	s->remote = NULL;
	s->n_remote = 0;
	s->remote_gone = false;
}

void
engine_free(struct engine *e)
{
	if (e->steps != NULL)
		for (size_t i = 0; i < e->rb->n_steps; i++) {
			free(e->steps[i].confirmed_by);
			remote_clear(&e->steps[i]);
		}
	free(e->steps);
	free(e->mode);
	memset(e, 0, sizeof *e);
}

static const char *
ev_str(const json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

static long long
ev_int(const json_t *ev, const char *key, long long dflt)
{
	const json_t *v = json_object_get(ev, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

void
engine_apply(struct engine *e, const json_t *ev)
{
	const char *event = ev_str(ev, "event"), *step = ev_str(ev, "step");
	long long t = ev_int(ev, "t", 0);
	struct step_status *s = NULL;
	int i = -1;

	if (event == NULL)
		return;
	if (step != NULL) {
		i = runbook_step_index(e->rb, step);
		if (i < 0)
			return;
		s = &e->steps[i];
	}
	if (strcmp(event, "run_start") == 0) {
		e->started = true;
		e->run_started_ms = t;
		free(e->mode);
		e->mode = ev_str(ev, "mode") != NULL ? xstrdup(ev_str(ev, "mode")) : NULL;
	} else if (strcmp(event, "run_end") == 0) {
		e->finished = true;
	} else if (strcmp(event, "override") == 0) {
		e->overridden = true;
	} else if (strcmp(event, "preflight") == 0) {
		/* an override answers the preflight before it, not a later one */
		e->preflight_seen = true;
		e->preflight_nogo = (int)ev_int(ev, "nogo", 1);
		e->overridden = false;
	} else if (s == NULL) {
		return;
	} else if (strcmp(event, "step_start") == 0) {
		remote_clear(s);
		s->state = STEP_RUNNING;
		s->started_ms = t;
		s->ended_ms = 0;
		s->attempts++;
		free(s->confirmed_by);
		s->confirmed_by = ev_str(ev, "user") != NULL ? xstrdup(ev_str(ev, "user")) : NULL;
	} else if (strcmp(event, "step_end") == 0) {
		json_t *ok = json_object_get(ev, "ok");

		s->state = json_is_true(ok) ? STEP_DONE : STEP_FAILED;
		s->ended_ms = t;
		s->exit_status = (int)ev_int(ev, "exit", -1);
		if (str_eq(ev_str(ev, "outcome"), "unknown")) {
			const json_t *rem = json_object_get(ev, "remote");
			size_t k;
			json_t *v;

			s->state = STEP_UNKNOWN;
			s->exit_status = -1;
			remote_clear(s);
			s->remote = xcalloc(json_array_size(rem) + 1, sizeof *s->remote);
			json_array_foreach(rem, k, v) {
				const char *h = ev_str(v, "host");

				s->remote[s->n_remote].host = xstrdup(h != NULL ? h : "?");
				s->remote[s->n_remote++].pid = (long)ev_int(v, "pid", 0);
			}
		}
		if (s->state == STEP_DONE && e->rb->steps[i].restores_service &&
		    e->service_restored_ms == 0)
			e->service_restored_ms = t;
	} else if (strcmp(event, "skip") == 0) {
		s->state = STEP_SKIPPED;
		s->ended_ms = t;
	} else if (strcmp(event, "remote_check") == 0) {
		if (s->state == STEP_UNKNOWN)
			s->remote_gone = json_is_false(json_object_get(ev, "running"));
	} else if (strcmp(event, "decision") == 0) {
		const char *d = ev_str(ev, "decision");

		if (str_eq(d, "rerun"))
			s->state = STEP_PENDING;
		else if (str_eq(d, "mark_done"))
			s->state = STEP_DONE;
		else if (str_eq(d, "skip"))
			s->state = STEP_SKIPPED;
		s->ended_ms = t;
	}
}

void
engine_replay(struct engine *e, json_t *const *events, size_t n)
{
	for (size_t i = 0; i < n; i++)
		engine_apply(e, events[i]);
	for (size_t i = 0; i < e->rb->n_steps; i++)
		if (e->steps[i].state == STEP_RUNNING)
			e->steps[i].state = STEP_INTERRUPTED;
}

int
engine_current(const struct engine *e)
{
	for (size_t i = 0; i < e->rb->n_steps; i++)
		if (e->steps[i].state != STEP_DONE && e->steps[i].state != STEP_SKIPPED)
			return (int)i;
	return -1;
}

bool
engine_can_start(const struct engine *e, int i, const char **why)
{
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (i < 0 || (size_t)i >= e->rb->n_steps) {
		*why = "no such step";
		return false;
	}
	if (e->finished) {
		*why = "the run has ended";
		return false;
	}
	for (int k = 0; k < i; k++) {
		if (e->steps[k].state != STEP_DONE && e->steps[k].state != STEP_SKIPPED) {
			*why = "an earlier step is not done or skipped";
			return false;
		}
	}
	switch (e->steps[i].state) {
	case STEP_PENDING:
		*why = NULL;
		return true;
	case STEP_RUNNING:
		*why = "the step is running";
		return false;
	case STEP_DONE:
	case STEP_SKIPPED:
		*why = "the step is already finished";
		return false;
	case STEP_FAILED:
		*why = "the step failed: decide to re-run or skip it";
		return false;
	case STEP_INTERRUPTED:
		*why = "the step was interrupted: verify, then re-run, mark done or skip";
		return false;
	case STEP_UNKNOWN:
		*why = "the step's outcome is unknown (its command may still be running): "
		       "check it, then decide";
		return false;
	}
	return false;
}

static json_t *
ev_new(const char *event)
{
	return json_pack("{s:s}", "event", event);
}

json_t *
engine_ev_run_start(const struct runbook *rb, const char *mode, const char *user)
{
	json_t *ev = ev_new("run_start");

	json_object_set_new(ev, "runbook", json_string(rb->path != NULL ? rb->path : ""));
	json_object_set_new(ev, "name", json_string(rb->name != NULL ? rb->name : ""));
	json_object_set_new(ev, "model", json_string(rb_model_name(rb->model)));
	json_object_set_new(ev, "mode", json_string(mode));
	json_object_set_new(ev, "user", json_string(user));
	return ev;
}

json_t *
engine_ev_step_start(const struct rb_step *st, const char *user, const char *target)
{
	json_t *ev = ev_new("step_start");

	json_object_set_new(ev, "step", json_string(st->id));
	json_object_set_new(ev, "user", json_string(user));
	if (target != NULL)
		json_object_set_new(ev, "target", json_string(target));
	return ev;
}

json_t *
engine_ev_step_end(const struct rb_step *st, int exit_status, bool ok, long long duration_ms)
{
	json_t *ev = ev_new("step_end");

	json_object_set_new(ev, "step", json_string(st->id));
	json_object_set_new(ev, "exit", json_integer(exit_status));
	json_object_set_new(ev, "ok", json_boolean(ok));
	json_object_set_new(ev, "duration_ms", json_integer(duration_ms));
	return ev;
}

json_t *
engine_ev_step_unknown(const struct rb_step *st, const struct step_remote *remote, size_t n,
		       long long duration_ms)
{
	json_t *ev = engine_ev_step_end(st, -1, false, duration_ms);
	json_t *rem = json_array();

	json_object_set_new(ev, "outcome", json_string("unknown"));
	for (size_t k = 0; k < n; k++)
		json_array_append_new(rem, json_pack("{s:s,s:I}", "host", remote[k].host,
						     "pid", (json_int_t)remote[k].pid));
	json_object_set_new(ev, "remote", rem);
	return ev;
}

json_t *
engine_ev_remote_check(const struct rb_step *st, bool running, const char *user)
{
	json_t *ev = ev_new("remote_check");

	json_object_set_new(ev, "step", json_string(st->id));
	json_object_set_new(ev, "running", json_boolean(running));
	json_object_set_new(ev, "user", json_string(user));
	return ev;
}

json_t *
engine_ev_skip(const struct rb_step *st, const char *user, const char *reason)
{
	json_t *ev = ev_new("skip");

	json_object_set_new(ev, "step", json_string(st->id));
	json_object_set_new(ev, "user", json_string(user));
	json_object_set_new(ev, "reason", json_string(reason != NULL ? reason : ""));
	return ev;
}

json_t *
engine_ev_decision(const struct rb_step *st, enum step_decision d, const char *user)
{
	static const char *const names[] = {
		[DECIDE_RERUN] = "rerun", [DECIDE_MARK_DONE] = "mark_done",
		[DECIDE_SKIP] = "skip",
	};
	json_t *ev = ev_new("decision");

	json_object_set_new(ev, "step", json_string(st->id));
	json_object_set_new(ev, "decision", json_string(names[d]));
	json_object_set_new(ev, "user", json_string(user));
	return ev;
}

json_t *
engine_ev_override(const char *user, const char *reason)
{
	json_t *ev = ev_new("override");

	json_object_set_new(ev, "user", json_string(user));
	json_object_set_new(ev, "reason", json_string(reason != NULL ? reason : ""));
	return ev;
}

json_t *
engine_ev_run_end(const char *outcome)
{
	json_t *ev = ev_new("run_end");

	json_object_set_new(ev, "outcome", json_string(outcome));
	return ev;
}
