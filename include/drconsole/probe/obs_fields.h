/*
 * obs_fields.h: the names of the probes and of the observation fields that
 * are read outside the probe that writes them (the RPO evaluation, the
 * runbook's built-in checks, the console, `status --json`), and the values
 * those readers compare. Writers and readers both use these, so a renamed
 * field cannot leave a reader silently finding nothing. Fields only shown
 * (the detail view lists every field) need no constant.
 */
#ifndef DRCONSOLE_OBS_FIELDS_H
#define DRCONSOLE_OBS_FIELDS_H

#include <stdbool.h>

#include "drconsole/probe/observation.h"

/* Probe names (struct observation's probe; rows of probe_registry[]). */
#define PROBE_NAME_PG		"pg"
#define PROBE_NAME_HOST		"host"
#define PROBE_NAME_SFTP		"sftp"
#define PROBE_NAME_S3		"s3"
#define PROBE_NAME_COUCH	"couch"
#define PROBE_NAME_ES		"es"
#define PROBE_NAME_RDS		"rds"
#define PROBE_NAME_VAULT	"vault"

/* Any probe: the host (inventory name, or address:port) and group observed. */
#define OBS_F_HOST		"host"
#define OBS_F_GROUP		"group"

/* RPO: a row that is a recovery source of a data store (rpo.h). */
#define OBS_F_RPO_STORE		"rpo_store"	/* "postgres", "couch", "blobdb" */
#define OBS_F_RPO_KIND		"rpo_kind"	/* one of OBS_RPO_KIND_* */
#define OBS_F_RPO_EXPOSURE	"rpo_exposure_s"	/* seconds lost if the source were used now */
#define OBS_F_RPO_SCENARIO	"rpo_scenario"	/* OBS_RPO_SCENARIO_INSTANCE, absent: any loss */
#define OBS_F_RPO_HEADLINE	"rpo_headline"	/* "no": listed, not counted in the headline */
#define OBS_F_RPO_PART		"rpo_part"	/* one part of a store (an RDS instance) */

#define OBS_RPO_KIND_REPLICA	"replica"
#define OBS_RPO_KIND_BACKUP	"backup"
#define OBS_RPO_KIND_PITR	"pitr"
#define OBS_RPO_SCENARIO_INSTANCE "instance"
#define OBS_RPO_HEADLINE_NO	"no"

/* pg: a server's role, and a standby's replication. */
#define OBS_F_PG_ROLE		"role"		/* OBS_PG_ROLE_PRIMARY or _STANDBY */
#define OBS_F_PG_RECEIVER	"receiver_status"	/* pg_stat_wal_receiver.status */
#define OBS_F_PG_LSN_GAP	"lsn_gap_bytes"	/* received but not yet replayed */

#define OBS_PG_ROLE_PRIMARY	"primary"
#define OBS_PG_ROLE_STANDBY	"standby"
#define OBS_PG_RECEIVER_STREAMING "streaming"

/* obs has field name and its value is value (false when absent). */
bool obs_field_is(const struct observation *obs, const char *name, const char *value);

#endif
