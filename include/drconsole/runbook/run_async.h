/*
 * run_async.h: a run of the driver (run.h) on its own thread, for a UI that
 * must never block. The driver's questions and output are turned into
 * shared state that the UI thread reads under a lock and answers:
 *
 *   - show() lines go to a bounded scrollback (oldest dropped first; the
 *     number of dropped lines is kept, so line numbers stay stable);
 *   - progress() copies the step states (id, title, state, times, estimate);
 *   - confirm / confirm_typed / choose become one pending question that
 *     the run thread waits on until run_async_answer() or run_async_abort().
 *     The typed answer is compared here, in one place: a UI passes what the
 *     operator typed and never decides a match itself.
 *
 * The UI polls run_async_fd(): it becomes readable whenever the state
 * changed (call run_async_drain() before reading). Nothing here knows
 * about terminals.
 */
#ifndef DRCONSOLE_RUN_ASYNC_H
#define DRCONSOLE_RUN_ASYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/run.h"

#define RUN_ASYNC_MAX_LINES 5000	/* scrollback kept */

enum run_question_kind {
	RUN_Q_NONE,
	RUN_Q_CONFIRM,		/* yes / no (default no) */
	RUN_Q_TYPED,		/* type `expected` exactly, or cancel */
	RUN_Q_CHOOSE,		/* one of options (default dflt) */
};

struct run_question {
	enum run_question_kind kind;
	unsigned id;			/* changes with every new question */
	char *prompt;
	char *expected;			/* RUN_Q_TYPED */
	char **options;			/* RUN_Q_CHOOSE */
	size_t n_options;
	int dflt;
	size_t asked_at_line;		/* absolute line number when it was asked */
};

struct run_async_step {
	char *id;
	char *title;
	enum step_state state;
	long long started_ms, ended_ms;	/* wall clock, 0 unknown */
	long long estimate_ms;		/* -1 unknown */
	bool destructive;
	unsigned attempts;
};

/* The shared state; read it only between run_async_lock and run_async_unlock. */
struct run_async_state {
	char *run_id;			/* NULL until the run has one */
	char *runbook_name;
	enum run_mode mode;
	struct run_async_step *steps;
	size_t n_steps;
	int current;			/* -1 none */
	long long run_started_ms;	/* wall clock of the first start seen, 0 none */
	char **lines;			/* ring: lines[(first + k) % RUN_ASYNC_MAX_LINES] */
	size_t n_lines;			/* lines held (<= RUN_ASYNC_MAX_LINES) */
	size_t first;			/* ring index of the oldest held line */
	size_t dropped;			/* lines dropped from the front so far */
	struct run_question q;		/* kind RUN_Q_NONE when none is pending */
	char *waiting;			/* what the current step waits for (run_progress.waiting), or NULL */
	long long waiting_until_ms;	/* wall clock when that wait ends */
	bool finished;			/* the run thread returned */
	int rc;				/* run_execute's exit code, when finished */
	unsigned long long gen;		/* bumped on every change */
};

struct run_async;

/*
 * A bridge with no run yet: its run_ui (run_async_ui) may be handed to
 * run_execute by the caller, or run_async_start starts it on a thread.
 */
struct run_async *run_async_create(void);
/*
 * Start run_execute(p) on a new thread with this bridge as its UI (p->ui
 * and p->cancel are replaced). p and everything it points to must outlive
 * the run (until finished). -1 on failure (with *err).
 */
int run_async_start(struct run_async *ra, const struct run_params *p, char **err);
/* The callbacks that feed this bridge. */
const struct run_ui *run_async_ui(struct run_async *ra);
/* Readable when the state changed; never blocks. */
int run_async_fd(const struct run_async *ra);
void run_async_drain(struct run_async *ra);

const struct run_async_state *run_async_lock(struct run_async *ra);
void run_async_unlock(struct run_async *ra);
/* The line with absolute number k (dropped + index), or NULL when not held. Under the lock. */
const char *run_async_line(const struct run_async_state *st, size_t k);

/*
 * Answer the pending question qid (stale ids are ignored, so an answer
 * meant for an earlier question can never answer a new one). yes: for
 * RUN_Q_CONFIRM; typed: what the operator typed, for RUN_Q_TYPED (it must
 * equal expected exactly, else the answer is no); choice: for RUN_Q_CHOOSE.
 * Returns false when qid is not the pending question.
 */
bool run_async_answer(struct run_async *ra, unsigned qid, bool yes, const char *typed, int choice);
/* Cancel the running command (killed on its host; the step fails). */
void run_async_cancel(struct run_async *ra);
/*
 * The UI is going away: every question from now on gets its safe default
 * (no, cancel, stop), so the run stops at the next one. cancel_command:
 * the running command is cancelled too (the operator quit); false lets it
 * finish and be journaled (the terminal hung up: the step keeps going).
 */
void run_async_abort(struct run_async *ra, bool cancel_command);
/* Wait up to ms for the run thread; true when it finished (and was joined). */
bool run_async_wait(struct run_async *ra, int ms);
/* Free (the run must be finished, or never started). */
void run_async_free(struct run_async *ra);

#endif
