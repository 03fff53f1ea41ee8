/*
 * rds_replica_lag.c: CloudWatch's ReplicaLag of RDS read replicas (see
 * rds_replica_lag.h).
 *
 * DESIGN: the RDS probe asks after its DescribeDBInstances, for the
 * same-region replicas that answer lists, on one kept connection. A failure
 * other than throttling (no answer, AccessDenied) is the same for every
 * replica, so it is asked once and its message given to the rest: an
 * unreachable endpoint costs one timeout, not one per replica. Parsing
 * follows rds.c: xml_answer_read's size bound, DTD refusal and no network.
 */
#include "drconsole/probe/rds_replica_lag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/aws_creds.h"
#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/httpget.h"
#include "drconsole/probe/xml_answer.h"
#include "drconsole/util/util.h"

int
rds_lag_parse(const char *body, size_t len, struct rds_lag_answer *out, char *err, size_t errlen)
{
	xmlDocPtr doc;
	const xmlNode *root, *n;
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->at_s = -1;
	doc = xml_answer_read(body, len, RDS_LAG_MAX_BODY, "a CloudWatch response", err, errlen);
	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (xml_aws_error(root, out->code, sizeof out->code, out->message, sizeof out->message)) {
		out->is_error = true;
	} else if (xml_named(root, "GetMetricStatisticsResponse") &&
		   (n = xml_child(root, "GetMetricStatisticsResult")) != NULL) {
		const xmlNode *list = xml_child(n, "Datapoints");

		/* CloudWatch does not order the datapoints */
		for (const xmlNode *c = list != NULL ? list->children : NULL; c != NULL; c = c->next) {
			char buf[64], *end;
			long long t;
			double v;

			if (!xml_named(c, "member"))
				continue;
			xml_text_into(xml_child(c, "Timestamp"), buf, sizeof buf);
			if (!backup_time_parse(buf, &t))
				continue;
			xml_text_into(xml_child(c, "Maximum"), buf, sizeof buf);
			v = strtod(buf, &end);
			if (end == buf || *end != '\0' || !isfinite(v))
				continue;
			out->n_points++;
			if (t > out->at_s) {
				out->at_s = t;
				out->maximum = v;
				xml_text_into(xml_child(c, "Unit"), out->unit, sizeof out->unit);
			}
		}
	} else {
		snprintf(err, errlen, "unexpected root element <%.64s>", (const char *)root->name);
		rc = -1;
	}
	xmlFreeDoc(doc);
	return rc;
}

/* What every request of one rds_replica_lag_read shares. */
struct lag_call {
	const char *region;
	const char *base;
	const struct aws_creds *cr;
	const char *const *headers;
	const char *sigv4;
	void *handle;
	long long deadline_ms, timeout_ms;
};

/* The form body asking for id's ReplicaLag over the window ending at now_s (caller frees). */
static char *
form_body(const char *id, long long now_s)
{
	char start[32], end[32], *eid, *es, *ee, *body;

	backup_time_format(now_s - RDS_LAG_WINDOW_S, start, sizeof start);
	backup_time_format(now_s, end, sizeof end);
	eid = httpget_escape(id);
	es = httpget_escape(start);
	ee = httpget_escape(end);
	body = xasprintf("Action=GetMetricStatistics&Version=2010-08-01&Namespace=AWS%%2FRDS"
			 "&MetricName=ReplicaLag&Dimensions.member.1.Name=DBInstanceIdentifier"
			 "&Dimensions.member.1.Value=%s&StartTime=%s&EndTime=%s&Period=60"
			 "&Statistics.member.1=Maximum", eid, es, ee);
	free(eid);
	free(es);
	free(ee);
	return body;
}

