/*
 * probes.h: turning the two site models into probe jobs. Used by `status`,
 * `check` and the console, so all three observe exactly the same things.
 * Placeholders (PENDING) are posted for every job so the console can draw
 * every row before the first result arrives.
 */
#ifndef DRCONSOLE_PROBES_H
#define DRCONSOLE_PROBES_H

#include "drconsole/config/config.h"
#include "drconsole/probe/scheduler.h"
#include "drconsole/config/site.h"

/*
 * The probe environment: what jobs share across runs, passed as the
 * scheduler's env (ctx->env). The caller creates it before the scheduler
 * and frees it after scheduler_free (status_report.c, the console).
 * One SSH pool per site, verifying host keys against that site's env
 * known_hosts, then the user's (ssh.known_hosts).
 */
struct ssh_pool;

struct probe_env {
	struct ssh_pool *ssh[2];	/* indexed by enum site_role; NULL when the site is absent */
};

struct probe_env *probe_env_create(const struct config *cfg, struct site *const sites[2]);
void probe_env_free(struct probe_env *env);

/* Add every probe job for both sites (every row of probe_registry[]); returns the number of jobs. */
size_t probes_add_all(struct scheduler *s, struct status_store *store,
		      const struct config *cfg, struct site *const sites[2]);
/* The data stores whose RPO exposure is judged (NULL-terminated, static storage). */
const char *const *probes_rpo_stores(struct site *const sites[2]);

#endif
