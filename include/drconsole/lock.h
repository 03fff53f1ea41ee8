/*
 * lock.h: the run lock. Held on the secondary site's control host so that
 * two operators (on two laptops) cannot run runbooks against one site at
 * once. Taken atomically with mkdir(2) through the executor; the lock
 * directory holds a "holder" line (run id, user, origin host, start time)
 * whose mtime is the heartbeat. A lock whose heartbeat is older than the
 * stale limit may be broken, and only with a typed confirmation (the
 * caller's job).
 */
#ifndef DRCONSOLE_LOCK_H
#define DRCONSOLE_LOCK_H

#include <stdbool.h>

#include "drconsole/executor.h"

struct run_lock {
	struct executor *ex;		/* borrowed */
	struct exec_request where;	/* host/address/port/user; command filled per call */
	char *path;			/* lock directory on that host */
	char *run_id;
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

/* Default lock directory for a site's deploy_env. Caller frees. */
char *lock_default_path(const char *deploy_env);
void lock_init(struct run_lock *l, struct executor *ex,
	       const struct exec_request *where, const char *path, const char *run_id);
void lock_fini(struct run_lock *l);
/* Try to take the lock; holder_line describes us (user, host, time). */
void lock_acquire(struct run_lock *l, const char *holder_line, struct lock_info *out);
/* Refresh our heartbeat; false if the lock is no longer ours. */
bool lock_heartbeat(struct run_lock *l);
/* Release if (and only if) we hold it. */
bool lock_release(struct run_lock *l);
/* Remove someone else's lock (after a typed confirmation), then acquire. */
void lock_break_and_acquire(struct run_lock *l, const char *holder_line,
			    struct lock_info *out);
void lock_info_clear(struct lock_info *i);

#endif
