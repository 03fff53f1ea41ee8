/*
 * metrics.c: the OpenMetrics text exposition of `status --format
 * openmetrics`. One family at a time: its HELP, TYPE and UNIT lines, then
 * all its samples, so no family is split. Label values are escaped as the
 * format requires (backslash, double quote, newline). A family without a
 * sample is left out entirely; a time that never happened is 0.
 */
#include "drconsole/cli/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/drills.h"

static void
family(FILE *fp, const char *name, const char *unit, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	if (unit != NULL)
		fprintf(fp, "# UNIT %s %s\n", name, unit);
}

static void
label_value(FILE *fp, const char *v)
{
	for (const char *p = v != NULL ? v : ""; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(fp, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", fp);
		else
			fputc(*p, fp);
	}
}

/* name{k1="v1",...} value; labels is a NULL-terminated list of name, value pairs. */
static void
sample(FILE *fp, const char *name, const char *const *labels, double value)
{
	fputs(name, fp);
	if (labels != NULL && labels[0] != NULL) {
		fputc('{', fp);
		for (size_t i = 0; labels[i] != NULL; i += 2) {
			fprintf(fp, "%s%s=\"", i > 0 ? "," : "", labels[i]);
			label_value(fp, labels[i + 1]);
			fputc('"', fp);
		}
		fputc('}', fp);
	}
	if (value == (double)(long long)value && value < 1e15 && value > -1e15)
		fprintf(fp, " %lld\n", (long long)value);
	else
		fprintf(fp, " %.3f\n", value);
}

static int
rpo_state_code(enum obs_status st)
{
	switch (st) {
	case OBS_OK: return 0;
	case OBS_WARN: return 1;
	case OBS_CRIT: return 2;
	case OBS_UNKNOWN: case OBS_PENDING: return 3;
	}
	return 3;
}

static void
rpo_families(FILE *fp, const struct metrics_input *in)
{
	const struct rpo_result *res[2] = { in->rpo_site, in->rpo_instance };
	const char *scen[2] = { "site_loss", "instance_loss" };
	bool any = false;

	for (int s = 0; s < 2; s++)
		for (size_t i = 0; res[s] != NULL && i < res[s]->n; i++)
			any |= res[s]->stores[i].have_source;
	if (any) {
		family(fp, "drconsole_rpo_exposure_seconds", "seconds",
		       "Data that would be lost now: the best usable recovery source's lag or age");
		for (int s = 0; s < 2; s++)
			for (size_t i = 0; res[s] != NULL && i < res[s]->n; i++) {
				const struct rpo_store *st = &res[s]->stores[i];

				if (st->have_source)
					sample(fp, "drconsole_rpo_exposure_seconds", (const char *[]){
						"scenario", scen[s], "store", st->store, "source", st->source,
						NULL }, st->exposure_s);
			}
	}
	if (res[0] == NULL || (res[0]->n == 0 && (res[1] == NULL || res[1]->n == 0)))
		return;
	family(fp, "drconsole_rpo_state", NULL,
	       "RPO exposure against the objective: 0 ok, 1 warn (above half), 2 crit (above, or no usable source), 3 unknown");
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; res[s] != NULL && i < res[s]->n; i++)
			sample(fp, "drconsole_rpo_state", (const char *[]){ "scenario", scen[s],
				"store", res[s]->stores[i].store, NULL },
				rpo_state_code(res[s]->stores[i].status));
}

static bool
is_backup(const struct observation *o)
{
	const char *kind = obs_field(o, "rpo_kind");

	return (str_eq(kind, "backup") || str_eq(kind, "pitr")) && o->has_value &&
	       str_eq(o->unit, "s");
}

static bool
is_replica_lag(const struct observation *o)
{
	return str_eq(obs_field(o, "rpo_kind"), "replica") && o->has_value && str_eq(o->unit, "s");
}

static bool
is_slot_lag(const struct observation *o)
{
	return str_eq(o->probe, "pg") && o->has_value && str_eq(o->unit, "B");
}

