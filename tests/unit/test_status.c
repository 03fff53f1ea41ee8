/* Unit tests: observations, the status store and the probe scheduler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/probe/scheduler.h"
#include "drconsole/probe/status.h"

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
test_status_worst(void **state)
{
	(void)state;
	assert_int_equal(obs_status_worst(OBS_OK, OBS_CRIT), OBS_CRIT);
	assert_int_equal(obs_status_worst(OBS_WARN, OBS_UNKNOWN), OBS_WARN);
	assert_int_equal(obs_status_worst(OBS_UNKNOWN, OBS_OK), OBS_UNKNOWN);
	assert_int_equal(obs_status_worst(OBS_PENDING, OBS_OK), OBS_OK);
	assert_string_equal(obs_status_word(OBS_CRIT), "CRIT");
}

static void
test_store_replace_and_history(void **state)
{
	struct status_store *st = status_store_create(4);
	struct status_snapshot *snap;
	double hist[8];
	size_t n;

	(void)state;
	for (int i = 0; i < 6; i++) {
		struct observation *o = obs_create(SITE_SECONDARY, "pg", "secondary/pg/main", "main");

		obs_set(o, OBS_OK, "streaming", "lag %d", i);
		obs_set_value(o, i * 1.5, "s");
		status_store_post(st, o);
	}
	status_store_expect(st, SITE_PRIMARY, "host", "primary/host/a", "a");
	status_store_expect(st, SITE_PRIMARY, "host", "secondary/pg/main", "main");
	snap = status_store_snapshot(st);
	assert_int_equal(snap->n, 2);
	assert_string_equal(snap->items[0]->key, "primary/host/a");
	assert_int_equal(snap->items[0]->status, OBS_PENDING);
	assert_string_equal(status_snapshot_get(snap, "secondary/pg/main")->message, "lag 5");
	assert_null(status_snapshot_get(snap, "nope"));
	/* history keeps the last 4 values, oldest first */
	n = status_store_history(st, "secondary/pg/main", hist, 8);
	assert_int_equal(n, 4);
	assert_true(hist[0] == 3.0 && hist[3] == 7.5);
	n = status_store_history(st, "secondary/pg/main", hist, 2);
	assert_int_equal(n, 2);
	assert_true(hist[0] == 6.0 && hist[1] == 7.5);
	/* the snapshot outlives a newer post and the store itself */
	status_store_post(st, obs_create(SITE_SECONDARY, "pg", "secondary/pg/main", "main"));
	status_store_free(st);
	assert_string_equal(snap->items[1]->message, "lag 5");
	status_snapshot_free(snap);
}

static void
test_store_wakes_pipe(void **state)
{
	struct status_store *st = status_store_create(0);
	struct pollfd pfd = { .fd = status_store_fd(st), .events = POLLIN };

	(void)state;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	status_store_post(st, obs_create(SITE_PRIMARY, "host", "k", NULL));
	status_store_post(st, obs_create(SITE_PRIMARY, "host", "k2", NULL));
	assert_int_equal(poll(&pfd, 1, 0), 1);
	status_store_drain(st);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(status_store_generation(st), 2);
	status_store_free(st);
}

struct counter_target {
	int sleep_ms;
	int runs;
};

static void
counter_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	struct counter_target *t = job->target;
	struct observation *o;
	int runs;

	sleep_ms(t->sleep_ms);
	runs = __atomic_add_fetch(&t->runs, 1, __ATOMIC_RELAXED);
	o = obs_create(SITE_PRIMARY, "test", job->key, NULL);
	obs_set(o, OBS_OK, "ran", "run %d", runs);
	status_store_post(ctx->store, o);
}

static const struct probe_type counter_probe = {
	.name = "counter",
	.run = counter_run,
	.free_target = free,
};

/* n jobs "job0".. that each sleep sleep_ms; the scheduler frees the targets */
static void
add_counter_jobs(struct scheduler *s, struct counter_target **t, int n, int sleep)
{
	for (int i = 0; i < n; i++) {
		char key[16];

		t[i] = xcalloc(1, sizeof *t[i]);
		t[i]->sleep_ms = sleep;
		snprintf(key, sizeof key, "job%d", i);
		scheduler_add(s, &counter_probe, key, t[i], 1000);
	}
}

