/*
 * rds_replicas.c: read replicas and replicated automated backups of RDS
 * instances (see rds_replicas.h).
 *
 * DESIGN: replicas' states cost nothing extra (they are in the
 * DescribeDBInstances answer the probe already holds); their lag costs one
 * CloudWatch request per replica (rds_replica_lag.c); replicated automated
 * backups cost one DescribeDBInstanceAutomatedBackups listing (plus pages)
 * per destination region, and only when some instance replicates. Parsing follows rds.c:
 * libxml2 without network or entities, a DTD refused, strings sanitised;
 * judgements are pure functions tested on recorded answers.
 */
#include "drconsole/probe/rds_replicas.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/aws_creds.h"
#include "drconsole/probe/aws_query.h"
#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_pg.h"
#include "drconsole/probe/xml_answer.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

#define MAX_DEST_REGIONS 4

/* ---- read replicas ------------------------------------------------------------ */

static const struct rds_seen *
seen_by_id(const struct rds_page *all, const char *identifier)
{
	for (size_t i = 0; all != NULL && i < all->n; i++)
		if (strcmp(all->items[i].identifier, identifier) == 0)
			return &all->items[i];
	return NULL;
}

/* What the replicas' lags add up to on their source's row. */
struct lag_sum {
	bool any;			/* some replica's lag was read */
	long long max_s;
	const char *error;		/* the first CloudWatch error */
};

/* Replica id's lag l: its words in states, a warning in bad when high or not running. */
static void
judge_lag(const struct rds_replica_lag *l, const char *id, struct strbuf *states, struct strbuf *bad,
	  struct lag_sum *sum)
{
	long long lag = (long long)floor(l->lag_s), day = 24 * 3600;
	long long tod = ((l->at_s % day) + day) % day;

	switch (l->state) {
	case RDS_LAG_SEEN:
		strbuf_printf(states, ", lag %llds (CloudWatch %02lld:%02lldZ)", lag, tod / 3600, tod % 3600 / 60);
		if (lag < 0) {
			strbuf_printf(bad, "; read replica %s lag %llds (replication not running)", id, lag);
			break;
		}
		if (!sum->any || lag > sum->max_s)
			sum->max_s = lag;
		sum->any = true;
		if (l->lag_s >= PG_LAG_WARN_S)
			strbuf_printf(bad, "; read replica %s lag %llds", id, lag);
		break;
	case RDS_LAG_NONE:
		strbuf_printf(states, ", lag not reported");
		break;
	case RDS_LAG_ERROR:
		strbuf_printf(states, ", lag not read (%s)", l->reason);
		if (sum->error == NULL)
			sum->error = l->error;
		break;
	case RDS_LAG_NOT_READ:
		break;
	}
}

void
rds_judge_replicas(const struct rds_seen *seen, const struct rds_page *all,
		   const struct rds_replica_lag *lags, struct observation *o)
{
	struct strbuf states = STRBUF_INIT, bad = STRBUF_INIT;
	struct lag_sum sum = { 0 };
	size_t shown = seen->n_replicas < RDS_SHOWN_REPLICAS ? seen->n_replicas : RDS_SHOWN_REPLICAS;

	if (seen->n_replicas == 0)
		return;
	for (size_t i = 0; i < shown; i++) {
		const char *id = seen->replica_ids[i];
		const struct rds_seen *r = strncmp(id, "arn:", 4) == 0 ? NULL : seen_by_id(all, id);
		const char *rs;

		if (strncmp(id, "arn:", 4) == 0) {
			strbuf_printf(&states, "%s%s (another region, not checked)", states.len > 0 ? ", " : "", id);
			continue;
		}
		if (r == NULL) {
			strbuf_printf(&states, "%s%s not listed", states.len > 0 ? ", " : "", id);
			strbuf_printf(&bad, "; read replica %s is not in DescribeDBInstances", id);
			continue;
		}
		rs = r->replication_status[0] != '\0' ? r->replication_status : "replication status not reported";
		strbuf_printf(&states, "%s%s %s %s", states.len > 0 ? ", " : "", id, r->status, rs);
		if (strcmp(r->status, "available") != 0 && strcmp(r->status, "backing-up") != 0 &&
		    strcmp(r->status, "modifying") != 0)
			strbuf_printf(&bad, "; read replica %s is %s", id, r->status);
		else if (r->replication_status[0] != '\0' &&
			 (!r->replication_normal || strcmp(r->replication_status, "replicating") != 0))
			strbuf_printf(&bad, "; read replica %s: replication %s%s%s", id, r->replication_status,
				      r->replication_message[0] != '\0' ? ": " : "", r->replication_message);
		if (lags != NULL)
			judge_lag(&lags[r - all->items], id, &states, &bad, &sum);
	}
	if (seen->n_replicas > shown)
		strbuf_printf(&states, ", and %zu more", seen->n_replicas - shown);
	obs_add_field(o, "read_replica_states", "%s", strbuf_str(&states));
	if (sum.any)
		obs_add_field(o, "replica_lag_s", "%lld", sum.max_s);
	if (sum.error != NULL)
		obs_add_field(o, "replica_lag_error", "%s", sum.error);
	if (bad.len > 0 && (o->status == OBS_OK || o->status == OBS_WARN)) {
		char *msg = xasprintf("%s%s", o->message != NULL ? o->message : "", strbuf_str(&bad));
		char *state = xstrdup(o->state != NULL ? o->state : "replica");

		obs_set(o, OBS_WARN, state, "%s", msg);
		free(msg);
		free(state);
	}
	strbuf_free(&states);
	strbuf_free(&bad);
}

