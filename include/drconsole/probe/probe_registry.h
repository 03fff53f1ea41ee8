/*
 * probe_registry.h: every probe, one row each (probe_registry.c). The row
 * says what the probe observes and how: its name (the probe name of its
 * observations), the site-panel section its rows belong in, its jobs (a
 * function that enumerates its targets from the two site models and
 * schedules one job per target, posting a PENDING placeholder per row), the
 * drconsole.yml section holding its options, and the inventory groups whose
 * hosts it observes. probes_add_all() is a loop over this table; the
 * console places rows by it; nothing else names a probe.
 *
 * What a new probe needs:
 *   1. src/probe/NAME.c with its `const struct probe_type probe_NAME`
 *      (run, free_target), its target type, and its jobs function
 *      `size_t NAME_add_jobs(const struct probe_setup *ps)`; declared in
 *      include/drconsole/probe_NAME.h with the pure parsers and judgements
 *      its unit tests call. Targets come from the site model: the
 *      inventory (site_group_addresses() for the hosts of a group; no new
 *      field in struct site), public.yml (site_public_str()) or, for an
 *      AWS-hosted env, site->aws.
 *   2. One row in probe_registry[] below.
 *   3. Field names that anything outside the probe reads (the runbook's
 *      checks, the console, RPO) as constants in obs_fields.h.
 * Options, when it has any, are rows of the option table in
 * config_options.c under the section named here (the loader sits below the
 * probes and validates every file against that one table).
 */
#ifndef DRCONSOLE_PROBE_REGISTRY_H
#define DRCONSOLE_PROBE_REGISTRY_H

#include <stddef.h>

#include "drconsole/config/config.h"
#include "drconsole/probe/scheduler.h"
#include "drconsole/config/site.h"

/* Where a probe's rows are drawn in a site panel. */
enum probe_panel {
	PROBE_PANEL_DATABASES,	/* PostgreSQL servers, RDS instances */
	PROBE_PANEL_BACKUPS,
	PROBE_PANEL_COUCH,
	PROBE_PANEL_SEARCH,	/* Elasticsearch */
	PROBE_PANEL_OTHER,
	PROBE_PANEL_HOSTS,
};

/* What a jobs function schedules into and reads from (borrowed). */
struct probe_setup {
	struct scheduler *sched;
	struct status_store *store;
	const struct config *cfg;
	struct site *const *sites;	/* [2], indexed by enum site_role; either may be NULL */
};

struct probe_reg {
	const char *name;		/* the observations' probe: "pg", "rds", ... */
	enum probe_panel panel;
	/* Schedule one job per target of both sites; returns the number of jobs. */
	size_t (*add_jobs)(const struct probe_setup *ps);
	const char *options;		/* its drconsole.yml section ("couchdb"), NULL: none */
	const char *const *groups;	/* inventory groups it reads hosts of, NULL-terminated; NULL: none */
};

/* Every probe, in the order their jobs are added; ends with a row whose name is NULL. */
extern const struct probe_reg probe_registry[];

/* The row of probe name, or NULL (names that are not probes: "rpo", ...). */
const struct probe_reg *probe_registry_find(const char *name);

#endif
