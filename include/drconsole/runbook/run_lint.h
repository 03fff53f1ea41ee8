/*
 * run_lint.h: a runbook checked against both sites before it may run (run
 * driver, `drconsole lint`): unknown variables, hosts, groups and probe
 * conditions, bad `when` conditions, templates in verify.sql. Each step
 * kind lints its own keys (step_kind.h).
 */
#ifndef DRCONSOLE_RUN_LINT_H
#define DRCONSOLE_RUN_LINT_H

#include "drconsole/config/config.h"
#include "drconsole/util/diag.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/config/site.h"

/* Lint a runbook against both sites: unknown variables, hosts, groups, probes. */
void run_lint_runbook(const struct runbook *rb, const struct config *cfg,
		      struct site *const sites[2], struct diag_list *dl);

#endif
