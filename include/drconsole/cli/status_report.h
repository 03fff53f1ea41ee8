/*
 * status_report.h: `drconsole status` and `drconsole check`: one refresh
 * of every probe, then a report. The JSON form is documented in
 * docs/status-json.md.
 */
#ifndef DRCONSOLE_STATUS_REPORT_H
#define DRCONSOLE_STATUS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "drconsole/cli/app.h"
#include "drconsole/probe/status.h"

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
/*
 * `status --format openmetrics` (metrics.h): offline, the families the
 * configuration, the env dirs and the journals give; live, one refresh of
 * every probe too. Exit code as status: 0 offline, else
 * status_live_exit_code.
 */
int status_report_metrics(struct app *app, bool offline, FILE *fp);
/*
 * The failover state (failover_state.h) of app's mode, live or --drill:
 * status --json's "failover" object, and status's "Failover:" line.
 * Nothing is open when the state directory cannot be trusted.
 */
json_t *status_failover_json(const struct app *app);
void status_failover_print(const struct app *app, FILE *fp);
/*
 * Steps whose undoing step never ran (undone.h): status --json's "undone"
 * array, and status's "Left undone:" lines. None when the state directory
 * cannot be trusted.
 */
json_t *status_undone_json(const struct app *app);
void status_undone_print(const struct app *app, FILE *fp);
/* Monitoring-plugin output; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
int status_report_check(struct app *app, FILE *fp);

#endif
