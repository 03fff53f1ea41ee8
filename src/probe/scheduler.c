/*
 * scheduler.c: one mutex, condition variables on the monotonic clock, N
 * workers. A worker takes the earliest due idle job, runs it unlocked, and
 * sets its next due time one interval after it finished. run_once counts
 * completed runs per job to know when every job has run since the request.
 *
 * DESIGN: no thundering herd. Job due times are rounded up to a grid (a
 * tenth of the interval), so the jobs of a round fall due together and run
 * back to back. Waking every idle worker at each due time or completion
 * would cost N context switches per job; instead one idle worker holds the
 * timer (a timed wait until the earliest due time, on timer_cv) and the
 * others wait untimed on work_cv. A worker that takes a job while no one
 * holds the timer wakes one idle worker to take it over (or the next due
 * job), so due jobs still start in parallel, one wake-up each. A completion
 * whose next due time is earlier than the timer's wakes the holder to wait
 * less. Refresh, run_once and stopping wake everyone. At start each new
 * worker is handed its first due job, so a cold round (every host at
 * once) starts without the workers queueing for the lock one by one.
 */
#include "drconsole/probe/scheduler.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct scheduler {
	pthread_mutex_t lock;
	pthread_cond_t work_cv;		/* idle workers without the timer */
	pthread_cond_t timer_cv;	/* the worker holding the timer */
	pthread_cond_t done_cv;		/* run_once waits for completions */
	bool timer_held;		/* a worker waits for timer_until */
	long long timer_until;
	unsigned long timer_gen;	/* which wait holds it */
	size_t idle;			/* workers waiting on work_cv */
	struct probe_job *jobs;
	size_t n_jobs;
	size_t cap_jobs;
	pthread_t *threads;
	size_t n_threads;
	size_t want_threads;
	int started;
	int stopping;
	long long interval_ms;
	struct status_store *store;
	void *env;
};

static void
cond_init_mono(pthread_cond_t *cv)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &attr);
	pthread_condattr_destroy(&attr);
}

static void
timed_wait(pthread_cond_t *cv, pthread_mutex_t *lock, long long until_ms)
{
	struct timespec ts = {
		.tv_sec = until_ms / 1000,
		.tv_nsec = (until_ms % 1000) * 1000000,
	};

	pthread_cond_timedwait(cv, lock, &ts);
}

struct scheduler *
scheduler_create(struct status_store *store, void *env, size_t workers,
		 long long interval_ms)
{
	struct scheduler *s = xcalloc(1, sizeof *s);

	pthread_mutex_init(&s->lock, NULL);
	cond_init_mono(&s->work_cv);
	cond_init_mono(&s->timer_cv);
	cond_init_mono(&s->done_cv);
	s->store = store;
	s->env = env;
	s->want_threads = workers == SCHEDULER_WORKER_PER_JOB ? SCHEDULER_MAX_WORKERS : workers;
	s->interval_ms = interval_ms > 0 ? interval_ms : 10000;
	return s;
}

void
scheduler_add(struct scheduler *s, const struct probe_type *type,
	      const char *key, void *target, long long timeout_ms)
{
	struct probe_job *j;

	if (s->started)
		fatal("scheduler_add after scheduler_start (%s)", key);
	grow_array(&s->jobs, &s->cap_jobs, s->n_jobs + 1, sizeof *s->jobs);
	j = &s->jobs[s->n_jobs++];
	memset(j, 0, sizeof *j);
	j->type = type;
	j->key = xstrdup(key);
	j->target = target;
	j->timeout_ms = timeout_ms;
	j->due_ms = 0;
}

size_t
scheduler_job_count(const struct scheduler *s)
{
	return s->n_jobs;
}

