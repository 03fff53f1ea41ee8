/*
 * s3.c: backups in S3-compatible storage.
 *
 * DESIGN: one job per (site, bucket); a run lists each store's prefix page
 * by page through httpget_request on one kept handle (keep-alive), each
 * request bounded by min(s3.timeout, what is left of the job's deadline),
 * so a silent endpoint costs one worker at most the probe timeout. Pages
 * are parsed with libxml2 (no network, no DTD, so no entity expansion) and
 * folded into a small per-type summary as they arrive; only the newest
 * S3_RECENT objects per type are kept. The query string is written already canonical (parameters
 * sorted, values RFC 3986-encoded), so the SigV4 signature libcurl computes
 * over it is the one S3 computes. Anything the server sends is sanitised
 * before it reaches an observation.
 */
#include "drconsole/probe/probe_s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drconsole/util/duration.h"
#include "drconsole/probe/httpget.h"
#include "drconsole/util/log.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/probe/xml_answer.h"
#include "drconsole/config/s3_bucket.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/strbuf.h"

/* ---- list responses --------------------------------------------------------- */

void
s3_list_free(struct s3_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->objects[i].key);
		free(l->objects[i].version_id);
	}
	free(l->objects);
	free(l->next_token);
	free(l->next_key_marker);
	free(l->next_version_marker);
	free(l->error_code);
	free(l->error_message);
	memset(l, 0, sizeof *l);
}

static void
parse_object(const xmlNode *e, struct s3_list *out)
{
	struct s3_object *o;

	grow_array(&out->objects, &out->cap, out->n + 1, sizeof *out->objects);
	o = &out->objects[out->n++];
	memset(o, 0, sizeof *o);
	o->last_modified = -1;
	o->size = -1;
	o->delete_marker = xml_named(e, "DeleteMarker");
	for (const xmlNode *c = e->children; c != NULL; c = c->next) {
		char *v;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		v = xml_text_dup(c);
		if (xml_named(c, "Key") && o->key == NULL) {
			o->key = v;
			continue;
		}
		if (xml_named(c, "VersionId") && o->version_id == NULL) {
			o->version_id = v;
			continue;
		}
		if (xml_named(c, "LastModified")) {
			if (!backup_time_parse(v, &o->last_modified))
				o->last_modified = -1;
		} else if (xml_named(c, "Size")) {
			char *end;
			long long sz;

			errno = 0;
			sz = strtoll(v, &end, 10);
			o->size = (errno == 0 && end != v && *end == '\0' && sz >= 0) ? sz : -1;
		} else if (xml_named(c, "IsLatest")) {
			o->is_latest = strcmp(v, "true") == 0;
		}
		free(v);
	}
	if (o->key == NULL)
		o->key = xstrdup("");
}

/* Keep the first value of a singleton element. */
static void
take_text(const xmlNode *c, char **slot)
{
	if (*slot == NULL)
		*slot = xml_text_dup(c);
}

