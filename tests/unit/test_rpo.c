/* Unit tests: RPO exposure and the PostgreSQL lag logic (pure parts). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "drconsole/probe/probe_pg.h"
#include "drconsole/probe/rpo.h"

static struct observation *
source(const char *key, const char *store, const char *kind, const char *exposure,
       long long observed_at)
{
	struct observation *o = obs_create(SITE_SECONDARY, "test", key, key);

	obs_set(o, OBS_OK, "ok", "test");
	obs_add_field(o, "rpo_store", "%s", store);
	obs_add_field(o, "rpo_kind", "%s", kind);
	if (exposure != NULL)
		obs_add_field(o, "rpo_exposure_s", "%s", exposure);
	o->observed_at_ms = observed_at;
	return o;
}

static void
test_rpo_best_source_and_headline(void **state)
{
	const long long now = 1000000000000LL;
	struct status_store *st = status_store_create(0);
	struct status_snapshot *snap;
	struct rpo_result r;
	const char *expected[] = { "postgres", "couch", "blobdb", NULL };

	(void)state;
	/* postgres: a healthy standby 2 s behind beats a 6 h old backup */
	status_store_post(st, source("secondary/pg/db", "postgres", "replica", "2", now));
	status_store_post(st, source("primary/s3/postgres/daily", "postgres", "backup", "21600", now));
	/* couch: only a backup, observed 10 minutes ago: its age has grown */
	status_store_post(st, source("primary/s3/couch/daily", "couch", "backup", "300", now - 600000));
	/* blobdb: a known but unusable source */
	status_store_post(st, source("secondary/blob/x", "blobdb", "replica", NULL, now));
	snap = status_store_snapshot(st);
	rpo_evaluate(snap, expected, 900, now, 10000, &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.stores[0].store, "postgres");
	assert_true(r.stores[0].have_source);
	assert_true(r.stores[0].exposure_s == 2.0);
	assert_string_equal(r.stores[0].source_key, "secondary/pg/db");
	assert_int_equal(r.stores[0].status, OBS_OK);
	assert_true(r.stores[1].exposure_s == 900.0);	/* 300 + 600 */
	assert_int_equal(r.stores[1].status, OBS_WARN);
	assert_false(r.stores[2].have_source);
	assert_int_equal(r.stores[2].sources_seen, 1);
	assert_int_equal(r.stores[2].status, OBS_CRIT);
	assert_int_equal(r.worst, 2);
	assert_int_equal(r.status, OBS_CRIT);
	status_snapshot_free(snap);
	status_store_free(st);
}

static void
test_rpo_stale_replica_and_judge(void **state)
{
	const long long now = 2000000000000LL;
	struct status_store *st = status_store_create(0);
	struct status_snapshot *snap;
	struct rpo_result r;

	(void)state;
	/* last seen 100 s ago with a 10 s refresh: 80 s of uncertainty added */
	status_store_post(st, source("secondary/pg/db", "postgres", "replica", "1", now - 100000));
	snap = status_store_snapshot(st);
	rpo_evaluate(snap, NULL, 900, now, 10000, &r);
	assert_int_equal(r.n, 1);
	assert_true(r.stores[0].exposure_s == 81.0);
	assert_int_equal(r.worst, 0);
	assert_int_equal(r.status, OBS_OK);
	status_snapshot_free(snap);
	status_store_free(st);

	assert_int_equal(rpo_judge(450, 900), OBS_OK);
	assert_int_equal(rpo_judge(451, 900), OBS_WARN);
	assert_int_equal(rpo_judge(901, 900), OBS_CRIT);
	assert_int_equal(rpo_judge(1, 0), OBS_UNKNOWN);
}

