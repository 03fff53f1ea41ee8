/*
 * verify_status.h: is the restore proven? The last `drconsole verify-backup`
 * run (a runbook whose file is named verify-backup*.yml) from the local
 * journals, judged against objectives.verify_every: OK when it completed
 * within that time, WARN when it is older or there is none, CRIT when the
 * last verification failed.
 */
#ifndef DRCONSOLE_VERIFY_STATUS_H
#define DRCONSOLE_VERIFY_STATUS_H

#include <stddef.h>

#include "drconsole/config/config.h"
#include "drconsole/runbook/history.h"
#include "drconsole/probe/observation.h"
#include "drconsole/probe/status.h"

#define VERIFY_EVERY_DEFAULT_MS (30LL * 24 * 3600 * 1000)

/* Is this runbook path a backup verification? */
bool verify_is_runbook(const char *path);
/*
 * Judge runs (history_list order): the status, a message in msg and the
 * age of the last finished verification in *age_ms (-1 none).
 */
enum obs_status verify_judge(const struct run_info *runs, size_t n, long long now_ms,
			     long long every_ms, long long *age_ms, char *msg, size_t len);
/*
 * Post the judgement as an observation (probe "verify", key
 * "secondary/verify/postgres") when cfg lists a verify-backup runbook.
 */
void verify_status_post(struct status_store *st, const struct config *cfg, long long now_ms);
/*
 * The console header's words ("restore verified 3d ago", "restore never
 * verified", "restore verification FAILED 2h ago"), or NULL when cfg lists
 * no verify-backup runbook (caller frees).
 */
char *verify_status_header(const struct config *cfg, long long now_ms);

#endif
