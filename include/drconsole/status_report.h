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

/* Exit code: 0 when nothing is critical, 1 otherwise. */
int status_report_live(struct app *app, bool json, FILE *fp);
/* Monitoring-plugin output; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
int status_report_check(struct app *app, FILE *fp);

#endif
