/*
 * rds.c: RDS instances through DescribeDBInstances (see probe_rds.h).
 *
 * DESIGN: one request (plus pages) per site and refresh, whatever the
 * number of instances, so a production-sized site costs one round trip;
 * read replicas add one CloudWatch request each (rds_replica_lag.c).
 * The answer is parsed with libxml2 without network access or entities (a
 * DTD is refused), every string from AWS is sanitised, and the judgement
 * is a pure function of (terraform's values, AWS's answer, now) so it is
 * tested without a server.
 */
#include "drconsole/probe/probe_rds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/util/duration.h"
#include "drconsole/probe/aws_creds.h"
#include "drconsole/probe/aws_query.h"
#include "drconsole/probe/httpget.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/probe/xml_answer.h"
#include "drconsole/probe/rds_replicas.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/probe/status.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

/* ---- parsing ------------------------------------------------------------------ */

static void
parse_instance(const xmlNode *n, struct rds_seen *s)
{
	char buf[64];

	memset(s, 0, sizeof *s);
	s->retention = -1;
	s->latest_restorable_s = -1;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (xml_named(c, "DBInstanceIdentifier")) {
			xml_text_into(c, s->identifier, sizeof s->identifier);
		} else if (xml_named(c, "DBInstanceStatus")) {
			xml_text_into(c, s->status, sizeof s->status);
		} else if (xml_named(c, "DBInstanceClass")) {
			xml_text_into(c, s->instance_class, sizeof s->instance_class);
		} else if (xml_named(c, "EngineVersion")) {
			xml_text_into(c, s->engine_version, sizeof s->engine_version);
		} else if (xml_named(c, "DBInstanceArn")) {
			xml_text_into(c, s->arn, sizeof s->arn);
		} else if (xml_named(c, "Endpoint")) {
			xml_text_into(xml_child(c, "Address"), s->endpoint, sizeof s->endpoint);
		} else if (xml_named(c, "MultiAZ")) {
			xml_text_into(c, buf, sizeof buf);
			s->multi_az = strcmp(buf, "true") == 0;
		} else if (xml_named(c, "BackupRetentionPeriod")) {
			char *end;
			long v;

			xml_text_into(c, buf, sizeof buf);
			v = strtol(buf, &end, 10);
			s->retention = end != buf && *end == '\0' && v >= 0 && v <= 1000 ? (int)v : -1;
		} else if (xml_named(c, "LatestRestorableTime")) {
			long long t;

			xml_text_into(c, buf, sizeof buf);
			if (backup_time_parse(buf, &t))
				s->latest_restorable_s = t;
		} else if (xml_named(c, "ReadReplicaDBInstanceIdentifiers")) {
			for (const xmlNode *r = c->children; r != NULL; r = r->next) {
				if (!xml_named(r, "ReadReplicaDBInstanceIdentifier"))
					continue;
				if (s->n_replicas < RDS_SHOWN_REPLICAS)
					xml_text_into(r, s->replica_ids[s->n_replicas], sizeof s->replica_ids[0]);
				s->n_replicas++;
			}
		} else if (xml_named(c, "ReadReplicaSourceDBInstanceIdentifier")) {
			xml_text_into(c, s->source_identifier, sizeof s->source_identifier);
		} else if (xml_named(c, "StatusInfos")) {
			for (const xmlNode *r = c->children; r != NULL; r = r->next) {
				char type[48];

				xml_text_into(xml_child(r, "StatusType"), type, sizeof type);
				if (!xml_named(r, "DBInstanceStatusInfo") || strcmp(type, "read replication") != 0)
					continue;
				xml_text_into(xml_child(r, "Status"), s->replication_status, sizeof s->replication_status);
				xml_text_into(xml_child(r, "Normal"), buf, sizeof buf);
				s->replication_normal = strcmp(buf, "false") != 0;
				xml_text_into(xml_child(r, "Message"), s->replication_message,
					  sizeof s->replication_message);
			}
		} else if (xml_named(c, "DBInstanceAutomatedBackupsReplications")) {
			const xmlNode *r = xml_child(c, "DBInstanceAutomatedBackupsReplication");

			if (r != NULL && s->backups_replication_arn[0] == '\0')
				xml_text_into(xml_child(r, "DBInstanceAutomatedBackupsArn"), s->backups_replication_arn,
					  sizeof s->backups_replication_arn);
		}
	}
}

