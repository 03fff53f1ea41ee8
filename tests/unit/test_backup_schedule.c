/*
 * Unit tests: commcare-cloud's backup schedule (weekday boundaries, Sunday
 * weekly, nadir hour, hourly frequency), the verdict, and key names of both
 * conventions. Reference week: Sunday 2026-11-22 .. Saturday 2026-11-28.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"

/* UTC epoch seconds of a date and time. */
static long long
at(int y, int mo, int d, int h, int mi)
{
	long long days = 0;

	assert_true(backup_days_from_civil(y, mo, d, &days));
	return days * 86400LL + h * 3600LL + mi * 60LL;
}

static void
expect(enum backup_store store, enum backup_type type, int nadir, int freq,
       long long now, long long grace, long long due, long long previous)
{
	struct backup_cron c;
	struct backup_expectation e;
	char a[32], b[32];

	backup_cron_for(store, type, nadir, freq, &c);
	backup_expect(&c, now, grace, &e);
	if (e.due_run != due || e.previous_run != previous)
		print_error("got due %s previous %s\n", backup_time_format(e.due_run, a, sizeof a),
			    backup_time_format(e.previous_run, b, sizeof b));
	assert_int_equal(e.due_run, due);
	assert_int_equal(e.previous_run, previous);
	assert_int_equal(e.expected_by, due + grace);
}

static void
test_calendar(void **state)
{
	long long d, t;
	char buf[32];

	(void)state;
	assert_true(backup_days_from_civil(1970, 1, 1, &d));
	assert_int_equal(d, 0);
	assert_true(backup_days_from_civil(2000, 3, 1, &d));
	assert_int_equal(d, 11017);
	assert_true(backup_days_from_civil(2024, 2, 29, &d));
	assert_false(backup_days_from_civil(2026, 2, 29, &d));
	assert_false(backup_days_from_civil(2026, 2, 30, &d));
	assert_false(backup_days_from_civil(2026, 13, 1, &d));
	assert_false(backup_days_from_civil(2026, 4, 31, &d));
	assert_true(backup_time_parse("2026-11-25T06:46:59.000Z", &t));
	assert_int_equal(t, at(2026, 11, 25, 6, 46) + 59);
	assert_string_equal(backup_time_format(t, buf, sizeof buf), "2026-11-25T06:46:59Z");
	assert_true(backup_time_parse("2026-11-25T06:46:59Z", &t));
	assert_true(backup_time_parse("2009-10-12T17:50:30.000+00:00", &t));
	assert_string_equal(backup_time_format(t, buf, sizeof buf), "2009-10-12T17:50:30Z");
	assert_string_equal(backup_time_format(at(2024, 2, 29, 23, 59), buf, sizeof buf),
			    "2024-02-29T23:59:00Z");
	assert_false(backup_time_parse("2026-11-25 06:46:59Z", &t));
	assert_false(backup_time_parse("2026-11-25T06:46:59", &t));
	assert_false(backup_time_parse("2026-11-25T06:46:59.Z", &t));
	assert_false(backup_time_parse("2026-11-25T24:00:00Z", &t));
	assert_false(backup_time_parse("2026-02-30T00:00:00Z", &t));
	assert_false(backup_time_parse("2026-11-25T06:46:59+02:00", &t));
	assert_false(backup_time_parse("", &t));
	assert_false(backup_time_parse(NULL, &t));
}

/* daily 0 16 * * 1-6 in the middle of the week, before and after the grace */
static void
test_daily_midweek(void **state)
{
	(void)state;
	/* Wednesday 17:00, grace 2h: today's 16:00 run may still be uploading */
	expect(STORE_POSTGRES, BACKUP_DAILY, 16, 3, at(2026, 11, 25, 17, 0), 7200,
	       at(2026, 11, 24, 16, 0), at(2026, 11, 23, 16, 0));
	/* at 18:00 exactly the grace has passed */
	expect(STORE_POSTGRES, BACKUP_DAILY, 16, 3, at(2026, 11, 25, 18, 0), 7200,
	       at(2026, 11, 25, 16, 0), at(2026, 11, 24, 16, 0));
	/* no grace: due from 16:00 on */
	expect(STORE_COUCH, BACKUP_DAILY, 16, 3, at(2026, 11, 25, 16, 0), 0,
	       at(2026, 11, 25, 16, 0), at(2026, 11, 24, 16, 0));
	expect(STORE_COUCH, BACKUP_DAILY, 16, 3, at(2026, 11, 25, 15, 59), 0,
	       at(2026, 11, 24, 16, 0), at(2026, 11, 23, 16, 0));
}

