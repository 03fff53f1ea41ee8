/*
 * engine.h: the step state machine of a runbook run. State is derived from
 * the journal alone (engine_replay), so a run resumed after a crash sees
 * exactly what the journal recorded: a step that was started and never
 * ended is INTERRUPTED and needs an explicit decision (re-run, mark done
 * after checking, skip) — it is never re-run silently.
 *
 * A step whose command timed out or was cancelled and whose end on its host
 * could not be confirmed is UNKNOWN: the command may still be running there
 * (the journal keeps each such host and its remote pid). It needs a
 * decision too; re-running it is offered only once a check has found the
 * command gone (a "remote_check" event).
 *
 * Order rule: a step may start only when every step before it is DONE or
 * SKIPPED.
 */
#ifndef DRCONSOLE_ENGINE_H
#define DRCONSOLE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "drconsole/runbook/runbook.h"

enum step_state {
	STEP_PENDING,
	STEP_RUNNING,
	STEP_DONE,
	STEP_FAILED,
	STEP_SKIPPED,
	STEP_INTERRUPTED,
	STEP_UNKNOWN,		/* timed out or cancelled, end not confirmed */
};

const char *step_state_name(enum step_state s);

enum step_decision {
	DECIDE_RERUN,		/* interrupted or failed: run it again */
	DECIDE_MARK_DONE,	/* interrupted: the operator checked it completed */
	DECIDE_SKIP,
};

/* A host where an UNKNOWN step's command may still run. */
struct step_remote {
	char *host;			/* inventory name */
	long pid;			/* the command's process group and session, 0 unknown */
};

struct step_status {
	enum step_state state;
	long long started_ms;		/* wall clock of the last start, 0 never */
	long long ended_ms;
	int exit_status;		/* of the last attempt, -1 unknown */
	unsigned attempts;
	char *confirmed_by;		/* who confirmed the last start */
	struct step_remote *remote;	/* UNKNOWN: where the command may still run */
	size_t n_remote;
	bool remote_gone;		/* UNKNOWN: a check found every such command gone */
};

struct engine {
	const struct runbook *rb;
	struct step_status *steps;	/* rb->n_steps */
	bool started;			/* run_start seen */
	bool finished;			/* run_end seen */
	bool overridden;		/* the last preflight's no-go was overridden */
	bool preflight_seen;		/* a preflight result is journaled */
	int preflight_nogo;		/* failed checks of the last preflight */
	long long run_started_ms;
	long long service_restored_ms;	/* 0 until a restores_service step is done */
	char *mode;			/* "live", "drill", "dry-run" */
};

void engine_init(struct engine *e, const struct runbook *rb);
void engine_free(struct engine *e);
/*
 * Apply one journal event (an object with "event", "step", ...). Unknown
 * events and unknown step ids are ignored (a newer journal format, or a
 * runbook edited since: a resume and a report use the copy of the runbook
 * the journal keeps, see history_runbook).
 */
void engine_apply(struct engine *e, const json_t *ev);
/* Apply a whole journal, then mark every still-running step INTERRUPTED. */
void engine_replay(struct engine *e, json_t *const *events, size_t n);
/* The first step that is not DONE or SKIPPED, or -1 when the run is complete. */
int engine_current(const struct engine *e);
/* May step i start now (order rule, and not interrupted/failed without a decision)? */
bool engine_can_start(const struct engine *e, int i, const char **why);

/* Journal events (new references), to append before acting. */
json_t *engine_ev_run_start(const struct runbook *rb, const char *mode, const char *user);
json_t *engine_ev_step_start(const struct rb_step *st, const char *user, const char *target);
json_t *engine_ev_step_end(const struct rb_step *st, int exit_status, bool ok, long long duration_ms);
/*
 * A step_end whose outcome is unknown: the command timed out or was
 * cancelled and its end was not confirmed on hosts[i] (remote pid pids[i]).
 */
json_t *engine_ev_step_unknown(const struct rb_step *st, const struct step_remote *remote,
			       size_t n, long long duration_ms);
/* The result of checking an UNKNOWN step's commands: still running, or gone. */
json_t *engine_ev_remote_check(const struct rb_step *st, bool running, const char *user);
json_t *engine_ev_skip(const struct rb_step *st, const char *user, const char *reason);
json_t *engine_ev_decision(const struct rb_step *st, enum step_decision d, const char *user);
json_t *engine_ev_override(const char *user, const char *reason);
json_t *engine_ev_run_end(const char *outcome);

#endif
