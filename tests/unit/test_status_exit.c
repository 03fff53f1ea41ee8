/*
 * Unit tests: the exit code of `drconsole status`: 1 when anything is
 * CRITICAL or could not be checked at all (as `check` says UNKNOWN), 0 when
 * everything is OK or WARN.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "drconsole/cli/cli.h"
#include "drconsole/cli/status_report.h"

static struct status_snapshot *
snap_of(const enum obs_status *st, size_t n)
{
	struct status_snapshot *s = calloc(1, sizeof *s);

	s->items = calloc(n + 1, sizeof *s->items);
	for (size_t i = 0; i < n; i++) {
		s->items[i] = obs_create(SITE_PRIMARY, "s3", "primary/s3/postgres/daily", "daily");
		if (st[i] != OBS_PENDING)
			obs_set(s->items[i], st[i], "x", "x");
	}
	s->n = n;
	return s;
}

static int
code(const enum obs_status *st, size_t n, enum obs_status rpo)
{
	struct status_snapshot *s = snap_of(st, n);
	int rc = status_live_exit_code(s, rpo);

	for (size_t i = 0; i < n; i++)
		obs_unref(s->items[i]);
	free(s->items);
	free(s);
	return rc;
}

static void
test_status_exit_code(void **state)
{
	const enum obs_status ok[] = { OBS_OK, OBS_OK };
	const enum obs_status warn[] = { OBS_OK, OBS_WARN };
	const enum obs_status crit[] = { OBS_WARN, OBS_CRIT };
	const enum obs_status unknown[] = { OBS_OK, OBS_UNKNOWN };	/* S3 cannot be listed */
	const enum obs_status unknown_warn[] = { OBS_WARN, OBS_UNKNOWN };
	const enum obs_status late[] = { OBS_OK, OBS_PENDING };	/* no result before the deadline */

	(void)state;
	assert_int_equal(code(ok, 2, OBS_OK), EXIT_OK);
	assert_int_equal(code(warn, 2, OBS_WARN), EXIT_OK);
	assert_int_equal(code(crit, 2, OBS_OK), EXIT_RUNTIME);
	assert_int_equal(code(ok, 2, OBS_CRIT), EXIT_RUNTIME);
	assert_int_equal(code(unknown, 2, OBS_OK), EXIT_RUNTIME);
	assert_int_equal(code(unknown_warn, 2, OBS_WARN), EXIT_RUNTIME);
	assert_int_equal(code(late, 2, OBS_OK), EXIT_RUNTIME);
	assert_int_equal(code(ok, 2, OBS_UNKNOWN), EXIT_RUNTIME);
	assert_int_equal(code(ok, 0, OBS_PENDING), EXIT_RUNTIME);	/* nothing judged */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_exit_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
