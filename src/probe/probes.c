/*
 * probes.c: which probes observe what. One job per target: each
 * PostgreSQL server of either site (not RDS endpoints, which the operator's
 * machine usually cannot reach); each SSH-able host of either site; each
 * enabled backup store on each of its backup hosts (SFTP); each CouchDB
 * node, and the CouchDB replication between the sites; each site's Elasticsearch snapshot
 * repository (reported "off" without a request when no snapshot mode is on);
 * each bucket a site uploads backups to (S3).
 */
#include "drconsole/probes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drconsole/httpget.h"
#include "drconsole/probe_couch.h"
#include "drconsole/probe_es.h"
#include "drconsole/probe_host.h"
#include "drconsole/probe_pg.h"
#include "drconsole/probe_rds.h"
#include "drconsole/probe_vault.h"
#include "drconsole/probe_s3.h"
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
	httpget_global_init();
	n += probes_add_couch_es(s, store, cfg, sites);
	n += probes_add_s3(s, store, cfg, sites);
	n += probes_add_rds(s, store, cfg, sites);
	n += probes_add_vaults(s, store, cfg, sites);
	return n;
}

/* The AWS Backup vaults of an AWS-hosted primary's backup_plan: remote, then local. */
size_t
probes_add_vaults(struct scheduler *s, struct status_store *store,
		  const struct config *cfg, struct site *const sites[2])
{
	const struct site *site = sites[SITE_PRIMARY];
	const struct aws_env *a = site != NULL ? site->aws : NULL;
	size_t n = 0;

	if (a == NULL || !a->plan.present)
		return 0;
	for (int remote = 1; remote >= 0; remote--) {
		const char *which = remote ? "remote" : "local";
		char key[512], subject[300];

		if ((remote ? a->plan.remote_vault : a->plan.local_vault) == NULL)
			continue;
		for (size_t i = 0; i <= a->n_rds; i++) {
			const char *id = i < a->n_rds ? a->rds[i].identifier : "ebs";

			snprintf(key, sizeof key, "%s/vault/%s/%s", site_role_name(site->role), which, id);
			snprintf(subject, sizeof subject, "%s %s copy", id, which);
			status_store_expect(store, site->role, "vault", key, subject);
		}
		snprintf(key, sizeof key, "%s/vault/%s", site_role_name(site->role), which);
		scheduler_add(s, &probe_vault, key,
			      vault_target_create(site->role, a, remote, cfg->probe_timeout_ms),
			      cfg->probe_timeout_ms);
		n++;
	}
	return n;
}

/* One RDS job per AWS-hosted site with RDS instances; a row per instance. */
size_t
probes_add_rds(struct scheduler *s, struct status_store *store,
	       const struct config *cfg, struct site *const sites[2])
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = sites[r];
		char key[512];

		if (site == NULL || site->aws == NULL || site->aws->n_rds == 0)
			continue;
		for (size_t i = 0; i < site->aws->n_rds; i++) {
			snprintf(key, sizeof key, "%s/rds/%s", site_role_name(site->role),
				 site->aws->rds[i].identifier);
			status_store_expect(store, site->role, "rds", key, site->aws->rds[i].identifier);
		}
		snprintf(key, sizeof key, "%s/rds", site_role_name(site->role));
		scheduler_add(s, &probe_rds, key, rds_target_create(site->role, site->aws, cfg->probe_timeout_ms),
			      cfg->probe_timeout_ms);
		n++;
	}
	return n;
}

/* public.yml booleans as commcare-cloud reads them ("True", "yes", true). */
static bool
truthy(const char *v)
{
	return v != NULL && (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
			     strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0);
}

