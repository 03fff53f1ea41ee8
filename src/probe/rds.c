/*
 * rds.c: RDS instances through DescribeDBInstances (see probe_rds.h).
 *
 * DESIGN: one request (plus pages) per site and refresh, whatever the
 * number of instances, so a production-sized site costs one round trip.
 * The answer is parsed with libxml2 without network access or entities (a
 * DTD is refused), every string from AWS is sanitised, and the judgement
 * is a pure function of (terraform's values, AWS's answer, now) so it is
 * tested without a server.
 */
#include "drconsole/probe_rds.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/backup_schedule.h"
#include "drconsole/duration.h"
#include "drconsole/aws_creds.h"
#include "drconsole/httpget.h"
#include "drconsole/sanitize.h"
#include "drconsole/status.h"
#include "drconsole/strbuf.h"
#include "drconsole/util.h"

/* ---- parsing ------------------------------------------------------------------ */

static bool
named(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The element's text, sanitised, into buf. */
static void
text_into(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *v = xmlNodeGetContent(n);

	sanitize_copy_line(buf, len, v != NULL ? (const char *)v : "");
	xmlFree(v);
}

static const xmlNode *
child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

static void
parse_instance(const xmlNode *n, struct rds_seen *s)
{
	char buf[64];

	memset(s, 0, sizeof *s);
	s->retention = -1;
	s->latest_restorable_s = -1;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (named(c, "DBInstanceIdentifier")) {
			text_into(c, s->identifier, sizeof s->identifier);
		} else if (named(c, "DBInstanceStatus")) {
			text_into(c, s->status, sizeof s->status);
		} else if (named(c, "DBInstanceClass")) {
			text_into(c, s->instance_class, sizeof s->instance_class);
		} else if (named(c, "EngineVersion")) {
			text_into(c, s->engine_version, sizeof s->engine_version);
		} else if (named(c, "DBInstanceArn")) {
			text_into(c, s->arn, sizeof s->arn);
		} else if (named(c, "Endpoint")) {
			text_into(child(c, "Address"), s->endpoint, sizeof s->endpoint);
		} else if (named(c, "MultiAZ")) {
			text_into(c, buf, sizeof buf);
			s->multi_az = strcmp(buf, "true") == 0;
		} else if (named(c, "BackupRetentionPeriod")) {
			char *end;
			long v;

			text_into(c, buf, sizeof buf);
			v = strtol(buf, &end, 10);
			s->retention = end != buf && *end == '\0' && v >= 0 && v <= 1000 ? (int)v : -1;
		} else if (named(c, "LatestRestorableTime")) {
			long long t;

			text_into(c, buf, sizeof buf);
			if (backup_time_parse(buf, &t))
				s->latest_restorable_s = t;
		} else if (named(c, "ReadReplicaDBInstanceIdentifiers")) {
			for (const xmlNode *r = c->children; r != NULL; r = r->next)
				s->n_replicas += named(r, "ReadReplicaDBInstanceIdentifier");
		}
	}
}

