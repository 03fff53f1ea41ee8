/*
 * report.h: the Markdown report of a run (`drconsole report RUN`): steps,
 * who confirmed them, durations, failures, decisions and overrides, and the
 * achieved RTO (first step started to the step that restored service) and
 * RPO (the exposure recorded when replication ended, or the restored
 * backup's age) against the objectives. Built from the journal alone.
 */
#ifndef DRCONSOLE_REPORT_H
#define DRCONSOLE_REPORT_H

#include <stdio.h>

#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/runbook.h"

struct report_input {
	const struct runbook *rb;
	const struct journal_read *journal;
	const char *run_id;
	double rpo_objective_s;		/* <= 0: not set */
	double rto_objective_s;
};

struct report_summary {
	long long started_ms;		/* 0 unknown */
	long long restored_ms;		/* 0: service not restored */
	double rto_s;			/* -1 unknown */
	double rpo_s;			/* -1 unknown */
	int steps_done;
	int steps_failed;
	int steps_skipped;
	int steps_interrupted;
	int steps_unknown;		/* outcome unknown: may still be running */
	int steps_total;
};

/* Summarise (for the console header's "last drill" and for the report). */
void report_summarise(const struct report_input *in, struct report_summary *out);
/* Write the Markdown report; 0 on success. */
int report_write(FILE *fp, const struct report_input *in);

#endif