/* no daily on Sunday: Sunday and Monday before the nadir hour expect Saturday's */
static void
test_daily_weekend(void **state)
{
	(void)state;
	expect(STORE_POSTGRES, BACKUP_DAILY, 16, 3, at(2026, 11, 22, 20, 0), 0,
	       at(2026, 11, 21, 16, 0), at(2026, 11, 20, 16, 0));
	expect(STORE_POSTGRES, BACKUP_DAILY, 16, 3, at(2026, 11, 23, 10, 0), 3600,
	       at(2026, 11, 21, 16, 0), at(2026, 11, 20, 16, 0));
	/* Monday after the run: Monday's, and the one before it is Saturday's */
	expect(STORE_POSTGRES, BACKUP_DAILY, 16, 3, at(2026, 11, 23, 17, 30), 3600,
	       at(2026, 11, 23, 16, 0), at(2026, 11, 21, 16, 0));
	/* Saturday night */
	expect(STORE_BLOBDB, BACKUP_DAILY, 2, 3, at(2026, 11, 28, 23, 0), 7200,
	       at(2026, 11, 28, 2, 0), at(2026, 11, 27, 2, 0));
	/* the default nadir hour 0: Monday 00:30 expects Monday 00:00, then Saturday */
	expect(STORE_POSTGRES, BACKUP_DAILY, 0, 3, at(2026, 11, 23, 0, 30), 0,
	       at(2026, 11, 23, 0, 0), at(2026, 11, 21, 0, 0));
	/* ... and Monday 00:30 with a one-hour grace still expects Saturday's */
	expect(STORE_POSTGRES, BACKUP_DAILY, 0, 3, at(2026, 11, 23, 0, 30), 3600,
	       at(2026, 11, 21, 0, 0), at(2026, 11, 20, 0, 0));
}

/* weekly 0 <nadir> * * 0: Sunday only */
static void
test_weekly_sunday(void **state)
{
	(void)state;
	expect(STORE_POSTGRES, BACKUP_WEEKLY, 16, 3, at(2026, 11, 28, 12, 0), 7200,
	       at(2026, 11, 22, 16, 0), at(2026, 11, 15, 16, 0));
	/* Sunday before the nadir hour: last Sunday's */
	expect(STORE_POSTGRES, BACKUP_WEEKLY, 16, 3, at(2026, 11, 29, 15, 0), 0,
	       at(2026, 11, 22, 16, 0), at(2026, 11, 15, 16, 0));
	/* Sunday after run + grace */
	expect(STORE_COUCH, BACKUP_WEEKLY, 16, 3, at(2026, 11, 29, 18, 0), 7200,
	       at(2026, 11, 29, 16, 0), at(2026, 11, 22, 16, 0));
	/* across a month boundary */
	expect(STORE_COUCH, BACKUP_WEEKLY, 2, 3, at(2026, 12, 1, 0, 0), 0,
	       at(2026, 11, 29, 2, 0), at(2026, 11, 22, 2, 0));
}

/* hourly at :15 every 3rd hour (postgres, blobdb), :00 (couch), Monday to Saturday */
static void
test_hourly_frequency(void **state)
{
	(void)state;
	expect(STORE_POSTGRES, BACKUP_HOURLY, 16, 3, at(2026, 11, 25, 10, 20), 0,
	       at(2026, 11, 25, 9, 15), at(2026, 11, 25, 6, 15));
	expect(STORE_POSTGRES, BACKUP_HOURLY, 16, 3, at(2026, 11, 25, 9, 10), 0,
	       at(2026, 11, 25, 6, 15), at(2026, 11, 25, 3, 15));
	expect(STORE_COUCH, BACKUP_HOURLY, 16, 3, at(2026, 11, 25, 9, 10), 0,
	       at(2026, 11, 25, 9, 0), at(2026, 11, 25, 6, 0));
	expect(STORE_BLOBDB, BACKUP_HOURLY, 16, 3, at(2026, 11, 25, 9, 10), 0,
	       at(2026, 11, 25, 6, 15), at(2026, 11, 25, 3, 15));
	/* first run of Wednesday at 00:15: before it, Tuesday 21:15 */
	expect(STORE_POSTGRES, BACKUP_HOURLY, 16, 3, at(2026, 11, 25, 0, 14), 0,
	       at(2026, 11, 24, 21, 15), at(2026, 11, 24, 18, 15));
	/* no hourly runs on Sunday: Monday 01:00 expects Monday 00:15, then Saturday 21:15 */
	expect(STORE_POSTGRES, BACKUP_HOURLY, 16, 3, at(2026, 11, 23, 1, 0), 0,
	       at(2026, 11, 23, 0, 15), at(2026, 11, 21, 21, 15));
	/* every 5 hours: 0, 5, 10, 15, 20 */
	expect(STORE_POSTGRES, BACKUP_HOURLY, 16, 5, at(2026, 11, 25, 23, 59), 0,
	       at(2026, 11, 25, 20, 15), at(2026, 11, 25, 15, 15));
	/* every hour, with a 30 minute grace */
	expect(STORE_COUCH, BACKUP_HOURLY, 16, 1, at(2026, 11, 25, 12, 20), 1800,
	       at(2026, 11, 25, 11, 0), at(2026, 11, 25, 10, 0));
}