/* Local backup files on a backup host (sftp): one age per type found. */
static const char *const local_types[] = { "daily", "weekly", "hourly" };

static bool
is_local_backup(const struct observation *o)
{
	char name[32];

	if (!str_eq(o->probe, "sftp") || obs_field(o, "store") == NULL)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(local_types); i++) {
		snprintf(name, sizeof name, "%s_age_s", local_types[i]);
		if (obs_field(o, name) != NULL)
			return true;
	}
	return false;
}

static bool
has_backup_age(const struct observation *o)
{
	return is_backup(o) || is_local_backup(o);
}

static void
local_backup_samples(FILE *fp, const struct observation *o)
{
	char name[32];

	for (size_t i = 0; i < ARRAY_LEN(local_types); i++) {
		const char *age;

		snprintf(name, sizeof name, "%s_age_s", local_types[i]);
		if ((age = obs_field(o, name)) == NULL)
			continue;
		sample(fp, "drconsole_backup_age_seconds", (const char *[]){
			"site", site_role_name(o->site), "store", obs_field(o, "store"),
			"type", local_types[i], "source", o->probe, "subject", o->subject, NULL },
			strtod(age, NULL));
	}
}

static size_t
count(const struct status_snapshot *snap, bool (*pred)(const struct observation *))
{
	size_t n = 0;

	for (size_t i = 0; i < snap->n; i++)
		n += pred(snap->items[i]);
	return n;
}

static void
observation_families(FILE *fp, const struct metrics_input *in)
{
	const struct status_snapshot *snap = in->snap;
	static const enum obs_status states[] = { OBS_OK, OBS_WARN, OBS_CRIT, OBS_UNKNOWN, OBS_PENDING };

	if (count(snap, is_replica_lag) > 0) {
		family(fp, "drconsole_replication_lag_seconds", "seconds",
		       "How far a standby or a replication is behind its primary");
		for (size_t i = 0; i < snap->n; i++) {
			const struct observation *o = snap->items[i];

			if (is_replica_lag(o))
				sample(fp, "drconsole_replication_lag_seconds", (const char *[]){
					"site", site_role_name(o->site), "store", obs_field(o, "rpo_store"),
					"subject", o->subject, NULL }, o->value);
		}
	}
	if (count(snap, is_slot_lag) > 0) {
		family(fp, "drconsole_replication_lag_bytes", "bytes",
		       "WAL a replication slot's standby has not yet replayed, as seen on the primary");
		for (size_t i = 0; i < snap->n; i++) {
			const struct observation *o = snap->items[i];

			if (is_slot_lag(o))
				sample(fp, "drconsole_replication_lag_bytes", (const char *[]){
					"site", site_role_name(o->site), "subject", o->subject, NULL },
					o->value);
		}
	}
	if (count(snap, has_backup_age) > 0) {
		family(fp, "drconsole_backup_age_seconds", "seconds",
		       "Age of the newest backup per store and type (source sftp: files on a backup host; pitr: since the latest restorable point)");
		for (size_t i = 0; i < snap->n; i++) {
			const struct observation *o = snap->items[i];
			const char *type = obs_field(o, "backup_type");

			if (is_local_backup(o))
				local_backup_samples(fp, o);
			if (!is_backup(o))
				continue;
			if (type == NULL)
				type = str_eq(obs_field(o, "rpo_kind"), "pitr") ? "pitr" : o->probe;
			sample(fp, "drconsole_backup_age_seconds", (const char *[]){
				"site", site_role_name(o->site), "store", obs_field(o, "rpo_store"),
				"type", type, "source", o->probe, "subject", o->subject, NULL }, o->value);
		}
	}
	family(fp, "drconsole_hosts_up", NULL, "Hosts that answered over SSH in this refresh");
	for (int s = 0; s < 2; s++) {
		size_t up = 0;

		for (size_t i = 0; i < snap->n; i++)
			if ((int)snap->items[i]->site == s && str_eq(snap->items[i]->probe, "host") &&
			    str_eq(snap->items[i]->state, "up"))
				up++;
		sample(fp, "drconsole_hosts_up", (const char *[]){ "site", site_role_name(s), NULL },
		       (double)up);
	}
	family(fp, "drconsole_checks", NULL, "Observations of this refresh by status");
	for (size_t k = 0; k < ARRAY_LEN(states); k++) {
		size_t n = 0;

		for (size_t i = 0; i < snap->n; i++)
			n += snap->items[i]->status == states[k];
		sample(fp, "drconsole_checks", (const char *[]){ "status", obs_status_name(states[k]),
		       NULL }, (double)n);
	}
}

