/*
 * failover_state.h: is the site failed over, and has the failover been
 * committed or rolled back? Derived from the journals under STATE_DIR/runs
 * (history.h), no state file of its own:
 *
 *   none         no completed failover, or a plain fail-back completed after
 *                the newest one (the site is back on its primary)
 *   uncommitted  the newest completed failover (runbook model "replicated")
 *                has neither a commit nor a completed rollback
 *   committed    its journal holds a "failover_commit" event (who, when):
 *                the fail-back runbook is the way back
 *   rolled_back  a fail-back run with rollback_of = that failover completed
 *
 * Live and drill runs are judged apart: the live state reads live runs only
 * (a drill is not a real failover), the drill state drill runs only, for the
 * console in drill mode and `--drill status|check|commit|rollback`. Failed,
 * stopped, unfinished and dry runs never count. Reads local files only.
 */
#ifndef DRCONSOLE_FAILOVER_STATE_H
#define DRCONSOLE_FAILOVER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum failover_phase {
	FAILOVER_NONE,
	FAILOVER_UNCOMMITTED,
	FAILOVER_COMMITTED,
	FAILOVER_ROLLED_BACK,
};

struct failover_state {
	enum failover_phase phase;
	bool drill;			/* judged from drill runs */
	char *run;			/* the failover's run id; NULL with FAILOVER_NONE */
	char *journal;			/* its journal */
	long long completed_ms;		/* its run_end */
	long long decided_ms;		/* the commit, or the rollback's run_end; 0 none */
	char *by;			/* who committed, or ran the rollback; NULL none */
	char *rollback_run;		/* the completed rollback run, or NULL */
};

/* "none", "uncommitted", "committed", "rolled_back" */
const char *failover_phase_name(enum failover_phase p);

/* The state from the journals of one kind of run (drill or live). Clear with failover_state_clear. */
void failover_state_read(const char *state_dir, bool drill, struct failover_state *out);
void failover_state_clear(struct failover_state *s);

/*
 * status --json's "failover" object: {state, run, completed_at, committed_at,
 * by, mode} (times ISO 8601 UTC, null when none).
 */
json_t *failover_state_json(const struct failover_state *s);

/*
 * One line for the header and status: "failed over 12m ago, uncommitted"
 * ("" unless uncommitted). Returns true when uncommitted.
 */
bool failover_state_text(const struct failover_state *s, long long now_ms, char *buf, size_t len);

/* The journal event that commits run (event "failover_commit"). Caller appends it. */
json_t *failover_commit_event(const char *run, const char *user);

#endif
