/*
 * test_probe_sftp.c: which local backup file is the newest of its type,
 * and how its age is judged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "drconsole/probe/probe_sftp.h"

static void
test_newest_per_type(void **state)
{
	struct ssh_dirent d[] = {
		{ (char *)"postgres_production_daily_2026_08_18.tar.gz", 10, 1000, false },
		{ (char *)"postgres_production_daily_2026_08_20.tar.gz", 10, 3000, false },
		{ (char *)"postgres_production_daily_2026_08_19.tar.gz", 10, 2000, false },
		{ (char *)"postgres_production_weekly_2026_08_16.tar.gz", 10, 500, false },
		{ (char *)"postgres_staging_daily_2026_08_21.tar.gz", 10, 9000, false },
		{ (char *)"postgres_production_daily_", 10, 9500, false },
		{ (char *)"postgres_production_dailyx_2026_08_22.gz", 10, 9600, false },
		{ (char *)"postgres_production_daily_2026_08_23", 0, 9700, true },
		{ (char *)"s3_backup_status.txt", 76, 9800, false },
	};
	size_t n = sizeof d / sizeof d[0];

	(void)state;
	assert_int_equal(sftp_newest(d, n, "postgres_production_", "daily"), 1);
	assert_int_equal(sftp_newest(d, n, "postgres_production_", "weekly"), 3);
	assert_int_equal(sftp_newest(d, n, "postgres_production_", "hourly"), -1);
	assert_int_equal(sftp_newest(d, n, "postgres_staging_", "daily"), 4);
	assert_int_equal(sftp_newest(d, 0, "postgres_production_", "daily"), -1);
}

static void
test_age_status(void **state)
{
	(void)state;
	assert_int_equal(sftp_age_status(0, 26 * 3600.0), OBS_OK);
	assert_int_equal(sftp_age_status(26 * 3600.0, 26 * 3600.0), OBS_OK);
	assert_int_equal(sftp_age_status(26 * 3600.0 + 1, 26 * 3600.0), OBS_WARN);
	assert_int_equal(sftp_age_status(52 * 3600.0, 26 * 3600.0), OBS_WARN);
	assert_int_equal(sftp_age_status(52 * 3600.0 + 1, 26 * 3600.0), OBS_CRIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newest_per_type),
		cmocka_unit_test(test_age_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
