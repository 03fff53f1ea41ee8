/* Unit tests: is the restore proven? The last backup verification judged against verify_every. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "drconsole/runbook/verify_status.h"

#define DAY (24LL * 3600 * 1000)

static struct run_info
ri(const char *id, const char *runbook, const char *mode, const char *outcome, long long started)
{
	struct run_info r;

	memset(&r, 0, sizeof r);
	r.id = (char *)id;
	r.runbook = (char *)runbook;
	r.mode = (char *)mode;
	r.outcome = (char *)outcome;
	r.started_ms = started;
	return r;
}

static void
test_verify_judge(void **state)
{
	const long long now = 1795000000000LL, every = 30 * DAY;
	struct run_info runs[5];
	long long age;
	char msg[256];

	(void)state;
	/* none on record (a failover drill is not one): warn */
	runs[0] = ri("a-failover", "/rb/failover.yml", "drill", "completed", now - DAY);
	assert_int_equal(verify_judge(runs, 1, now, every, &age, msg, sizeof msg), OBS_WARN);
	assert_true(age < 0);
	assert_non_null(strstr(msg, "no backup verification on record"));
	/* a verification 3 days ago: ok */
	runs[1] = ri("b-verify-backup", "/rb/lab/verify-backup.yml", "live", "completed", now - 3 * DAY);
	assert_int_equal(verify_judge(runs, 2, now, every, &age, msg, sizeof msg), OBS_OK);
	assert_true(age == 3 * DAY);
	assert_non_null(strstr(msg, "restore verified 3d ago (b-verify-backup)"));
	/* past verify_every: warn */
	assert_int_equal(verify_judge(runs, 2, now + 28 * DAY, every, &age, msg, sizeof msg), OBS_WARN);
	assert_non_null(strstr(msg, "longer than objectives.verify_every"));
	/* the newest failed: crit, even though an older one passed */
	runs[2] = ri("c-verify-backup", "/rb/verify-backup.yml", "drill", "failed", now - DAY);
	assert_int_equal(verify_judge(runs, 3, now, every, &age, msg, sizeof msg), OBS_CRIT);
	assert_non_null(strstr(msg, "did not pass: failed"));
	/* dry-runs and unfinished runs prove nothing and do not count */
	runs[3] = ri("d-verify-backup", "/rb/verify-backup.yml", "dry-run", "dry-run", now - 1000);
	runs[4] = ri("e-verify-backup", "/rb/verify-backup.yml", "live", NULL, now - 500);
	assert_int_equal(verify_judge(runs, 5, now, every, &age, msg, sizeof msg), OBS_CRIT);
	assert_true(age == DAY);
	assert_true(verify_is_runbook("verify-backup.yml"));
	assert_false(verify_is_runbook("/x/verify-backup.d/restore.yml"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_judge),
	};

	return cmocka_run_group_tests_name("verify_status", tests, NULL, NULL);
}
