/*
 * probes.c: which probes observe what. One job per target: each
 * PostgreSQL server of either site (not RDS endpoints, which the operator's
 * machine usually cannot reach).
 */
#include "drconsole/probes.h"

#include <stdio.h>

#include "drconsole/probe_pg.h"

size_t
probes_add_all(struct scheduler *s, struct status_store *store,
	       const struct config *cfg, struct site *const sites[2])
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = sites[r];

		if (site == NULL)
			continue;
		for (size_t i = 0; i < site->n_pg; i++) {
			const struct site_pg_server *p = &site->pg[i];
			char key[512];

			if (p->remote)
				continue;
			snprintf(key, sizeof key, "%s/pg/%s", site_role_name(site->role), p->host);
			status_store_expect(store, site->role, "pg", key, p->host);
			scheduler_add(s, &probe_pg, key,
				      pg_target_create(site->role, p->host, p->address, (int)cfg->pg.port,
						       p->is_standby, cfg->pg.user, cfg->pg.dbname,
						       cfg->pg.sslmode, cfg->pg.service,
						       cfg->pg.connect_timeout_ms),
				      cfg->probe_timeout_ms);
			n++;
		}
	}
	return n;
}

const char *const *
probes_rpo_stores(struct site *const sites[2])
{
	static const char *const pg_only[] = { "postgres", NULL };
	static const char *const none[] = { NULL };

	for (int r = 0; r < 2; r++)
		if (sites[r] != NULL && (sites[r]->n_pg > 0 || sites[r]->backups[STORE_POSTGRES].enabled))
			return pg_only;
	return none;
}