void
rds_read_replica_lags(const struct rds_target *t, const struct rds_page *all, long long deadline_ms,
		      struct rds_replica_lag *lags)
{
	const char **ids = xcalloc(t->n * RDS_SHOWN_REPLICAS + 1, sizeof *ids);
	size_t *at = xcalloc(t->n * RDS_SHOWN_REPLICAS + 1, sizeof *at), n = 0;
	struct rds_replica_lag *got;

	for (size_t i = 0; i < t->n; i++) {
		const struct rds_seen *s = seen_by_id(all, t->instances[i].identifier);

		for (size_t k = 0; s != NULL && k < s->n_replicas && k < RDS_SHOWN_REPLICAS; k++) {
			const struct rds_seen *r = strncmp(s->replica_ids[k], "arn:", 4) == 0 ? NULL :
						   seen_by_id(all, s->replica_ids[k]);

			if (r != NULL) {
				ids[n] = r->identifier;
				at[n++] = (size_t)(r - all->items);
			}
		}
	}
	got = xcalloc(n + 1, sizeof *got);
	rds_replica_lag_read(t->region, t->profile, ids, n, deadline_ms, t->timeout_ms, got);
	for (size_t k = 0; k < n; k++)
		lags[at[k]] = got[k];
	free(got);
	free(at);
	free(ids);
}

/* ---- replicated automated backups: parsing ------------------------------------- */

static long long
time_of(const xmlNode *n)
{
	char buf[64];
	long long t;

	xml_text_into(n, buf, sizeof buf);
	return buf[0] != '\0' && backup_time_parse(buf, &t) ? t : -1;
}

static void
parse_backup(const xmlNode *n, struct rds_auto_backup *b)
{
	const xmlNode *w = xml_child(n, "RestoreWindow");
	char buf[32], *end;
	long v;

	memset(b, 0, sizeof *b);
	xml_text_into(xml_child(n, "DBInstanceIdentifier"), b->identifier, sizeof b->identifier);
	xml_text_into(xml_child(n, "DBInstanceArn"), b->instance_arn, sizeof b->instance_arn);
	xml_text_into(xml_child(n, "Region"), b->region, sizeof b->region);
	xml_text_into(xml_child(n, "Status"), b->status, sizeof b->status);
	xml_text_into(xml_child(n, "DBInstanceAutomatedBackupsArn"), b->arn, sizeof b->arn);
	b->earliest_s = time_of(xml_child(w, "EarliestTime"));
	b->latest_s = time_of(xml_child(w, "LatestTime"));
	xml_text_into(xml_child(n, "BackupRetentionPeriod"), buf, sizeof buf);
	v = strtol(buf, &end, 10);
	b->retention = end != buf && *end == '\0' && v >= 0 && v <= 1000 ? (int)v : -1;
}

