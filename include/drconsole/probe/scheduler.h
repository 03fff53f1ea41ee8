/*
 * scheduler.h: runs probe jobs on worker threads. Each job observes one
 * target (a host, a database, a bucket) and posts observations to the status
 * store. A job runs again one interval after it finished, never twice at
 * once; `refresh` makes every idle job due now. Probes enforce their own
 * timeouts (every network call has one), so a hanging host holds one worker
 * for at most its timeout and never blocks the caller or other targets.
 */
#ifndef DRCONSOLE_SCHEDULER_H
#define DRCONSOLE_SCHEDULER_H

#include <stddef.h>

#include "drconsole/probe/status.h"

struct probe_job;

struct probe_ctx {
	struct status_store *store;
	void *env;		/* the probe environment given to scheduler_create */
	long long timeout_ms;	/* this run's bound */
};

struct probe_type {
	const char *name;
	/* Observe job->target and post observations; return within ctx->timeout_ms. */
	void (*run)(const struct probe_job *job, struct probe_ctx *ctx);
	/* Frees job->target (may be NULL when the target is borrowed). */
	void (*free_target)(void *target);
};

struct probe_job {
	const struct probe_type *type;
	char *key;		/* unique job id, e.g. "host:primary:control_a0" */
	void *target;
	long long timeout_ms;
	/* private to the scheduler */
	long long due_ms;
	int running;
	unsigned long runs;
};

struct scheduler;

/*
 * workers: how many threads at most (never more than jobs), or
 * SCHEDULER_WORKER_PER_JOB: one per job up to SCHEDULER_MAX_WORKERS, so a
 * cold round (every job connecting at once, each mostly waiting on the
 * network) starts every job at once instead of in waves.
 */
#define SCHEDULER_WORKER_PER_JOB 0
#define SCHEDULER_MAX_WORKERS 256

/* env is passed to every probe as ctx->env; the scheduler does not own it. */
struct scheduler *scheduler_create(struct status_store *store, void *env,
				   size_t workers, long long interval_ms);
/* Add a job before scheduler_start; the scheduler owns target afterwards. */
void scheduler_add(struct scheduler *s, const struct probe_type *type,
		   const char *key, void *target, long long timeout_ms);
size_t scheduler_job_count(const struct scheduler *s);
void scheduler_start(struct scheduler *s);
/* Make every idle job due now (the `r` key). */
void scheduler_refresh(struct scheduler *s);
/*
 * Start if needed, make every job due and wait until each has completed a
 * run that began after this call, or until deadline_ms (monotonic) passes.
 * Returns the number of jobs that did not finish in time.
 */
size_t scheduler_run_once(struct scheduler *s, long long deadline_ms);
/* Stop the workers (waiting for running jobs to return) and free everything. */
void scheduler_free(struct scheduler *s);

#endif
