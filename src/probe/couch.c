/*
 * couch.c: CouchDB node and replication probes.
 *
 * DESIGN: parsing (database info, the three replication listings, endpoint
 * URLs) is pure and separate from the HTTP calls so it is unit-tested and
 * fuzzed on recorded bodies. Each job bounds every request by the smaller
 * of couch.timeout and what is left of its own deadline, so a hanging node
 * costs one worker at most the probe timeout. The replication job keeps
 * the wall-clock time of the last caught-up reading in its target (only
 * one worker runs a job at a time), which is what its RPO exposure is
 * measured from.
 */
#include "drconsole/probe/probe_couch.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/probe/httpget.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/strbuf.h"

const char *
couch_rep_via_name(enum couch_rep_via via)
{
	switch (via) {
	case COUCH_VIA_SCHEDULER: return "scheduler";
	case COUCH_VIA_ACTIVE_TASKS: return "active_tasks";
	case COUCH_VIA_REPLICATOR: return "replicator";
	}
	return "?";
}

static long long
json_ll(const json_t *v, bool *ok)
{
	*ok = true;
	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	*ok = false;
	return 0;
}

int
couch_db_info_parse(const char *body, size_t len, struct couch_db_info *out, char *err,
		    size_t errlen)
{
	json_error_t jerr;
	json_t *root, *seq;
	bool ok;

	memset(out, 0, sizeof *out);
	out->seq_number = -1;
	root = json_loadb(body, len, 0, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON (line %d column %d: %s)", jerr.line, jerr.column,
			 jerr.text);
		return -1;
	}
	out->doc_count = json_ll(json_object_get(root, "doc_count"), &ok);
	if (!json_is_object(root) || !ok) {
		snprintf(err, errlen, "not a database info object (no doc_count)");
		json_decref(root);
		return -1;
	}
	out->doc_del_count = json_ll(json_object_get(root, "doc_del_count"), &ok);
	seq = json_object_get(root, "update_seq");
	if (json_is_integer(seq)) {
		out->seq_number = (long long)json_integer_value(seq);
		snprintf(out->update_seq, sizeof out->update_seq, "%lld", out->seq_number);
	} else if (json_is_string(seq)) {
		const char *s = json_string_value(seq);
		char *end;
		long long n = strtoll(s, &end, 10);

		sanitize_copy_line(out->update_seq, sizeof out->update_seq, s);
		if (end != s && (*end == '\0' || *end == '-'))
			out->seq_number = n;
	}
	json_decref(root);
	return 0;
}

/* Percent-decode src into dst (stops at len - 1). */
static void
pct_decode(char *dst, size_t len, const char *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (src[i] == '%' && i + 2 < n) {
			char hx[3] = { src[i + 1], src[i + 2], '\0' };
			char *end;
			long v = strtol(hx, &end, 16);

			if (*end == '\0' && v > 0) {
				dst[o++] = (char)v;
				i += 2;
				continue;
			}
		}
		dst[o++] = src[i];
	}
	dst[o] = '\0';
}

bool
couch_url_split(const char *url, char *clean, size_t clean_len, char *host, size_t host_len,
		char *db, size_t db_len)
{
	const char *p, *auth, *at, *slash, *hostport, *dbstart, *dbend;
	char hbuf[256], dbuf[256];
	size_t scheme_len, hp_len;

	if (url == NULL)
		return false;
	if (str_starts_with(url, "http://"))
		scheme_len = 4;
	else if (str_starts_with(url, "https://"))
		scheme_len = 5;
	else
		return false;
	auth = url + scheme_len + 3;
	/*
	 * userinfo ends at the last '@' before any query: database names
	 * cannot hold '@', and a password with an unencoded '/' must not
	 * end the authority early (it would be shown as the host)
	 */
	hostport = auth;
	for (at = auth; *at != '\0' && *at != '?' && *at != '#'; at++)
		if (*at == '@')
			hostport = at + 1;
	slash = strchr(hostport, '/');
	if (slash == NULL)
		return false;
	hp_len = (size_t)(slash - hostport);
	if (hp_len == 0 || hp_len >= sizeof hbuf)
		return false;
	/* the database is the last non-empty path segment (before ?query) */
	dbend = slash + strcspn(slash, "?#");
	while (dbend > slash + 1 && dbend[-1] == '/')
		dbend--;
	dbstart = dbend;
	while (dbstart > slash + 1 && dbstart[-1] != '/')
		dbstart--;
	if (dbend <= dbstart)
		return false;
	pct_decode(dbuf, sizeof dbuf, dbstart, (size_t)(dbend - dbstart));
	memcpy(hbuf, hostport, hp_len);
	hbuf[hp_len] = '\0';
	/* host without the port (IPv6 in brackets kept whole) */
	if (hbuf[0] == '[') {
		char *rb = strchr(hbuf, ']');

		if (rb != NULL)
			rb[1] = '\0';
	} else if ((p = strrchr(hbuf, ':')) != NULL) {
		hbuf[p - hbuf] = '\0';
	}
	if (clean != NULL) {
		char *h = sanitize_string(hostport, hp_len, SANITIZE_ONE_LINE);
		char *d = sanitize_string(dbuf, strlen(dbuf), SANITIZE_ONE_LINE);

		snprintf(clean, clean_len, "%.*s://%s/%s", (int)scheme_len, url, h, d);
		free(h);
		free(d);
	}
	if (host != NULL)
		snprintf(host, host_len, "%s", hbuf);
	if (db != NULL)
		snprintf(db, db_len, "%s", dbuf);
	return true;
}

