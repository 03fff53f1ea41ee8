/*
 * aws_query.h: every page of a paged AWS Query API action (RDS's
 * Describe* calls): SigV4-signed GETs through httpget with the credential
 * chain's keys, MaxRecords=100 and the previous page's Marker, each request
 * within timeout_ms and all before deadline_ms, Throttling asked again with
 * back-off, at most max_pages pages. The caller's parser reads each page
 * into its own list. Errors name the call and the endpoint, never a key.
 */
#ifndef DRCONSOLE_AWS_QUERY_H
#define DRCONSOLE_AWS_QUERY_H

#include <stdbool.h>
#include <stddef.h>

/* What a page says about the paging and AWS's verdict. */
struct aws_query_page {
	char marker[512];		/* the next page's Marker, "" when last */
	bool is_error;			/* an ErrorResponse */
	char code[64];			/* its Code: ExpiredToken, Throttling, ... */
	char message[512];
};

/*
 * Parse one answer: its items into ud (not for an ErrorResponse), the rest
 * into page. 0 for an answer or an ErrorResponse; -1 with err filled when
 * the body is neither.
 */
typedef int (*aws_query_parse_fn)(const char *body, size_t len, void *ud, struct aws_query_page *page,
				  char *err, size_t errlen);

struct aws_query {
	const char *service;		/* "rds": the endpoint (aws_service_endpoint) and SigV4's service */
	const char *region;
	const char *profile;		/* NULL: the usual credential chain */
	const char *action;		/* DescribeDBInstances, ... */
	const char *version;		/* the API version: 2014-10-31 */
	long long deadline_ms;		/* monotonic */
	long long timeout_ms;		/* each request */
	int max_pages;
	aws_query_parse_fn parse;
	void *ud;
};

/* A parser's verdict into page (strings copied, cut to their size). */
void aws_query_page_set(struct aws_query_page *page, const char *marker, bool is_error, const char *code,
			const char *message);
/* NULL when every page was read; else the error (caller frees). */
char *aws_query_all(const struct aws_query *q);

#endif