static void
test_verdict(void **state)
{
	struct backup_cron c;
	struct backup_expectation e;

	(void)state;
	backup_cron_for(STORE_POSTGRES, BACKUP_DAILY, 16, 3, &c);
	backup_expect(&c, at(2026, 11, 25, 20, 0), 7200, &e);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 25, 16, 40)), BACKUP_OK);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 25, 16, 0)), BACKUP_OK);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 25, 15, 59)), BACKUP_LATE);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 24, 16, 30)), BACKUP_LATE);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 24, 16, 0)), BACKUP_LATE);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 24, 15, 59)), BACKUP_MISSING);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 20, 16, 30)), BACKUP_MISSING);
	assert_int_equal(backup_judge(&e, false, 0), BACKUP_MISSING);
	/* Monday morning: Saturday's backup is fresh, Friday's is one run late */
	backup_expect(&c, at(2026, 11, 23, 9, 0), 7200, &e);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 21, 17, 0)), BACKUP_OK);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 20, 17, 0)), BACKUP_LATE);
	assert_int_equal(backup_judge(&e, true, at(2026, 11, 19, 17, 0)), BACKUP_MISSING);
	assert_string_equal(backup_verdict_name(BACKUP_LATE), "late");
	assert_string_equal(backup_type_name(BACKUP_WEEKLY), "weekly");
}

static void
test_keys_postgres(void **state)
{
	struct backup_key k;

	(void)state;
	assert_true(backup_key_parse(STORE_POSTGRES, "production", "plain",
				     "postgres_production_daily_2026_08_20.tar.gz", &k));
	assert_int_equal(k.kind, BACKUP_KEY_DATED);
	assert_int_equal(k.type, BACKUP_DAILY);
	assert_int_equal(k.period_start, at(2026, 8, 20, 0, 0));
	assert_int_equal(k.period_end, at(2026, 8, 21, 0, 0));
	assert_false(k.dump);
	assert_true(backup_key_parse(STORE_POSTGRES, "production", "plain",
				     "postgres_production_hourly_2026_08_20_15.tar.gz", &k));
	assert_int_equal(k.type, BACKUP_HOURLY);
	assert_int_equal(k.period_start, at(2026, 8, 20, 15, 0));
	assert_int_equal(k.period_end, at(2026, 8, 20, 16, 0));
	assert_true(backup_key_parse(STORE_POSTGRES, "backup-production", "plain",
				     "postgres_backup-production_weekly_2026_08_16.tar.gz", &k));
	assert_int_equal(k.type, BACKUP_WEEKLY);
	/* another deploy_env's keys are not ours */
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "postgres_staging_daily_2026_08_20.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "postgres_backup-production_daily_2026_08_20.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "backup-production", "plain",
				      "postgres_production_daily_2026_08_20.tar.gz", &k));
	/* dump is .gz, plain is .tar.gz; the other format is not ours */
	assert_true(backup_key_parse(STORE_POSTGRES, "testenv", "dump",
				     "postgres_testenv_daily_2026_08_20.gz", &k));
	assert_true(k.dump);
	assert_int_equal(k.kind, BACKUP_KEY_DATED);
	assert_false(backup_key_parse(STORE_POSTGRES, "testenv", "dump",
				      "postgres_testenv_daily_2026_08_20.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "testenv", "plain",
				      "postgres_testenv_daily_2026_08_20.gz", &k));
	/* fixed keys of the versioned convention */
	assert_true(backup_key_parse(STORE_POSTGRES, "production", "plain",
				     "postgres_daily_pgmain0-production.tar.gz", &k));
	assert_int_equal(k.kind, BACKUP_KEY_FIXED);
	assert_int_equal(k.type, BACKUP_DAILY);
	assert_string_equal(k.host, "pgmain0-production");
	assert_true(backup_key_parse(STORE_POSTGRES, "production", "dump",
				     "postgres_weekly_db0.gz", &k));
	assert_int_equal(k.kind, BACKUP_KEY_FIXED);
	assert_int_equal(k.type, BACKUP_WEEKLY);
	/* junk */
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "postgres_production_daily_2026_02_30.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "postgres_production_daily_2026_08_20_15.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "postgres_production_hourly_2026_08_20.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "postgres_monthly_db0.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "postgres_daily_.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "old/postgres_daily_db0.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain",
				      "couchdb_daily_2026_08_20.tar.gz", &k));
	assert_false(backup_key_parse(STORE_POSTGRES, "production", "plain", "", &k));
}

