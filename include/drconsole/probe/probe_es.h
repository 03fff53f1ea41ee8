/*
 * probe_es.h: Elasticsearch snapshot probe (libcurl + jansson). One job per
 * site with Elasticsearch nodes and a snapshot mode on (backup_es_s3,
 * es_local_repo or backup_es_swift). It reads `GET /_snapshot/<repo>/_all`
 * from the first node that answers and judges the newest SUCCESS snapshot
 * against commcare-cloud's daily schedule: create_es_snapshot.py runs at
 * (nadir_hour + 4) % 24 h, server time (taken as UTC).
 *
 *   ok       a SUCCESS snapshot started at or after the latest run that
 *            should have finished (a run gets ES_RUN_GRACE_S to finish);
 *            or that run is still IN_PROGRESS
 *   late     (warn) the newest SUCCESS is from the run before: one run missed
 *   missing  (crit) older than that, or no SUCCESS snapshot at all
 * FAILED/PARTIAL snapshots after the newest SUCCESS are counted and make an
 * ok result warn; an IN_PROGRESS snapshot older than ES_RUN_GRACE_S is
 * reported as stuck (warn).
 *
 * RPO: the primary site's snapshots are a recovery source of store "es"
 * (rpo_kind backup, exposure = age of the newest SUCCESS by its end time)
 * when the repository is off-site (S3 or Swift; an fs repository on the
 * primary's own disks dies with it). Elasticsearch is a secondary store,
 * rebuildable from primary data, so the source carries rpo_headline "no":
 * it is listed in the RPO table but does not decide the headline unless
 * the config sets elasticsearch.rpo_headline: true.
 *
 * A site with Elasticsearch nodes but no snapshot mode gets the same row,
 * ok with state "off" and no request: commcare-cloud's envs run this way
 * and rebuild Elasticsearch from primary data.
 *
 * Observation key: <site>/es/<repository>.
 * Parsing accepts the 6.x/7.16+ shape ({"snapshots": [...]}, with
 * total/remaining on 7.16+), the 7.x multi-repository shape
 * ({"responses": [{"repository", "snapshots"|"error"}]}) and the error shape
 * ({"error": {"type", "reason", ...}, "status": N}).
 */
#ifndef DRCONSOLE_PROBE_ES_H
#define DRCONSOLE_PROBE_ES_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/probe/scheduler.h"

#define ES_RUN_GRACE_S (2 * 3600)

struct es_snapshot_summary {
	size_t total;			/* snapshots listed */
	size_t n_success, n_failed, n_partial, n_in_progress, n_other;
	bool have_success;
	char newest_success[256];	/* its name */
	long long success_start_ms;
	long long success_end_ms;
	char success_version[32];
	long long success_shards_total;
	size_t failed_since;		/* FAILED after the newest SUCCESS (by start) */
	size_t partial_since;		/* PARTIAL after the newest SUCCESS */
	bool have_in_progress;
	char in_progress[256];		/* the newest IN_PROGRESS snapshot */
	long long in_progress_start_ms;
	bool have_latest;
	char latest[256];		/* newest of any state, by start time */
	char latest_state[32];
	bool is_error;			/* an Elasticsearch error object */
	char error_type[128];		/* e.g. repository_missing_exception */
	char error_reason[512];
};

/*
 * Parse a `GET _snapshot/<repo>/_all` body (http_status is the response's,
 * 0 when unknown). Returns 0 when the body is a snapshot list or an
 * Elasticsearch error object (is_error set); -1 with err filled when it is
 * neither (not JSON, unexpected shape). Remote strings are sanitised.
 */
int es_snapshots_parse(const char *body, size_t len, long http_status,
		       struct es_snapshot_summary *out, char *err, size_t errlen);

enum es_verdict {
	ES_OK,
	ES_IN_PROGRESS,
	ES_LATE,
	ES_MISSING,
};

/*
 * Judge a summary at now_ms for a daily run at run_hour (UTC). *due_ms is
 * the start of the run the newest SUCCESS must come from.
 */
enum es_verdict es_snapshots_judge(const struct es_snapshot_summary *s, int run_hour,
				   long long now_ms, long long *due_ms);

struct es_target {
	enum site_role site;
	char **nodes;		/* addresses, tried in order */
	size_t n_nodes;
	int port;
	char *repository;
	int run_hour;		/* (nadir_hour + 4) % 24 */
	bool offsite;		/* S3 or Swift repository: an off-site RPO source */
	bool rpo_headline;	/* counts in the RPO headline */
	bool snapshots;		/* a snapshot mode is on; false: report "off" only */
	long long timeout_ms;
	char *scheme;		/* "http" */
};

/* Copies everything; snapshots defaults to true (set it false for "off"). */
struct es_target *es_target_create(enum site_role site, char *const *nodes, size_t n_nodes,
				   int port, const char *repository, int nadir_hour,
				   bool offsite, bool rpo_headline, long long timeout_ms);
void es_target_free(void *target);

extern const struct probe_type probe_es;

struct probe_setup;
/* One job per site with an Elasticsearch snapshot repository. */
size_t es_add_jobs(const struct probe_setup *ps);

#endif
