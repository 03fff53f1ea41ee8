/*
 * run.h: the run driver. Runs a runbook end to end, independent of any UI:
 * renders every step with variables from both site models, the config and
 * the runbook's vars (every substituted value shell-quoted unless marked
 * raw), resolves targets, evaluates `when`, runs steps over an executor,
 * evaluates checks (a command, or a probe condition over a one-shot probe
 * run), verifies (command or SQL), and asks the operator through a small
 * callback interface shared by line mode and the console.
 *
 * Order of every action: journal (fsync) first, then act. The run lock on
 * the secondary's control host is held for the whole run (not in dry-run).
 * Modes: live, drill (labelled DRILL everywhere, timed), dry-run (every
 * command rendered with its host, nothing executed; probe checks are still
 * evaluated) and read-only. run_execute is the one gate for read-only: every
 * front end passes its mode here, and a read-only run is refused before
 * anything is loaded, journaled or executed; an executor the driver builds
 * for a read-only run refuses every command as well. Unattended confirmation
 * (`yes`) is refused unless the mode is drill and the secondary site is
 * marked drill_target.
 */
#ifndef DRCONSOLE_RUN_H
#define DRCONSOLE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/config/config.h"
#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/executor.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/config/site.h"
#include "drconsole/probe/status.h"

/* A view of a run for a UI's checklist (see run_ui.progress). */
struct run_progress {
	const char *run_id;		/* NULL before the run has one */
	const struct runbook *rb;
	const struct engine *eng;	/* step states, started/ended times */
	enum run_mode mode;
	int current;			/* the step being worked on, -1 none */
	const char *const *titles;	/* rendered step titles (rb->n_steps), or NULL */
	bool finished;			/* run_execute is about to return */
	int rc;				/* its exit code, when finished */
	const char *waiting;		/* what the current step waits for (a second operator), or NULL */
	long long waiting_until_ms;	/* wall clock when that wait ends, 0 none */
};

/*
 * How the driver talks to the operator. Text given to show() is already
 * sanitised. Every answer's default is the safe one (no, cancel).
 */
struct run_ui {
	/* Plain yes/no; false = no. */
	bool (*confirm)(void *ud, const char *prompt);
	/* The operator must type expected exactly; anything else (or nothing) cancels. */
	bool (*confirm_typed)(void *ud, const char *prompt, const char *expected);
	/* Index of the chosen option, or dflt (which must be the safe one). */
	int (*choose)(void *ud, const char *prompt, const char *const *options, size_t n,
		      int dflt);
	void (*show)(void *ud, const char *text);
	/*
	 * Optional (NULL: not called): the run's state changed. Called after
	 * every journaled event (the engine then holds the new step states),
	 * once before the first question with the run id known, and once at
	 * the end with finished set. Everything pointed to is valid only
	 * during the call.
	 */
	void (*progress)(void *ud, const struct run_progress *pg);
	void *ud;
};

struct run_params {
	const struct config *cfg;
	struct site *sites[2];		/* borrowed */
	const char *runbook_path;
	enum run_mode mode;
	const char *read_only_reason;	/* RUN_READ_ONLY: config_read_only_reason()'s text */
	bool yes;			/* unattended (drill on a drill_target only) */
	const struct run_ui *ui;
	const char *user;		/* who: audit_whoami() when NULL */
	/*
	 * Set non-zero (atomically; e.g. from a SIGINT handler) to cancel the
	 * running command: it is killed on its host and the step fails. The
	 * driver resets it after each step. May be NULL.
	 */
	int *cancel;
	/*
	 * The unfinished journal of this runbook the operator already chose
	 * to resume (the console's resume dialog), so the driver does not ask
	 * again; NULL: the driver finds one and asks.
	 */
	const char *resume_journal;
	/*
	 * A restore: the key of the backup to restore (one the S3 observation
	 * lists); NULL: the newest by the time it was taken.
	 */
	const char *backup_key;
	/*
	 * A rollback (failover_state.h): the failover run this fail-back
	 * undoes. Journaled in run_start, in the report, and the template
	 * variable `rollback` is true, so steps that only apply to a committed
	 * failover say `when: not rollback`. Refused for a runbook whose model
	 * is not failback. NULL: a plain run. A resumed run keeps its journal's.
	 */
	const char *rollback_of;
};

/*
 * Run (or resume) a runbook; returns a process exit code (0 completed, 1 not,
 * 2 refused: read-only mode, an unsafe state directory, runbook errors, ...).
 */
int run_execute(const struct run_params *p);

#endif