/* An endpoint is a URL string or an object {"url": ...}. */
static const char *
endpoint_url(const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v))
		return json_string_value(json_object_get(v, "url"));
	return NULL;
}

static bool
in_list(const char *host, char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(host, list[i]) == 0)
			return true;
	return false;
}

/* Does this source/target pair match? Fills the clean URLs. */
static bool
endpoints_match(const json_t *src, const json_t *tgt, const struct couch_rep_match *m,
		struct couch_rep *out)
{
	char shost[256], sdb[256], thost[256], tdb[256];

	if (!couch_url_split(endpoint_url(src), out->source, sizeof out->source, shost,
			     sizeof shost, sdb, sizeof sdb))
		return false;
	if (!couch_url_split(endpoint_url(tgt), out->target, sizeof out->target, thost,
			     sizeof thost, tdb, sizeof tdb))
		return false;
	if (strcmp(sdb, m->source_db) != 0 || strcmp(tdb, m->target_db) != 0)
		return false;
	return in_list(shost, m->source_hosts, m->n_source_hosts) ||
	       in_list(thost, m->target_hosts, m->n_target_hosts);
}

static void
fill_pending(const json_t *v, struct couch_rep *out)
{
	bool ok;
	long long n = json_ll(v, &ok);

	if (ok) {
		out->has_pending = true;
		out->changes_pending = n;
	}
}

static int
find_scheduler(const json_t *root, const struct couch_rep_match *m, struct couch_rep *out)
{
	const json_t *docs = json_object_get(root, "docs"), *d;
	size_t i;

	if (!json_is_array(docs))
		return -1;
	json_array_foreach(docs, i, d) {
		const json_t *info;

		memset(out, 0, sizeof *out);
		if (!endpoints_match(json_object_get(d, "source"), json_object_get(d, "target"),
				     m, out))
			continue;
		out->via = COUCH_VIA_SCHEDULER;
		sanitize_copy_line(out->id, sizeof out->id, json_string_value(json_object_get(d, "doc_id")));
		sanitize_copy_line(out->state, sizeof out->state,
			    json_string_value(json_object_get(d, "state")));
		sanitize_copy_line(out->last_updated, sizeof out->last_updated,
			    json_string_value(json_object_get(d, "last_updated")));
		info = json_object_get(d, "info");
		if (json_is_object(info)) {
			fill_pending(json_object_get(info, "changes_pending"), out);
			sanitize_copy_line(out->reason, sizeof out->reason,
				    json_string_value(json_object_get(info, "error")));
		} else if (json_is_string(info)) {
			sanitize_copy_line(out->reason, sizeof out->reason, json_string_value(info));
		}
		if (out->state[0] == '\0')
			snprintf(out->state, sizeof out->state, "unknown");
		return 1;
	}
	memset(out, 0, sizeof *out);
	return 0;
}