/* Earliest due idle job, or NULL; *next_due gets the earliest due time of idle jobs. */
static struct probe_job *
pick_job(struct scheduler *s, long long now, long long *next_due)
{
	struct probe_job *best = NULL;

	*next_due = -1;
	for (size_t i = 0; i < s->n_jobs; i++) {
		struct probe_job *j = &s->jobs[i];

		if (j->running)
			continue;
		if (*next_due < 0 || j->due_ms < *next_due)
			*next_due = j->due_ms;
		if (j->due_ms <= now && (best == NULL || j->due_ms < best->due_ms))
			best = j;
	}
	return best;
}

/* t rounded up to the scheduler's grid: a tenth of the interval, 1 ms to 1 s. */
static long long
due_after(long long t, long long interval_ms)
{
	long long q = interval_ms / 10;

	if (q < 1)
		q = 1;
	if (q > 1000)
		q = 1000;
	return (t + q - 1) / q * q;
}

/* Under the lock: every worker looks again (refresh, run_once, stop). */
static void
wake_all(struct scheduler *s)
{
	pthread_cond_broadcast(&s->work_cv);
	pthread_cond_broadcast(&s->timer_cv);
}

/* Under the lock, no job due now: wait for the next one, or for a wake-up. */
static void
wait_for_work(struct scheduler *s, long long next_due)
{
	unsigned long gen;

	if (next_due < 0 || (s->timer_held && s->timer_until <= next_due)) {
		s->idle++;
		pthread_cond_wait(&s->work_cv, &s->lock);
		s->idle--;
		return;
	}
	/* hold the timer (taking it over from a holder that waits longer) */
	gen = ++s->timer_gen;
	s->timer_held = true;
	s->timer_until = next_due;
	timed_wait(&s->timer_cv, &s->lock, next_due);
	if (s->timer_gen == gen)
		s->timer_held = false;
}

/*
 * Under the lock, j taken (running): run it unlocked, then set its next due
 * time and wake whoever waits on it.
 */
static void
run_job(struct scheduler *s, struct probe_job *j)
{
	struct probe_ctx ctx;
	long long started;

	pthread_mutex_unlock(&s->lock);
	ctx.store = s->store;
	ctx.env = s->env;
	ctx.timeout_ms = j->timeout_ms;
	started = time_mono_ms();
	j->type->run(j, &ctx);

	pthread_mutex_lock(&s->lock);
	j->running = 0;
	j->runs++;
	/*
	 * Never sooner than the interval after it finished, unless
	 * refreshed; rounded up to a tenth of the interval, so the jobs of
	 * a round fall due together and run back to back instead of each
	 * waking a worker at its own millisecond.
	 */
	if (j->due_ms <= started)
		j->due_ms = due_after(time_mono_ms() + s->interval_ms, s->interval_ms);
	pthread_cond_broadcast(&s->done_cv);
	/*
	 * Due before the timer: the holder waits less. Broadcast: a holder
	 * that was taken over may still wait on timer_cv, and a signal
	 * could wake it instead of the current one.
	 */
	if (s->timer_held && j->due_ms < s->timer_until)
		pthread_cond_broadcast(&s->timer_cv);
}

/* A new worker and the job scheduler_start gave it (NULL: none). */
struct worker_start {
	struct scheduler *s;
	struct probe_job *first;
};

