/*
 * probes.c: the probe environment, and every probe's jobs for both sites:
 * a loop over probe_registry[] (probe_registry.h), each row enumerating its
 * own targets. One job per target: each PostgreSQL server of either site
 * (not RDS endpoints, which the operator's machine usually cannot reach);
 * each SSH-able host of either site; each enabled backup store on each of
 * its backup hosts (SFTP); each CouchDB node, and the CouchDB replication
 * between the sites; each site's Elasticsearch snapshot repository
 * (reported "off" without a request when no snapshot mode is on); each
 * bucket a site uploads backups to (S3); the RDS instances and AWS Backup
 * vaults of an AWS-hosted env.
 */
#include "drconsole/probe/probes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/httpget.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/ssh/ssh.h"

struct probe_env *
probe_env_create(const struct config *cfg, struct site *const sites[2])
{
	struct probe_env *env = xcalloc(1, sizeof *env);

	for (int r = 0; r < 2; r++) {
		struct ssh_options o;

		if (sites[r] == NULL)
			continue;
		ssh_options_for_site(cfg, sites[r], &o);
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
	const struct probe_setup ps = { .sched = s, .store = store, .cfg = cfg, .sites = sites };
	size_t n = 0;

	httpget_global_init();	/* before any worker starts (libcurl, libxml2) */
	for (const struct probe_reg *p = probe_registry; p->name != NULL; p++)
		n += p->add_jobs(&ps);
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