static int
find_active_tasks(const json_t *root, const struct couch_rep_match *m, struct couch_rep *out)
{
	const json_t *t;
	size_t i;

	if (!json_is_array(root))
		return -1;
	json_array_foreach(root, i, t) {
		bool ok;
		long long upd;

		memset(out, 0, sizeof *out);
		if (!str_eq(json_string_value(json_object_get(t, "type")), "replication"))
			continue;
		if (!endpoints_match(json_object_get(t, "source"), json_object_get(t, "target"),
				     m, out))
			continue;
		out->via = COUCH_VIA_ACTIVE_TASKS;
		sanitize_copy_line(out->id, sizeof out->id,
			    json_string_value(json_object_get(t, "replication_id")));
		snprintf(out->state, sizeof out->state, "active");
		fill_pending(json_object_get(t, "changes_pending"), out);
		if (json_is_boolean(json_object_get(t, "continuous"))) {
			out->continuous_known = true;
			out->continuous = json_is_true(json_object_get(t, "continuous"));
		}
		upd = json_ll(json_object_get(t, "updated_on"), &ok);
		if (ok) {
			time_t tt = (time_t)upd;
			struct tm tm;

			if (gmtime_r(&tt, &tm) != NULL)
				strftime(out->last_updated, sizeof out->last_updated,
					 "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		return 1;
	}
	memset(out, 0, sizeof *out);
	return 0;
}

static int
find_replicator(const json_t *root, const struct couch_rep_match *m, struct couch_rep *out)
{
	const json_t *rows = json_object_get(root, "rows"), *r;
	size_t i;

	if (!json_is_array(rows))
		return -1;
	json_array_foreach(rows, i, r) {
		const json_t *d = json_object_get(r, "doc");

		memset(out, 0, sizeof *out);
		if (!json_is_object(d) || json_is_true(json_object_get(d, "_deleted")))
			continue;
		if (!endpoints_match(json_object_get(d, "source"), json_object_get(d, "target"),
				     m, out))
			continue;
		out->via = COUCH_VIA_REPLICATOR;
		sanitize_copy_line(out->id, sizeof out->id, json_string_value(json_object_get(d, "_id")));
		sanitize_copy_line(out->state, sizeof out->state,
			    json_string_value(json_object_get(d, "_replication_state")));
		sanitize_copy_line(out->last_updated, sizeof out->last_updated,
			    json_string_value(json_object_get(d, "_replication_state_time")));
		sanitize_copy_line(out->reason, sizeof out->reason,
			    json_string_value(json_object_get(d, "_replication_state_reason")));
		if (json_is_boolean(json_object_get(d, "continuous"))) {
			out->continuous_known = true;
			out->continuous = json_is_true(json_object_get(d, "continuous"));
		}
		/* CouchDB 2+ keeps no state in the document while it runs */
		if (out->state[0] == '\0')
			snprintf(out->state, sizeof out->state, "defined");
		return 1;
	}
	memset(out, 0, sizeof *out);
	return 0;
}

int
couch_replication_find(const char *body, size_t len, enum couch_rep_via via,
		       const struct couch_rep_match *m, struct couch_rep *out, char *err,
		       size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int rc = -1;

	memset(out, 0, sizeof *out);
	root = json_loadb(body, len, 0, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON (line %d column %d: %s)", jerr.line, jerr.column,
			 jerr.text);
		return -1;
	}
	switch (via) {
	case COUCH_VIA_SCHEDULER: rc = find_scheduler(root, m, out); break;
	case COUCH_VIA_ACTIVE_TASKS: rc = find_active_tasks(root, m, out); break;
	case COUCH_VIA_REPLICATOR: rc = find_replicator(root, m, out); break;
	}
	if (rc < 0)
		snprintf(err, errlen, "unexpected JSON for %s", couch_rep_via_name(via));
	json_decref(root);
	return rc;
}

/* ---- targets ------------------------------------------------------------------ */

static char **
dup_list(char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof *out);

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

struct couch_node_target *
couch_node_target_create(enum site_role site, const char *address, int port, const char *db,
			 const char *user_env, const char *password_env, long long timeout_ms)
{
	struct couch_node_target *t = xcalloc(1, sizeof *t);

	t->site = site;
	t->address = xstrdup(address);
	t->port = port > 0 ? port : 15984;
	t->db = xstrdup(db != NULL ? db : "commcarehq");
	t->user_env = xstrdup_opt(user_env);
	t->password_env = xstrdup_opt(password_env);
	t->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	return t;
}

void
couch_node_target_free(void *target)
{
	struct couch_node_target *t = target;

	if (t == NULL)
		return;
	free(t->address);
	free(t->db);
	free(t->user_env);
	free(t->password_env);
	free(t);
}

struct couch_repl_target *
couch_repl_target_create(char *const *primary, size_t n_primary, char *const *secondary,
			 size_t n_secondary, int port, const char *primary_db,
			 const char *secondary_db, const char *user_env,
			 const char *password_env, long long timeout_ms)
{
	struct couch_repl_target *t = xcalloc(1, sizeof *t);

	t->primary = dup_list(primary, n_primary);
	t->n_primary = n_primary;
	t->secondary = dup_list(secondary, n_secondary);
	t->n_secondary = n_secondary;
	t->port = port > 0 ? port : 15984;
	t->primary_db = xstrdup(primary_db != NULL ? primary_db : "commcarehq");
	t->secondary_db = xstrdup(secondary_db != NULL ? secondary_db : "commcarehq");
	t->user_env = xstrdup_opt(user_env);
	t->password_env = xstrdup_opt(password_env);
	t->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	return t;
}

void
couch_repl_target_free(void *target)
{
	struct couch_repl_target *t = target;

	if (t == NULL)
		return;
	str_array_free(t->primary, t->n_primary);
	str_array_free(t->secondary, t->n_secondary);
	free(t->primary_db);
	free(t->secondary_db);
	free(t->user_env);
	free(t->password_env);
	free(t);
}

/* ---- HTTP -------------------------------------------------------------------- */

struct call {
	long long deadline;
	long long timeout_ms;
	const char *user;	/* from the environment; never copied, logged or shown */
	const char *password;
};

static void
call_init(struct call *c, long long deadline, long long timeout_ms, const char *user_env,
	  const char *password_env)
{
	c->deadline = deadline;
	c->timeout_ms = timeout_ms;
	c->user = user_env != NULL ? getenv(user_env) : NULL;
	c->password = password_env != NULL ? getenv(password_env) : NULL;
	if (c->user == NULL || c->password == NULL)
		c->user = c->password = NULL;
}

/* GET http://addr:port<path>; false (and r->error set) when there is no time left. */
static void
call_get(const struct call *c, const char *addr, int port, const char *path,
	 struct httpget_result *r)
{
	long long left = c->deadline - time_mono_ms();
	long long to = left < c->timeout_ms ? left : c->timeout_ms;
	char *url = xasprintf("http://%s:%d%s", addr, port, path);

	if (to <= 0) {
		memset(r, 0, sizeof *r);
		r->timed_out = 1;
		r->error = xasprintf("GET %s: skipped, probe deadline reached", url);
	} else {
		httpget(url, c->user, c->password, to, r);
	}
	free(url);
}

/* The error of a non-2xx CouchDB answer: "HTTP 404 not_found: Database does not exist." */
static char *
http_error(const char *addr, int port, const char *path, const struct httpget_result *r)
{
	json_error_t jerr;
	json_t *root = json_loadb(r->body != NULL ? r->body : "", r->len, 0, &jerr);
	char e[128] = "", why[256] = "";
	char *msg;

	if (root != NULL) {
		sanitize_copy_line(e, sizeof e, json_string_value(json_object_get(root, "error")));
		sanitize_copy_line(why, sizeof why, json_string_value(json_object_get(root, "reason")));
		json_decref(root);
	}
	msg = xasprintf("GET http://%s:%d%s: HTTP %ld%s%s%s%s", addr, port, path, r->status,
			e[0] ? " " : "", e, why[0] ? ": " : "", why);
	return msg;
}

/* ---- node job ------------------------------------------------------------------ */

static void
couch_node_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	struct couch_node_target *t = job->target;
	long long start = time_mono_ms();
	struct call c;
	struct httpget_result r;
	struct observation *o;
	char key[512], *dbpath, *esc;

	call_init(&c, start + ctx->timeout_ms, t->timeout_ms, t->user_env, t->password_env);
	snprintf(key, sizeof key, "%s/couch/%s", site_role_name(t->site), t->address);
	o = obs_create(t->site, PROBE_NAME_COUCH, key, t->address);
	obs_add_field(o, "url", "http://%s:%d", t->address, t->port);
	obs_add_field(o, "db", "%s", t->db);
	call_get(&c, t->address, t->port, "/", &r);
	if (r.error != NULL) {
		obs_set(o, OBS_CRIT, r.timed_out ? "timeout" : "down", "%s", r.error);
		httpget_result_free(&r);
		goto post;
	}
	if (r.status != 200) {
		char *e = http_error(t->address, t->port, "/", &r);

		obs_set(o, r.status == 401 || r.status == 403 ? OBS_CRIT : OBS_UNKNOWN,
			r.status == 401 || r.status == 403 ? "auth failed" : "error", "%s", e);
		free(e);
		httpget_result_free(&r);
		goto post;
	} else {
		json_error_t jerr;
		json_t *root = json_loadb(r.body, r.len, 0, &jerr);
		char version[64] = "?", vendor[64] = "";

		if (root != NULL) {
			sanitize_copy_line(version, sizeof version,
				    json_string_value(json_object_get(root, "version")));
			/* the welcome key names the product; the vendor is its publisher */
			if (json_object_get(root, "couchdb") != NULL)
				snprintf(vendor, sizeof vendor, "CouchDB");
			else if (json_object_get(root, "express-pouchdb") != NULL)
				snprintf(vendor, sizeof vendor, "pouchdb-server");
			else
				sanitize_copy_line(vendor, sizeof vendor, json_string_value(json_object_get(
					json_object_get(root, "vendor"), "name")));
			json_decref(root);
		}
		obs_add_field(o, "version", "%s", version[0] ? version : "?");
		if (vendor[0] != '\0')
			obs_add_field(o, "vendor", "%s", vendor);
	}
	httpget_result_free(&r);

	esc = httpget_escape(t->db);
	dbpath = xasprintf("/%s", esc);
	free(esc);
	call_get(&c, t->address, t->port, dbpath, &r);
	if (r.error != NULL) {
		obs_set(o, OBS_CRIT, r.timed_out ? "timeout" : "down", "%s", r.error);
	} else if (r.status != 200) {
		char *e = http_error(t->address, t->port, dbpath, &r);

		obs_set(o, r.status == 404 ? OBS_CRIT : OBS_UNKNOWN,
			r.status == 404 ? "no database" : "error", "%s", e);
		free(e);
	} else {
		struct couch_db_info info;
		char err[200];

		if (couch_db_info_parse(r.body, r.len, &info, err, sizeof err) != 0) {
			obs_set(o, OBS_UNKNOWN, "error", "GET http://%s:%d%s: %s", t->address,
				t->port, dbpath, err);
		} else {
			obs_add_field(o, "doc_count", "%lld", info.doc_count);
			obs_add_field(o, "doc_del_count", "%lld", info.doc_del_count);
			obs_add_field(o, "update_seq", "%s", info.update_seq);
			char seq[32];

			if (info.seq_number >= 0)
				snprintf(seq, sizeof seq, "%lld", info.seq_number);
			else
				snprintf(seq, sizeof seq, "?");
			obs_set(o, OBS_OK, "up", "%s %s; %s: %lld docs, seq %s",
				obs_field(o, "vendor") != NULL ? obs_field(o, "vendor") : "CouchDB",
				obs_field(o, "version"), t->db, info.doc_count, seq);
		}
	}
	httpget_result_free(&r);
	free(dbpath);
post:
	o->latency_ms = time_mono_ms() - start;
	status_store_post(ctx->store, o);
}

