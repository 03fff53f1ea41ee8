/*
 * lint.h: every problem with the configuration and both environment
 * directories, as diagnostics with file:line:col. Loading already reports
 * syntax and schema errors; lint adds the cross-file rules commcare-cloud
 * itself enforces and the ones a DR console needs:
 *   - known_hosts covers every SSH-able host
 *   - hot_standby_master names a host of an inventory (either site's)
 *   - replication_slot is listed in the master's postgresql_replication_slots
 *   - hot_standby_server is a member of pg_standby
 *   - every postgresql.yml database host resolves
 *   - the two sites do not share a deploy_env (they would share buckets)
 */
#ifndef DRCONSOLE_LINT_H
#define DRCONSOLE_LINT_H

#include "drconsole/util/diag.h"
#include "drconsole/config/site.h"

/* Add lint findings for a loaded pair (either may be NULL). */
void lint_sites(const struct site *primary, const struct site *secondary, struct diag_list *dl);
/* Sort diagnostics by file, line, column (stable for equal positions). */
void lint_sort(struct diag_list *dl);

#endif
