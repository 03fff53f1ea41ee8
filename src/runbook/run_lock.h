/*
 * run_lock.h: a run's hold on the run lock (run_lock.c). Private to the run
 * driver.
 */
#ifndef DRCONSOLE_RUN_LOCK_H
#define DRCONSOLE_RUN_LOCK_H

#include <stdbool.h>

#include "run_io.h"

/*
 * Take the lock for this run (resuming: a lock this run held when it died
 * may be taken over). false: not taken, and the operator was told why.
 */
bool run_take_lock(struct run_state *r, bool resuming);
/*
 * Abandoning run old_id passes its lock, when it holds one, to this run in
 * the same action, so the new run is not refused by it. Refused (false)
 * while the old run may still be running. *passed: the lock was its.
 */
bool run_abandon_lock(struct run_state *r, const char *old_id, bool *passed);
/*
 * Before a step: the keeper has not lost the lock, and has refreshed it
 * within half the stale limit (else one refresh now must work). false: it
 * is released if still ours, and the run stops.
 */
bool run_lock_still_ours(struct run_state *r);

#endif
