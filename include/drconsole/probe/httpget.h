/*
 * httpget.h: one bounded HTTP GET with libcurl for the JSON probes (CouchDB,
 * Elasticsearch). Every request has a total timeout (CURLOPT_TIMEOUT_MS,
 * CURLOPT_NOSIGNAL so it is safe on worker threads), a body size cap, and
 * optional credentials that go to libcurl only (CURLOPT_USERNAME/PASSWORD):
 * they never appear in URLs, errors or logs. Error strings name the call
 * and the URL: `GET http://127.0.20.30:15984/: Couldn't connect to server`.
 * It is the one place that fetches a bounded body: the S3 listing pages
 * come through here too, on a handle kept across the pages.
 */
#ifndef DRCONSOLE_HTTPGET_H
#define DRCONSOLE_HTTPGET_H

#include <stdbool.h>
#include <stddef.h>

#define HTTPGET_MAX_BODY (8u * 1024u * 1024u)

struct httpget_result {
	long status;		/* HTTP status, 0 when no response */
	char *body;		/* NUL-terminated (may hold NULs before len); NULL on failure */
	size_t len;
	char *error;		/* NULL on a completed exchange (any status) */
	int timed_out;		/* the failure was the timeout */
	long long elapsed_ms;
};

/* Call once from the main thread before workers start (idempotent). */
void httpget_global_init(void);

/*
 * GET url within timeout_ms. user/password may be NULL. Always fills *res;
 * release it with httpget_result_free.
 */
void httpget(const char *url, const char *user, const char *password,
	     long long timeout_ms, struct httpget_result *res);

/* One request with everything it may need; httpget() is the plain GET. */
struct httpget_request {
	const char *url;
	const char *method;		/* NULL: GET; "PUT" sends an empty body; "POST" sends body */
	const char *body;		/* with "POST": a form body (application/x-www-form-urlencoded) */
	const char *display;		/* the URL as errors show it; NULL: url */
	const char *user;		/* basic auth, or the access key with sigv4 */
	const char *password;		/* basic auth, or the secret key with sigv4 */
	const char *sigv4;		/* "aws:amz:REGION:SERVICE": sign with AWS SigV4 */
	const char *const *headers;	/* extra "Name: value" lines, NULL-terminated */
	long long timeout_ms;
	size_t max_body;		/* 0: HTTPGET_MAX_BODY */
	const char *ca_file;		/* CA bundle to verify the server with; NULL: the system's */
	bool env_proxy;			/* honour http(s)_proxy from the environment; default: direct */
	void *handle;			/* an httpget_handle() to reuse (keep-alive); NULL: a new one */
};

void httpget_request(const struct httpget_request *rq, struct httpget_result *res);
void httpget_result_free(struct httpget_result *res);
/*
 * A handle for a series of requests to one server (httpget_request.handle),
 * so they share the connection; NULL when libcurl cannot make one. Not
 * shared between threads. Free with httpget_handle_free (NULL is fine).
 */
void *httpget_handle(void);
void httpget_handle_free(void *handle);
/* s percent-encoded for one URL path segment (unreserved characters kept); caller frees. */
char *httpget_escape(const char *s);

#endif
