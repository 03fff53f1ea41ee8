/* Unit tests: the scheduler's cold round (every job due at once, as `status` and `check` run it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "drconsole/probe/scheduler.h"
#include "drconsole/probe/status.h"

#define COLD_JOBS 64

static int running;		/* jobs inside run() now */
static long long gather_ms;	/* how long a job waits for the others */

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits (up to gather_ms) until every job of the round is running beside it; the target records what it saw. */
static void
gather_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	int *peak = job->target;
	long long until = time_mono_ms() + gather_ms;
	int seen;

	(void)ctx;
	seen = __atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
	while (seen < COLD_JOBS && time_mono_ms() < until) {
		sleep_ms(2);
		seen = __atomic_load_n(&running, __ATOMIC_SEQ_CST);
	}
	*peak = seen;
	sleep_ms(20);	/* leave room for the others to see everyone too */
	__atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
}

static const struct probe_type gather_probe = {
	.name = "gather",
	.run = gather_run,
	.free_target = NULL,
};

/* One worker per job: 64 hosts connect at once, not in waves of a fixed pool. */
static void
test_cold_round_one_worker_per_job(void **state)
{
	struct status_store *st = status_store_create(0);
	struct scheduler *s = scheduler_create(st, NULL, SCHEDULER_WORKER_PER_JOB, 60000);
	int peak[COLD_JOBS] = { 0 };
	size_t late;

	(void)state;
	gather_ms = 8000;	/* 64 thread starts, slow under ThreadSanitizer on a loaded machine */
	for (int i = 0; i < COLD_JOBS; i++) {
		char key[16];

		snprintf(key, sizeof key, "host%d", i);
		scheduler_add(s, &gather_probe, key, &peak[i], 5000);
	}
	late = scheduler_run_once(s, time_mono_ms() + 20000);
	scheduler_free(s);
	status_store_free(st);
	assert_int_equal(late, 0);
	for (int i = 0; i < COLD_JOBS; i++)
		assert_int_equal(peak[i], COLD_JOBS);
}

/* A fixed pool smaller than the round still runs every job, in waves of its size. */
static void
test_cold_round_capped_pool(void **state)
{
	struct status_store *st = status_store_create(0);
	struct scheduler *s = scheduler_create(st, NULL, 8, 60000);
	int peak[COLD_JOBS] = { 0 };

	(void)state;
	gather_ms = 500;
	for (int i = 0; i < COLD_JOBS; i++) {
		char key[16];

		snprintf(key, sizeof key, "host%d", i);
		scheduler_add(s, &gather_probe, key, &peak[i], 5000);
	}
	/* the jobs wait for 64 that never run together: each gives up after gather_ms */
	assert_true(scheduler_run_once(s, time_mono_ms() + 100) > 0);
	scheduler_free(s);
	status_store_free(st);
	for (int i = 0; i < COLD_JOBS; i++)
		assert_true(peak[i] <= 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_round_one_worker_per_job),
		cmocka_unit_test(test_cold_round_capped_pool),
	};

	return cmocka_run_group_tests_name("scheduler_cold", tests, NULL, NULL);
}
