/* Unit tests: read replicas and replicated automated backups of RDS instances, on recorded answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/rds_replicas.h"
#include "drconsole/probe/rpo.h"
#include "drconsole/util/util.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;

	assert_non_null(fp);
	buf = xcalloc(1, 1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

static const struct rds_seen *
find(const struct rds_page *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].identifier, id) == 0)
			return &p->items[i];
	return NULL;
}

static void
load_instances(struct rds_page *p)
{
	size_t len;
	char *body = slurp("tests/fixtures/aws/describe-db-instances-replicas.xml", &len), err[128];

	assert_int_equal(rds_page_parse(body, len, p, err, sizeof err), 0);
	free(body);
}

/* The fields DescribeDBInstances gives about replicas and replicated backups. */
static void
test_parse_replica_fields(void **state)
{
	struct rds_page p;
	const struct rds_seen *m, *b;

	(void)state;
	load_instances(&p);
	assert_int_equal(p.n, 5);
	m = find(&p, "pgmain1-production");
	assert_non_null(m);
	assert_int_equal(m->n_replicas, 3);
	assert_string_equal(m->replica_ids[0], "pgmain1-replica-a");
	assert_string_equal(m->replica_ids[2], "arn:aws:rds:us-east-2:123456789012:db:pgmain1-replica-east2");
	assert_string_equal(m->backups_replication_arn,
			    "arn:aws:rds:us-east-2:123456789012:auto-backup:ab-pgmain1xxxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(m->source_identifier, "");
	b = find(&p, "pgmain1-replica-b");
	assert_non_null(b);
	assert_string_equal(b->source_identifier, "pgmain1-production");
	assert_string_equal(b->replication_status, "error");
	assert_false(b->replication_normal);
	assert_non_null(strstr(b->replication_message, "storage-full"));
	assert_true(find(&p, "pgmain1-replica-a")->replication_normal);
	rds_page_free(&p);
}

/* A replica whose replication is in error makes its source's row a warning naming it. */
static void
test_judge_replicas(void **state)
{
	struct rds_page p;
	struct aws_rds want = { 0 };
	struct observation *o;
	long long now;

	(void)state;
	load_instances(&p);
	assert_true(backup_time_parse("2026-12-03T20:00:00Z", &now));
	want.identifier = (char *)"pgmain1-production";
	want.multi_az = true;
	want.backup_retention = 7;
	o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds/pgmain1-production", "pgmain1-production");
	rds_judge(&want, find(&p, "pgmain1-production"), "us-east-1", true, now, o);
	assert_int_equal(o->status, OBS_OK);
	rds_judge_replicas(find(&p, "pgmain1-production"), &p, NULL, o);
	assert_int_equal(o->status, OBS_WARN);
	assert_non_null(strstr(o->message, "PITR to 5m ago"));
	assert_non_null(strstr(o->message, "read replica pgmain1-replica-b: replication error: Replication "
				"has stopped because of a storage-full condition."));
	assert_string_equal(obs_field(o, "read_replicas"), "3");
	assert_string_equal(obs_field(o, "read_replica_states"),
			    "pgmain1-replica-a available replicating, pgmain1-replica-b available error, "
			    "arn:aws:rds:us-east-2:123456789012:db:pgmain1-replica-east2 (another region, "
			    "not checked)");
	/* the instance-loss RPO still comes from PITR, not from the replicas */
	assert_string_equal(obs_field(o, OBS_F_RPO_EXPOSURE), "300");
	obs_unref(o);

	/* healthy replicas: the row stays OK with their states */
	want.identifier = (char *)"pgucr0-production";
	o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds/pgucr0-production", "pgucr0-production");
	rds_judge(&want, find(&p, "pgucr0-production"), "us-east-1", true, now, o);
	rds_judge_replicas(find(&p, "pgucr0-production"), &p, NULL, o);
	assert_int_equal(o->status, OBS_OK);
	assert_string_equal(obs_field(o, "read_replica_states"), "pgucr0-replica available replicating");
	obs_unref(o);

	/* a replica named but not listed */
	{
		struct rds_page one = { .items = (struct rds_seen *)find(&p, "pgucr0-production"), .n = 1 };

		o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds/pgucr0-production", "x");
		obs_set(o, OBS_OK, "available", "PITR");
		rds_judge_replicas(&one.items[0], &one, NULL, o);
		assert_int_equal(o->status, OBS_WARN);
		assert_non_null(strstr(o->message, "read replica pgucr0-replica is not in DescribeDBInstances"));
		obs_unref(o);
	}
	rds_page_free(&p);
}

/* CloudWatch's ReplicaLag on the source's row: shown per replica, the maximum as a field, warn at the standby's threshold. */
static void
test_judge_replica_lag(void **state)
{
	struct rds_page p;
	struct aws_rds want = { 0 };
	struct rds_replica_lag *lags;
	struct observation *o;
	long long now, at;
	size_t a, b, u;

	(void)state;
	load_instances(&p);
	lags = xcalloc(p.n, sizeof *lags);
	a = (size_t)(find(&p, "pgmain1-replica-a") - p.items);
	b = (size_t)(find(&p, "pgmain1-replica-b") - p.items);
	u = (size_t)(find(&p, "pgucr0-replica") - p.items);
	assert_true(backup_time_parse("2026-12-03T20:00:00Z", &now));
	assert_true(backup_time_parse("2026-12-03T19:58:00Z", &at));
	want.multi_az = true;
	want.backup_retention = 7;
	lags[a] = (struct rds_replica_lag){ .state = RDS_LAG_SEEN, .lag_s = 3.0, .at_s = at };
	lags[b].state = RDS_LAG_NONE;

	want.identifier = (char *)"pgmain1-production";
	o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds/pgmain1-production", "pgmain1-production");
	rds_judge(&want, find(&p, "pgmain1-production"), "us-east-1", true, now, o);
	rds_judge_replicas(find(&p, "pgmain1-production"), &p, lags, o);
	assert_string_equal(obs_field(o, "read_replica_states"),
			    "pgmain1-replica-a available replicating, lag 3s (CloudWatch 19:58Z), "
			    "pgmain1-replica-b available error, lag not reported, "
			    "arn:aws:rds:us-east-2:123456789012:db:pgmain1-replica-east2 (another region, "
			    "not checked)");
	assert_string_equal(obs_field(o, "replica_lag_s"), "3");
	assert_null(obs_field(o, "replica_lag_error"));
	assert_int_equal(o->status, OBS_WARN);	/* replica-b's replication error, not the lag */
	assert_null(strstr(o->message, " lag "));
	obs_unref(o);

	/* at or above PG_LAG_WARN_S: a warning naming the replica and its lag */
	want.identifier = (char *)"pgucr0-production";
	for (int i = 0; i < 3; i++) {
		static const double lag[] = { 59.6, 60.0, 75.0 };

		lags[u] = (struct rds_replica_lag){ .state = RDS_LAG_SEEN, .lag_s = lag[i], .at_s = at };
		o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds/pgucr0-production", "pgucr0-production");
		rds_judge(&want, find(&p, "pgucr0-production"), "us-east-1", true, now, o);
		rds_judge_replicas(find(&p, "pgucr0-production"), &p, lags, o);
		if (i == 0) {
			assert_int_equal(o->status, OBS_OK);
			assert_string_equal(obs_field(o, "replica_lag_s"), "59");
		} else {
			char want_msg[64];

			snprintf(want_msg, sizeof want_msg, "; read replica pgucr0-replica lag %.0fs", lag[i]);
			assert_int_equal(o->status, OBS_WARN);
			assert_non_null(strstr(o->message, "PITR to 5m ago"));
			assert_non_null(strstr(o->message, want_msg));
		}
		obs_unref(o);
	}

	/* a CloudWatch error is said, and the row stays as judged otherwise */
	lags[u] = (struct rds_replica_lag){ .state = RDS_LAG_ERROR, .reason = "AccessDenied",
					    .error = "GetMetricStatistics ReplicaLag of pgucr0-replica in us-east-1 "
						     "(https://monitoring.us-east-1.amazonaws.com): AccessDenied: no" };
	o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds/pgucr0-production", "pgucr0-production");
	rds_judge(&want, find(&p, "pgucr0-production"), "us-east-1", true, now, o);
	rds_judge_replicas(find(&p, "pgucr0-production"), &p, lags, o);
	assert_int_equal(o->status, OBS_OK);
	assert_string_equal(obs_field(o, "read_replica_states"),
			    "pgucr0-replica available replicating, lag not read (AccessDenied)");
	assert_non_null(strstr(obs_field(o, "replica_lag_error"), "): AccessDenied: no"));
	assert_null(obs_field(o, "replica_lag_s"));
	obs_unref(o);

	/* a negative lag: replication is not running */
	lags[u] = (struct rds_replica_lag){ .state = RDS_LAG_SEEN, .lag_s = -1.0, .at_s = at };
	o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds/pgucr0-production", "pgucr0-production");
	rds_judge(&want, find(&p, "pgucr0-production"), "us-east-1", true, now, o);
	rds_judge_replicas(find(&p, "pgucr0-production"), &p, lags, o);
	assert_int_equal(o->status, OBS_WARN);
	assert_non_null(strstr(o->message, "read replica pgucr0-replica lag -1s (replication not running)"));
	assert_null(obs_field(o, "replica_lag_s"));
	obs_unref(o);
	free(lags);
	rds_page_free(&p);
}

static void
test_parse_automated_backups(void **state)
{
	size_t len;
	char *body = slurp("tests/fixtures/aws/describe-db-instance-automated-backups.xml", &len), err[128];
	struct rds_auto_list l;
	char region[32];
	long long t;

	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(rds_auto_backups_parse(body, len, &l, err, sizeof err), 0);
	assert_false(l.is_error);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].identifier, "pgmain1-production");
	assert_string_equal(l.items[0].region, "us-east-1");
	assert_string_equal(l.items[0].status, "replicating");
	assert_true(backup_time_parse("2026-12-03T19:48:00Z", &t));
	assert_true(l.items[0].latest_s == t);
	assert_true(l.items[0].earliest_s > 0 && l.items[0].earliest_s < t);
	assert_int_equal(l.items[0].retention, 7);
	assert_int_equal(l.items[1].latest_s, -1);	/* pending: no restore window yet */
	assert_true(rds_arn_region(l.items[0].arn, region, sizeof region));
	assert_string_equal(region, "us-east-2");
	assert_false(rds_arn_region("not-an-arn", region, sizeof region));
	rds_auto_list_free(&l);
	free(body);

	/* errors in the real format, and refusals */
	body = slurp("tests/fixtures/aws/expired-token.xml", &len);
	assert_int_equal(rds_auto_backups_parse(body, len, &l, err, sizeof err), 0);
	assert_true(l.is_error);
	assert_string_equal(l.code, "ExpiredToken");
	rds_auto_list_free(&l);
	free(body);
	assert_int_equal(rds_auto_backups_parse("<!DOCTYPE x><x/>", 16, &l, err, sizeof err), -1);
	assert_int_equal(rds_auto_backups_parse("{}", 2, &l, err, sizeof err), -1);
	rds_auto_list_free(&l);
}

