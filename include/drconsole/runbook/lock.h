/*
 * lock.h: the run lock. Held on the secondary site's control host so that
 * two operators (on two laptops) cannot run runbooks against one site at
 * once. Taken atomically with mkdir(2) through the executor; the lock
 * directory holds a "holder" line whose mtime is the heartbeat:
 *
 *   user=U host=H boot=B pid=P pstart=S since=T run=ID
 *
 * (boot: the first hex digits of the holder machine's boot id; pstart: the
 * holder process's start time in clock ticks since boot, so a reused pid is
 * not taken for the holder). While a run holds the lock a thread refreshes
 * the heartbeat (lock_keep_alive), whatever the run is doing, over the
 * lock's own executor (give the lock one that steps do not use: an SSH
 * session runs one command at a time).
 *
 * Staleness is never judged from age alone (lock_judge): a holder whose
 * process is alive on this machine is never stale; otherwise the lock is
 * stale only when its heartbeat is older than the stale limit. A fresh lock
 * cannot be broken (lock_break_stale re-checks the age on the lock host at
 * the moment of breaking); a stale one only after a typed confirmation (the
 * caller's job).
 */
#ifndef DRCONSOLE_LOCK_H
#define DRCONSOLE_LOCK_H

#include <pthread.h>
#include <stdbool.h>

#include "drconsole/runbook/executor.h"

struct run_lock {
	struct executor *ex;		/* borrowed; used by the keeper thread too */
	struct exec_request where;	/* host/address/port/user; command filled per call */
	char *path;			/* lock directory on that host */
	char *run_id;
	/* the keeper (lock_keep_alive) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool keeping;			/* the thread runs */
	bool stop;
	bool lost;			/* the holder line no longer names us */
	int cancel;			/* ends a refresh in flight when stopping */
	long long interval_ms;
	long long last_beat_ms;		/* monotonic time of the last refresh that worked */
};

enum lock_state {
	LOCK_ACQUIRED,
	LOCK_HELD,			/* by someone else: see holder and age */
	LOCK_ERROR,
};

struct lock_info {
	enum lock_state state;
	char *holder;			/* the holder line, sanitised */
	long long age_s;		/* seconds since the holder's last heartbeat, -1 unknown */
	char *error;
};

/* What a holder line says about its process, seen from this one. */
enum lock_liveness {
	LOCK_HOLDER_ALIVE,		/* its process runs on this machine */
	LOCK_HOLDER_GONE,		/* it ran on this machine (this boot) and its process is gone */
	LOCK_HOLDER_ELSEWHERE,		/* another machine, or a line without pid: heartbeat only */
};

enum lock_verdict {
	LOCK_IN_USE,			/* holder process alive here: never stale, whatever its age */
	LOCK_FRESH,			/* heartbeat within the stale limit: may not be broken */
	LOCK_STALE,			/* may be broken, after a typed confirmation */
};

/* Lock directory DIR/drconsole-NAME.lock, NAME deploy_env encoded to stay one path component. Caller frees. */
char *lock_path(const char *dir, const char *deploy_env);
/* lock_path("/var/tmp", deploy_env). Caller frees. */
char *lock_default_path(const char *deploy_env);
/* This process's holder line (without run=): user, host, boot, pid, pstart, since. Caller frees. */
char *lock_holder_line(const char *user);
enum lock_liveness lock_holder_liveness(const char *holder);
/* Whether a held lock may be broken: liveness first, then the heartbeat against stale_s. */
enum lock_verdict lock_judge(const struct lock_info *info, long long stale_s);
/* The run=ID of a holder line, NULL when none. Caller frees. */
char *lock_holder_run(const char *holder);

void lock_init(struct run_lock *l, struct executor *ex,
	       const struct exec_request *where, const char *path, const char *run_id);
/* Stops the keeper; does not release. */
void lock_fini(struct run_lock *l);
/* Try to take the lock; holder_line describes us (user, host, time). */
void lock_acquire(struct run_lock *l, const char *holder_line, struct lock_info *out);
/* Refresh our heartbeat; false if the lock is no longer ours (or cannot be reached). */
bool lock_heartbeat(struct run_lock *l);
/*
 * Refresh the heartbeat from a thread every interval_ms until
 * lock_release or lock_fini; stops by itself when the lock is no longer ours.
 */
void lock_keep_alive(struct run_lock *l, long long interval_ms);
/* False once the keeper found the lock no longer ours; *last_beat_ms (may be NULL): its last refresh. */
bool lock_kept(struct run_lock *l, long long *last_beat_ms);
/* Release if (and only if) we hold it; stops the keeper first. */
bool lock_release(struct run_lock *l);
/* Remove the lock whoever holds it, then acquire. Prefer the two below. */
void lock_break_and_acquire(struct run_lock *l, const char *holder_line,
			    struct lock_info *out);
/*
 * Break someone else's lock (after the caller judged it stale and the
 * operator typed the confirmation) only if its heartbeat, read again on
 * the lock host now, is at least stale_s old; else out->state is LOCK_HELD.
 */
void lock_break_stale(struct run_lock *l, const char *holder_line, long long stale_s,
		      struct lock_info *out);
/*
 * Take over the lock of run old_run_id (a crashed run being resumed or
 * abandoned; the caller judged its holder gone): the holder line is
 * replaced with ours in place, only if it still names old_run_id; else a
 * plain acquire.
 */
void lock_take_over(struct run_lock *l, const char *old_run_id, const char *holder_line,
		    struct lock_info *out);
void lock_info_clear(struct lock_info *i);

#endif