int
rds_page_parse(const char *body, size_t len, struct rds_page *out, char *err, size_t errlen)
{
	xmlDocPtr doc;
	const xmlNode *root, *n;
	int rc = 0;

	memset(out, 0, sizeof *out);
	doc = xml_answer_read(body, len, RDS_MAX_BODY, "an RDS response", err, errlen);
	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (xml_aws_error(root, out->code, sizeof out->code, out->message, sizeof out->message)) {
		out->is_error = true;
	} else if (xml_named(root, "DescribeDBInstancesResponse") &&
		   (n = xml_child(root, "DescribeDBInstancesResult")) != NULL) {
		const xmlNode *list = xml_child(n, "DBInstances");
		size_t cap = 0;

		for (const xmlNode *c = list != NULL ? list->children : NULL; c != NULL; c = c->next) {
			if (!xml_named(c, "DBInstance"))
				continue;
			if (out->n == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				out->items = xreallocarray(out->items, cap, sizeof *out->items);
			}
			parse_instance(c, &out->items[out->n++]);
		}
		xml_text_into(xml_child(n, "Marker"), out->marker, sizeof out->marker);
	} else {
		snprintf(err, errlen, "unexpected root element <%.64s>", (const char *)root->name);
		rc = -1;
	}
	xmlFreeDoc(doc);
	if (rc != 0)
		rds_page_free(out);
	return rc;
}

void
rds_page_free(struct rds_page *p)
{
	free(p->items);
	memset(p, 0, sizeof *p);
}

bool
rds_error_is_throttling(const char *code)
{
	return aws_error_is_throttling(code);
}

/* ---- judgement ------------------------------------------------------------------ */

/* DBInstanceStatus values after which the instance does not serve. */
static bool
status_broken(const char *st)
{
	return strcmp(st, "failed") == 0 || strcmp(st, "storage-full") == 0 ||
	       strcmp(st, "inaccessible-encryption-credentials") == 0 ||
	       strcmp(st, "restore-error") == 0 || strcmp(st, "stopped") == 0 ||
	       strcmp(st, "deleting") == 0 || strncmp(st, "incompatible-", 13) == 0;
}