int
rds_auto_backups_parse(const char *body, size_t len, struct rds_auto_list *out, char *err,
		       size_t errlen)
{
	xmlDocPtr doc;
	const xmlNode *root, *n;
	int rc = 0;

	out->marker[0] = '\0';
	out->is_error = false;
	doc = xml_answer_read(body, len, RDS_MAX_BODY, "an RDS response", err, errlen);
	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (xml_aws_error(root, out->code, sizeof out->code, out->message, sizeof out->message)) {
		out->is_error = true;
	} else if (xml_named(root, "DescribeDBInstanceAutomatedBackupsResponse") &&
		   (n = xml_child(root, "DescribeDBInstanceAutomatedBackupsResult")) != NULL) {
		const xmlNode *list = xml_child(n, "DBInstanceAutomatedBackups");

		for (const xmlNode *c = list != NULL ? list->children : NULL; c != NULL; c = c->next) {
			if (!xml_named(c, "DBInstanceAutomatedBackup"))
				continue;
			out->items = xreallocarray(out->items, out->n + 1, sizeof *out->items);
			parse_backup(c, &out->items[out->n++]);
		}
		xml_text_into(xml_child(n, "Marker"), out->marker, sizeof out->marker);
	} else {
		snprintf(err, errlen, "unexpected root element <%.64s>", (const char *)root->name);
		rc = -1;
	}
	xmlFreeDoc(doc);
	return rc;
}

void
rds_auto_list_free(struct rds_auto_list *l)
{
	free(l->items);
	memset(l, 0, sizeof *l);
}

bool
rds_arn_region(const char *arn, char *buf, size_t len)
{
	const char *p = arn;
	size_t n;

	for (int i = 0; i < 3 && p != NULL; i++) {	/* arn:PARTITION:SERVICE:REGION */
		p = strchr(p, ':');
		if (p != NULL)
			p++;
	}
	if (p == NULL || (n = strcspn(p, ":")) == 0 || n >= len || p[n] != ':')
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

const struct rds_auto_backup *
rds_auto_find(const struct rds_auto_list *l, const struct rds_seen *src, const char *src_region)
{
	for (size_t i = 0; i < l->n; i++)
		if (src->backups_replication_arn[0] != '\0' &&
		    strcmp(l->items[i].arn, src->backups_replication_arn) == 0)
			return &l->items[i];
	for (size_t i = 0; i < l->n; i++)
		if (src->arn[0] != '\0' && strcmp(l->items[i].instance_arn, src->arn) == 0)
			return &l->items[i];
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].identifier, src->identifier) == 0 &&
		    (l->items[i].region[0] == '\0' || str_eq(l->items[i].region, src_region)))
			return &l->items[i];
	return NULL;
}

/* ---- judgement ------------------------------------------------------------------ */

void
rds_auto_judge(const struct aws_rds *want, const struct rds_auto_backup *ab,
	       const char *dest_region, bool primary, long long now_s, struct observation *o)
{
	char when[32], age[32];

	obs_add_field(o, "region", "%s", dest_region);
	if (primary) {
		/* no rpo_scenario: it lives outside the primary's region */
		obs_add_field(o, OBS_F_RPO_STORE, "postgres");
		obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_PITR);
		obs_add_field(o, OBS_F_RPO_PART, "%s", want->identifier);
	}
	if (ab == NULL) {
		obs_set(o, OBS_CRIT, "missing", "%s replicates its automated backups to %s, but "
			"DescribeDBInstanceAutomatedBackups there does not list them", want->identifier,
			dest_region);
		return;
	}
	obs_add_field(o, "backup_status", "%s", ab->status);
	obs_add_field(o, "arn", "%s", ab->arn);
	if (ab->retention >= 0)
		obs_add_field(o, "backup_retention_days", "%d", ab->retention);
	if (ab->earliest_s >= 0)
		obs_add_field(o, "earliest_restorable_time", "%s",
			      backup_time_format(ab->earliest_s, when, sizeof when));
	if (ab->latest_s < 0) {
		obs_set(o, OBS_WARN, ab->status[0] != '\0' ? ab->status : "no-restore-time",
			"automated backups of %s in %s (%s): no restore window yet", want->identifier,
			dest_region, ab->status[0] != '\0' ? ab->status : "status not reported");
		return;
	}
	{
		long long exposure = now_s - ab->latest_s > 0 ? now_s - ab->latest_s : 0;
		bool live = strcmp(ab->status, "replicating") == 0 || strcmp(ab->status, "active") == 0;

		obs_add_field(o, "latest_restorable_time", "%s",
			      backup_time_format(ab->latest_s, when, sizeof when));
		if (primary)
			obs_add_field(o, OBS_F_RPO_EXPOSURE, "%lld", exposure);
		obs_set_value(o, (double)exposure, "s");
		duration_format(exposure * 1000, age, sizeof age);
		obs_set(o, live ? OBS_OK : OBS_WARN, ab->status[0] != '\0' ? ab->status : "unknown",
			"PITR in %s to %s ago (replicated automated backups, %s)", dest_region, age,
			ab->status[0] != '\0' ? ab->status : "status not reported");
	}
}