int
s3_list_parse(const char *buf, size_t len, struct s3_list *out, char **err)
{
	xmlDocPtr doc;
	const xmlNode *root;
	char why[320];
	int rc = 0;

	memset(out, 0, sizeof *out);
	*err = NULL;
	doc = xml_answer_read(buf, len, S3_LIST_MAX_BYTES, "an S3 response", why, sizeof why);
	if (doc == NULL) {
		*err = xstrdup(why);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (xml_named(root, "Error")) {
		for (const xmlNode *c = root->children; c != NULL; c = c->next) {
			if (xml_named(c, "Code"))
				take_text(c, &out->error_code);
			else if (xml_named(c, "Message"))
				take_text(c, &out->error_message);
		}
		if (out->error_code == NULL)
			out->error_code = xstrdup("Error");
	} else if (xml_named(root, "ListBucketResult") || xml_named(root, "ListVersionsResult")) {
		for (const xmlNode *c = root->children; c != NULL; c = c->next) {
			if (xml_named(c, "Contents") || xml_named(c, "Version") || xml_named(c, "DeleteMarker")) {
				parse_object(c, out);
			} else if (xml_named(c, "IsTruncated")) {
				char *v = xml_text_dup(c);

				out->truncated = strcmp(v, "true") == 0;
				free(v);
			} else if (xml_named(c, "NextContinuationToken")) {
				take_text(c, &out->next_token);
			} else if (xml_named(c, "NextKeyMarker")) {
				take_text(c, &out->next_key_marker);
			} else if (xml_named(c, "NextVersionIdMarker")) {
				take_text(c, &out->next_version_marker);
			}
		}
	} else {
		*err = xasprintf("unexpected root element <%.64s>", (const char *)root->name);
		rc = -1;
	}
	xmlFreeDoc(doc);
	if (rc != 0)
		s3_list_free(out);
	return rc;
}

/* ---- targets ------------------------------------------------------------------ */

char *
s3_base_url(const char *endpoint)
{
	char *u;
	size_t n;

	if (endpoint == NULL || *endpoint == '\0')
		return NULL;
	if (str_starts_with(endpoint, "http://") || str_starts_with(endpoint, "https://"))
		u = xstrdup(endpoint);
	else
		u = xasprintf("https://%s", endpoint);
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

struct s3_target *
s3_target_create(const struct config *cfg, const struct site *site, const char *bucket)
{
	struct s3_target *t = xcalloc(1, sizeof *t);
	const char *region = cfg->s3.region != NULL ? cfg->s3.region : site->aws_region;
	char *fallback = NULL;

	/* once, before any worker thread exists: libcurl and libxml2 (httpget.c) */
	httpget_global_init();
	t->site = site->role;
	t->deploy_env = xstrdup(site->deploy_env != NULL ? site->deploy_env : "");
	t->bucket = xstrdup(bucket);
	t->region = xstrdup(region != NULL ? region : "us-east-1");
	if (cfg->s3.endpoint != NULL)
		t->base_url = s3_base_url(cfg->s3.endpoint);
	else if (site->aws_endpoint != NULL)
		t->base_url = s3_base_url(site->aws_endpoint);
	if (t->base_url == NULL) {
		fallback = xasprintf("s3.%s.amazonaws.com", t->region);
		t->base_url = s3_base_url(fallback);
		free(fallback);
	}
	t->path_style = cfg->s3.path_style;
	t->access_key_env = xstrdup_opt(cfg->s3.access_key_env);
	t->secret_key_env = xstrdup_opt(cfg->s3.secret_key_env);
	t->session_token_env = xstrdup_opt(cfg->s3.session_token_env);
	t->ca_file = xstrdup_opt(cfg->s3.ca_file);
	t->timeout_ms = cfg->s3.timeout_ms > 0 ? cfg->s3.timeout_ms : 10000;
	t->grace_s = cfg->s3.grace_ms >= 0 ? cfg->s3.grace_ms / 1000 : 3 * 3600;
	t->max_keys = cfg->s3.max_keys > 0 && cfg->s3.max_keys <= 1000 ? (int)cfg->s3.max_keys : 1000;
	t->nadir_hour = site->nadir_hour;
	t->nadir_hour_frequency = site->nadir_hour_frequency;
	return t;
}

void
s3_target_add_store(struct s3_target *t, enum backup_store store, const struct site_backup *b)
{
	struct s3_store_spec *s;

	if (t->n_stores >= STORE_COUNT)
		return;
	s = &t->stores[t->n_stores++];
	s->store = store;
	s->hourly = b->hourly;
	s->versioned = b->versioned;
	s->format = xstrdup(b->format != NULL ? b->format : "plain");
}

void
s3_target_free(void *target)
{
	struct s3_target *t = target;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_stores; i++)
		free(t->stores[i].format);
	free(t->deploy_env);
	free(t->bucket);
	free(t->base_url);
	free(t->region);
	free(t->access_key_env);
	free(t->secret_key_env);
	free(t->session_token_env);
	free(t->ca_file);
	free(t);
}

void
s3_obs_key(enum site_role site, enum backup_store store, enum backup_type type,
	   char *buf, size_t len)
{
	snprintf(buf, len, "%s/s3/%s/%s", site_role_name(site), backup_store_name(store),
		 backup_type_name(type));
}

/*
 * Daily and weekly always; hourly when enabled, and for postgres only:
 * couch's and blobdb's scripts upload the DATE-named file, which an hourly
 * run never writes, so no hourly backup of theirs reaches S3.
 */
bool
s3_type_uploaded(enum backup_store store, enum backup_type type, bool hourly)
{
	if (type != BACKUP_HOURLY)
		return true;
	return hourly && store == STORE_POSTGRES;
}

/* ---- HTTP ----------------------------------------------------------------------- */

struct creds {
	const char *access_key;
	const char *secret_key;
	char *token_header;	/* "x-amz-security-token: ..." or NULL */
};

/* What went wrong with one request, for the observation's message. */
struct request {
	const char *display;	/* the URL as shown: no tokens or markers */
	long code;
	char *err;
};

/*
 * GET url into *body (httpget_request, on the listing's kept handle) within
 * deadline; 0 when an HTTP response arrived (any code).
 */
static int
http_get(const struct s3_target *t, void *handle, const struct creds *cr, const char *url,
	 long long deadline, struct httpget_result *body, struct request *rq)
{
	const char *headers[] = { "x-amz-content-sha256: UNSIGNED-PAYLOAD", cr->token_header, NULL };
	char sigv4[128];
	long long left = deadline - time_mono_ms();
	struct httpget_request hr = {
		.url = url, .display = rq->display, .user = cr->access_key, .password = cr->secret_key,
		.sigv4 = sigv4, .headers = headers, .timeout_ms = left < t->timeout_ms ? left : t->timeout_ms,
		.max_body = S3_LIST_MAX_BYTES, .ca_file = t->ca_file, .env_proxy = true, .handle = handle,
	};

	memset(body, 0, sizeof *body);
	if (hr.timeout_ms <= 0) {
		rq->err = xasprintf("GET %s: no time left before the probe deadline", rq->display);
		return -1;
	}
	/* the last word before credentials leave: the request stays on the endpoint */
	if (s3_url_check(url, t->base_url, t->bucket, t->path_style, &rq->err) != 0)
		return -1;
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", t->region);
	httpget_request(&hr, body);
	if (body->error != NULL) {
		rq->err = body->error;
		body->error = NULL;
		return -1;
	}
	rq->code = body->status;
	return 0;
}

/* s with every byte but RFC 3986's unreserved ones as %XX (what SigV4 signs). */
static void
add_encoded(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			strbuf_add(sb, (const char *)p, 1);
		else
			strbuf_printf(sb, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

/* part of u as a malloc'd string (libcurl's), or NULL when absent. */
static char *
url_part(CURLU *u, CURLUPart part)
{
	char *v = NULL;

	if (curl_url_get(u, part, &v, 0) != CURLUE_OK)
		return NULL;
	return v;
}

/* Scheme, host and port of url into *u; -1 with *err (naming what) when it is not one. */
static int
url_parse(CURLU *u, const char *url, const char *what, char **err)
{
	CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);

	if (rc != CURLUE_OK) {
		*err = xasprintf("%s '%s' is not a URL (%s)", what, url, curl_url_strerror(rc));
		return -1;
	}
	return 0;
}

int
s3_url_check(const char *url, const char *base_url, const char *bucket, bool path_style,
	     char **err)
{
	CURLU *want = curl_url(), *got = curl_url();
	char *wh = NULL, *gh = NULL, *wp = NULL, *gp = NULL, *ws = NULL, *gs = NULL, *host = NULL;
	int rc = -1;

	if (want == NULL || got == NULL)
		fatal("out of memory (curl_url)");
	if (url_parse(want, base_url, "the S3 endpoint", err) != 0 ||
	    url_parse(got, url, "the request URL", err) != 0)
		goto out;
	wh = url_part(want, CURLUPART_HOST);
	gh = url_part(got, CURLUPART_HOST);
	wp = url_part(want, CURLUPART_PORT);
	gp = url_part(got, CURLUPART_PORT);
	ws = url_part(want, CURLUPART_SCHEME);
	gs = url_part(got, CURLUPART_SCHEME);
	host = path_style || wh == NULL ? xstrdup(wh != NULL ? wh : "") : xasprintf("%s.%s", bucket, wh);
	if (gh == NULL || strcasecmp(gh, host) != 0 || !str_eq(wp, gp) || ws == NULL ||
	    gs == NULL || strcasecmp(ws, gs) != 0) {
		*err = xasprintf("refusing to send: the request would go to %s://%s%s%s, not to %s://%s%s%s",
				 gs != NULL ? gs : "?", gh != NULL ? gh : "?", gp != NULL ? ":" : "",
				 gp != NULL ? gp : "", ws != NULL ? ws : "?", host, wp != NULL ? ":" : "",
				 wp != NULL ? wp : "");
		goto out;
	}
	rc = 0;
out:
	curl_free(wh);
	curl_free(gh);
	curl_free(wp);
	curl_free(gp);
	curl_free(ws);
	curl_free(gs);
	free(host);
	curl_url_cleanup(want);
	curl_url_cleanup(got);
	return rc;
}

char *
s3_request_url(const char *base_url, const char *bucket, bool path_style,
	       const char *const *query, size_t n, char **err)
{
	const char *why = s3_bucket_name_problem(bucket);
	struct strbuf sb = STRBUF_INIT;
	CURLU *u;
	char *path = NULL, *host = NULL, *url = NULL, *extra = NULL;
	size_t plen;

	if (why != NULL) {
		*err = xasprintf("bucket '%s' is not a valid S3 bucket name (%s): not requested",
				 bucket != NULL ? bucket : "", why);
		return NULL;
	}
	if ((u = curl_url()) == NULL)
		fatal("out of memory (curl_url)");
	if (url_parse(u, base_url, "the S3 endpoint", err) != 0)
		goto out;
	if ((extra = url_part(u, CURLUPART_USER)) != NULL ||
	    (extra = url_part(u, CURLUPART_QUERY)) != NULL ||
	    (extra = url_part(u, CURLUPART_FRAGMENT)) != NULL) {
		*err = xasprintf("the S3 endpoint '%s' has a user, query or fragment: not requested",
				 base_url);
		goto out;
	}
	path = url_part(u, CURLUPART_PATH);
	plen = path != NULL ? strlen(path) : 0;
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	strbuf_add(&sb, path != NULL ? path : "", plen);
	if (path_style) {
		strbuf_printf(&sb, "/%s", bucket);
	} else {
		strbuf_puts(&sb, "/");
		host = url_part(u, CURLUPART_HOST);
		if (host != NULL) {
			char *vh = xasprintf("%s.%s", bucket, host);

			curl_url_set(u, CURLUPART_HOST, vh, 0);
			free(vh);
		}
	}
	if (curl_url_set(u, CURLUPART_PATH, strbuf_str(&sb), 0) != CURLUE_OK) {
		*err = xasprintf("cannot build the URL of bucket '%s' at %s", bucket, base_url);
		goto out;
	}
	strbuf_free(&sb);
	for (size_t i = 0; i + 1 < n; i += 2) {
		if (query[i + 1] == NULL)
			continue;
		if (sb.len > 0)
			strbuf_puts(&sb, "&");
		add_encoded(&sb, query[i]);
		strbuf_puts(&sb, "=");
		add_encoded(&sb, query[i + 1]);
	}
	{
		/* appended, not set: the URL API would lower-case the %XX that SigV4 signs */
		char *built = url_part(u, CURLUPART_URL);

		if (built == NULL) {
			*err = xasprintf("cannot build the URL of bucket '%s' at %s", bucket, base_url);
			goto out;
		}
		url = sb.len > 0 ? xasprintf("%s?%s", built, strbuf_str(&sb)) : xstrdup(built);
		curl_free(built);
		if (s3_url_check(url, base_url, bucket, path_style, err) != 0) {
			free(url);
			url = NULL;
		}
	}
out:
	strbuf_free(&sb);
	curl_free(path);
	curl_free(host);
	curl_free(extra);
	curl_url_cleanup(u);
	return url;
}

/* ---- one store's backups ------------------------------------------------------- */

struct found {
	char *key;
	char *version_id;
	long long last_modified;
	long long size;
	long long taken_at;
};

struct type_scan {
	size_t count;
	bool have;
	struct found best;		/* the newest by taken_at */
	struct found recent[S3_RECENT];	/* newest first, as best */
	size_t n_recent;
};

static void
found_free(struct found *f)
{
	free(f->key);
	free(f->version_id);
	memset(f, 0, sizeof *f);
}

static void
found_set(struct found *f, const struct s3_object *o, long long taken_at)
{
	found_free(f);
	f->key = xstrdup(o->key);
	f->version_id = o->version_id != NULL ? sanitize_string(o->version_id, strlen(o->version_id),
								 SANITIZE_ONE_LINE) : NULL;
	f->last_modified = o->last_modified;
	f->size = o->size;
	f->taken_at = taken_at;
}

static void
scan_object(const struct s3_target *t, const struct s3_store_spec *spec,
	    struct type_scan scans[BACKUP_TYPE_COUNT], const struct s3_object *o)
{
	struct backup_key k;
	struct type_scan *s;
	long long taken;
	size_t pos;

	if (o->delete_marker || o->last_modified < 0)
		return;
	if (!backup_key_parse(spec->store, t->deploy_env, spec->format, o->key, &k))
		return;
	s = &scans[k.type];
	taken = backup_taken_at(&k, o->last_modified);
	s->count++;
	if (!s->have || taken > s->best.taken_at ||
	    (taken == s->best.taken_at && o->last_modified > s->best.last_modified)) {
		found_set(&s->best, o, taken);
		s->have = true;
	}
	for (pos = 0; pos < s->n_recent; pos++)
		if (taken > s->recent[pos].taken_at ||
		    (taken == s->recent[pos].taken_at && o->last_modified > s->recent[pos].last_modified))
			break;
	if (pos >= S3_RECENT)
		return;
	if (s->n_recent == S3_RECENT)
		found_free(&s->recent[S3_RECENT - 1]);
	else
		s->n_recent++;
	memmove(&s->recent[pos + 1], &s->recent[pos], (s->n_recent - 1 - pos) * sizeof s->recent[0]);
	memset(&s->recent[pos], 0, sizeof s->recent[pos]);
	found_set(&s->recent[pos], o, taken);
}

/* One line of the server's error, sanitised: "403 InvalidAccessKeyId (message)". */
static char *
describe_error(long code, const struct s3_list *l)
{
	char *c = l->error_code != NULL ? sanitize_string(l->error_code, strlen(l->error_code),
							  SANITIZE_ONE_LINE) : NULL;
	char *m = l->error_message != NULL ? sanitize_string(l->error_message,
							     strlen(l->error_message),
							     SANITIZE_ONE_LINE) : NULL;
	char *s;

	if (c != NULL && m != NULL && *m != '\0')
		s = xasprintf("%ld %.100s (%.200s)", code, c, m);
	else if (c != NULL)
		s = xasprintf("%ld %.100s", code, c);
	else
		s = xasprintf("%ld (no S3 error document)", code);
	free(c);
	free(m);
	return s;
}

/*
 * List spec's prefix in t's bucket into scans. 0 on success; -1 with
 * *err. *note says how the listing went when worth saying.
 */
static int
list_store(const struct s3_target *t, void *c, const struct creds *cr,
	   const struct s3_store_spec *spec, long long deadline,
	   struct type_scan scans[BACKUP_TYPE_COUNT], char **err, char **note, size_t *pages_out)
{
	bool versions = spec->versioned;
	char prefix[160], maxk[16];
	char *token = NULL, *key_marker = NULL, *version_marker = NULL;
	int rc = -1;
	size_t pages = 0;

	backup_key_prefix(spec->store, t->deploy_env, spec->versioned, prefix, sizeof prefix);
	snprintf(maxk, sizeof maxk, "%d", t->max_keys);
	while (pages < S3_LIST_MAX_PAGES) {
		struct strbuf display = STRBUF_INIT;
		struct httpget_result b = { 0, NULL, 0, NULL, 0, 0 };
		char *url = NULL, *display_base = NULL;
		struct request rq = { NULL, 0, NULL };
		struct s3_list l;
		char *perr = NULL;
		bool more;

		display_base = s3_request_url(t->base_url, t->bucket, t->path_style, NULL, 0, err);
		if (display_base == NULL)
			goto page_fail;
		strbuf_puts(&display, display_base);
		free(display_base);
		if (versions) {
			const char *q[] = { "key-marker", key_marker, "max-keys", maxk, "prefix", prefix,
					    "version-id-marker", version_marker, "versions", "" };

			url = s3_request_url(t->base_url, t->bucket, t->path_style, q, ARRAY_LEN(q), err);
			strbuf_printf(&display, "?versions&prefix=%s", prefix);
		} else {
			const char *q[] = { "continuation-token", token, "list-type", "2",
					    "max-keys", maxk, "prefix", prefix };

			url = s3_request_url(t->base_url, t->bucket, t->path_style, q, ARRAY_LEN(q), err);
			strbuf_printf(&display, "?list-type=2&prefix=%s", prefix);
		}
		if (url == NULL)
			goto page_fail;
		rq.display = strbuf_str(&display);
		pages++;
		if (http_get(t, c, cr, url, deadline, &b, &rq) != 0) {
			*err = rq.err;
			goto page_fail;
		}
		if (s3_list_parse(b.body != NULL ? b.body : "", b.len, &l, &perr) != 0) {
			if (rq.code != 200)
				*err = xasprintf("GET %s: %ld (unreadable body: %s)", rq.display, rq.code, perr);
			else
				*err = xasprintf("GET %s: unreadable list: %s", rq.display, perr);
			free(perr);
			goto page_fail;
		}
		if (rq.code != 200 || l.error_code != NULL) {
			/* servers without ListObjectVersions: the latest version of each key */
			if (versions && pages == 1 && (rq.code == 405 || rq.code == 501 ||
			    str_eq(l.error_code, "NotImplemented") ||
			    str_eq(l.error_code, "MethodNotAllowed"))) {
				char *why = describe_error(rq.code, &l);

				*note = xasprintf("ListObjectVersions refused (%s): latest versions only", why);
				free(why);
				versions = false;
				pages = 0;
				s3_list_free(&l);
				free(url);
				strbuf_free(&display);
				httpget_result_free(&b);
				continue;
			}
			{
				char *why = describe_error(rq.code, &l);

				*err = xasprintf("GET %s: %s", rq.display, why);
				free(why);
			}
			s3_list_free(&l);
			goto page_fail;
		}
		for (size_t i = 0; i < l.n; i++)
			scan_object(t, spec, scans, &l.objects[i]);
		more = l.truncated;
		if (more) {
			char *next = versions ? l.next_key_marker : l.next_token;
			const char *prev = versions ? key_marker : token;

			if (next == NULL || *next == '\0' ||
			    (str_eq(next, prev) && (!versions || str_eq(l.next_version_marker, version_marker)))) {
				*err = xasprintf("GET %s: truncated list without a new %s", rq.display,
						 versions ? "key marker" : "continuation token");
				s3_list_free(&l);
				goto page_fail;
			}
			if (versions) {
				free(key_marker);
				free(version_marker);
				key_marker = xstrdup(next);
				version_marker = l.next_version_marker != NULL ? xstrdup(l.next_version_marker) : NULL;
			} else {
				free(token);
				token = xstrdup(next);
			}
		}
		s3_list_free(&l);
		free(url);
		strbuf_free(&display);
		httpget_result_free(&b);
		if (!more) {
			rc = 0;
			goto out;
		}
		continue;
page_fail:
		free(url);
		strbuf_free(&display);
		httpget_result_free(&b);
		goto out;
	}
	/* judged on what was listed so far */
	if (*note == NULL)
		*note = xasprintf("listing stopped after %d pages", S3_LIST_MAX_PAGES);
	rc = 0;
out:
	*pages_out = pages;
	free(token);
	free(key_marker);
	free(version_marker);
	return rc;
}

static void
format_size(char *buf, size_t len, long long b)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)b;
	size_t u = 0;

	if (b < 0) {
		snprintf(buf, len, "?");
		return;
	}
	while (v >= 1024 && u + 1 < ARRAY_LEN(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

static void
post_type(const struct s3_target *t, struct probe_ctx *ctx, const struct s3_store_spec *spec,
	  enum backup_type type, const struct type_scan *s, const char *error,
	  const char *note, size_t pages, long long now, long long latency)
{
	struct backup_cron cron;
	struct backup_expectation e;
	enum backup_verdict v;
	char key[256], subject[96], t1[32], t2[32], t3[32], age[32], size[32], prefix[160];
	long long grace = t->grace_s;
	struct observation *o;

	s3_obs_key(t->site, spec->store, type, key, sizeof key);
	snprintf(subject, sizeof subject, "%s %s backup", backup_store_name(spec->store),
		 backup_type_name(type));
	o = obs_create(t->site, PROBE_NAME_S3, key, subject);
	o->latency_ms = latency;
	backup_cron_for(spec->store, type, t->nadir_hour, t->nadir_hour_frequency, &cron);
	/* an hourly run must not be given longer than half its period */
	if (type == BACKUP_HOURLY && grace > (long long)cron.hour_step * 1800)
		grace = (long long)cron.hour_step * 1800;
	backup_expect(&cron, now, grace, &e);
	backup_key_prefix(spec->store, t->deploy_env, spec->versioned, prefix, sizeof prefix);
	obs_add_field(o, "bucket", "%s", t->bucket);
	obs_add_field(o, "prefix", "%s", prefix);
	obs_add_field(o, "convention", "%s", spec->versioned ? "fixed-key+versions" : "dated-keys");
	obs_add_field(o, "expected_run", "%s", backup_time_format(e.due_run, t1, sizeof t1));
	obs_add_field(o, "expected_by", "%s", backup_time_format(e.expected_by, t2, sizeof t2));
	obs_add_field(o, "previous_run", "%s", backup_time_format(e.previous_run, t3, sizeof t3));
	obs_add_field(o, OBS_F_RPO_STORE, "%s", backup_store_name(spec->store));
	obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_BACKUP);
	obs_add_field(o, "backup_type", "%s", backup_type_name(type));
	if (note != NULL)
		obs_add_field(o, "note", "%s", note);
	if (error != NULL) {
		obs_set(o, OBS_UNKNOWN, "error", "%s", error);
		status_store_post(ctx->store, o);
		return;
	}
	obs_add_field(o, "count", "%zu", s->count);
	obs_add_field(o, "pages", "%zu", pages);
	for (size_t i = 0; i < s->n_recent; i++) {
		char name[32];

		format_size(size, sizeof size, s->recent[i].size);
		snprintf(name, sizeof name, "recent_%zu", i + 1);
		obs_add_field(o, name, "%s %s %s%s%s", s->recent[i].key, size,
			      backup_time_format(s->recent[i].last_modified, t1, sizeof t1),
			      s->recent[i].version_id != NULL ? " version " : "",
			      s->recent[i].version_id != NULL ? s->recent[i].version_id : "");
	}
	v = backup_judge(&e, s->have, s->have ? s->best.taken_at : 0);
	if (!s->have) {
		obs_set(o, OBS_CRIT, "missing", "no %s backup in s3://%s/%s*",
			backup_type_name(type), t->bucket, prefix);
		status_store_post(ctx->store, o);
		return;
	}
	{
		long long a = now - s->best.taken_at;

		if (a < 0)
			a = 0;
		obs_set_value(o, (double)a, "s");
		duration_format(a * 1000, age, sizeof age);
		obs_add_field(o, OBS_F_RPO_EXPOSURE, "%lld", a);
	}
	format_size(size, sizeof size, s->best.size);
	obs_add_field(o, "key", "%s", s->best.key);
	if (s->best.version_id != NULL)
		obs_add_field(o, "version_id", "%s", s->best.version_id);
	obs_add_field(o, "size", "%lld", s->best.size);
	obs_add_field(o, "last_modified", "%s",
		      backup_time_format(s->best.last_modified, t1, sizeof t1));
	obs_add_field(o, "taken_at", "%s", backup_time_format(s->best.taken_at, t2, sizeof t2));
	backup_time_format(e.due_run, t1, sizeof t1);
	backup_time_format(e.expected_by, t2, sizeof t2);
	backup_time_format(e.previous_run, t3, sizeof t3);
	switch (v) {
	case BACKUP_OK:
		obs_set(o, OBS_OK, "ok", "%s, %s, %s old", s->best.key, size, age);
		break;
	case BACKUP_LATE:
		obs_set(o, OBS_WARN, "late", "%s is %s old: the run of %s is missing "
			"(due in the bucket by %s)", s->best.key, age, t1, t2);
		break;
	case BACKUP_MISSING:
		obs_set(o, OBS_CRIT, "missing", "newest %s is %s old: the runs of %s and %s are both missing",
			s->best.key, age, t3, t1);
		break;
	}
	status_store_post(ctx->store, o);
}

static void
s3_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	const struct s3_target *t = job->target;
	long long start = time_mono_ms();
	long long deadline = start + ctx->timeout_ms;
	const char *ak = t->access_key_env != NULL ? getenv(t->access_key_env) : NULL;
	const char *sk = t->secret_key_env != NULL ? getenv(t->secret_key_env) : NULL;
	const char *tok = t->session_token_env != NULL ? getenv(t->session_token_env) : NULL;
	struct creds cr = { ak, sk, NULL };
	char *cred_err = NULL;
	const char *why;
	void *c = NULL;

	if ((why = s3_bucket_name_problem(t->bucket)) != NULL)
		cred_err = xasprintf("bucket '%s' is not a valid S3 bucket name (%s): not requested",
				     t->bucket, why);
	else if (ak == NULL || *ak == '\0')
		cred_err = xasprintf("S3 credentials: environment variable %s (s3.access_key_env) is not set",
				     t->access_key_env != NULL ? t->access_key_env : "(none)");
	else if (sk == NULL || *sk == '\0')
		cred_err = xasprintf("S3 credentials: environment variable %s (s3.secret_key_env) is not set",
				     t->secret_key_env != NULL ? t->secret_key_env : "(none)");
	if (tok != NULL && *tok != '\0')
		cr.token_header = xasprintf("x-amz-security-token: %s", tok);
	if (cred_err == NULL && (c = httpget_handle()) == NULL)
		cred_err = xstrdup("curl_easy_init failed");

	for (size_t i = 0; i < t->n_stores; i++) {
		const struct s3_store_spec *spec = &t->stores[i];
		struct type_scan scans[BACKUP_TYPE_COUNT];
		char *err = NULL, *note = NULL;
		size_t pages = 0;
		long long latency;

		memset(scans, 0, sizeof scans);
		if (cred_err == NULL)
			list_store(t, c, &cr, spec, deadline, scans, &err, &note, &pages);
		latency = time_mono_ms() - start;
		if (err != NULL)
			log_msg(LOG_INFO, "s3 %s: %s", t->bucket, err);
		for (int ty = 0; ty < BACKUP_TYPE_COUNT; ty++) {
			if (s3_type_uploaded(spec->store, (enum backup_type)ty, spec->hourly))
				post_type(t, ctx, spec, (enum backup_type)ty, &scans[ty],
					  cred_err != NULL ? cred_err : err, note, pages,
					  time_wall_ms() / 1000, latency);
			found_free(&scans[ty].best);
			for (size_t k = 0; k < scans[ty].n_recent; k++)
				found_free(&scans[ty].recent[k]);
		}
		free(err);
		free(note);
	}
	httpget_handle_free(c);
	if (cr.token_header != NULL) {
		memset(cr.token_header, 0, strlen(cr.token_header));
		free(cr.token_header);
	}
	free(cred_err);
}

const struct probe_type probe_s3 = {
	.name = "s3",
	.run = s3_run,
	.free_target = s3_target_free,
};

size_t
s3_add_jobs(const struct probe_setup *ps)
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = ps->sites[r];
		bool done[STORE_COUNT] = { false };

		if (site == NULL)
			continue;
		for (int st = 0; st < STORE_COUNT; st++) {
			const struct site_backup *b = &site->backups[st];
			struct s3_target *t;
			char key[512];

			if (done[st] || !b->enabled || !b->s3 || b->bucket == NULL)
				continue;
			t = s3_target_create(ps->cfg, site, b->bucket);
			for (int o = st; o < STORE_COUNT; o++) {
				const struct site_backup *ob = &site->backups[o];

				if (done[o] || !ob->enabled || !ob->s3 || !str_eq(ob->bucket, b->bucket))
					continue;
				done[o] = true;
				s3_target_add_store(t, (enum backup_store)o, ob);
				for (int ty = 0; ty < BACKUP_TYPE_COUNT; ty++) {
					char subject[96];

					if (!s3_type_uploaded((enum backup_store)o, (enum backup_type)ty, ob->hourly))
						continue;
					s3_obs_key(site->role, (enum backup_store)o, (enum backup_type)ty,
						   key, sizeof key);
					snprintf(subject, sizeof subject, "%s %s backup",
						 backup_store_name((enum backup_store)o),
						 backup_type_name((enum backup_type)ty));
					status_store_expect(ps->store, site->role, PROBE_NAME_S3, key, subject);
				}
			}
			snprintf(key, sizeof key, "%s/s3/%s", site_role_name(site->role), b->bucket);
			scheduler_add(ps->sched, &probe_s3, key, t, ps->cfg->probe_timeout_ms);
			n++;
		}
	}
	return n;
}