void
metrics_write(FILE *fp, const struct metrics_input *in)
{
	family(fp, "drconsole_observed_timestamp_seconds", "seconds",
	       "When drconsole wrote these metrics (UTC epoch)");
	sample(fp, "drconsole_observed_timestamp_seconds", NULL, (double)(in->now_ms / 1000));
	family(fp, "drconsole_rpo_objective_seconds", "seconds", "The RPO objective");
	sample(fp, "drconsole_rpo_objective_seconds", NULL, in->rpo_objective_s);
	family(fp, "drconsole_rto_objective_seconds", "seconds", "The RTO objective");
	sample(fp, "drconsole_rto_objective_seconds", NULL, in->rto_objective_s);
	if (in->snap != NULL) {
		rpo_families(fp, in);
		observation_families(fp, in);
	}
	family(fp, "drconsole_hosts", NULL, "SSH-able hosts in the site's inventory");
	for (int s = 0; s < 2; s++)
		if (in->sites[s] != NULL)
			sample(fp, "drconsole_hosts", (const char *[]){ "site", site_role_name(s), NULL },
			       (double)in->sites[s]->n_hosts);
	if (in->drills != NULL) {
		family(fp, "drconsole_last_drill_timestamp_seconds", "seconds",
		       "When the last completed drill of each runbook model ended (UTC epoch; 0 never)");
		for (int m = 0; m < DRILL_MODEL_COUNT; m++)
			sample(fp, "drconsole_last_drill_timestamp_seconds", (const char *[]){
				"model", drill_model_label(m), NULL },
				(double)(in->drills->last_drill_ms[m] / 1000));
		family(fp, "drconsole_last_verified_restore_timestamp_seconds", "seconds",
		       "When the last completed restore or backup-verification run ended (UTC epoch; 0 never)");
		sample(fp, "drconsole_last_verified_restore_timestamp_seconds", NULL,
		       (double)(in->drills->last_verified_restore_ms / 1000));
	}
	if (in->failover != NULL) {
		family(fp, "drconsole_failover_uncommitted", NULL,
		       "1 while a completed failover is neither committed nor rolled back");
		sample(fp, "drconsole_failover_uncommitted", NULL,
		       in->failover->phase == FAILOVER_UNCOMMITTED ? 1.0 : 0.0);
		family(fp, "drconsole_failover_completed_timestamp_seconds", "seconds",
		       "When the failover still in effect completed (UTC epoch; 0 none)");
		sample(fp, "drconsole_failover_completed_timestamp_seconds", NULL,
		       in->failover->phase == FAILOVER_NONE || in->failover->phase == FAILOVER_ROLLED_BACK ?
		       0.0 : (double)(in->failover->completed_ms / 1000));
	}
	if (in->drift_items >= 0) {
		family(fp, "drconsole_config_drift_items", NULL,
		       "Differences between the primary and secondary env dirs, by kind");
		sample(fp, "drconsole_config_drift_items", (const char *[]){ "kind", "suspicious", NULL },
		       (double)in->drift_suspicious);
		sample(fp, "drconsole_config_drift_items", (const char *[]){ "kind", "expected", NULL },
		       (double)(in->drift_items - in->drift_suspicious));
	}
	fputs("# EOF\n", fp);
}
