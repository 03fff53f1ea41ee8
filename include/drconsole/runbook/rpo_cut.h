/*
 * rpo_cut.h: the achieved RPO of a run that ends replication, measured
 * rather than estimated. At the cut (just before the command that promotes a
 * standby) the standby's replayed WAL position and its upstream's current
 * one are journaled ("rpo_cut"); after the promote, the promoted server's
 * switch point ("rpo_switch"); after that and at the end of the run, the
 * old upstream's WAL position against the switch point ("rpo_diverged"):
 * WAL it wrote after the cut did not make it to the promoted database.
 * The first measurement of a run is the one that counts: a re-run or a
 * resumed run never replaces it. Steps marked `fences: true` guard the
 * old primary; when one of them failed and the old primary could not be
 * checked after the cut, the RPO is not measured (never 0).
 *
 * Connections use the config's monitoring role (pg_monitor is enough).
 */
#ifndef DRCONSOLE_RPO_CUT_H
#define DRCONSOLE_RPO_CUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "drconsole/config/config.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/config/site.h"

/* "16/B374D848" to a 64-bit position; false when s is not an LSN. */
bool rpo_lsn_parse(const char *s, uint64_t *out);

/*
 * At the cut: the standby at address (host in site) and its upstream (the
 * sender it streams from, else its hot_standby_master). Returns an
 * "rpo_cut" event (never NULL); *msg says what was measured (caller frees).
 */
json_t *rpo_cut_measure(const struct config *cfg, struct site *const sites[2],
			const struct rb_step *st, const char *host, const char *address,
			char **msg);
/* After the promote: an "rpo_switch" event with the promoted server's switch point. */
json_t *rpo_cut_switch(const struct config *cfg, const struct rb_step *st, const char *host,
		       const char *address, char **msg);
/*
 * The old upstreams of every journaled cut, against their switch points:
 * "rpo_diverged" events appended to out (a JSON array). Nothing when no
 * cut is journaled. *msg: one line per check (caller frees; NULL if none).
 */
void rpo_cut_check_old(const struct config *cfg, json_t *const *events, size_t n,
		       json_t *out, char **msg);
/* Is an "rpo_cut" (or an "rpo" estimate, with any_estimate) journaled for step? */
bool rpo_cut_recorded(json_t *const *events, size_t n, const char *step, bool any_estimate);

struct rpo_cut_summary {
	double estimate_s;		/* first "rpo" estimate, -1 none */
	long long cut_ms;		/* first cut, 0 none */
	bool gap_measured;		/* every cut's standby and upstream were read */
	uint64_t gap_bytes;		/* upstream WAL not replayed at the cut (max) */
	bool gap_xacts;			/* ...holding completed transactions (or not known) */
	double lag_s;			/* the upstream's replay_lag at the cut, -1 unknown */
	bool old_checked;		/* an old upstream was read after a switch point */
	uint64_t lost_bytes;		/* WAL written on an old upstream after the cut */
	long long lost_seen_ms;		/* first check that saw lost_bytes */
	long long lost_xacts;		/* transactions completed there after the cut, 0 unknown */
	uint64_t wal_only_bytes;	/* WAL written there after the cut without a transaction */
	char old_host[64];		/* that upstream's address */
	char old_lsn[32];
	char switch_lsn[32];
	char fence_failed[64];		/* a fences: step that failed or was skipped, "" none */
	double rpo_s;			/* the achieved RPO, -1 not measured */
	bool rpo_upper_bound;		/* rpo_s bounds writes seen after the cut */
	char basis[256];		/* how rpo_s was decided */
};

/* The achieved RPO of a run from its journal. */
void rpo_cut_summarise(const struct runbook *rb, json_t *const *events, size_t n,
		       struct rpo_cut_summary *out);

#endif
