/*
 * failover_commit.h: committing an open failover (failover_state.h). The
 * commit is one "failover_commit" event (who: the OS user, when) appended to
 * the failover's own journal, and a line in the audit log, taken under the
 * run lock on the secondary's control host so that it cannot interleave
 * with a run. Refused in read-only mode, while another run holds the lock,
 * and when the failover named is not the open, uncommitted one. After it
 * the fail-back runbook is the way back. Used by `drconsole commit` and the
 * console.
 */
#ifndef DRCONSOLE_FAILOVER_COMMIT_H
#define DRCONSOLE_FAILOVER_COMMIT_H

#include <stdbool.h>

#include "drconsole/config/config.h"
#include "drconsole/config/site.h"
#include "drconsole/runbook/failover_state.h"

struct failover_commit_params {
	const struct config *cfg;
	struct site *sites[2];		/* borrowed; the lock is on the secondary's control host */
	bool drill;			/* commit the drill failover (failover_state.h) */
	bool read_only;			/* refused, with read_only_reason */
	const char *read_only_reason;
	const char *run;		/* the failover to commit; NULL: the open one */
	const char *user;		/* NULL: audit_whoami() */
};

/*
 * The open failover the operator may act on (commit or roll back): 0 with
 * *st filled, else the exit code (1) and *why (caller frees) — no failover,
 * already committed or rolled back, or run is not the open one.
 */
int failover_open_for(const struct config *cfg, bool drill, const char *run,
		      struct failover_state *st, char **why);

/*
 * Commit: 0 with *msg ("failover RUN committed by U"), else the exit code
 * (2 read-only or an unsafe state directory, 1 otherwise) with *msg saying
 * why. Caller frees *msg.
 */
int failover_commit(const struct failover_commit_params *p, char **msg);

#endif