const struct probe_type probe_couch_node = {
	.name = "couch",
	.run = couch_node_run,
	.free_target = couch_node_target_free,
};

/* ---- replication job ------------------------------------------------------------- */

struct side {
	bool ok;		/* info read */
	const char *node;	/* the node that answered HTTP */
	struct couch_db_info info;
	long long design;	/* design documents, -1 unknown */
	long long data;		/* doc_count without them */
	bool timed_out;		/* the last failure was a timeout */
	char *error;		/* why not */
};

/* Rows of an _all_docs answer, -1 when it is not one. */
static long long
count_rows(const char *body, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);
	long long n = -1;

	if (root != NULL && json_is_array(json_object_get(root, "rows")))
		n = (long long)json_array_size(json_object_get(root, "rows"));
	json_decref(root);
	return n;
}

/* Read db info from the first node of the list that answers. */
static void
read_side(const struct call *c, char *const *nodes, size_t n, int port, const char *db,
	  struct side *s)
{
	char *esc = httpget_escape(db);
	char *path = xasprintf("/%s", esc);
	struct strbuf errs = STRBUF_INIT;

	free(esc);
	free(s->error);
	memset(s, 0, sizeof *s);
	s->design = -1;
	for (size_t i = 0; i < n; i++) {
		struct httpget_result r;
		char err[200];

		call_get(c, nodes[i], port, path, &r);
		if (r.error != NULL) {
			s->timed_out = r.timed_out;
			strbuf_printf(&errs, "%s%s", errs.len ? "; " : "", r.error);
			httpget_result_free(&r);
			continue;
		}
		s->node = nodes[i];
		if (r.status != 200) {
			char *e = http_error(nodes[i], port, path, &r);

			strbuf_printf(&errs, "%s%s", errs.len ? "; " : "", e);
			free(e);
		} else if (couch_db_info_parse(r.body, r.len, &s->info, err, sizeof err) != 0) {
			strbuf_printf(&errs, "%sGET http://%s:%d%s: %s", errs.len ? "; " : "",
				      nodes[i], port, path, err);
		} else {
			s->ok = true;
		}
		httpget_result_free(&r);
		if (s->ok) {
			/* design documents differ between sites legitimately: count data only */
			char *dpath = xasprintf("%s/_all_docs?startkey=%%22_design%%2F%%22&endkey=%%22_design0%%22", path);

			call_get(c, nodes[i], port, dpath, &r);
			s->design = r.error == NULL && r.status == 200 ? count_rows(r.body, r.len) : -1;
			httpget_result_free(&r);
			free(dpath);
		}
		s->data = s->info.doc_count - (s->design > 0 ? s->design : 0);
		break;
	}
	if (!s->ok)
		s->error = errs.len > 0 ? strbuf_detach(&errs) : xstrdup("no CouchDB node");
	strbuf_free(&errs);
	free(path);
}

