/*
 * probe_couch.h: CouchDB probe (libcurl + jansson).
 *
 * Jobs:
 *   one per CouchDB node of either site: `GET /` (reachability, vendor and
 *   version) and `GET /<db>` (doc_count, doc_del_count, update_seq);
 *   one for the replication from the primary's database to the secondary's,
 *   when both sites have CouchDB nodes.
 *
 * The replication is looked for on the primary's first answering node (a
 * push) and then on the secondary's (a pull), with the best signal the
 * server has:
 *   1. `GET /_scheduler/docs` (CouchDB 2.1+): state, info.changes_pending,
 *      last_updated, error reason;
 *   2. `GET /_active_tasks` entries of type "replication" (CouchDB 1.x/2.x):
 *      changes_pending, updated_on;
 *   3. `GET /_replicator/_all_docs?include_docs=true` (CouchDB 1.x and
 *      pouchdb-server): _replication_state, _replication_state_time,
 *      _replication_state_reason.
 * A replication matches when its source names the primary's database on a
 * primary node (or any host, if the target is a secondary node) and its
 * target the secondary's database. Credentials in replication URLs are
 * never shown: URLs are reduced to scheme://host:port/db.
 *
 * Caught up: equal doc_count on both sides and, when the server reports it,
 * changes_pending = 0. doc_count cannot see updates to existing documents;
 * only changes_pending (CouchDB 2.1+ scheduler, or an active task) can.
 * When the secondary is behind, the probe waits briefly and reads it again:
 * if it has reached the primary's first count by then, everything counted
 * on the primary at the first reading had arrived, and the secondary last
 * matched at that reading.
 *
 * RPO (store "couch", rpo_kind replica, on the secondary's replication
 * observation): rpo_exposure_s is 0 when caught up; otherwise the time
 * since the secondary was last seen caught up by this process (everything
 * written since may be missing: an upper bound, honest rather than exact);
 * absent (an unusable source) when the secondary is unreachable or it has
 * never been seen caught up.
 *
 * Observation keys:
 *   <site>/couch/<address>                  a node, with its database's counts
 *   secondary/couch/replication/<db>        the cross-site replication
 */
#ifndef DRCONSOLE_PROBE_COUCH_H
#define DRCONSOLE_PROBE_COUCH_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/probe/scheduler.h"

/* Behind for longer than these (by exposure) is warn / crit. */
#define COUCH_BEHIND_WARN_S 60.0
#define COUCH_BEHIND_CRIT_S 300.0

struct couch_db_info {
	long long doc_count;
	long long doc_del_count;
	char update_seq[96];	/* as sent (numbers are printed); sanitised, truncated */
	long long seq_number;	/* numeric prefix of update_seq, -1 when none */
};

/* 0 when body is a database info object; -1 with err otherwise. */
int couch_db_info_parse(const char *body, size_t len, struct couch_db_info *out,
			char *err, size_t errlen);

enum couch_rep_via {
	COUCH_VIA_SCHEDULER,	/* /_scheduler/docs */
	COUCH_VIA_ACTIVE_TASKS,	/* /_active_tasks */
	COUCH_VIA_REPLICATOR,	/* /_replicator/_all_docs?include_docs=true */
};

const char *couch_rep_via_name(enum couch_rep_via via);

/* What identifies the replication we look for. */
struct couch_rep_match {
	const char *source_db;
	const char *target_db;
	char *const *source_hosts;	/* primary node addresses */
	size_t n_source_hosts;
	char *const *target_hosts;	/* secondary node addresses */
	size_t n_target_hosts;
};

struct couch_rep {
	enum couch_rep_via via;
	char id[128];		/* doc_id or replication_id */
	char source[256];	/* scheme://host:port/db, no credentials */
	char target[256];
	char state[32];		/* running, pending, crashing, error, failed, completed, triggered, active */
	bool continuous_known;
	bool continuous;
	bool has_pending;
	long long changes_pending;
	char last_updated[40];	/* as sent */
	char reason[256];	/* error reason, sanitised */
};

/*
 * Find the matching replication in a response body of the given kind.
 * Returns 1 and fills out when found, 0 when the body lists none that
 * matches, -1 with err when the body is not the expected JSON.
 */
int couch_replication_find(const char *body, size_t len, enum couch_rep_via via,
			   const struct couch_rep_match *m, struct couch_rep *out,
			   char *err, size_t errlen);

/*
 * Reduce a replication endpoint URL to scheme://host[:port]/db (userinfo
 * dropped) and split out host and database (percent-decoded). false when
 * it is not an http(s) URL with a database.
 */
bool couch_url_split(const char *url, char *clean, size_t clean_len, char *host,
		     size_t host_len, char *db, size_t db_len);

/* One node of one site. */
struct couch_node_target {
	enum site_role site;
	char *address;
	int port;
	char *db;
	char *user_env;		/* names of environment variables, or NULL */
	char *password_env;
	long long timeout_ms;
};

struct couch_node_target *couch_node_target_create(enum site_role site, const char *address,
						   int port, const char *db, const char *user_env,
						   const char *password_env, long long timeout_ms);
void couch_node_target_free(void *target);

/* The replication from the primary's database to the secondary's. */
struct couch_repl_target {
	char **primary;		/* node addresses */
	size_t n_primary;
	char **secondary;
	size_t n_secondary;
	int port;
	char *primary_db;
	char *secondary_db;
	char *user_env;
	char *password_env;
	long long timeout_ms;
	long long last_match_ms;	/* wall clock of the last caught-up reading, 0 never */
};

struct couch_repl_target *couch_repl_target_create(char *const *primary, size_t n_primary,
						   char *const *secondary, size_t n_secondary,
						   int port, const char *primary_db,
						   const char *secondary_db, const char *user_env,
						   const char *password_env, long long timeout_ms);
void couch_repl_target_free(void *target);

extern const struct probe_type probe_couch_node;
extern const struct probe_type probe_couch_replication;

struct probe_setup;
/* One job per CouchDB node of either site, and one for the replication between them. */
size_t couch_add_jobs(const struct probe_setup *ps);

#endif
