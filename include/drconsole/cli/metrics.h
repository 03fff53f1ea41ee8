/*
 * metrics.h: `drconsole status --format openmetrics`: the status as an
 * OpenMetrics text exposition, for node_exporter's textfile collector and
 * Datadog's OpenMetrics check. Every family is a gauge with # HELP and
 * # TYPE, time families carry # UNIT seconds and end in _seconds, sizes
 * _bytes; no sample has a timestamp (the textfile collector refuses them);
 * the exposition ends with # EOF. The families are listed in
 * docs/status-json.md.
 */
#ifndef DRCONSOLE_METRICS_H
#define DRCONSOLE_METRICS_H

#include <stdio.h>

#include "drconsole/runbook/drills.h"
#include "drconsole/runbook/failover_state.h"
#include "drconsole/probe/rpo.h"
#include "drconsole/config/site.h"
#include "drconsole/probe/status.h"

struct metrics_input {
	const struct site *sites[2];		/* by enum site_role */
	double rpo_objective_s;
	double rto_objective_s;
	const struct status_snapshot *snap;	/* NULL offline: no probe families */
	const struct rpo_result *rpo_site;	/* the primary site lost; NULL offline */
	const struct rpo_result *rpo_instance;	/* one instance lost; NULL when no such source */
	const struct drill_history *drills;	/* NULL: no state dir to read */
	const struct failover_state *failover;	/* NULL: no state dir to read */
	long long drift_items;			/* < 0: not compared */
	long long drift_suspicious;
	long long now_ms;
};

void metrics_write(FILE *fp, const struct metrics_input *in);

#endif