/* Look for the replication on one server with the best listing it has. */
static bool
find_on(const struct call *c, const char *node, int port, const struct couch_rep_match *m,
	struct couch_rep *rep, long *denied)
{
	static const struct {
		enum couch_rep_via via;
		const char *path;
	} order[] = {
		{ COUCH_VIA_SCHEDULER, "/_scheduler/docs" },
		{ COUCH_VIA_ACTIVE_TASKS, "/_active_tasks" },
		{ COUCH_VIA_REPLICATOR, "/_replicator/_all_docs?include_docs=true" },
	};
	bool have_scheduler = false;

	for (size_t i = 0; i < ARRAY_LEN(order); i++) {
		struct httpget_result r;
		char err[200];
		int found = 0;

		/* with the scheduler, _replicator documents add nothing it did not list */
		if (order[i].via == COUCH_VIA_REPLICATOR && have_scheduler)
			break;
		call_get(c, node, port, order[i].path, &r);
		if (r.error != NULL) {
			httpget_result_free(&r);
			return false;
		}
		if (r.status == 401 || r.status == 403)
			*denied = r.status;
		if (r.status == 200) {
			found = couch_replication_find(r.body, r.len, order[i].via, m, rep, err,
						       sizeof err);
			if (order[i].via == COUCH_VIA_SCHEDULER && found >= 0)
				have_scheduler = true;
		}
		httpget_result_free(&r);
		if (found == 1)
			return true;
	}
	return false;
}

