/*
 * run_io.h: the run driver's state, and what the driver and the step kinds
 * reach through (run_io.c). Private to src/runbook: the driver's files and
 * the step kinds (step_*.c).
 *
 *   run.c        the drive loop and journaling: resume or abandon, preflight,
 *                each step's when/targets/confirm/start/end, decisions
 *   run_io.c     the run's reach: the operator (run_ui), the audit log,
 *                site executors, templates, one-shot probe passes, and the
 *                reachability of a site
 *   run_exec.c   a command on a step's hosts (serially, or one thread per
 *                host) and SQL verification on them (run_exec.h)
 *   run_lock.c   the run's hold on the run lock (run_lock.h)
 *   step_*.c     one file per step kind (step_kind.h)
 */
#ifndef DRCONSOLE_RUN_IO_H
#define DRCONSOLE_RUN_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "drconsole/runbook/audit.h"
#include "drconsole/runbook/backup_pick.h"
#include "drconsole/runbook/recovery_pick.h"
#include "drconsole/util/digest.h"
#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/executor.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/lock.h"
#include "drconsole/probe/probes.h"
#include "drconsole/runbook/run.h"
#include "drconsole/runbook/run_vars.h"
#include "drconsole/probe/scheduler.h"
#include "drconsole/ssh/ssh.h"
#include "drconsole/probe/status.h"
#include "drconsole/runbook/step_kind.h"
#include "drconsole/util/util.h"

struct run_state {
	const struct run_params *p;
	const struct config *cfg;
	struct runbook *rb;
	struct engine eng;
	struct journal *j;
	struct audit *audit;
	char *run_id;
	char *user;
	const char *label;		/* "[DRILL] ", "[DRY-RUN] " or "" */
	struct executor *ex[2];
	struct ssh_pool *pool[2];
	struct run_vars vars;
	struct run_lock lock;
	struct run_target *lock_t;	/* the lock's host (lock.where points into it) */
	size_t lock_n;
	bool have_lock;
	struct ssh_pool *lock_pool;	/* the lock's own sessions: the keeper must not wait for a step */
	struct executor *lock_ex;
	bool journal_failed;
	char *audit_failed;		/* why the audit log failed; the run stops */
	bool audit_failed_journaled;
	int current;			/* step being worked on, -1 none */
	char **titles;			/* rendered step titles (rb->n_steps) */
	char *rb_text;			/* the runbook file as read (journaled in run_start) */
	size_t rb_len;
	char rb_sha256[DIGEST_SHA256_HEX_LEN + 1];
	struct backup_choice backup;	/* a restore's backup (backup_pick.c) */
	struct recovery_choice recovery;	/* an AWS-hosted restore's recovery points (recovery_pick.c) */
	struct site *sites[2];		/* the site models in use: p->sites, or re-read (site_reload.h) */
	struct site *own_sites[2];	/* the re-read ones, freed at the end */
	uint64_t env_stamp[2];
	struct notifier *notifier;	/* notify.h; NULL when no target */
	char *waiting;			/* run_progress.waiting (approval_gate.c) */
	long long waiting_until_ms;
	/* run.c's own: journal ev (consumed; fsync) and apply it, false: stop; tell the UI */
	bool (*journal)(struct run_state *r, json_t *ev);
	void (*changed)(struct run_state *r);
	char *rollback_of;		/* the failover this run rolls back (run_params), or NULL */
};

/* Show a line to the operator (run_ui.show). */
void run_say(struct run_state *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Questions, labelled with the mode; an unattended drill answers yes (or the default). */
bool run_ask_confirm(struct run_state *r, const char *what);
bool run_ask_typed(struct run_state *r, const char *what, const char *expected);
int run_ask_choose(struct run_state *r, const char *what, const char *const *opts, size_t n,
		   int dflt);
/* Write ev (consumed) to the audit log; a failure is kept in r->audit_failed. */
void run_alog(struct run_state *r, json_t *ev);

/* The executor for a site's hosts (created on first use, freed by run_execute). */
struct executor *run_site_executor(struct run_state *r, enum site_role role);
/* cmd wrapped so it runs as become when user is another (caller frees). */
char *run_wrap_become(const char *cmd, const char *become, const char *user);
/* Render a template of st with the run's variables; NULL with *err (caller frees). */
char *run_render(struct run_state *r, const char *tmpl, bool quote, const struct rb_step *st,
		 char **err);

/* One pass of every probe over the run's SSH pools. */
struct run_snap {
	struct probe_env env;		/* borrows the run's SSH pools */
	struct status_store *store;
	struct scheduler *sched;
	struct status_snapshot *snap;
};

void run_snap_take(struct run_state *r, struct run_snap *rs);
void run_snap_free(struct run_snap *rs);
/* `when` facts: is the site's control host reachable over TCP (ud: the run)? */
bool run_reachable(void *ud, enum site_role role);

/*
 * Four eyes (approval.h): after its operator confirmed destructive step st,
 * wait for a second operator's approval when the config asks for one.
 * true: approved (journaled) or not required; false: the step must not run.
 */
bool approval_gate(struct run_state *r, const struct rb_step *st, const char *title,
		   const char *cmd, const struct run_target *t, size_t n, const json_t *rpo_ev);

/* The lines of a step that runs a command: each host, then the command. */
void run_describe_command(struct step_exec *sx);

#endif