void
rds_judge(const struct aws_rds *want, const struct rds_seen *seen, const char *region,
	  bool primary, long long now_s, struct observation *o)
{
	struct strbuf notes = STRBUF_INIT;
	enum obs_status st = OBS_OK;
	char age[32];

	if (seen == NULL) {
		obs_set(o, OBS_CRIT, "missing", "%s is not in %s (DescribeDBInstances does not list it)",
			want->identifier, region);
		if (primary) {
			obs_add_field(o, OBS_F_RPO_STORE, "postgres");
			obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_PITR);
			obs_add_field(o, OBS_F_RPO_SCENARIO, OBS_RPO_SCENARIO_INSTANCE);
		obs_add_field(o, OBS_F_RPO_PART, "%s", want->identifier);
		}
		return;
	}
	obs_add_field(o, "db_status", "%s", seen->status);
	obs_add_field(o, "instance_class", "%s", seen->instance_class);
	obs_add_field(o, "engine_version", "%s", seen->engine_version);
	obs_add_field(o, "multi_az", "%s", seen->multi_az ? "yes" : "no");
	obs_add_field(o, "backup_retention_days", "%d", seen->retention);
	obs_add_field(o, "arn", "%s", seen->arn);
	obs_add_field(o, "endpoint", "%s", seen->endpoint);
	obs_add_field(o, "read_replicas", "%zu", seen->n_replicas);
	if (seen->latest_restorable_s >= 0) {
		char when[32];

		obs_add_field(o, "latest_restorable_time", "%s",
			      backup_time_format(seen->latest_restorable_s, when, sizeof when));
	}
	if (primary) {
		obs_add_field(o, OBS_F_RPO_STORE, "postgres");
		obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_PITR);
		obs_add_field(o, OBS_F_RPO_SCENARIO, OBS_RPO_SCENARIO_INSTANCE);
		obs_add_field(o, OBS_F_RPO_PART, "%s", want->identifier);
	}
	if (status_broken(seen->status)) {
		obs_set(o, OBS_CRIT, seen->status, "%s is %s", want->identifier, seen->status);
		return;
	}
	if (seen->retention == 0) {
		obs_set(o, OBS_CRIT, "no-pitr", "%s has automated backups off (BackupRetentionPeriod 0): "
			"no point-in-time recovery", want->identifier);
		return;
	}
	if (strcmp(seen->status, "available") != 0 && strcmp(seen->status, "backing-up") != 0) {
		st = OBS_WARN;
		strbuf_printf(&notes, "; status %s", seen->status);
	}
	if (want->multi_az && !seen->multi_az) {
		st = OBS_WARN;
		strbuf_printf(&notes, "; not Multi-AZ although terraform.yml says multi_az: true");
	}
	if (want->backup_retention > 0 && seen->retention >= 0 && seen->retention != want->backup_retention) {
		st = OBS_WARN;
		strbuf_printf(&notes, "; backup retention %d d, terraform.yml says %d",
			      seen->retention, want->backup_retention);
	}
	if (seen->latest_restorable_s < 0) {
		obs_set(o, st == OBS_OK ? OBS_UNKNOWN : st, "no-restore-time",
			"%s: no LatestRestorableTime yet (new instance or backups starting)%s",
			want->identifier, strbuf_str(&notes));
		strbuf_free(&notes);
		return;
	}
	{
		long long exposure = now_s - seen->latest_restorable_s;

		if (exposure < 0)
			exposure = 0;
		obs_set_value(o, (double)exposure, "s");
		if (primary)
			obs_add_field(o, OBS_F_RPO_EXPOSURE, "%lld", exposure);
		duration_format(exposure * 1000, age, sizeof age);
		obs_set(o, st, seen->status, "PITR to %s ago, %s, retention %d d%s", age,
			seen->multi_az ? "Multi-AZ" : "single-AZ", seen->retention, strbuf_str(&notes));
	}
	strbuf_free(&notes);
}

/* ---- the probe ------------------------------------------------------------------ */

struct rds_target *
rds_target_create(enum site_role site, const struct aws_env *a, long long timeout_ms)
{
	struct rds_target *t = xcalloc(1, sizeof *t);

	/* before any worker thread exists: libcurl and libxml2 */
	httpget_global_init();
	t->site = site;
	t->region = xstrdup(a->region != NULL ? a->region : "us-east-1");
	t->profile = a->profile != NULL ? xstrdup(a->profile) : NULL;
	t->timeout_ms = timeout_ms;
	t->n = a->n_rds;
	t->instances = xcalloc(a->n_rds + 1, sizeof *t->instances);
	for (size_t i = 0; i < a->n_rds; i++) {
		t->instances[i] = a->rds[i];	/* scalars */
		t->instances[i].identifier = xstrdup(a->rds[i].identifier);
		t->instances[i].instance_type = NULL;
		t->instances[i].engine_version = NULL;
		t->instances[i].backup_window = NULL;
		t->instances[i].group = xstrdup(a->rds[i].group);
		t->instances[i].endpoint = NULL;
		t->instances[i].databases = NULL;
		t->instances[i].n_databases = 0;
	}
	return t;
}

void
rds_target_free(void *target)
{
	struct rds_target *t = target;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->instances[i].identifier);
		free(t->instances[i].group);
	}
	free(t->instances);
	free(t->region);
	free(t->profile);
	free(t);
}

/* Every instance the answer lists, appended to all; NULL error on success. */
/* One DescribeDBInstances page (aws_query.h): its instances appended to the list in ud. */
static int
parse_instances(const char *body, size_t len, void *ud, struct aws_query_page *pg, char *err, size_t errlen)
{
	struct rds_page *all = ud, p;

	if (rds_page_parse(body, len, &p, err, errlen) != 0)
		return -1;
	aws_query_page_set(pg, p.marker, p.is_error, p.code, p.message);
	if (!p.is_error) {
		all->items = xreallocarray(all->items, all->n + p.n + 1, sizeof *all->items);
		if (p.n > 0)	/* an empty page has no items array */
			memcpy(all->items + all->n, p.items, p.n * sizeof *p.items);
		all->n += p.n;
	}
	rds_page_free(&p);
	return 0;
}