static bool
state_bad(const char *s)
{
	return str_eq(s, "error") || str_eq(s, "failed") || str_eq(s, "crashing");
}

static bool
state_waiting(const char *s)
{
	return str_eq(s, "pending") || str_eq(s, "initializing");
}

static void
couch_repl_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	struct couch_repl_target *t = job->target;
	long long start = time_mono_ms();
	struct couch_rep_match m = {
		t->primary_db, t->secondary_db, t->primary, t->n_primary, t->secondary,
		t->n_secondary,
	};
	struct side p = { 0 }, s = { 0 };
	struct couch_rep rep;
	bool found = false, caught_up = false, have_exposure = false, reached = false;
	double exposure = 0;
	long long behind = 0, t0;
	long denied = 0;	/* HTTP status of a listing we may not read */
	struct call c;
	struct observation *o;
	char key[512], subject[256], when[40];

	call_init(&c, start + ctx->timeout_ms, t->timeout_ms, t->user_env, t->password_env);
	snprintf(key, sizeof key, "secondary/couch/replication/%s", t->secondary_db);
	snprintf(subject, sizeof subject, "replication %s -> %s", t->primary_db, t->secondary_db);
	o = obs_create(SITE_SECONDARY, PROBE_NAME_COUCH, key, subject);
	obs_add_field(o, OBS_F_RPO_STORE, "couch");
	obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_REPLICA);

	t0 = time_wall_ms();
	read_side(&c, t->primary, t->n_primary, t->port, t->primary_db, &p);
	read_side(&c, t->secondary, t->n_secondary, t->port, t->secondary_db, &s);
	memset(&rep, 0, sizeof rep);
	if (p.node != NULL)
		found = find_on(&c, p.node, t->port, &m, &rep, &denied);
	if (!found && s.node != NULL)
		found = find_on(&c, s.node, t->port, &m, &rep, &denied);

	if (found) {
		obs_add_field(o, "via", "%s", couch_rep_via_name(rep.via));
		obs_add_field(o, "replication", "%s", rep.id[0] ? rep.id : "-");
		obs_add_field(o, "replication_state", "%s", rep.state);
		obs_add_field(o, "source", "%s", rep.source);
		obs_add_field(o, "target", "%s", rep.target);
		if (rep.has_pending)
			obs_add_field(o, "changes_pending", "%lld", rep.changes_pending);
		if (rep.last_updated[0])
			obs_add_field(o, "last_updated", "%s", rep.last_updated);
		if (rep.reason[0])
			obs_add_field(o, "reason", "%s", rep.reason);
	} else {
		obs_add_field(o, "via", "none");
	}
	if (p.ok) {
		obs_add_field(o, "primary_doc_count", "%lld", p.info.doc_count);
		obs_add_field(o, "primary_design_docs", "%lld", p.design);
		obs_add_field(o, "primary_update_seq", "%s", p.info.update_seq);
	}
	if (s.ok) {
		obs_add_field(o, "secondary_doc_count", "%lld", s.info.doc_count);
		obs_add_field(o, "secondary_design_docs", "%lld", s.design);
		obs_add_field(o, "secondary_update_seq", "%s", s.info.update_seq);
	}

	if (!s.ok) {
		obs_set(o, OBS_CRIT, s.node != NULL ? "error" : s.timed_out ? "timeout" : "down",
			"secondary: %s", s.error);
		goto post;
	}
	if (!p.ok) {
		if (t->last_match_ms > 0) {
			exposure = (double)(time_wall_ms() - t->last_match_ms) / 1000.0;
			have_exposure = true;
		}
		obs_set(o, OBS_UNKNOWN, "unknown", "primary: %s; secondary has %lld docs", p.error,
			s.data);
		goto exposure;
	}
	behind = p.data - s.data;
	caught_up = behind <= 0 && (!rep.has_pending || rep.changes_pending == 0);
	if (!caught_up && behind > 0 && (!found || !state_bad(rep.state)) &&
	    c.deadline - time_mono_ms() > 1500) {
		/* a second look: has the secondary reached the primary's first count? */
		long long first = p.data;

		usleep(500 * 1000);
		read_side(&c, t->secondary, t->n_secondary, t->port, t->secondary_db, &s);
		if (!s.ok) {
			obs_set(o, OBS_CRIT, s.timed_out ? "timeout" : "down", "secondary: %s", s.error);
			goto post;
		}
		if (s.data >= first && !rep.has_pending) {
			/* caught up with the primary as of t0 */
			t->last_match_ms = t0;
			reached = true;
			behind = 0;
			obs_add_field(o, "recheck", "secondary reached %lld docs within %lld ms",
				      first, time_wall_ms() - t0);
		} else {
			behind = first - s.data;
		}
	}
	if (caught_up)
		t->last_match_ms = time_wall_ms();
	if (t->last_match_ms > 0) {
		exposure = caught_up ? 0.0 : (double)(time_wall_ms() - t->last_match_ms) / 1000.0;
		have_exposure = true;
	}
	if (reached)
		caught_up = true;
	obs_add_field(o, "docs_behind", "%lld", behind > 0 ? behind : 0);

	if (!found && denied != 0) {
		obs_set(o, caught_up ? OBS_WARN : OBS_CRIT, caught_up ? "caught up" : "behind",
			"replications not readable (HTTP %ld; set couchdb.user_env/password_env); "
			"secondary %s (%lld vs %lld docs)", denied,
			caught_up ? "matches the primary" : "behind", s.data, p.data);
	} else if (!found) {
		if (caught_up)
			obs_set(o, OBS_WARN, "no replication",
				"no replication from the primary found; databases match now (%lld docs)",
				p.data);
		else
			obs_set(o, OBS_CRIT, "no replication",
				"no replication from the primary found; secondary behind by %lld doc%s (%lld vs %lld)",
				behind, behind == 1 ? "" : "s", s.data, p.data);
	} else if (state_bad(rep.state)) {
		obs_set(o, OBS_CRIT, rep.state, "replication %s%s%s; secondary behind by %lld doc%s",
			rep.state, rep.reason[0] ? ": " : "", rep.reason, behind > 0 ? behind : 0,
			behind == 1 ? "" : "s");
	} else if (str_eq(rep.state, "completed") ||
		   (rep.continuous_known && !rep.continuous)) {
		obs_set(o, OBS_WARN, "not continuous",
			"replication %s is not continuous (%s); secondary behind by %lld doc%s",
			rep.id, rep.state, behind > 0 ? behind : 0, behind == 1 ? "" : "s");
	} else if (caught_up) {
		obs_set(o, state_waiting(rep.state) ? OBS_WARN : OBS_OK, "caught up",
			"replication %s (%s via %s); %lld docs on both sides",
			rep.id[0] ? rep.id : "-", rep.state, couch_rep_via_name(rep.via),
			p.data);
	} else if (!have_exposure) {
		obs_set(o, OBS_WARN, "behind",
			"secondary behind by %lld doc%s%s; not yet seen caught up, exposure unknown",
			behind > 0 ? behind : 0, behind == 1 ? "" : "s",
			rep.has_pending ? " (changes pending)" : "");
	} else {
		enum obs_status st = exposure >= COUCH_BEHIND_CRIT_S ? OBS_CRIT :
				     exposure >= COUCH_BEHIND_WARN_S ? OBS_WARN : OBS_OK;

		snprintf(when, sizeof when, "%.0fs", exposure);
		obs_set(o, st, "behind", "secondary behind by %lld doc%s%s; last caught up %s ago",
			behind > 0 ? behind : 0, behind == 1 ? "" : "s",
			rep.has_pending ? ", changes pending" : "", when);
	}
