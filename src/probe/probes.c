/*
 * probes.c: which probes observe what. One job per target: each
 * PostgreSQL server of either site (not RDS endpoints, which the operator's
 * machine usually cannot reach); each SSH-able host of either site; each
 * enabled backup store on each of its backup hosts (SFTP).
 */
#include "drconsole/probes.h"

#include <stdio.h>
#include <stdlib.h>

#include "drconsole/probe_host.h"
#include "drconsole/probe_pg.h"
#include "drconsole/probe_sftp.h"
#include "drconsole/ssh.h"

struct probe_env *
probe_env_create(const struct config *cfg, struct site *const sites[2])
{
	struct probe_env *env = xcalloc(1, sizeof *env);

	for (int r = 0; r < 2; r++) {
		struct ssh_options o = {
			.user = cfg->ssh.user, .identity_file = cfg->ssh.identity_file,
			.agent = cfg->ssh.agent, .user_known_hosts = cfg->ssh.known_hosts,
			.connect_timeout_ms = cfg->ssh.connect_timeout_ms,
			.keepalive_ms = cfg->ssh.keepalive_ms,
		};

		if (sites[r] == NULL)
			continue;
		o.env_known_hosts = sites[r]->known_hosts_path;
		if (o.user == NULL)
			o.user = sites[r]->remote_user;
		env->ssh[r] = ssh_pool_create(&o);
	}
	return env;
}

void
probe_env_free(struct probe_env *env)
{
	if (env == NULL)
		return;
	for (int r = 0; r < 2; r++)
		ssh_pool_free(env->ssh[r]);
	free(env);
}

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
		for (size_t i = 0; i < site->n_hosts; i++) {
			const struct site_host *h = &site->hosts[i];
			char key[512];

			snprintf(key, sizeof key, "%s/host/%s", site_role_name(site->role), h->name);
			status_store_expect(store, site->role, "host", key, h->name);
			scheduler_add(s, &probe_host, key,
				      host_target_create(site->role, h->name, h->address, h->port,
							 h->user, h->group),
				      cfg->probe_timeout_ms);
			n++;
		}
		/* local backup files on the backup hosts, over SFTP */
		for (int st = 0; st < STORE_COUNT; st++) {
			const struct site_backup *b = &site->backups[st];

			if (!b->enabled)
				continue;
			for (size_t i = 0; i < b->n_hosts; i++) {
				const struct site_host *h = site_host_by_name(site, b->hosts[i]);
				char key[512];

				if (h == NULL)
					continue;
				snprintf(key, sizeof key, "%s/sftp/%s/%s", site_role_name(site->role),
					 backup_store_name((enum backup_store)st), h->name);
				status_store_expect(store, site->role, "sftp", key, h->name);
				scheduler_add(s, &probe_sftp, key,
					      sftp_target_create(site, (enum backup_store)st, h),
					      cfg->probe_timeout_ms);
				n++;
			}
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