static void
test_scheduler_run_once_parallel(void **state)
{
	struct status_store *st = status_store_create(0);
	struct scheduler *s = scheduler_create(st, NULL, 8, 60000);
	struct counter_target *t[8];
	long long start;
	size_t late;

	(void)state;
	add_counter_jobs(s, t, 8, 200);
	start = time_mono_ms();
	late = scheduler_run_once(s, time_mono_ms() + 5000);
	assert_int_equal(late, 0);
	/* eight 200 ms jobs on eight workers run concurrently, not serially (1.6 s) */
	assert_true(time_mono_ms() - start < 1000);
	for (int i = 0; i < 8; i++)
		assert_int_equal(t[i]->runs, 1);
	/* a second run_once runs every job again even though the interval is long */
	late = scheduler_run_once(s, time_mono_ms() + 5000);
	assert_int_equal(late, 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(t[i]->runs, 2);
	scheduler_free(s);
	status_store_free(st);
}

static void
test_scheduler_deadline_and_slow_job(void **state)
{
	struct status_store *st = status_store_create(0);
	struct scheduler *s = scheduler_create(st, NULL, 2, 60000);
	struct counter_target *slow = xcalloc(1, sizeof *slow);
	struct counter_target *fast = xcalloc(1, sizeof *fast);
	struct observation *o;
	long long start;

	(void)state;
	slow->sleep_ms = 1500;
	fast->sleep_ms = 0;
	scheduler_add(s, &counter_probe, "slow", slow, 2000);
	scheduler_add(s, &counter_probe, "fast", fast, 2000);
	start = time_mono_ms();
	/* the caller is bounded by its deadline, not by the slow job */
	assert_int_equal(scheduler_run_once(s, time_mono_ms() + 300), 1);
	assert_true(time_mono_ms() - start < 800);
	o = status_store_get(st, "fast");
	assert_non_null(o);
	assert_string_equal(o->state, "ran");
	obs_unref(o);
	assert_null(status_store_get(st, "slow"));
	scheduler_free(s);	/* waits for the slow job to return */
	status_store_free(st);
}

/*
 * Periodic mode starts due jobs in parallel although idle workers are woken
 * one at a time (one holds the timer; each started job hands it on).
 */
static void
test_scheduler_periodic_parallel(void **state)
{
	struct status_store *st = status_store_create(0);
	struct scheduler *s = scheduler_create(st, NULL, 8, 300);
	struct counter_target *t[12];
	long long start;
	bool all_once = false;

	(void)state;
	add_counter_jobs(s, t, 12, 100);
	start = time_mono_ms();
	scheduler_start(s);
	/* twelve 100 ms jobs on eight workers: two waves, about 200 ms (serially 1.2 s) */
	while (!all_once && time_mono_ms() - start < 2000) {
		all_once = true;
		for (int i = 0; i < 12; i++)
			if (__atomic_load_n(&t[i]->runs, __ATOMIC_RELAXED) < 1)
				all_once = false;
		sleep_ms(10);
	}
	assert_true(all_once);
	assert_true(time_mono_ms() - start < 700);
	/* and each comes back one interval after it ended */
	sleep_ms(900);
	for (int i = 0; i < 12; i++) {
		int runs = __atomic_load_n(&t[i]->runs, __ATOMIC_RELAXED);

		assert_true(runs >= 2 && runs <= 4);
	}
	scheduler_free(s);
	status_store_free(st);
}

static void
test_scheduler_periodic_and_refresh(void **state)
{
	struct status_store *st = status_store_create(0);
	struct scheduler *s = scheduler_create(st, NULL, 1, 100);
	struct counter_target *t = xcalloc(1, sizeof *t);
	int runs;

	(void)state;
	scheduler_add(s, &counter_probe, "tick", t, 1000);
	scheduler_start(s);
	sleep_ms(550);
	runs = __atomic_load_n(&t->runs, __ATOMIC_RELAXED);
	/* first run at once, then one per 100 ms interval */
	assert_true(runs >= 2 && runs <= 8);
	scheduler_free(s);
	status_store_free(st);

	st = status_store_create(0);
	s = scheduler_create(st, NULL, 1, 60000);
	t = xcalloc(1, sizeof *t);
	scheduler_add(s, &counter_probe, "tick", t, 1000);
	scheduler_start(s);
	sleep_ms(100);
	assert_int_equal(__atomic_load_n(&t->runs, __ATOMIC_RELAXED), 1);
	scheduler_refresh(s);
	sleep_ms(100);
	assert_int_equal(__atomic_load_n(&t->runs, __ATOMIC_RELAXED), 2);
	scheduler_free(s);
	status_store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_worst),
		cmocka_unit_test(test_store_replace_and_history),
		cmocka_unit_test(test_store_wakes_pipe),
		cmocka_unit_test(test_scheduler_run_once_parallel),
		cmocka_unit_test(test_scheduler_deadline_and_slow_job),
		cmocka_unit_test(test_scheduler_periodic_parallel),
		cmocka_unit_test(test_scheduler_periodic_and_refresh),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
