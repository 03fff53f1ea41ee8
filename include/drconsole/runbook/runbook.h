/*
 * runbook.h: runbooks, YAML checklists of steps for failover, restore and
 * fail-back. The model is plain data; loading (runbook_load) validates it
 * with file:line:col diagnostics, and a runbook with any error refuses to run.
 *
 * Step kinds:
 *   run     a command over SSH on a host, or on every host of a group
 *           (serially, or in parallel with `parallel: true`)
 *   check   a live-probe condition (`probe:`), or a command whose exit status
 *           and output must match (`command:`, `expect_exit:`, `expect_output:`)
 *   manual  the operator acts outside drconsole and confirms
 *
 * Runbook keys: name, model (replicated|restore|failback|verify), description,
 * vars (name: template; runbook variables, overridable by the caller),
 * steps. Step keys: id, title, on (SITE:HOST-OR-GROUP, default
 * secondary:control), parallel, become, run, check ({probe, max_lag, site,
 * store} or {command, expect_exit, expect_output}), manual, when, verify
 * ({command, expect_exit, expect_output} and/or {sql}), timeout, estimate,
 * on_failure (ask|stop|continue), destructive, ends_replication,
 * restores_service, fences (the step stops writes to the old primary),
 * preflight (false: not on the preflight board).
 */
#ifndef DRCONSOLE_RUNBOOK_H
#define DRCONSOLE_RUNBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/util/diag.h"
#include "drconsole/probe/observation.h"

/*
 * The step kinds, one row each: X(ENUM, name), where name is the step key
 * that makes a step of the kind and src/runbook/step_<name>.c defines
 * step_kind_<name> (step_kind.h). The enum and the kind table are both
 * made from this list, so they cannot drift.
 */
#define RB_KINDS(X)		\
	X(RB_RUN, run)		\
	X(RB_CHECK, check)	\
	X(RB_MANUAL, manual)

#define RB_KIND_ENUM_(e, name) e,
enum rb_kind {
	RB_KINDS(RB_KIND_ENUM_)
	RB_N_KINDS
};
#undef RB_KIND_ENUM_

enum rb_on_failure {
	RB_FAIL_ASK,		/* default: the operator decides (retry, skip, stop) */
	RB_FAIL_STOP,
	RB_FAIL_CONTINUE,
};

enum rb_model {
	RB_MODEL_REPLICATED,
	RB_MODEL_RESTORE,
	RB_MODEL_FAILBACK,
	RB_MODEL_VERIFY,	/* backup verification: restore a backup aside, check it */
};

struct rb_pos {
	unsigned line;
	unsigned col;
};

struct rb_step {
	char *id;
	char *title;			/* template, rendered unquoted */
	enum rb_kind kind;
	enum site_role on_site;		/* run/check command: which site's inventory */
	char *on_target;		/* host or group name in that inventory; NULL = control */
	bool parallel;			/* group targets: all hosts at once */
	char *become;			/* NULL, or a user ("root", "postgres") */
	char *run;			/* template: the command (run) */
	char *stdin_tmpl;		/* run: template rendered unquoted onto the command's stdin */
	char *check_probe;		/* check: a live-probe condition name */
	long long check_max_lag_ms;	/* check probe parameter, -1 unset */
	char *check_command;		/* check: template */
	int expect_exit;		/* check/verify command: expected status (default 0) */
	char *expect_output;		/* check/verify: substring the output must contain */
	char *manual;			/* manual: instructions (template, unquoted) */
	char *when;			/* condition name, NULL = always */
	char *verify_command;		/* template run after a successful run step */
	char *verify_sql;		/* SQL that must return true on the target's PostgreSQL */
	long long timeout_ms;		/* 0: ssh.command_timeout (run_step_timeout_ms) */
	long long estimate_ms;		/* -1 unknown */
	enum rb_on_failure on_failure;
	bool destructive;		/* typed confirmation */
	bool ends_replication;		/* promote: show data-loss estimate on confirm */
	bool restores_service;		/* RTO clock stops when this step is done */
	bool fences;			/* guards the old primary: if it fails, RPO 0 is not claimed */
	char *undone_by;		/* the later step that puts back what this one changes, or NULL */
	enum site_role check_site;	/* check probe: which site (default secondary) */
	char *check_store;		/* check probe parameter (backup_fresh), or NULL */
	int verify_expect_exit;		/* verify command: expected status (default 0) */
	char *verify_expect_output;
	bool preflight;			/* evaluated on the preflight board (checks; default true) */
	void *kind_data;		/* a kind's own parsed value, when its fields are not above */
	void (*kind_data_free)(void *kind_data);	/* set with kind_data */
	struct rb_pos pos;		/* where the step starts in the file */
	/* where each template and the target were written (0:0 when absent) */
	struct rb_pos pos_title, pos_on, pos_run, pos_check_command, pos_manual,
		pos_verify_command, pos_when, pos_verify_sql, pos_stdin, pos_undone_by;
};

struct rb_var {
	char *name;
	char *value;			/* template, rendered unquoted on use */
	struct rb_pos pos;
};

struct runbook {
	char *path;
	char *name;
	enum rb_model model;
	char *description;
	struct rb_step *steps;
	size_t n_steps;
	struct rb_var *vars;
	size_t n_vars;
};

const char *rb_kind_name(enum rb_kind k);	/* the kind's step key ("run") */
const char *rb_model_name(enum rb_model m);

/* Load and validate; NULL when the file cannot be parsed at all. Errors go to dl. */
struct runbook *runbook_load(const char *path, struct diag_list *dl);
/* The same from the file's text (a run's copy of it); path names it. */
struct runbook *runbook_load_buffer(const char *path, const char *text, size_t len,
				    struct diag_list *dl);
void runbook_free(struct runbook *rb);
/* A runbook variable's template, or NULL. */
const char *runbook_var(const struct runbook *rb, const char *name);
/* Index of the step with id, or -1. */
int runbook_step_index(const struct runbook *rb, const char *id);

#endif