static char *
describe_all(const struct rds_target *t, long long deadline, struct rds_page *all)
{
	struct aws_query q = { .service = "rds", .region = t->region, .profile = t->profile,
			       .action = "DescribeDBInstances", .version = "2014-10-31",
			       .deadline_ms = deadline, .timeout_ms = t->timeout_ms,
			       .max_pages = RDS_MAX_PAGES, .parse = parse_instances, .ud = all };

	return aws_query_all(&q);
}

static void
rds_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	const struct rds_target *t = job->target;
	long long start = time_mono_ms();
	long long deadline = start + ctx->timeout_ms, now_s;
	struct rds_page all = { 0 };
	char *error = describe_all(t, deadline, &all);
	struct rds_replica_lag *lags = xcalloc(all.n + 1, sizeof *lags);

	/* half of the time left at most, so the replicated-backups listing keeps the rest */
	if (error == NULL) {
		long long now_ms = time_mono_ms();

		rds_read_replica_lags(t, &all, now_ms + (deadline - now_ms) / 2, lags);
	}
	now_s = time_wall_ms() / 1000;

	for (size_t i = 0; i < t->n; i++) {
		const struct aws_rds *w = &t->instances[i];
		const struct rds_seen *seen = NULL;
		char key[512];
		struct observation *o;

		snprintf(key, sizeof key, "%s/rds/%s", site_role_name(t->site), w->identifier);
		o = obs_create(t->site, PROBE_NAME_RDS, key, w->identifier);
		obs_add_field(o, "region", "%s", t->region);
		obs_add_field(o, "inventory_group", "%s", w->group);
		if (error != NULL) {
			obs_set(o, OBS_UNKNOWN, "error", "%s", error);
			if (t->site == SITE_PRIMARY) {
				obs_add_field(o, OBS_F_RPO_STORE, "postgres");
				obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_PITR);
				obs_add_field(o, OBS_F_RPO_SCENARIO, OBS_RPO_SCENARIO_INSTANCE);
		obs_add_field(o, OBS_F_RPO_PART, "%s", w->identifier);
			}
		} else {
			for (size_t k = 0; k < all.n && seen == NULL; k++)
				if (strcmp(all.items[k].identifier, w->identifier) == 0)
					seen = &all.items[k];
			rds_judge(w, seen, t->region, t->site == SITE_PRIMARY, now_s, o);
			if (seen != NULL)
				rds_judge_replicas(seen, &all, lags, o);
		}
		o->latency_ms = time_mono_ms() - start;
		status_store_post(ctx->store, o);
	}
	if (error == NULL)	/* cross-region copies of the automated backups, when any */
		rds_post_replicated_backups(t, &all, start, deadline, ctx->store);
	free(lags);
	free(error);
	rds_page_free(&all);
}

const struct probe_type probe_rds = {
	.name = "rds",
	.run = rds_run,
	.free_target = rds_target_free,
};

size_t
rds_add_jobs(const struct probe_setup *ps)
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = ps->sites[r];
		char key[512];

		if (site == NULL || site->aws == NULL || site->aws->n_rds == 0)
			continue;
		for (size_t i = 0; i < site->aws->n_rds; i++) {
			snprintf(key, sizeof key, "%s/rds/%s", site_role_name(site->role),
				 site->aws->rds[i].identifier);
			status_store_expect(ps->store, site->role, PROBE_NAME_RDS, key,
					    site->aws->rds[i].identifier);
		}
		snprintf(key, sizeof key, "%s/rds", site_role_name(site->role));
		scheduler_add(ps->sched, &probe_rds, key,
			      rds_target_create(site->role, site->aws, ps->cfg->probe_timeout_ms),
			      ps->cfg->probe_timeout_ms);
		n++;
	}
	return n;
}
