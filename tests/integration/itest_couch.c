/*
 * Lab-backed: the CouchDB replication job run twice on one scheduler, as
 * the console does. Seen caught up once, a secondary that then falls
 * behind reports the time since it was last caught up as its RPO exposure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/probe/probe_couch.h"

#define KEY "secondary/couch/replication/commcarehq"

struct lab {
	char primary[64], secondary[64];
	const char *purl, *lab_sh;
};

/* "http://127.3.20.30:15984" -> "127.3.20.30" */
static void
host_of(const char *url, char *out, size_t len)
{
	const char *h = strstr(url, "://");

	snprintf(out, len, "%s", h != NULL ? h + 3 : url);
	if (strchr(out, ':') != NULL)
		*strchr(out, ':') = '\0';
}

static struct observation *
run_once(struct scheduler *s, struct status_store *st)
{
	assert_int_equal(scheduler_run_once(s, time_mono_ms() + 10000), 0);
	return status_store_get(st, KEY);
}

static double
exposure(const struct observation *o)
{
	const char *e = obs_field(o, "rpo_exposure_s");

	return e != NULL ? atof(e) : -1;
}

static void
sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

static void
test_exposure_grows_from_last_caught_up(void **state)
{
	struct lab *l = *state;
	char *p[] = { l->primary }, *sec[] = { l->secondary };
	struct status_store *st = status_store_create(0);
	struct scheduler *s = scheduler_create(st, NULL, 2, 60000);
	struct observation *o;
	long long caught_at, behind_at;
	double e;
	char cmd[1024];

	scheduler_add(s, &probe_couch_replication, KEY,
		      couch_repl_target_create(p, 1, sec, 1, 0, "commcarehq", "commcarehq", NULL,
					       NULL, 3000),
		      8000);
	o = run_once(s, st);
	assert_string_equal(o->state, "caught up");
	assert_true(exposure(o) == 0.0);
	caught_at = time_mono_ms();
	obs_unref(o);

	snprintf(cmd, sizeof cmd, "%s block-couch-replication >/dev/null", l->lab_sh);
	sh(cmd);
	snprintf(cmd, sizeof cmd, "curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' "
		 "%s/commcarehq/itest-exposure-%lld -d '{}'", l->purl, time_wall_ms());
	sh(cmd);
	sleep(2);
	o = run_once(s, st);
	behind_at = time_mono_ms();
	e = exposure(o);
	assert_string_equal(o->state, "behind");
	assert_string_equal(obs_field(o, "docs_behind"), "1");
	/* since the caught-up reading: at least the 2 s slept, at most the time elapsed */
	assert_true(e >= 2.0);
	assert_true(e <= (double)(behind_at - caught_at) / 1000.0 + 1.0);
	obs_unref(o);

	snprintf(cmd, sizeof cmd, "%s unblock-couch-replication >/dev/null", l->lab_sh);
	sh(cmd);
	for (int i = 0; i < 20; i++) {
		o = run_once(s, st);
		if (str_eq(o->state, "caught up"))
			break;
		obs_unref(o);
		o = NULL;
		usleep(500 * 1000);
	}
	assert_non_null(o);
	/* 0, or the half-second re-read if the refill was still arriving at the first read */
	assert_true(exposure(o) >= 0.0 && exposure(o) < 2.0);
	obs_unref(o);
	scheduler_free(s);
	status_store_free(st);
}

static int
setup(void **state)
{
	static struct lab l;

	l.purl = getenv("LAB_COUCH_PRIMARY_URL");
	l.lab_sh = getenv("LAB_SH");
	if (l.purl == NULL || l.lab_sh == NULL || getenv("LAB_COUCH_SECONDARY_URL") == NULL)
		return -1;
	host_of(l.purl, l.primary, sizeof l.primary);
	host_of(getenv("LAB_COUCH_SECONDARY_URL"), l.secondary, sizeof l.secondary);
	*state = &l;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exposure_grows_from_last_caught_up),
	};

	if (getenv("LAB_COUCH_PRIMARY_URL") == NULL) {
		printf("[  SKIPPED ] test_exposure_grows_from_last_caught_up\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, NULL);
}
