/* Unit tests: Elasticsearch snapshot listing parser and daily judgement, on recorded wire formats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/probe_es.h"

#define FIX "tests/fixtures/es/"
/* 2026-08-18T20:00:00Z and one day */
#define T0818_20 1787083200000LL
#define DAY (24LL * 3600 * 1000)
#define HOUR (3600LL * 1000)

static int
parse_file(const char *path, long status, struct es_snapshot_summary *s)
{
	size_t len;
	char *body = file_read_all(path, &len);
	char err[256] = "";
	int rc;

	assert_non_null(body);
	rc = es_snapshots_parse(body, len, status, s, err, sizeof err);
	free(body);
	return rc;
}

static void
test_es_68_mixed_states(void **state)
{
	struct es_snapshot_summary s;

	(void)state;
	assert_int_equal(parse_file(FIX "es-6.8-snapshots.json", 200, &s), 0);
	assert_false(s.is_error);
	assert_int_equal(s.total, 5);
	assert_int_equal(s.n_success, 2);
	assert_int_equal(s.n_partial, 1);
	assert_int_equal(s.n_failed, 1);
	assert_int_equal(s.n_in_progress, 1);
	assert_true(s.have_success);
	assert_string_equal(s.newest_success, "production_es_snapshot_2026_8_18");
	assert_true(s.success_start_ms == 1787083201503LL);
	assert_true(s.success_end_ms == 1787083867219LL);
	assert_string_equal(s.success_version, "6.8.23");
	assert_true(s.success_shards_total == 62);
	/* after the newest SUCCESS: the PARTIAL of the 19th and the FAILED of the 20th */
	assert_int_equal(s.partial_since, 1);
	assert_int_equal(s.failed_since, 1);
	assert_true(s.have_in_progress);
	assert_string_equal(s.in_progress, "production_es_snapshot_2026_8_21");
	assert_string_equal(s.latest, "production_es_snapshot_2026_8_21");
	assert_string_equal(s.latest_state, "IN_PROGRESS");
}

static void
test_es_7x_shapes(void **state)
{
	struct es_snapshot_summary s;

	(void)state;
	assert_int_equal(parse_file(FIX "es-7.10-responses.json", 200, &s), 0);
	assert_int_equal(s.total, 2);
	assert_string_equal(s.newest_success, "production_es_snapshot_2026_8_21");
	assert_string_equal(s.success_version, "7.10.2");
	assert_int_equal(s.failed_since + s.partial_since, 0);

	assert_int_equal(parse_file(FIX "es-7.17-snapshots.json", 200, &s), 0);
	assert_int_equal(s.total, 2);
	assert_string_equal(s.newest_success, "production_es_snapshot_2026_8_20");
	assert_int_equal(s.partial_since, 1);
	assert_string_equal(s.latest_state, "PARTIAL");
}

static void
test_es_error_and_empty(void **state)
{
	struct es_snapshot_summary s;
	char err[128];

	(void)state;
	assert_int_equal(parse_file(FIX "es-404-repository-missing.json", 404, &s), 0);
	assert_true(s.is_error);
	assert_string_equal(s.error_type, "repository_missing_exception");
	assert_string_equal(s.error_reason, "[production_es_snapshot] missing");

	assert_int_equal(parse_file(FIX "es-6.8-empty.json", 200, &s), 0);
	assert_false(s.is_error);
	assert_int_equal(s.total, 0);
	assert_false(s.have_success);

	assert_int_equal(es_snapshots_parse("<html>502</html>", 16, 502, &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(es_snapshots_parse("{\"acknowledged\":true}", 21, 200, &s, err, sizeof err), -1);
	assert_int_equal(es_snapshots_parse("[1,2]", 5, 200, &s, err, sizeof err), -1);
	/* hostile names are sanitised */
	{
		static const char hostile[] = "{\"snapshots\":[{\"snapshot\":\"a\\u001b[2Jb\",\"state\":"
			"\"SUCCESS\",\"start_time_in_millis\":5,\"end_time_in_millis\":6}]}";

		assert_int_equal(es_snapshots_parse(hostile, strlen(hostile), 200, &s, err, sizeof err), 0);
		assert_true(s.have_success);
	}
	assert_null(strchr(s.newest_success, 0x1b));
}

static void
test_es_judge_schedule(void **state)
{
	struct es_snapshot_summary s;
	long long due;

	(void)state;
	memset(&s, 0, sizeof s);
	s.have_success = true;
	s.success_start_ms = T0818_20 + 1503;
	s.success_end_ms = T0818_20 + 667000;
	/* the next morning: the run of the 18th is the one due */
	assert_int_equal(es_snapshots_judge(&s, 20, T0818_20 + 14 * HOUR, &due), ES_OK);
	assert_true(due == T0818_20);
	/* 19th 21:00: the run of the 19th may still be running (grace), the 18th's counts */
	assert_int_equal(es_snapshots_judge(&s, 20, T0818_20 + DAY + HOUR, &due), ES_OK);
	assert_true(due == T0818_20);
	/* 19th 23:00: the run of the 19th should have finished: late */
	assert_int_equal(es_snapshots_judge(&s, 20, T0818_20 + DAY + 3 * HOUR, &due), ES_LATE);
	assert_true(due == T0818_20 + DAY);
	/* 20th 23:00: two runs missed */
	assert_int_equal(es_snapshots_judge(&s, 20, T0818_20 + 2 * DAY + 3 * HOUR, &due), ES_MISSING);
	/* a run in progress for the due slot is not late */
	s.have_in_progress = true;
	s.in_progress_start_ms = T0818_20 + DAY + 1000;
	assert_int_equal(es_snapshots_judge(&s, 20, T0818_20 + DAY + 3 * HOUR, &due), ES_IN_PROGRESS);
	/* nothing at all */
	memset(&s, 0, sizeof s);
	assert_int_equal(es_snapshots_judge(&s, 20, T0818_20, &due), ES_MISSING);
	/* run hour wraps: nadir 22 -> 02:00 */
	memset(&s, 0, sizeof s);
	s.have_success = true;
	s.success_start_ms = T0818_20 + 6 * HOUR;	/* 19th 02:00 */
	assert_int_equal(es_snapshots_judge(&s, 2, T0818_20 + 10 * HOUR, &due), ES_OK);
	assert_true(due == T0818_20 + 6 * HOUR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es_68_mixed_states),
		cmocka_unit_test(test_es_7x_shapes),
		cmocka_unit_test(test_es_error_and_empty),
		cmocka_unit_test(test_es_judge_schedule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
