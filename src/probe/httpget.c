/*
 * httpget.c: bounded HTTP GET (and the few PUTs and POSTs) for the probes.
 *
 * DESIGN: one easy handle per request (probes run every few seconds; the
 * connection set-up is negligible next to the clarity of no shared state
 * between worker threads), or the caller's own handle for a series of
 * requests to one server (the pages of an S3 listing), reset before each.
 * The body is capped so a misbehaving server cannot exhaust memory; the
 * cap aborts the transfer with a clear error. Proxies from the environment
 * are ignored unless the request asks for them: probes talk to the sites
 * directly.
 */
#include "drconsole/probe/httpget.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libcurl and libxml2 (the XML answers of S3 and RDS) both need one init before threads use them. */
static void
global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
}

void
httpget_global_init(void)
{
	pthread_once(&init_once, global_init);
}

struct sink {
	struct strbuf sb;
	size_t max;
	int too_big;
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (s->sb.len + len > s->max) {
		s->too_big = 1;
		return 0;	/* aborts the transfer */
	}
	strbuf_add(&s->sb, data, len);
	return len;
}

void
httpget(const char *url, const char *user, const char *password,
	long long timeout_ms, struct httpget_result *res)
{
	struct httpget_request rq = { .url = url, .user = user, .password = password,
				      .timeout_ms = timeout_ms };

	httpget_request(&rq, res);
}

void
httpget_request(const struct httpget_request *rq, struct httpget_result *res)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink sink = { STRBUF_INIT, rq->max_body > 0 ? rq->max_body : HTTPGET_MAX_BODY, 0 };
	struct curl_slist *hdr = NULL;
	long long start = time_mono_ms(), timeout_ms = rq->timeout_ms;
	const char *url = rq->url, *shown = rq->display != NULL ? rq->display : rq->url;
	const char *method = rq->method != NULL ? rq->method : "GET";
	CURLcode rc;
	CURL *c;

	memset(res, 0, sizeof *res);
	httpget_global_init();
	if (timeout_ms < 1)
		timeout_ms = 1;
	c = rq->handle != NULL ? rq->handle : curl_easy_init();
	if (rq->handle != NULL)
		curl_easy_reset(c);
	if (c == NULL) {
		res->error = xasprintf("%s %s: cannot create a libcurl handle", method, shown);
		return;
	}
	for (size_t i = 0; rq->headers != NULL && rq->headers[i] != NULL; i++)
		hdr = curl_slist_append(hdr, rq->headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	if (!rq->env_proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (rq->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "drconsole/" DRCONSOLE_VERSION);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (strcmp(method, "POST") == 0) {
		/* signed with the body (SigV4 hashes the payload); libcurl does not copy it */
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body != NULL ? rq->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(rq->body != NULL ? strlen(rq->body) : 0));
	}
	if (hdr != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (rq->user != NULL && rq->password != NULL) {
		if (rq->sigv4 != NULL)
			curl_easy_setopt(c, CURLOPT_AWS_SIGV4, rq->sigv4);
		else
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, rq->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, rq->password);
	}
	rc = curl_easy_perform(c);
	res->elapsed_ms = time_mono_ms() - start;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
		res->len = sink.sb.len;
		res->body = sink.sb.buf != NULL ? strbuf_detach(&sink.sb) : xstrdup("");
	} else if (sink.too_big) {
		res->error = xasprintf("%s %s: response larger than %zu bytes", method, shown, sink.max);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		res->timed_out = 1;
		res->error = xasprintf("%s %s: timed out, no answer within %lld ms", method, shown, timeout_ms);
	} else {
		res->error = xasprintf("%s %s: %s", method, shown,
				       errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	}
	strbuf_free(&sink.sb);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	if (c != rq->handle)
		curl_easy_cleanup(c);
	else	/* a kept handle keeps its connection, not pointers into this call */
		curl_easy_reset(c);
}

void *
httpget_handle(void)
{
	httpget_global_init();
	return curl_easy_init();
}

void
httpget_handle_free(void *handle)
{
	if (handle != NULL)
		curl_easy_cleanup(handle);
}

void
httpget_result_free(struct httpget_result *res)
{
	free(res->body);
	free(res->error);
	memset(res, 0, sizeof *res);
}

char *
httpget_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			strbuf_putc(&sb, (char)*p);
		} else {
			strbuf_putc(&sb, '%');
			strbuf_putc(&sb, hex[*p >> 4]);
			strbuf_putc(&sb, hex[*p & 15]);
		}
	}
	return strbuf_detach(&sb);
}