exposure:
	if (have_exposure) {
		obs_add_field(o, OBS_F_RPO_EXPOSURE, "%.3f", exposure);
		obs_set_value(o, exposure, "s");
	}
	if (t->last_match_ms > 0) {
		time_t tt = (time_t)(t->last_match_ms / 1000);
		struct tm tm;

		if (gmtime_r(&tt, &tm) != NULL) {
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
			obs_add_field(o, "last_caught_up", "%s", when);
		}
	}
post:
	o->latency_ms = time_mono_ms() - start;
	status_store_post(ctx->store, o);
	free(p.error);
	free(s.error);
}

const struct probe_type probe_couch_replication = {
	.name = "couch",
	.run = couch_repl_run,
	.free_target = couch_repl_target_free,
};

size_t
couch_add_jobs(const struct probe_setup *ps)
{
	const struct config *cfg = ps->cfg;
	struct site *const *sites = ps->sites;
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = sites[r];
		char key[512];

		for (size_t i = 0; site != NULL && i < site->n_couch; i++) {
			snprintf(key, sizeof key, "%s/couch/%s", site_role_name(site->role),
				 site->couch_nodes[i]);
			status_store_expect(ps->store, site->role, PROBE_NAME_COUCH, key, site->couch_nodes[i]);
			scheduler_add(ps->sched, &probe_couch_node, key,
				      couch_node_target_create(site->role, site->couch_nodes[i],
							       (int)cfg->couch.port, site->couch_db,
							       cfg->couch.user_env, cfg->couch.password_env,
							       cfg->couch.timeout_ms),
				      cfg->probe_timeout_ms);
			n++;
		}
	}
	if (sites[0] != NULL && sites[1] != NULL && sites[0]->n_couch > 0 && sites[1]->n_couch > 0) {
		char key[512];

		snprintf(key, sizeof key, "secondary/couch/replication/%s", sites[1]->couch_db);
		status_store_expect(ps->store, SITE_SECONDARY, PROBE_NAME_COUCH, key, "replication");
		scheduler_add(ps->sched, &probe_couch_replication, key,
			      couch_repl_target_create(sites[0]->couch_nodes, sites[0]->n_couch,
						       sites[1]->couch_nodes, sites[1]->n_couch,
						       (int)cfg->couch.port, sites[0]->couch_db,
						       sites[1]->couch_db, cfg->couch.user_env,
						       cfg->couch.password_env, cfg->couch.timeout_ms),
			      cfg->probe_timeout_ms);
		n++;
	}
	return n;
}
