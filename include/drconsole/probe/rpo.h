/*
 * rpo.h: RPO exposure, what would be lost if the primary vanished now, per
 * data store. Probes mark observations that are recovery sources with
 * fields:
 *   rpo_store      "postgres", "couch", "blobdb", "es"
 *   rpo_kind       "replica" (a standby or replication: its lag) or
 *                  "backup" (an off-site backup: its age)
 *   rpo_exposure_s seconds of data the source is behind, when it is usable
 *   rpo_kind       also "pitr": point-in-time recovery of a database
 *                  instance (RDS), exposure = now - its latest restorable time
 *   rpo_scenario   "instance": the source helps only when one database
 *                  instance is lost, not the site or its region (RDS PITR
 *                  lives in the same region); absent: it helps in both
 *   rpo_part       the source covers one part of the store (one RDS
 *                  instance): each part needs a usable source, and the
 *                  parts are as exposed as their worst part
 *   rpo_headline   "no": the store is listed and judged but does not
 *                  decide the headline (a rebuildable store such as
 *                  Elasticsearch), unless it is among the expected stores
 * A source without rpo_exposure_s is known but unusable (a broken standby).
 * The best usable source of a store is its exposure: a healthy standby's
 * lag, otherwise the newest off-site backup's age. Against the objective:
 * ok up to half of it, warn above half, crit above it or with no source.
 */
#ifndef DRCONSOLE_RPO_H
#define DRCONSOLE_RPO_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/probe/status.h"

#define RPO_MAX_STORES 8

struct rpo_store {
	char store[16];
	bool have_source;		/* a usable source exists */
	double exposure_s;		/* valid when have_source */
	char source[128];		/* subject of the best source */
	char source_key[256];		/* its observation key */
	enum obs_status status;
	size_t sources_seen;		/* usable or not */
	bool headline;			/* counts in the headline (see rpo_headline) */
};

struct rpo_result {
	struct rpo_store stores[RPO_MAX_STORES];
	size_t n;
	int worst;			/* index of the headline store, -1 when none */
	enum obs_status status;		/* the headline status (headline stores only) */
};

/*
 * Evaluate a snapshot at now_ms against objective_s. expected lists stores
 * that must have a source (NULL-terminated; may be NULL). interval_ms is the
 * refresh interval: a replica observation older than two intervals adds its
 * extra age to the exposure, a backup's age always grows with time.
 */
void rpo_evaluate(const struct status_snapshot *snap, const char *const *expected,
		  double objective_s, long long now_ms, long long interval_ms,
		  struct rpo_result *out);

/* What is lost: the whole primary site (its region), or one database instance. */
enum rpo_scenario {
	RPO_SITE_LOSS,		/* the headline: what the DR pair exists for */
	RPO_INSTANCE_LOSS,
};

/* "site-loss" / "instance-loss", as the JSON names them. */
const char *rpo_scenario_name(enum rpo_scenario s);

/*
 * The headline scenario: drconsole.yml objectives.rpo_headline ("region",
 * the default, or "instance"), on a pair where some source helps against
 * one instance's loss only (aws: RDS point-in-time recovery); elsewhere
 * both scenarios are the same and the headline is site loss.
 */
enum rpo_scenario rpo_headline_scenario(const char *rpo_headline, bool aws_pair);

/* rpo_evaluate for one scenario (rpo_evaluate is RPO_SITE_LOSS). */
void rpo_evaluate_scenario(const struct status_snapshot *snap, const char *const *expected,
			   double objective_s, long long now_ms, long long interval_ms,
			   enum rpo_scenario scenario, struct rpo_result *out);

/* Status of an exposure against the objective. */
enum obs_status rpo_judge(double exposure_s, double objective_s);

#endif
