/*
 * probe_registry.c: the table of every probe (probe_registry.h says what a
 * row holds and what a new probe needs). The order is the order jobs are
 * added in; rows are drawn by their keys, not by this order.
 */
#include "drconsole/probe/probe_registry.h"

#include <string.h>

#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_couch.h"
#include "drconsole/probe/probe_es.h"
#include "drconsole/probe/probe_host.h"
#include "drconsole/probe/probe_pg.h"
#include "drconsole/probe/probe_rds.h"
#include "drconsole/probe/probe_s3.h"
#include "drconsole/probe/probe_sftp.h"
#include "drconsole/probe/probe_vault.h"

static const char *const pg_groups[] = { "postgresql", "pg_standby", NULL };
static const char *const couch_groups[] = { "couchdb2", NULL };
static const char *const es_groups[] = { "elasticsearch", NULL };

const struct probe_reg probe_registry[] = {
	{ .name = PROBE_NAME_PG, .panel = PROBE_PANEL_DATABASES, .add_jobs = pg_add_jobs,
	  .options = "postgres", .groups = pg_groups },
	{ .name = PROBE_NAME_HOST, .panel = PROBE_PANEL_HOSTS, .add_jobs = host_add_jobs,
	  .options = "ssh" },
	{ .name = PROBE_NAME_SFTP, .panel = PROBE_PANEL_BACKUPS, .add_jobs = sftp_add_jobs,
	  .options = "ssh" },
	{ .name = PROBE_NAME_COUCH, .panel = PROBE_PANEL_COUCH, .add_jobs = couch_add_jobs,
	  .options = "couchdb", .groups = couch_groups },
	{ .name = PROBE_NAME_ES, .panel = PROBE_PANEL_SEARCH, .add_jobs = es_add_jobs,
	  .options = "elasticsearch", .groups = es_groups },
	{ .name = PROBE_NAME_S3, .panel = PROBE_PANEL_BACKUPS, .add_jobs = s3_add_jobs,
	  .options = "s3" },
	{ .name = PROBE_NAME_RDS, .panel = PROBE_PANEL_DATABASES, .add_jobs = rds_add_jobs },
	{ .name = PROBE_NAME_VAULT, .panel = PROBE_PANEL_BACKUPS, .add_jobs = vault_add_jobs },
	{ .name = NULL },
};

const struct probe_reg *
probe_registry_find(const char *name)
{
	for (const struct probe_reg *p = probe_registry; name != NULL && p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}