static bool
has_bytes(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

int
rds_page_parse(const char *body, size_t len, struct rds_page *out, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	const xmlNode *root, *n;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (len == 0 || len > RDS_MAX_BODY) {
		snprintf(err, errlen, len == 0 ? "empty response" : "response larger than %u bytes",
			 RDS_MAX_BODY);
		return -1;
	}
	if (has_bytes(body, len, "<!DOCTYPE")) {
		snprintf(err, errlen, "a DTD in an RDS response is refused");
		return -1;
	}
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		fatal("xmlNewParserCtxt: out of memory");
	doc = xmlCtxtReadMemory(ctxt, body, (int)len, "rds-response.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		snprintf(err, errlen, "not XML");
		xmlFreeParserCtxt(ctxt);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (named(root, "ErrorResponse") || named(root, "Error")) {
		const xmlNode *e = named(root, "Error") ? root : child(root, "Error");

		out->is_error = true;
		text_into(child(e, "Code"), out->code, sizeof out->code);
		text_into(child(e, "Message"), out->message, sizeof out->message);
		if (out->code[0] == '\0')
			snprintf(out->code, sizeof out->code, "Error");
	} else if (named(root, "DescribeDBInstancesResponse") &&
		   (n = child(root, "DescribeDBInstancesResult")) != NULL) {
		const xmlNode *list = child(n, "DBInstances");
		size_t cap = 0;

		for (const xmlNode *c = list != NULL ? list->children : NULL; c != NULL; c = c->next) {
			if (!named(c, "DBInstance"))
				continue;
			if (out->n == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				out->items = xreallocarray(out->items, cap, sizeof *out->items);
			}
			parse_instance(c, &out->items[out->n++]);
		}
		text_into(child(n, "Marker"), out->marker, sizeof out->marker);
	} else {
		snprintf(err, errlen, "unexpected root element <%.64s>",
			 root != NULL ? (const char *)root->name : "(none)");
		rc = -1;
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (rc != 0)
		rds_page_free(out);
	return rc;
}

void
rds_page_free(struct rds_page *p)
{
	free(p->items);
	memset(p, 0, sizeof *p);
}

bool
rds_error_is_throttling(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled", "SlowDown",
	};

	for (size_t i = 0; i < ARRAY_LEN(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

/* ---- judgement ------------------------------------------------------------------ */

/* DBInstanceStatus values after which the instance does not serve. */
static bool
status_broken(const char *st)
{
	return strcmp(st, "failed") == 0 || strcmp(st, "storage-full") == 0 ||
	       strcmp(st, "inaccessible-encryption-credentials") == 0 ||
	       strcmp(st, "restore-error") == 0 || strcmp(st, "stopped") == 0 ||
	       strcmp(st, "deleting") == 0 || strncmp(st, "incompatible-", 13) == 0;
}

void
rds_judge(const struct aws_rds *want, const struct rds_seen *seen, const char *region,
	  bool primary, long long now_s, struct observation *o)
{
	struct strbuf notes = STRBUF_INIT;
	enum obs_status st = OBS_OK;
	char age[32];

	if (seen == NULL) {
		obs_set(o, OBS_CRIT, "missing", "%s is not in %s (DescribeDBInstances does not list it)",
			want->identifier, region);
		if (primary) {
			obs_add_field(o, "rpo_store", "postgres");
			obs_add_field(o, "rpo_kind", "pitr");
			obs_add_field(o, "rpo_scenario", "instance");
		obs_add_field(o, "rpo_part", "%s", want->identifier);
		}
		return;
	}
	obs_add_field(o, "db_status", "%s", seen->status);
	obs_add_field(o, "instance_class", "%s", seen->instance_class);
	obs_add_field(o, "engine_version", "%s", seen->engine_version);
	obs_add_field(o, "multi_az", "%s", seen->multi_az ? "yes" : "no");
	obs_add_field(o, "backup_retention_days", "%d", seen->retention);
	obs_add_field(o, "arn", "%s", seen->arn);
	obs_add_field(o, "endpoint", "%s", seen->endpoint);
	obs_add_field(o, "read_replicas", "%zu", seen->n_replicas);
	if (seen->latest_restorable_s >= 0) {
		char when[32];

		obs_add_field(o, "latest_restorable_time", "%s",
			      backup_time_format(seen->latest_restorable_s, when, sizeof when));
	}
	if (primary) {
		obs_add_field(o, "rpo_store", "postgres");
		obs_add_field(o, "rpo_kind", "pitr");
		obs_add_field(o, "rpo_scenario", "instance");
		obs_add_field(o, "rpo_part", "%s", want->identifier);
	}
	if (status_broken(seen->status)) {
		obs_set(o, OBS_CRIT, seen->status, "%s is %s", want->identifier, seen->status);
		return;
	}
	if (seen->retention == 0) {
		obs_set(o, OBS_CRIT, "no-pitr", "%s has automated backups off (BackupRetentionPeriod 0): "
			"no point-in-time recovery", want->identifier);
		return;
	}
	if (strcmp(seen->status, "available") != 0 && strcmp(seen->status, "backing-up") != 0) {
		st = OBS_WARN;
		strbuf_printf(&notes, "; status %s", seen->status);
	}
	if (want->multi_az && !seen->multi_az) {
		st = OBS_WARN;
		strbuf_printf(&notes, "; not Multi-AZ although terraform.yml says multi_az: true");
	}
	if (want->backup_retention > 0 && seen->retention >= 0 && seen->retention != want->backup_retention) {
		st = OBS_WARN;
		strbuf_printf(&notes, "; backup retention %d d, terraform.yml says %d",
			      seen->retention, want->backup_retention);
	}
	if (seen->latest_restorable_s < 0) {
		obs_set(o, st == OBS_OK ? OBS_UNKNOWN : st, "no-restore-time",
			"%s: no LatestRestorableTime yet (new instance or backups starting)%s",
			want->identifier, strbuf_str(&notes));
		strbuf_free(&notes);
		return;
	}
	{
		long long exposure = now_s - seen->latest_restorable_s;

		if (exposure < 0)
			exposure = 0;
		obs_set_value(o, (double)exposure, "s");
		if (primary)
			obs_add_field(o, "rpo_exposure_s", "%lld", exposure);
		duration_format(exposure * 1000, age, sizeof age);
		obs_set(o, st, seen->status, "PITR to %s ago, %s, retention %d d%s", age,
			seen->multi_az ? "Multi-AZ" : "single-AZ", seen->retention, strbuf_str(&notes));
	}
	strbuf_free(&notes);
}

/* ---- the probe ------------------------------------------------------------------ */

struct rds_target *
rds_target_create(enum site_role site, const struct aws_env *a, long long timeout_ms)
{
	struct rds_target *t = xcalloc(1, sizeof *t);

	/* before any worker thread exists: libcurl and libxml2 */
	httpget_global_init();
	t->site = site;
	t->region = xstrdup(a->region != NULL ? a->region : "us-east-1");
	t->timeout_ms = timeout_ms;
	t->n = a->n_rds;
	t->instances = xcalloc(a->n_rds + 1, sizeof *t->instances);
	for (size_t i = 0; i < a->n_rds; i++) {
		t->instances[i] = a->rds[i];	/* scalars */
		t->instances[i].identifier = xstrdup(a->rds[i].identifier);
		t->instances[i].instance_type = NULL;
		t->instances[i].engine_version = NULL;
		t->instances[i].backup_window = NULL;
		t->instances[i].group = xstrdup(a->rds[i].group);
		t->instances[i].endpoint = NULL;
		t->instances[i].databases = NULL;
		t->instances[i].n_databases = 0;
	}
	return t;
}

void
rds_target_free(void *target)
{
	struct rds_target *t = target;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->instances[i].identifier);
		free(t->instances[i].group);
	}
	free(t->instances);
	free(t->region);
	free(t);
}

/* Every instance the answer lists, appended to all; NULL error on success. */
static char *
describe_all(const struct rds_target *t, long long deadline, struct rds_page *all)
{
	struct aws_creds cr;
	char *base, *token_hdr, *error = NULL, *marker = NULL;
	char sigv4[128];
	const char *headers[2] = { NULL, NULL };
	long long backoff = 100;

	if (aws_creds_find(&cr, deadline - time_mono_ms(), &error) != 0)
		return error;
	base = aws_service_endpoint("rds", t->region);
	token_hdr = aws_creds_token_header(&cr);
	headers[0] = token_hdr;
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:rds", t->region);
	for (int page = 0; page < RDS_MAX_PAGES && error == NULL;) {
		long long left = deadline - time_mono_ms();
		char *m = marker != NULL ? httpget_escape(marker) : NULL;
		char *url = xasprintf("%s/?Action=DescribeDBInstances&Version=2014-10-31&MaxRecords=100%s%s",
				      base, m != NULL ? "&Marker=" : "", m != NULL ? m : "");
		char *shown = xasprintf("DescribeDBInstances in %s (%s)", t->region, base);
		struct httpget_request rq = { .url = url, .display = shown, .user = cr.access_key, .password = cr.secret_key,
					      .sigv4 = sigv4, .headers = headers,
					      .timeout_ms = left < t->timeout_ms ? left : t->timeout_ms };
		struct httpget_result r;
		struct rds_page p;
		char err[256];

		free(m);
		if (left <= 0) {
			error = xasprintf("%s: no answer before the probe deadline", shown);
			free(url);
			free(shown);
			break;
		}
		httpget_request(&rq, &r);
		if (r.error != NULL) {
			error = xstrdup(r.error);
		} else if (rds_page_parse(r.body, r.len, &p, err, sizeof err) != 0) {
			error = xasprintf("%s: HTTP %ld, %s", shown, r.status, err);
		} else if (p.is_error && rds_error_is_throttling(p.code) &&
			   time_mono_ms() + backoff < deadline) {
			/* slow down and ask again for the same page */
			aws_backoff(&backoff);
			rds_page_free(&p);
		} else if (p.is_error) {
			error = xasprintf("%s: %s: %s", shown, p.code, p.message);
			rds_page_free(&p);
		} else {
			all->items = xreallocarray(all->items, all->n + p.n + 1, sizeof *all->items);
			if (p.n > 0)	/* an empty page has no items array */
				memcpy(all->items + all->n, p.items, p.n * sizeof *p.items);
			all->n += p.n;
			free(marker);
			marker = p.marker[0] != '\0' ? xstrdup(p.marker) : NULL;
			rds_page_free(&p);
			page++;
			if (marker == NULL) {
				httpget_result_free(&r);
				free(url);
				free(shown);
				break;
			}
		}
		httpget_result_free(&r);
		free(url);
		free(shown);
	}
	if (error == NULL && marker != NULL)
		error = xasprintf("DescribeDBInstances in %s: more than %d pages", t->region, RDS_MAX_PAGES);
	free(marker);
	free(token_hdr);
	free(base);
	aws_creds_clear(&cr);
	return error;
}

static void
rds_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	const struct rds_target *t = job->target;
	long long start = time_mono_ms();
	struct rds_page all = { 0 };
	char *error = describe_all(t, start + ctx->timeout_ms, &all);
	long long now_s = time_wall_ms() / 1000;

	for (size_t i = 0; i < t->n; i++) {
		const struct aws_rds *w = &t->instances[i];
		const struct rds_seen *seen = NULL;
		char key[512];
		struct observation *o;

		snprintf(key, sizeof key, "%s/rds/%s", site_role_name(t->site), w->identifier);
		o = obs_create(t->site, "rds", key, w->identifier);
		obs_add_field(o, "region", "%s", t->region);
		obs_add_field(o, "inventory_group", "%s", w->group);
		if (error != NULL) {
			obs_set(o, OBS_UNKNOWN, "error", "%s", error);
			if (t->site == SITE_PRIMARY) {
				obs_add_field(o, "rpo_store", "postgres");
				obs_add_field(o, "rpo_kind", "pitr");
				obs_add_field(o, "rpo_scenario", "instance");
		obs_add_field(o, "rpo_part", "%s", w->identifier);
			}
		} else {
			for (size_t k = 0; k < all.n && seen == NULL; k++)
				if (strcmp(all.items[k].identifier, w->identifier) == 0)
					seen = &all.items[k];
			rds_judge(w, seen, t->region, t->site == SITE_PRIMARY, now_s, o);
		}
		o->latency_ms = time_mono_ms() - start;
		status_store_post(ctx->store, o);
	}
	free(error);
	rds_page_free(&all);
}

const struct probe_type probe_rds = {
	.name = "rds",
	.run = rds_run,
	.free_target = rds_target_free,
};
