/*
 * s3.c: backups in S3-compatible storage.
 *
 * DESIGN: one job per (site, bucket); a run lists each store's prefix page
 * by page with one reused curl handle (keep-alive), each request bounded by
 * min(s3.timeout, what is left of the job's deadline), so a silent endpoint
 * costs one worker at most the probe timeout. Pages are parsed with libxml2
 * (no network, no DTD, so no entity expansion) and folded into a small
 * per-type summary as they arrive; only the newest S3_RECENT objects per
 * type are kept. The query string is written already canonical (parameters
 * sorted, values RFC 3986-encoded), so the SigV4 signature libcurl computes
 * over it is the one S3 computes. Anything the server sends is sanitised
 * before it reaches an observation.
 */
#include "drconsole/probe_s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drconsole/duration.h"
#include "drconsole/httpget.h"
#include "drconsole/log.h"
#include "drconsole/s3_bucket.h"
#include "drconsole/sanitize.h"
#include "drconsole/strbuf.h"

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

static bool
named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The element's text content, copied. */
static char *
text_of(const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s = xstrdup(c != NULL ? (const char *)c : "");

	xmlFree(c);
	return s;
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
	o->delete_marker = named(e, "DeleteMarker");
	for (const xmlNode *c = e->children; c != NULL; c = c->next) {
		char *v;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		v = text_of(c);
		if (named(c, "Key") && o->key == NULL) {
			o->key = v;
			continue;
		}
		if (named(c, "VersionId") && o->version_id == NULL) {
			o->version_id = v;
			continue;
		}
		if (named(c, "LastModified")) {
			if (!backup_time_parse(v, &o->last_modified))
				o->last_modified = -1;
		} else if (named(c, "Size")) {
			char *end;
			long long sz;

			errno = 0;
			sz = strtoll(v, &end, 10);
			o->size = (errno == 0 && end != v && *end == '\0' && sz >= 0) ? sz : -1;
		} else if (named(c, "IsLatest")) {
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
		*slot = text_of(c);
}

/* needle occurs in buf[0..len) */
static bool
has_bytes(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (buf[i] == needle[0] && memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

int
s3_list_parse(const char *buf, size_t len, struct s3_list *out, char **err)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	const xmlNode *root;
	int rc = 0;

	memset(out, 0, sizeof *out);
	*err = NULL;
	if (len > S3_LIST_MAX_BYTES) {
		*err = xasprintf("response of %zu bytes exceeds the %u byte limit", len,
				 S3_LIST_MAX_BYTES);
		return -1;
	}
	if (len == 0) {
		*err = xstrdup("empty response");
		return -1;
	}
	/* S3 never sends a DTD: refuse one before libxml2 reads any entity declaration */
	if (has_bytes(buf, len, "<!DOCTYPE")) {
		*err = xstrdup("a DTD in an S3 response is refused");
		return -1;
	}
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		fatal("xmlNewParserCtxt: out of memory");
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, "s3-response.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char *msg = e != NULL && e->message != NULL ? xstrdup(e->message) : xstrdup("malformed");

		str_trim(msg);
		*err = xasprintf("not XML (line %d: %s)", e != NULL ? e->line : 0, msg);
		free(msg);
		xmlFreeParserCtxt(ctxt);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		*err = xstrdup("a DTD in an S3 response is refused");
		rc = -1;
	} else if (root == NULL) {
		*err = xstrdup("no root element");
		rc = -1;
	} else if (named(root, "Error")) {
		for (const xmlNode *c = root->children; c != NULL; c = c->next) {
			if (named(c, "Code"))
				take_text(c, &out->error_code);
			else if (named(c, "Message"))
				take_text(c, &out->error_message);
		}
		if (out->error_code == NULL)
			out->error_code = xstrdup("Error");
	} else if (named(root, "ListBucketResult") || named(root, "ListVersionsResult")) {
		for (const xmlNode *c = root->children; c != NULL; c = c->next) {
			if (named(c, "Contents") || named(c, "Version") || named(c, "DeleteMarker")) {
				parse_object(c, out);
			} else if (named(c, "IsTruncated")) {
				char *v = text_of(c);

				out->truncated = strcmp(v, "true") == 0;
				free(v);
			} else if (named(c, "NextContinuationToken")) {
				take_text(c, &out->next_token);
			} else if (named(c, "NextKeyMarker")) {
				take_text(c, &out->next_key_marker);
			} else if (named(c, "NextVersionIdMarker")) {
				take_text(c, &out->next_version_marker);
			}
		}
	} else {
		*err = xasprintf("unexpected root element <%.64s>", (const char *)root->name);
		rc = -1;
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
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

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
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
	t->access_key_env = dup_or_null(cfg->s3.access_key_env);
	t->secret_key_env = dup_or_null(cfg->s3.secret_key_env);
	t->session_token_env = dup_or_null(cfg->s3.session_token_env);
	t->ca_file = dup_or_null(cfg->s3.ca_file);
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

struct body {
	struct strbuf sb;
	bool too_big;
};

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;

	if (b->sb.len + n > S3_LIST_MAX_BYTES) {
		b->too_big = true;
		return 0;
	}
	strbuf_add(&b->sb, ptr, n);
	return n;
}

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

/* GET url into b within deadline; 0 when an HTTP response arrived (any code). */
static int
http_get(const struct s3_target *t, CURL *c, const struct creds *cr, const char *url,
	 long long deadline, struct body *b, struct request *rq)
{
	char errbuf[CURL_ERROR_SIZE], sigv4[128];
	struct curl_slist *hdr = NULL;
	long long left = deadline - time_mono_ms();
	long long tmo = left < t->timeout_ms ? left : t->timeout_ms;
	CURLcode rc;

	if (tmo <= 0) {
		rq->err = xasprintf("GET %s: no time left before the probe deadline", rq->display);
		return -1;
	}
	/* the last word before credentials leave: the request stays on the endpoint */
	if (s3_url_check(url, t->base_url, t->bucket, t->path_style, &rq->err) != 0)
		return -1;
	errbuf[0] = '\0';
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", t->region);
	hdr = curl_slist_append(hdr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	if (cr->token_header != NULL)
		hdr = curl_slist_append(hdr, cr->token_header);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)tmo);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)tmo);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (t->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(c, CURLOPT_USERNAME, cr->access_key);
	curl_easy_setopt(c, CURLOPT_PASSWORD, cr->secret_key);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "drconsole/" DRCONSOLE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		if (b->too_big)
			rq->err = xasprintf("GET %s: response larger than %u bytes", rq->display,
					    S3_LIST_MAX_BYTES);
		else
			rq->err = xasprintf("GET %s: %s", rq->display,
					    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rq->code);
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
list_store(const struct s3_target *t, CURL *c, const struct creds *cr,
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
		struct body b = { STRBUF_INIT, false };
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
		if (s3_list_parse(b.sb.buf != NULL ? b.sb.buf : "", b.sb.len, &l, &perr) != 0) {
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
				strbuf_free(&b.sb);
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
		strbuf_free(&b.sb);
		if (!more) {
			rc = 0;
			goto out;
		}
		continue;
page_fail:
		free(url);
		strbuf_free(&display);
		strbuf_free(&b.sb);
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
	o = obs_create(t->site, "s3", key, subject);
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
	obs_add_field(o, "rpo_store", "%s", backup_store_name(spec->store));
	obs_add_field(o, "rpo_kind", "backup");
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
		obs_add_field(o, "rpo_exposure_s", "%lld", a);
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
	CURL *c = NULL;

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
	if (cred_err == NULL && (c = curl_easy_init()) == NULL)
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
	if (c != NULL)
		curl_easy_cleanup(c);
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
