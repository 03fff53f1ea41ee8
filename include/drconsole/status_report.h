/*
 * status_report.h: `drconsole status` and `drconsole check`: one refresh
 * of every probe, then a report. The JSON form is documented in
 * docs/status-json.md.
 */
#ifndef DRCONSOLE_STATUS_REPORT_H
#define DRCONSOLE_STATUS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "drconsole/app.h"
#include "drconsole/status.h"

/* Exit code: status_live_exit_code of the refresh. */
int status_report_live(struct app *app, bool json, FILE *fp);
/*
 * Exit code of `status`: 1 when any observation or the RPO exposure is
 * CRITICAL or could not be judged (UNKNOWN, or no result before the
 * deadline), or when there was nothing to judge; 0 when everything is OK or
 * WARN. So `status` exits 0 exactly when `check` exits 0 or 1 without an
 * unknown check.
 */
int status_live_exit_code(const struct status_snapshot *snap, enum obs_status rpo_status);
/* Monitoring-plugin output; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
int status_report_check(struct app *app, FILE *fp);

#endif