static void *
worker_main(void *arg)
{
	struct worker_start *ws = arg;
	struct scheduler *s = ws->s;
	struct probe_job *first = ws->first;

	free(ws);
	pthread_mutex_lock(&s->lock);
	if (first != NULL)
		run_job(s, first);
	while (!s->stopping) {
		long long next_due;
		struct probe_job *j = pick_job(s, time_mono_ms(), &next_due);

		if (j == NULL) {
			wait_for_work(s, next_due);
			continue;
		}
		j->running = 1;
		/* someone must watch the next due job while this one runs */
		if (!s->timer_held && s->idle > 0)
			pthread_cond_signal(&s->work_cv);
		run_job(s, j);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void
scheduler_start(struct scheduler *s)
{
	struct worker_start **ws;
	size_t n, started = 0;
	long long now = time_mono_ms();

	pthread_mutex_lock(&s->lock);
	if (s->started) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->started = 1;
	n = s->want_threads < s->n_jobs ? s->want_threads : s->n_jobs;
	if (n == 0)
		n = 1;
	s->threads = xcalloc(n, sizeof *s->threads);
	/*
	 * Each new worker is handed a due job here: it starts on it without
	 * queueing for the lock behind the others (a cold round would otherwise
	 * start one host after another, each waiting for the previous worker to
	 * get the lock and let it go). The threads are created unlocked, so a
	 * first job that ends early is not held up by the creation of the rest.
	 */
	ws = xcalloc(n, sizeof *ws);
	for (size_t i = 0; i < n; i++) {
		long long next_due;

		ws[i] = xcalloc(1, sizeof *ws[i]);
		ws[i]->s = s;
		ws[i]->first = pick_job(s, now, &next_due);
		if (ws[i]->first != NULL)
			ws[i]->first->running = 1;
	}
	pthread_mutex_unlock(&s->lock);
	for (; started < n; started++) {
		pthread_attr_t attr;
		int rc;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		rc = pthread_create(&s->threads[started], &attr, worker_main, ws[started]);
		pthread_attr_destroy(&attr);
		if (rc != 0)
			break;
	}
	if (started == 0)
		fatal("pthread_create: cannot start a probe worker");
	pthread_mutex_lock(&s->lock);
	s->n_threads = started;
	for (size_t i = started; i < n; i++) {
		/* not started: its job goes back to the others */
		if (ws[i]->first != NULL)
			ws[i]->first->running = 0;
		free(ws[i]);
	}
	if (started < n)
		wake_all(s);
	pthread_mutex_unlock(&s->lock);
	free(ws);
}

void
scheduler_refresh(struct scheduler *s)
{
	long long now = time_mono_ms();

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_jobs; i++)
		if (!s->jobs[i].running)
			s->jobs[i].due_ms = now;
	wake_all(s);
	pthread_mutex_unlock(&s->lock);
}

size_t
scheduler_run_once(struct scheduler *s, long long deadline_ms)
{
	unsigned long *want;
	size_t late = 0;

	pthread_mutex_lock(&s->lock);
	want = xcalloc(s->n_jobs == 0 ? 1 : s->n_jobs, sizeof *want);
	for (size_t i = 0; i < s->n_jobs; i++) {
		struct probe_job *j = &s->jobs[i];

		/* a run already under way started before this request */
		want[i] = j->runs + (j->running ? 2 : 1);
		if (!j->running)
			j->due_ms = 0;
	}
	wake_all(s);
	pthread_mutex_unlock(&s->lock);
	scheduler_start(s);	/* wants are set: first runs count */
	pthread_mutex_lock(&s->lock);
	for (;;) {
		int requeued = 0;

		late = 0;
		for (size_t i = 0; i < s->n_jobs; i++)
			if (s->jobs[i].runs < want[i]) {
				late++;
				/* a job that was running becomes due again as soon as it ends */
				if (!s->jobs[i].running && s->jobs[i].due_ms != 0) {
					s->jobs[i].due_ms = 0;
					requeued = 1;
				}
			}
		if (requeued)
			wake_all(s);
		if (late == 0 || time_mono_ms() >= deadline_ms)
			break;
		timed_wait(&s->done_cv, &s->lock, deadline_ms);
	}
	pthread_mutex_unlock(&s->lock);
	free(want);
	return late;
}

void
scheduler_free(struct scheduler *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	wake_all(s);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < s->n_threads; i++)
		pthread_join(s->threads[i], NULL);
	for (size_t i = 0; i < s->n_jobs; i++) {
		if (s->jobs[i].type->free_target != NULL)
			s->jobs[i].type->free_target(s->jobs[i].target);
		free(s->jobs[i].key);
	}
	free(s->jobs);
	free(s->threads);
	pthread_cond_destroy(&s->work_cv);
	pthread_cond_destroy(&s->timer_cv);
	pthread_cond_destroy(&s->done_cv);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