/* id's lag into out; NULL, or the error with its short reason in reason. */
static char *
read_one(const struct lag_call *c, const char *id, struct rds_replica_lag *out, char *reason,
	 size_t rlen)
{
	char *body = form_body(id, time_wall_ms() / 1000), *url = xasprintf("%s/", c->base);
	char *shown = xasprintf("GetMetricStatistics ReplicaLag of %s in %s (%s)", id, c->region, c->base);
	char *error = NULL;
	long long backoff = 100;
	bool again = true;

	while (again && error == NULL) {
		long long left = c->deadline_ms - time_mono_ms();
		struct httpget_request rq = { .url = url, .method = "POST", .body = body, .display = shown,
					      .user = c->cr->access_key, .password = c->cr->secret_key,
					      .sigv4 = c->sigv4, .headers = c->headers, .handle = c->handle,
					      .max_body = RDS_LAG_MAX_BODY,
					      .timeout_ms = left < c->timeout_ms ? left : c->timeout_ms };
		struct httpget_result r;
		struct rds_lag_answer a;
		char err[256];

		again = false;
		if (left <= 0) {
			snprintf(reason, rlen, "probe deadline");
			error = xasprintf("%s: no answer before the probe deadline", shown);
			break;
		}
		httpget_request(&rq, &r);
		if (r.error != NULL) {
			snprintf(reason, rlen, "%s", r.timed_out ? "timed out" : "no answer");
			error = xstrdup(r.error);
		} else if (rds_lag_parse(r.body, r.len, &a, err, sizeof err) != 0) {
			snprintf(reason, rlen, "HTTP %ld", r.status);
			error = xasprintf("%s: HTTP %ld, %s", shown, r.status, err);
		} else if (a.is_error && aws_error_is_throttling(a.code) &&
			   time_mono_ms() + backoff < c->deadline_ms) {
			aws_backoff(&backoff);
			again = true;	/* the same request again */
		} else if (a.is_error) {
			snprintf(reason, rlen, "%s", a.code);
			error = xasprintf("%s: %s: %s", shown, a.code, a.message);
		} else {
			out->state = a.at_s < 0 ? RDS_LAG_NONE : RDS_LAG_SEEN;
			out->lag_s = a.maximum;
			out->at_s = a.at_s;
		}
		httpget_result_free(&r);
	}
	free(body);
	free(url);
	free(shown);
	return error;
}

static void
set_error(struct rds_replica_lag *l, const char *reason, const char *error)
{
	l->state = RDS_LAG_ERROR;
	snprintf(l->reason, sizeof l->reason, "%s", reason);
	snprintf(l->error, sizeof l->error, "%s", error);
}

void
rds_replica_lag_read(const char *region, const char *profile, const char *const *ids, size_t n,
		     long long deadline_ms, long long timeout_ms, struct rds_replica_lag *lags)
{
	struct aws_creds cr;
	struct lag_call c = { .region = region, .deadline_ms = deadline_ms, .timeout_ms = timeout_ms };
	char *error = NULL, *token_hdr, *base, sigv4[128], reason[64] = "";
	const char *headers[2] = { NULL, NULL };

	if (n == 0)
		return;
	memset(lags, 0, n * sizeof *lags);
	if (aws_creds_find_profile(&cr, profile, deadline_ms - time_mono_ms(), &error) != 0) {
		for (size_t i = 0; i < n; i++)
			set_error(&lags[i], "no credentials", error);
		free(error);
		return;
	}
	base = aws_service_endpoint_host("cloudwatch", "monitoring", region);
	token_hdr = aws_creds_token_header(&cr);
	headers[0] = token_hdr;
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:monitoring", region);
	c.base = base;
	c.cr = &cr;
	c.headers = headers;
	c.sigv4 = sigv4;
	c.handle = httpget_handle();
	/* after a failed request the rest are not asked (denied for one, denied for all) */
	for (size_t i = 0, failed = n; i < n; i++) {
		if (error == NULL && (error = read_one(&c, ids[i], &lags[i], reason, sizeof reason)) != NULL) {
			failed = i;
			set_error(&lags[i], reason, error);
		} else if (error != NULL) {
			char *why = xasprintf("not asked after the request for %s failed: %s", ids[failed], error);

			set_error(&lags[i], reason, why);
			free(why);
		}
	}
	httpget_handle_free(c.handle);
	free(error);
	free(token_hdr);
	free(base);
	aws_creds_clear(&cr);
}