/* ---- the requests ------------------------------------------------------------------ */

/* Every replicated automated backup listed in region; NULL, or the error. */
/* One DescribeDBInstanceAutomatedBackups page (aws_query.h): appended to the list in ud. */
static int
parse_auto_backups(const char *body, size_t len, void *ud, struct aws_query_page *pg, char *err,
		   size_t errlen)
{
	struct rds_auto_list *out = ud;

	if (rds_auto_backups_parse(body, len, out, err, errlen) != 0)
		return -1;
	aws_query_page_set(pg, out->marker, out->is_error, out->code, out->message);
	return 0;
}

static char *
describe_region(const char *region, const char *profile, long long deadline, long long timeout_ms,
		struct rds_auto_list *out)
{
	struct aws_query q = { .service = "rds", .region = region, .profile = profile,
			       .action = "DescribeDBInstanceAutomatedBackups", .version = "2014-10-31",
			       .deadline_ms = deadline, .timeout_ms = timeout_ms,
			       .max_pages = RDS_MAX_PAGES, .parse = parse_auto_backups, .ud = out };

	return aws_query_all(&q);
}

void
rds_post_replicated_backups(const struct rds_target *t, const struct rds_page *all,
			    long long start_ms, long long deadline_ms, struct status_store *store)
{
	char regions[MAX_DEST_REGIONS][32];
	struct rds_auto_list lists[MAX_DEST_REGIONS];
	char *errors[MAX_DEST_REGIONS];
	size_t n_regions = 0;
	long long now_s;

	memset(lists, 0, sizeof lists);
	for (size_t i = 0; i < t->n; i++) {
		const struct rds_seen *s = seen_by_id(all, t->instances[i].identifier);
		char region[32];
		size_t k = 0;

		if (s == NULL || s->backups_replication_arn[0] == '\0' ||
		    !rds_arn_region(s->backups_replication_arn, region, sizeof region))
			continue;
		while (k < n_regions && strcmp(regions[k], region) != 0)
			k++;
		if (k == n_regions && n_regions < MAX_DEST_REGIONS) {
			snprintf(regions[n_regions], sizeof regions[0], "%s", region);
			errors[n_regions] = describe_region(region, t->profile, deadline_ms, t->timeout_ms,
							    &lists[n_regions]);
			n_regions++;
		}
	}
	if (n_regions == 0)
		return;
	now_s = time_wall_ms() / 1000;
	for (size_t i = 0; i < t->n; i++) {
		const struct aws_rds *w = &t->instances[i];
		const struct rds_seen *s = seen_by_id(all, w->identifier);
		char region[32], key[512], subject[300];
		struct observation *o;
		size_t k = 0;

		if (s == NULL || s->backups_replication_arn[0] == '\0' ||
		    !rds_arn_region(s->backups_replication_arn, region, sizeof region))
			continue;
		while (k < n_regions && strcmp(regions[k], region) != 0)
			k++;
		if (k == n_regions)
			continue;	/* more destination regions than we read */
		snprintf(key, sizeof key, "%s/rds-backups/%s", site_role_name(t->site), w->identifier);
		snprintf(subject, sizeof subject, "%s backups in %s", w->identifier, region);
		o = obs_create(t->site, PROBE_NAME_RDS, key, subject);
		if (errors[k] != NULL) {
			obs_set(o, OBS_UNKNOWN, "error", "%s", errors[k]);
			obs_add_field(o, "region", "%s", region);
			if (t->site == SITE_PRIMARY) {
				obs_add_field(o, OBS_F_RPO_STORE, "postgres");
				obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_PITR);
				obs_add_field(o, OBS_F_RPO_PART, "%s", w->identifier);
			}
		} else {
			rds_auto_judge(w, rds_auto_find(&lists[k], s, t->region), region,
				       t->site == SITE_PRIMARY, now_s, o);
		}
		o->latency_ms = time_mono_ms() - start_ms;
		status_store_post(store, o);
	}
	for (size_t k = 0; k < n_regions; k++) {
		free(errors[k]);
		rds_auto_list_free(&lists[k]);
	}
}
