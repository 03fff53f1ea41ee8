/* Unit tests: CloudWatch's ReplicaLag of RDS read replicas (rds_replica_lag.c), on recorded answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/rds_replica_lag.h"
#include "drconsole/util/util.h"

static int
parse_file(const char *path, struct rds_lag_answer *a, char *err, size_t errlen)
{
	size_t len;
	char *body = file_read_all(path, &len);
	int rc;

	assert_non_null(body);
	rc = rds_lag_parse(body, len, a, err, errlen);
	free(body);
	return rc;
}

static int
parse_str(const char *body, struct rds_lag_answer *a, char *err, size_t errlen)
{
	return rds_lag_parse(body, strlen(body), a, err, errlen);
}

/* The newest datapoint wins, wherever CloudWatch puts it in the list. */
static void
test_newest_datapoint(void **state)
{
	static const char reversed[] =
		"<GetMetricStatisticsResponse><GetMetricStatisticsResult><Datapoints>"
		"<member><Timestamp>2026-12-03T19:59:00Z</Timestamp><Maximum>7.5</Maximum><Unit>Seconds</Unit></member>"
		"<member><Timestamp>2026-12-03T19:58:00Z</Timestamp><Maximum>90</Maximum><Unit>Seconds</Unit></member>"
		"<member><Timestamp>not a time</Timestamp><Maximum>500</Maximum></member>"
		"<member><Timestamp>2026-12-03T20:01:00Z</Timestamp><Maximum>NaN</Maximum></member>"
		"<member><Timestamp>2026-12-03T20:02:00Z</Timestamp><Maximum>x</Maximum></member>"
		"</Datapoints></GetMetricStatisticsResult></GetMetricStatisticsResponse>";
	struct rds_lag_answer a;
	char err[256] = "";
	long long t;

	(void)state;
	/* recorded: 19:56, 19:58, 19:57 */
	assert_int_equal(parse_file("tests/fixtures/aws/get-metric-statistics-replica-lag.xml", &a, err,
				    sizeof err), 0);
	assert_false(a.is_error);
	assert_int_equal(a.n_points, 3);
	assert_true(backup_time_parse("2026-12-03T19:58:00Z", &t));
	assert_true(a.at_s == t);
	assert_true(a.maximum == 3.0);
	assert_string_equal(a.unit, "Seconds");

	/* newest first; datapoints without a time or a number are passed over */
	assert_int_equal(parse_str(reversed, &a, err, sizeof err), 0);
	assert_int_equal(a.n_points, 2);
	assert_true(backup_time_parse("2026-12-03T19:59:00Z", &t));
	assert_true(a.at_s == t);
	assert_true(a.maximum == 7.5);
}

/* No datapoint in the window is an answer, not an error. */
static void
test_no_datapoints(void **state)
{
	struct rds_lag_answer a;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse_str("<GetMetricStatisticsResponse><GetMetricStatisticsResult><Datapoints/>"
				   "<Label>ReplicaLag</Label></GetMetricStatisticsResult>"
				   "</GetMetricStatisticsResponse>", &a, err, sizeof err), 0);
	assert_false(a.is_error);
	assert_int_equal(a.n_points, 0);
	assert_true(a.at_s == -1);
	/* no Datapoints element at all */
	assert_int_equal(parse_str("<GetMetricStatisticsResponse><GetMetricStatisticsResult>"
				   "<Label>ReplicaLag</Label></GetMetricStatisticsResult>"
				   "</GetMetricStatisticsResponse>", &a, err, sizeof err), 0);
	assert_true(a.at_s == -1);
}

/* AWS's errors are answers with their code; anything else is refused with the reason. */
static void
test_errors_and_refusals(void **state)
{
	static const char dtd[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n <!ENTITY a \"1\">\n]>\n"
		"<GetMetricStatisticsResponse><GetMetricStatisticsResult><Datapoints><member>"
		"<Timestamp>2026-12-03T19:59:00Z</Timestamp><Maximum>&a;</Maximum></member></Datapoints>"
		"</GetMetricStatisticsResult></GetMetricStatisticsResponse>";
	struct rds_lag_answer a;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse_file("tests/fixtures/aws/cloudwatch-access-denied.xml", &a, err, sizeof err), 0);
	assert_true(a.is_error);
	assert_string_equal(a.code, "AccessDenied");
	assert_non_null(strstr(a.message, "cloudwatch:GetMetricStatistics"));
	assert_int_equal(parse_file("tests/fixtures/aws/throttling.xml", &a, err, sizeof err), 0);
	assert_true(a.is_error);
	assert_string_equal(a.code, "Throttling");

	assert_int_equal(parse_str(dtd, &a, err, sizeof err), -1);
	assert_string_equal(err, "a DTD in a CloudWatch response is refused");
	assert_int_equal(parse_str("<GetMetricStatisticsResponse><GetMetricStatisticsResult>", &a, err,
				   sizeof err), -1);
	assert_non_null(strstr(err, "not XML (line 1: "));
	assert_int_equal(parse_str("{\"Datapoints\": []}", &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "not XML"));
	assert_int_equal(parse_str("<DescribeDBInstancesResponse/>", &a, err, sizeof err), -1);
	assert_string_equal(err, "unexpected root element <DescribeDBInstancesResponse>");
	assert_int_equal(rds_lag_parse("", 0, &a, err, sizeof err), -1);
	assert_string_equal(err, "empty response");
}

/*
 * An endpoint that does not answer is asked once; every replica gets its
 * error, the others saying they were not asked after it.
 */
static void
test_read_unreachable(void **state)
{
	static const char *const ids[] = { "pgmain1-replica-a", "pgmain1-replica-b" };
	struct rds_replica_lag lags[2];

	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIDUNIT", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "unit-secret", 1);
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "http://127.0.0.1:1", 1);
	rds_replica_lag_read("us-east-1", NULL, ids, 2, time_mono_ms() + 5000, 2000, lags);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(lags[i].state, RDS_LAG_ERROR);
		assert_string_equal(lags[i].reason, "no answer");
		assert_non_null(strstr(lags[i].error, "POST GetMetricStatistics ReplicaLag of pgmain1-replica-a "
					"in us-east-1 (http://127.0.0.1:1): "));
		assert_null(strstr(lags[i].error, "unit-secret"));
	}
	assert_ptr_equal(strstr(lags[0].error, "POST"), lags[0].error);
	assert_ptr_equal(strstr(lags[1].error, "not asked after the request for pgmain1-replica-a failed: POST"),
			 lags[1].error);

	/* no time left: nothing is asked */
	rds_replica_lag_read("us-east-1", NULL, ids, 1, time_mono_ms() - 1, 2000, lags);
	assert_int_equal(lags[0].state, RDS_LAG_ERROR);
	assert_string_equal(lags[0].reason, "probe deadline");
	assert_non_null(strstr(lags[0].error, "no answer before the probe deadline"));
	unsetenv("AWS_ENDPOINT_URL_CLOUDWATCH");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newest_datapoint),
		cmocka_unit_test(test_no_datapoints),
		cmocka_unit_test(test_errors_and_refusals),
		cmocka_unit_test(test_read_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