static void
test_keys_couch_blobdb(void **state)
{
	struct backup_key k;

	(void)state;
	assert_true(backup_key_parse(STORE_COUCH, "production", NULL,
				     "couchdb_daily_2026_08_20.tar.gz", &k));
	assert_int_equal(k.kind, BACKUP_KEY_DATED);
	assert_true(backup_key_parse(STORE_COUCH, "production", NULL,
				     "couchdb_hourly_2026_08_20_09.tar.gz", &k));
	assert_int_equal(k.period_start, at(2026, 8, 20, 9, 0));
	assert_true(backup_key_parse(STORE_COUCH, "production", NULL,
				     "couchdb_weekly_couch3.tar.gz", &k));
	assert_int_equal(k.kind, BACKUP_KEY_FIXED);
	assert_string_equal(k.host, "couch3");
	assert_false(backup_key_parse(STORE_COUCH, "production", NULL,
				      "couchdb_daily_2026_08_20.gz", &k));
	assert_true(backup_key_parse(STORE_BLOBDB, "dev", "dump",
				     "blobdb_daily_2026_08_20.tar.gz", &k));
	assert_false(k.dump);	/* format is postgres's only */
	assert_false(backup_key_parse(STORE_BLOBDB, "dev", NULL,
				      "couchdb_daily_2026_08_20.tar.gz", &k));
}

static void
test_taken_at_and_prefix(void **state)
{
	struct backup_key k;
	char buf[64];

	(void)state;
	assert_true(backup_key_parse(STORE_POSTGRES, "labprod", "plain",
				     "postgres_labprod_daily_2026_11_22.tar.gz", &k));
	/* uploaded three days after the day it names: it holds Sunday's data */
	assert_int_equal(backup_taken_at(&k, at(2026, 11, 25, 6, 47)), at(2026, 11, 23, 0, 0));
	assert_int_equal(backup_taken_at(&k, at(2026, 11, 22, 16, 40)), at(2026, 11, 22, 16, 40));
	assert_true(backup_key_parse(STORE_POSTGRES, "labprod", "plain",
				     "postgres_daily_db0-labprod.tar.gz", &k));
	assert_int_equal(backup_taken_at(&k, at(2026, 11, 25, 6, 47)), at(2026, 11, 25, 6, 47));
	assert_string_equal(backup_key_prefix(STORE_POSTGRES, "labprod", false, buf, sizeof buf),
			    "postgres_labprod_");
	assert_string_equal(backup_key_prefix(STORE_POSTGRES, "labprod", true, buf, sizeof buf),
			    "postgres_");
	assert_string_equal(backup_key_prefix(STORE_COUCH, "labprod", false, buf, sizeof buf),
			    "couchdb_");
	assert_string_equal(backup_key_prefix(STORE_BLOBDB, "labprod", true, buf, sizeof buf),
			    "blobdb_");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_daily_midweek),
		cmocka_unit_test(test_daily_weekend),
		cmocka_unit_test(test_weekly_sunday),
		cmocka_unit_test(test_hourly_frequency),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_keys_postgres),
		cmocka_unit_test(test_keys_couch_blobdb),
		cmocka_unit_test(test_taken_at_and_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