size_t
probes_add_couch_es(struct scheduler *s, struct status_store *store,
		    const struct config *cfg, struct site *const sites[2])
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = sites[r];
		char key[512], subject[300];

		if (site == NULL)
			continue;
		for (size_t i = 0; i < site->n_couch; i++) {
			snprintf(key, sizeof key, "%s/couch/%s", site_role_name(site->role),
				 site->couch_nodes[i]);
			status_store_expect(store, site->role, "couch", key, site->couch_nodes[i]);
			scheduler_add(s, &probe_couch_node, key,
				      couch_node_target_create(site->role, site->couch_nodes[i],
							       (int)cfg->couch.port, site->couch_db,
							       cfg->couch.user_env, cfg->couch.password_env,
							       cfg->couch.timeout_ms),
				      cfg->probe_timeout_ms);
			n++;
		}
		if (site->n_es > 0 && site->es_repository != NULL) {
			bool offsite = truthy(site_public_str(site, "backup_es_s3")) ||
				       truthy(site_public_str(site, "backup_es_swift"));
			struct es_target *t;

			snprintf(key, sizeof key, "%s/es/%s", site_role_name(site->role),
				 site->es_repository);
			snprintf(subject, sizeof subject, "snapshots %s", site->es_repository);
			status_store_expect(store, site->role, "es", key, subject);
			t = es_target_create(site->role, site->es_nodes, site->n_es, (int)cfg->es.port,
					     site->es_repository, site->nadir_hour, offsite,
					     cfg->es.rpo_headline, cfg->es.timeout_ms);
			t->snapshots = site->es_snapshots;
			scheduler_add(s, &probe_es, key, t, cfg->probe_timeout_ms);
			n++;
		}
	}
	if (sites[0] != NULL && sites[1] != NULL && sites[0]->n_couch > 0 && sites[1]->n_couch > 0) {
		char key[512];

		snprintf(key, sizeof key, "secondary/couch/replication/%s", sites[1]->couch_db);
		status_store_expect(store, SITE_SECONDARY, "couch", key, "replication");
		scheduler_add(s, &probe_couch_replication, key,
			      couch_repl_target_create(sites[0]->couch_nodes, sites[0]->n_couch,
						       sites[1]->couch_nodes, sites[1]->n_couch,
						       (int)cfg->couch.port, sites[0]->couch_db,
						       sites[1]->couch_db, cfg->couch.user_env,
						       cfg->couch.password_env, cfg->couch.timeout_ms),
			      cfg->probe_timeout_ms);
		n++;
	}
	return n;
}

/* One S3 job per (site, bucket) with S3 backups enabled; placeholders for each type. */
size_t
probes_add_s3(struct scheduler *s, struct status_store *store,
	      const struct config *cfg, struct site *const sites[2])
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = sites[r];
		bool done[STORE_COUNT] = { false };

		if (site == NULL)
			continue;
		for (int st = 0; st < STORE_COUNT; st++) {
			const struct site_backup *b = &site->backups[st];
			struct s3_target *t;
			char key[512];

			if (done[st] || !b->enabled || !b->s3 || b->bucket == NULL)
				continue;
			t = s3_target_create(cfg, site, b->bucket);
			for (int o = st; o < STORE_COUNT; o++) {
				const struct site_backup *ob = &site->backups[o];

				if (done[o] || !ob->enabled || !ob->s3 || !str_eq(ob->bucket, b->bucket))
					continue;
				done[o] = true;
				s3_target_add_store(t, (enum backup_store)o, ob);
				for (int ty = 0; ty < BACKUP_TYPE_COUNT; ty++) {
					char subject[96];

					if (!s3_type_uploaded((enum backup_store)o, (enum backup_type)ty, ob->hourly))
						continue;
					s3_obs_key(site->role, (enum backup_store)o, (enum backup_type)ty,
						   key, sizeof key);
					snprintf(subject, sizeof subject, "%s %s backup",
						 backup_store_name((enum backup_store)o),
						 backup_type_name((enum backup_type)ty));
					status_store_expect(store, site->role, "s3", key, subject);
				}
			}
			snprintf(key, sizeof key, "%s/s3/%s", site_role_name(site->role), b->bucket);
			scheduler_add(s, &probe_s3, key, t, cfg->probe_timeout_ms);
			n++;
		}
	}
	return n;
}

const char *const *
probes_rpo_stores(struct site *const sites[2])
{
	/* every combination of postgres, couch, blobdb, in that order */
	static const char *const sets[8][4] = {
		{ NULL }, { "postgres", NULL }, { "couch", NULL }, { "postgres", "couch", NULL },
		{ "blobdb", NULL }, { "postgres", "blobdb", NULL }, { "couch", "blobdb", NULL },
		{ "postgres", "couch", "blobdb", NULL },
	};
	unsigned mask = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = sites[r];

		if (site == NULL)
			continue;
		if (site->n_pg > 0 || site->backups[STORE_POSTGRES].enabled)
			mask |= 1u;
		/* replicated CouchDB, or a store backed up to S3, has a recovery source to judge */
		if (site->n_couch > 0 || (site->backups[STORE_COUCH].enabled && site->backups[STORE_COUCH].s3))
			mask |= 2u;
		if (site->backups[STORE_BLOBDB].enabled && site->backups[STORE_BLOBDB].s3)
			mask |= 4u;
	}
	return sets[mask];
}