/* The replicated automated backups are a site-loss source: the headline RPO uses their LatestTime. */
static void
test_auto_judge_and_rpo(void **state)
{
	size_t len;
	char *body = slurp("tests/fixtures/aws/describe-db-instance-automated-backups.xml", &len), err[128];
	struct rds_auto_list l;
	struct rds_page p;
	struct aws_rds want = { 0 };
	struct observation *o, *pending, *missing, *items[1];
	struct status_snapshot snap = { items, 1, 1 };
	struct rpo_result r;
	static const char *const expected[] = { "postgres", NULL };
	long long now;

	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(rds_auto_backups_parse(body, len, &l, err, sizeof err), 0);
	load_instances(&p);
	assert_true(backup_time_parse("2026-12-03T20:00:00Z", &now));
	want.identifier = (char *)"pgmain1-production";
	o = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds-backups/pgmain1-production", "pgmain1 backups");
	rds_auto_judge(&want, rds_auto_find(&l, find(&p, "pgmain1-production"), "us-east-1"), "us-east-2",
		       true, now, o);
	assert_int_equal(o->status, OBS_OK);
	assert_string_equal(obs_field(o, OBS_F_RPO_EXPOSURE), "720");
	assert_string_equal(obs_field(o, OBS_F_RPO_PART), "pgmain1-production");
	assert_null(obs_field(o, OBS_F_RPO_SCENARIO));	/* outside the primary's region */
	assert_string_equal(obs_field(o, "latest_restorable_time"), "2026-12-03T19:48:00Z");
	assert_non_null(strstr(o->message, "PITR in us-east-2 to 12m ago"));

	want.identifier = (char *)"pgucr0-production";
	pending = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds-backups/pgucr0-production", "x");
	rds_auto_judge(&want, rds_auto_find(&l, find(&p, "pgucr0-production"), "us-east-1"), "us-east-2",
		       true, now, pending);
	assert_int_equal(pending->status, OBS_WARN);
	assert_null(obs_field(pending, OBS_F_RPO_EXPOSURE));
	assert_non_null(strstr(pending->message, "no restore window yet"));

	missing = obs_create(SITE_PRIMARY, PROBE_NAME_RDS, "primary/rds-backups/pgx-production", "x");
	want.identifier = (char *)"pgx-production";
	rds_auto_judge(&want, NULL, "us-east-2", true, now, missing);
	assert_int_equal(missing->status, OBS_CRIT);
	assert_non_null(strstr(missing->message, "does not list them"));

	/* the site-loss RPO of postgres comes from the replicated backups (objective 1h) */
	o->observed_at_ms = now * 1000;
	items[0] = o;
	rpo_evaluate_scenario(&snap, expected, 60 * 60, now * 1000, 5000, RPO_SITE_LOSS, &r);
	{
		const struct rpo_store *pg = NULL;

		for (size_t i = 0; i < r.n; i++)
			if (strcmp(r.stores[i].store, "postgres") == 0)
				pg = &r.stores[i];
		assert_non_null(pg);
		assert_true(pg->have_source);
		assert_true(pg->exposure_s >= 720 && pg->exposure_s < 721);
		assert_int_equal(pg->status, OBS_OK);
		assert_string_equal(pg->source_key, "primary/rds-backups/pgmain1-production");
	}

	obs_unref(o);
	obs_unref(pending);
	obs_unref(missing);
	rds_page_free(&p);
	rds_auto_list_free(&l);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_replica_fields),
		cmocka_unit_test(test_judge_replicas),
		cmocka_unit_test(test_judge_replica_lag),
		cmocka_unit_test(test_parse_automated_backups),
		cmocka_unit_test(test_auto_judge_and_rpo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
