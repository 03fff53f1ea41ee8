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

#include "drconsole/config.h"
#include "drconsole/engine.h"
#include "drconsole/executor.h"
#include "drconsole/runbook.h"
#include "drconsole/site.h"
#include "drconsole/status.h"

enum run_mode {
	RUN_LIVE,
	RUN_DRILL,
	RUN_DRY,
	RUN_READ_ONLY,		/* refused: nothing is run (run_params.read_only_reason says why) */
};

const char *run_mode_name(enum run_mode m);	/* "live", "drill", "dry-run", "read-only" */

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
};

/*
 * Run (or resume) a runbook; returns a process exit code (0 completed, 1 not,
 * 2 refused: read-only mode, an unsafe state directory, runbook errors, ...).
 */
int run_execute(const struct run_params *p);

/* A step's command timeout: its own `timeout:`, else the config's ssh.command_timeout. */
long long run_step_timeout_ms(const struct config *cfg, const struct rb_step *st);

/* ---- pure parts, exposed for tests and lint ---- */

/* Template variables of a run. */
struct run_vars {
	const struct config *cfg;
	struct site *const *sites;	/* [2] */
	const struct runbook *rb;
	const char *run_id;
	const char *mode;
	int depth;			/* private: runbook-var recursion guard */
	char *scratch[32];		/* private: rendered runbook vars */
	size_t n_scratch;
};

/* template_lookup_fn over run_vars. */
const char *run_vars_lookup(void *ud, const char *name);
/*
 * template_raw_fn over run_vars: runbook variables only, their definition
 * rendered with the render's quoting (site values inside stay quoted).
 */
const char *run_vars_lookup_raw(void *ud, const char *name, bool quote, char *why,
				size_t len);
void run_vars_free(struct run_vars *v);
/* Names a template may use besides runbook vars (NULL-terminated, static). */
const char *const *run_var_names(void);

/* One host a step runs on. */
struct run_target {
	char *host;			/* inventory name */
	char *address;
	int port;
	char *user;
};

/*
 * Resolve a step's target on its site: NULL or "control" = the site's
 * control host; otherwise a host name, else a group name (every host of
 * it). Returns the number of targets (0 with *err on failure).
 */
size_t run_resolve_targets(const struct config *cfg, const struct site *site,
			   const char *target, struct run_target **out, char **err);
void run_targets_free(struct run_target *t, size_t n);

/*
 * A `when` condition: "SITE.reachable", "not COND", or a variable that is
 * true/yes/1. facts answers SITE.reachable (NULL: unknown = false).
 * Returns -1 for an unknown condition (with *err), else 0/1.
 */
int run_eval_when(const char *cond, bool (*reachable)(void *ud, enum site_role site),
		  void *ud, struct run_vars *vars, char **err);

/* Did a check/verify command pass (exit status and expected output)? */
bool run_output_matches(int exit_status, const char *output, int expect_exit,
			const char *expect_output);

/*
 * A probe condition over a snapshot: pg_standby (max_lag), pg_standby_caught_up,
 * pg_primary_slots, hosts_up, backup_fresh (store). Returns 1 pass, 0 fail,
 * -1 unknown probe name; *msg says why (caller frees).
 */
int run_probe_condition(const struct status_snapshot *snap, const struct rb_step *st,
			char **msg);
/* Probe names run_probe_condition knows (NULL-terminated). */
const char *const *run_probe_names(void);

/* "20261125T065501Z-failover" from a time and a runbook path (caller frees). */
char *run_make_id(long long wall_ms, const char *runbook_path);

/* Lint a runbook against both sites: unknown variables, hosts, groups, probes. */
void run_lint_runbook(const struct runbook *rb, const struct config *cfg,
		      struct site *const sites[2], struct diag_list *dl);

#endif
