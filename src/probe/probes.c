/*
 * probes.c: which probes observe what. One job per target: each
 * PostgreSQL server of either site (not RDS endpoints, which the operator's
 * machine usually cannot reach); each bucket a site uploads backups to.
 */
#include "drconsole/probes.h"

#include <stdio.h>

#include "drconsole/probe_pg.h"
#include "drconsole/probe_s3.h"

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
	n += probes_add_s3(s, store, cfg, sites);
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
		/* a store backed up to S3 has a recovery source to judge */
		if (site->backups[STORE_COUCH].enabled && site->backups[STORE_COUCH].s3)
			mask |= 2u;
		if (site->backups[STORE_BLOBDB].enabled && site->backups[STORE_BLOBDB].s3)
			mask |= 4u;
	}
	return sets[mask];
}