/* A store whose sources say rpo_headline "no" is judged and listed but does not decide the headline. */
static void
test_rpo_store_outside_headline(void **state)
{
	const long long now = 1000000000000LL;
	struct status_store *st = status_store_create(0);
	struct status_snapshot *snap;
	struct rpo_result r;
	const char *expected[] = { "postgres", NULL };
	const char *with_es[] = { "postgres", "es", NULL };
	struct observation *es = source("primary/es/repo", "es", "backup", "200000", now);

	(void)state;
	obs_add_field(es, "rpo_headline", "no");
	status_store_post(st, source("secondary/pg/db", "postgres", "replica", "1", now));
	status_store_post(st, es);
	snap = status_store_snapshot(st);
	rpo_evaluate(snap, expected, 900, now, 10000, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.stores[1].store, "es");
	assert_int_equal(r.stores[1].status, OBS_CRIT);	/* 2.3 days old against 15 min */
	assert_false(r.stores[1].headline);
	assert_true(r.stores[0].headline);
	assert_int_equal(r.status, OBS_OK);
	assert_int_equal(r.worst, 0);
	/* configured into the headline (an expected store), it decides it */
	rpo_evaluate(snap, with_es, 900, now, 10000, &r);
	assert_true(r.stores[1].headline);
	assert_int_equal(r.status, OBS_CRIT);
	assert_int_equal(r.worst, 1);
	status_snapshot_free(snap);
	status_store_free(st);
}

/* objectives.rpo_headline picks the scenario the headline judges, on an AWS pair only. */
static void
test_rpo_headline_scenario(void **state)
{
	const long long now = 1000000000000LL;
	struct status_store *st = status_store_create(0);
	struct status_snapshot *snap;
	struct rpo_result r;
	struct observation *pitr = source("primary/rds/pgmain1", "postgres", "pitr", "60", now);
	struct observation *copy = source("primary/vault/remote/pgmain1", "postgres", "backup", "108000", now);
	const char *expected[] = { "postgres", NULL };

	(void)state;
	assert_int_equal(rpo_headline_scenario(NULL, true), RPO_SITE_LOSS);
	assert_int_equal(rpo_headline_scenario("region", true), RPO_SITE_LOSS);
	assert_int_equal(rpo_headline_scenario("instance", true), RPO_INSTANCE_LOSS);
	assert_int_equal(rpo_headline_scenario("instance", false), RPO_SITE_LOSS);
	assert_string_equal(rpo_scenario_name(RPO_SITE_LOSS), "site-loss");
	assert_string_equal(rpo_scenario_name(RPO_INSTANCE_LOSS), "instance-loss");
	/* a fresh PITR and a 30 h old remote copy: region loss CRIT, instance loss OK */
	obs_add_field(pitr, "rpo_scenario", "instance");
	obs_add_field(pitr, "rpo_part", "pgmain1");
	obs_add_field(copy, "rpo_part", "pgmain1");
	status_store_post(st, pitr);
	status_store_post(st, copy);
	snap = status_store_snapshot(st);
	rpo_evaluate_scenario(snap, expected, 900, now, 10000, rpo_headline_scenario("region", true), &r);
	assert_int_equal(r.status, OBS_CRIT);
	assert_true(r.stores[0].exposure_s == 108000.0);
	rpo_evaluate_scenario(snap, expected, 900, now, 10000, rpo_headline_scenario("instance", true), &r);
	assert_int_equal(r.status, OBS_OK);
	assert_true(r.stores[0].exposure_s == 60.0);
	status_snapshot_free(snap);
	status_store_free(st);
}

static void
test_rpo_empty(void **state)
{
	struct rpo_result r;

	(void)state;
	rpo_evaluate(NULL, NULL, 900, 0, 10000, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.worst, -1);
	assert_int_equal(r.status, OBS_PENDING);
}

static void
test_pg_lsn_parse(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(pg_lsn_parse("16/B374D848", &v));
	assert_true(v == ((uint64_t)0x16 << 32 | 0xB374D848));
	assert_true(pg_lsn_parse("0/0", &v) && v == 0);
	assert_false(pg_lsn_parse("16B374D848", &v));
	assert_false(pg_lsn_parse("1/", &v));
	assert_false(pg_lsn_parse("/1", &v));
	assert_false(pg_lsn_parse("1/2x", &v));
	assert_false(pg_lsn_parse("100000000/0", &v));
	assert_false(pg_lsn_parse(NULL, &v));
}

