/*
 * aws_query.c: the pages of an AWS Query API action (aws_query.h), one
 * loop for every Describe* call: request, throttling back-off, Marker.
 */
#include "drconsole/probe/aws_query.h"

#include <stdio.h>
#include <stdlib.h>

#include "drconsole/probe/aws_creds.h"
#include "drconsole/probe/httpget.h"
#include "drconsole/util/util.h"

void
aws_query_page_set(struct aws_query_page *page, const char *marker, bool is_error, const char *code,
		   const char *message)
{
	snprintf(page->marker, sizeof page->marker, "%s", marker != NULL ? marker : "");
	page->is_error = is_error;
	snprintf(page->code, sizeof page->code, "%s", code != NULL ? code : "");
	snprintf(page->message, sizeof page->message, "%s", message != NULL ? message : "");
}

/* One page (marker NULL: the first) into q->ud; *next the following Marker or NULL. */
static char *
one_page(const struct aws_query *q, const struct aws_creds *cr, const char *base, const char *sigv4,
	 const char *const *headers, const char *marker, char **next)
{
	char *m = marker != NULL ? httpget_escape(marker) : NULL;
	char *url = xasprintf("%s/?Action=%s&Version=%s&MaxRecords=100%s%s", base, q->action, q->version,
			      m != NULL ? "&Marker=" : "", m != NULL ? m : "");
	char *shown = xasprintf("%s in %s (%s)", q->action, q->region, base);
	char *error = NULL;
	long long backoff = 100;
	bool again = true;

	free(m);
	*next = NULL;
	while (again && error == NULL) {
		long long left = q->deadline_ms - time_mono_ms();
		struct httpget_request rq = { .url = url, .display = shown, .user = cr->access_key,
					      .password = cr->secret_key, .sigv4 = sigv4, .headers = headers,
					      .timeout_ms = left < q->timeout_ms ? left : q->timeout_ms };
		struct httpget_result r;
		struct aws_query_page pg = { .is_error = false };
		char err[256];

		again = false;
		if (left <= 0) {
			error = xasprintf("%s: no answer before the probe deadline", shown);
			break;
		}
		httpget_request(&rq, &r);
		if (r.error != NULL) {
			error = xstrdup(r.error);
		} else if (q->parse(r.body, r.len, q->ud, &pg, err, sizeof err) != 0) {
			error = xasprintf("%s: HTTP %ld, %s", shown, r.status, err);
		} else if (pg.is_error && aws_error_is_throttling(pg.code) &&
			   time_mono_ms() + backoff < q->deadline_ms) {
			aws_backoff(&backoff);
			again = true;	/* the same page again, slower */
		} else if (pg.is_error) {
			error = xasprintf("%s: %s: %s", shown, pg.code, pg.message);
		} else if (pg.marker[0] != '\0') {
			*next = xstrdup(pg.marker);
		}
		httpget_result_free(&r);
	}
	if (error != NULL) {
		free(*next);
		*next = NULL;
	}
	free(url);
	free(shown);
	return error;
}

char *
aws_query_all(const struct aws_query *q)
{
	struct aws_creds cr;
	char *base, *token_hdr, *error = NULL, *marker = NULL, sigv4[128];
	const char *headers[2] = { NULL, NULL };
	int page = 0;

	if (aws_creds_find_profile(&cr, q->profile, q->deadline_ms - time_mono_ms(), &error) != 0)
		return error;
	base = aws_service_endpoint(q->service, q->region);
	token_hdr = aws_creds_token_header(&cr);
	headers[0] = token_hdr;
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:%s", q->region, q->service);
	do {
		char *next;

		error = one_page(q, &cr, base, sigv4, headers, marker, &next);
		free(marker);
		marker = next;
	} while (error == NULL && marker != NULL && ++page < q->max_pages);
	if (error == NULL && marker != NULL)
		error = xasprintf("%s in %s (%s): more than %d pages", q->action, q->region, base, q->max_pages);
	free(marker);
	free(token_hdr);
	free(base);
	aws_creds_clear(&cr);
	return error;
}
