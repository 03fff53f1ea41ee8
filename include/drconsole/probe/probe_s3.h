/*
 * probe_s3.h: backups in S3-compatible storage (libcurl with
 * CURLOPT_AWS_SIGV4, libxml2). One job per (site, bucket) with S3 backups
 * enabled. Dated keys are listed with ListObjectsV2 (list-type=2, prefix,
 * continuation tokens); the versioned fixed-key convention with
 * ListObjectVersions (?versions, key and version-id markers), falling back
 * to ListObjectsV2 (the latest version only) when the server does not
 * implement it. The newest backup of each type is judged against
 * commcare-cloud's schedule (backup_schedule.h).
 *
 * Credentials come from the environment variables the config names
 * (s3.access_key_env, s3.secret_key_env, s3.session_token_env) and reach
 * libcurl only through CURLOPT_USERNAME/PASSWORD and a request header: never
 * argv, logs or observations. TLS is always verified.
 *
 * Observation keys: <site>/s3/<store>/<type> (probe "s3"), e.g.
 * primary/s3/postgres/daily. State ok/late/missing/error; value = age of the
 * newest backup in seconds; fields bucket, key, size, last_modified,
 * taken_at, expected_run, expected_by, previous_run, convention, count,
 * recent_1..recent_5 (the newest backups found, by when they were
 * taken: "key size last_modified [version ID]"), and the RPO fields (rpo.h; rpo_kind "backup").
 */
#ifndef DRCONSOLE_PROBE_S3_H
#define DRCONSOLE_PROBE_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/config/config.h"
#include "drconsole/probe/scheduler.h"
#include "drconsole/config/site.h"

/* A list response larger than this is refused (1000 keys take ~400 kB). */
#define S3_LIST_MAX_BYTES (8u * 1024 * 1024)
/* Pages followed per run; a bucket this large needs a narrower prefix. */
#define S3_LIST_MAX_PAGES 200
/* Newest backups recorded per type. */
#define S3_RECENT 5

struct s3_object {
	char *key;
	char *version_id;	/* ListObjectVersions only */
	long long last_modified;	/* UTC epoch s; -1 when unparsable */
	long long size;		/* -1 when absent */
	bool is_latest;
	bool delete_marker;
};

/* One parsed list page (ListBucketResult, ListVersionsResult) or an <Error>. */
struct s3_list {
	struct s3_object *objects;
	size_t n;
	size_t cap;
	bool truncated;
	char *next_token;		/* NextContinuationToken */
	char *next_key_marker;		/* NextKeyMarker */
	char *next_version_marker;	/* NextVersionIdMarker */
	char *error_code;		/* set for an <Error> document */
	char *error_message;
};

/*
 * Parse one response body (at most S3_LIST_MAX_BYTES) into *out (zeroed
 * first; free with s3_list_free). No network access, no DTD, no entity
 * expansion. Returns 0, or -1 with *err (caller frees) for anything that is
 * not well-formed XML of a known root element.
 */
int s3_list_parse(const char *buf, size_t len, struct s3_list *out, char **err);
void s3_list_free(struct s3_list *l);

struct s3_store_spec {
	enum backup_store store;
	bool hourly;
	bool versioned;
	char *format;		/* postgres: "plain" or "dump" */
};

struct s3_target {
	enum site_role site;
	char *deploy_env;
	char *bucket;
	char *base_url;		/* scheme://host[:port], no trailing slash */
	char *region;
	bool path_style;
	char *access_key_env;	/* names, never values */
	char *secret_key_env;
	char *session_token_env;
	char *ca_file;
	long long timeout_ms;
	long long grace_s;
	int max_keys;
	int nadir_hour;
	int nadir_hour_frequency;
	struct s3_store_spec stores[STORE_COUNT];
	size_t n_stores;
};

/*
 * The endpoint's base URL: "https://" is added when the endpoint has no
 * scheme (as commcare-cloud's upload script does); a trailing '/' is
 * dropped. Caller frees.
 */
char *s3_base_url(const char *endpoint);
/*
 * The URL of a request to bucket at base_url (path-style: base/bucket;
 * virtual-host: bucket.host/) with the query from (name, value) pairs in
 * the order given (SigV4 wants them sorted by name; NULL values skipped),
 * names and values RFC 3986-encoded. NULL with *err when the bucket name is
 * invalid (s3_bucket.h), the endpoint is not a plain scheme://host[:port]
 * [/path], or the result would not go to the endpoint's host. Caller frees.
 */
char *s3_request_url(const char *base_url, const char *bucket, bool path_style,
		     const char *const *query, size_t n, char **err);
/*
 * 0 when url goes to base_url's scheme, host and port (the host prefixed
 * with "bucket." for virtual-host style); -1 with *err otherwise.
 */
int s3_url_check(const char *url, const char *base_url, const char *bucket, bool path_style,
		 char **err);
/* A target for site's bucket, without stores yet; every string copied. */
struct s3_target *s3_target_create(const struct config *cfg, const struct site *site,
				   const char *bucket);
void s3_target_add_store(struct s3_target *t, enum backup_store store,
			 const struct site_backup *b);
void s3_target_free(void *target);
/* Observation key of one store and type, and whether S3 receives that type. */
void s3_obs_key(enum site_role site, enum backup_store store, enum backup_type type,
		char *buf, size_t len);
bool s3_type_uploaded(enum backup_store store, enum backup_type type, bool hourly);

extern const struct probe_type probe_s3;

struct probe_setup;
/* One job per (site, bucket) with S3 backups; a placeholder row per uploaded type. */
size_t s3_add_jobs(const struct probe_setup *ps);

#endif