static void
test_pg_standby_lag(void **state)
{
	struct pg_standby_reading r;
	bool idle;

	(void)state;
	memset(&r, 0, sizeof r);
	r.in_recovery = true;
	r.receiver_streaming = true;
	r.has_replay_time = true;
	r.replay_delay_s = 3600;	/* last transaction an hour ago */
	r.receive_lsn = r.replay_lsn = 0x1000;
	r.has_msg_age = true;
	r.msg_age_s = 5;
	/* idle primary: caught up and in touch, so no lag */
	assert_true(pg_standby_lag(&r, 60, &idle) == 0.0);
	assert_true(idle);
	/* WAL received but not replayed: the delay is real lag */
	r.receive_lsn = 0x2000;
	assert_true(pg_standby_lag(&r, 60, &idle) == 3600.0);
	assert_false(idle);
	/* caught up but the primary has gone quiet past the timeout: cannot claim 0 */
	r.receive_lsn = 0x1000;
	r.msg_age_s = 300;
	assert_true(pg_standby_lag(&r, 60, &idle) == 3600.0);
	/* not streaming, nothing replayed yet */
	r.receiver_streaming = false;
	r.has_replay_time = false;
	assert_true(pg_standby_lag(&r, 60, &idle) == -1);
	/* not a standby at all */
	r.in_recovery = false;
	assert_true(pg_standby_lag(&r, 60, &idle) == -1);
}

/* A standby restarted while the primary is quiet: caught up, not unknown, not lagging. */
static void
test_pg_standby_lag_quiet_restart(void **state)
{
	struct pg_standby_reading r;
	bool idle;

	(void)state;
	memset(&r, 0, sizeof r);
	r.in_recovery = true;
	r.receiver_streaming = true;
	r.has_msg_age = true;
	r.msg_age_s = 5;
	/* what the lab standby reads after stop-standby/start-standby, no writes */
	r.receive_lsn = 0x17000000;	/* the segment streaming resumed from */
	r.replay_lsn = 0x17F327E0;
	r.sender_end_lsn = 0x17F327E0;	/* the primary's WAL end */
	r.has_replay_time = false;	/* nothing replayed since the restart */
	assert_true(pg_standby_lag(&r, 60, &idle) == 0.0);
	assert_true(idle);
	r.has_replay_time = true;	/* the last commit replayed, 454 s ago */
	r.replay_delay_s = 454;
	assert_true(pg_standby_lag(&r, 60, &idle) == 0.0);
	assert_true(idle);
	/* no reported WAL end (older server): replayed at least all received */
	r.sender_end_lsn = 0;
	assert_true(pg_standby_lag(&r, 60, &idle) == 0.0);
	/* the primary wrote since: its WAL end is ahead of the replay, the delay is lag */
	r.sender_end_lsn = 0x18000100;
	assert_true(pg_standby_lag(&r, 60, &idle) == 454.0);
	assert_false(idle);
	r.has_replay_time = false;
	assert_true(pg_standby_lag(&r, 60, &idle) == -1);
	/* caught up, but the primary silent past the timeout: not claimed */
	r.sender_end_lsn = 0x17F327E0;
	r.msg_age_s = 300;
	assert_true(pg_standby_lag(&r, 60, &idle) == -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpo_best_source_and_headline),
		cmocka_unit_test(test_rpo_stale_replica_and_judge),
		cmocka_unit_test(test_rpo_store_outside_headline),
		cmocka_unit_test(test_rpo_empty),
		cmocka_unit_test(test_rpo_headline_scenario),
		cmocka_unit_test(test_pg_lsn_parse),
		cmocka_unit_test(test_pg_standby_lag),
		cmocka_unit_test(test_pg_standby_lag_quiet_restart),
	};

	return cmocka_run_group_tests_name("rpo", tests, NULL, NULL);
}
