/*
 * run_vars.h: the pure parts of the run driver (run_vars.c), apart from the
 * driver itself (run.h) so lint, the step kinds and tests use them without
 * it: template variables of a run, step targets, `when` conditions, check
 * output matching, probe conditions over a snapshot, step timeouts and run
 * ids. Nothing here touches the network.
 */
#ifndef DRCONSOLE_RUN_VARS_H
#define DRCONSOLE_RUN_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/config/config.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/config/site.h"
#include "drconsole/probe/status.h"

/* A step's command timeout: its own `timeout:`, else the config's ssh.command_timeout. */
long long run_step_timeout_ms(const struct config *cfg, const struct rb_step *st);

struct backup_choice;
struct recovery_choice;

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
	const struct backup_choice *backup;	/* a restore's backup (backup.*), or NULL */
	const char *rollback_of;	/* a rollback's failover run (`rollback`, `rollback_of`), or NULL */
	const struct recovery_choice *recovery;	/* an AWS restore's points (recovery.*), or NULL */
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

#endif
