/*
 * es.c: Elasticsearch snapshot probe.
 *
 * DESIGN: the parser (es_snapshots_parse) and the judgement
 * (es_snapshots_judge) are pure so the recorded wire formats of 6.8 and 7.x
 * test them directly; the probe only fetches, calls both and posts one
 * observation. Nodes are tried in order within the job's deadline; the
 * first that answers HTTP at all (any status) decides, since every node of
 * a cluster answers the same for a repository.
 */
#include "drconsole/probe/probe_es.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "drconsole/probe/httpget.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/config/site.h"
#include "drconsole/util/strbuf.h"

#define DAY_MS (24LL * 3600 * 1000)
#define HOUR_MS (3600LL * 1000)

static long long
int_member(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	return 0;
}

/* The error object (or the ES 1.x/2.x error string) as type and reason. */
static void
parse_error(const json_t *e, struct es_snapshot_summary *out)
{
	out->is_error = true;
	if (json_is_string(e)) {
		sanitize_copy_line(out->error_type, sizeof out->error_type, "error");
		sanitize_copy_line(out->error_reason, sizeof out->error_reason, json_string_value(e));
		return;
	}
	sanitize_copy_line(out->error_type, sizeof out->error_type,
		    json_string_value(json_object_get(e, "type")));
	sanitize_copy_line(out->error_reason, sizeof out->error_reason,
		    json_string_value(json_object_get(e, "reason")));
	if (out->error_type[0] == '\0')
		snprintf(out->error_type, sizeof out->error_type, "error");
}

static void
add_snapshot(const json_t *s, struct es_snapshot_summary *out)
{
	const char *name = json_string_value(json_object_get(s, "snapshot"));
	const char *state = json_string_value(json_object_get(s, "state"));
	long long start = int_member(s, "start_time_in_millis");
	long long end = int_member(s, "end_time_in_millis");

	if (!json_is_object(s))
		return;
	out->total++;
	if (name == NULL)
		name = "?";
	if (state == NULL)
		state = "?";
	if (str_eq(state, "SUCCESS")) {
		out->n_success++;
		if (!out->have_success || start > out->success_start_ms ||
		    (start == out->success_start_ms && end >= out->success_end_ms)) {
			const json_t *shards = json_object_get(s, "shards");

			out->have_success = true;
			sanitize_copy_line(out->newest_success, sizeof out->newest_success, name);
			out->success_start_ms = start;
			out->success_end_ms = end > 0 ? end : start;
			sanitize_copy_line(out->success_version, sizeof out->success_version,
				    json_string_value(json_object_get(s, "version")));
			out->success_shards_total = int_member(shards, "total");
		}
	} else if (str_eq(state, "FAILED")) {
		out->n_failed++;
	} else if (str_eq(state, "PARTIAL")) {
		out->n_partial++;
	} else if (str_eq(state, "IN_PROGRESS") || str_eq(state, "STARTED")) {
		out->n_in_progress++;
		if (!out->have_in_progress || start >= out->in_progress_start_ms) {
			out->have_in_progress = true;
			sanitize_copy_line(out->in_progress, sizeof out->in_progress, name);
			out->in_progress_start_ms = start;
		}
	} else {
		out->n_other++;
	}
}

static void
scan_snapshots(const json_t *arr, struct es_snapshot_summary *out)
{
	size_t i;
	const json_t *s;
	long long latest_start = -1;

	json_array_foreach(arr, i, s)
		add_snapshot(s, out);
	/* second pass: failures after the newest success, and the newest of all */
	json_array_foreach(arr, i, s) {
		const char *state = json_string_value(json_object_get(s, "state"));
		const char *name = json_string_value(json_object_get(s, "snapshot"));
		long long start = int_member(s, "start_time_in_millis");

		if (!json_is_object(s))
			continue;
		if (!out->have_success || start > out->success_start_ms) {
			if (str_eq(state, "FAILED"))
				out->failed_since++;
			else if (str_eq(state, "PARTIAL"))
				out->partial_since++;
		}
		if (start >= latest_start) {
			latest_start = start;
			out->have_latest = true;
			sanitize_copy_line(out->latest, sizeof out->latest, name != NULL ? name : "?");
			sanitize_copy_line(out->latest_state, sizeof out->latest_state,
				    state != NULL ? state : "?");
		}
	}
}

int
es_snapshots_parse(const char *body, size_t len, long http_status,
		   struct es_snapshot_summary *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v;
	int rc = 0;

	memset(out, 0, sizeof *out);
	root = json_loadb(body, len, 0, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON (line %d column %d: %s)", jerr.line, jerr.column,
			 jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "expected a JSON object");
		json_decref(root);
		return -1;
	}
	if ((v = json_object_get(root, "error")) != NULL && !json_is_null(v)) {
		parse_error(v, out);
	} else if (json_is_array(v = json_object_get(root, "snapshots"))) {
		scan_snapshots(v, out);
	} else if (json_is_array(v = json_object_get(root, "responses"))) {
		size_t i;
		const json_t *r;

		json_array_foreach(v, i, r) {
			const json_t *e = json_object_get(r, "error");

			if (e != NULL && !json_is_null(e))
				parse_error(e, out);
			else if (json_is_array(json_object_get(r, "snapshots")))
				scan_snapshots(json_object_get(r, "snapshots"), out);
		}
		/* an error for the only repository asked for is the answer */
		if (out->is_error && out->total > 0)
			out->is_error = false;
	} else {
		snprintf(err, errlen, "HTTP %ld: neither a snapshot list nor an error", http_status);
		rc = -1;
	}
	json_decref(root);
	return rc;
}

enum es_verdict
es_snapshots_judge(const struct es_snapshot_summary *s, int run_hour, long long now_ms,
		   long long *due_ms)
{
	long long day = now_ms - (now_ms % DAY_MS);
	long long slot = day + (long long)(run_hour % 24) * HOUR_MS;
	long long due;

	if (slot > now_ms)
		slot -= DAY_MS;
	/* the latest run may still be running: require the one before */
	due = now_ms - slot < (long long)ES_RUN_GRACE_S * 1000 ? slot - DAY_MS : slot;
	*due_ms = due;
	if (s->have_success && s->success_start_ms >= due - HOUR_MS)
		return ES_OK;
	if (s->have_in_progress && s->in_progress_start_ms >= due - HOUR_MS)
		return ES_IN_PROGRESS;
	if (s->have_success && s->success_start_ms >= due - DAY_MS - HOUR_MS)
		return ES_LATE;
	return ES_MISSING;
}

struct es_target *
es_target_create(enum site_role site, char *const *nodes, size_t n_nodes, int port,
		 const char *repository, int nadir_hour, bool offsite, bool rpo_headline,
		 long long timeout_ms)
{
	struct es_target *t = xcalloc(1, sizeof *t);

	t->site = site;
	t->nodes = xcalloc(n_nodes + 1, sizeof *t->nodes);
	for (size_t i = 0; i < n_nodes; i++)
		t->nodes[i] = xstrdup(nodes[i]);
	t->n_nodes = n_nodes;
	t->port = port > 0 ? port : 9200;
	t->repository = xstrdup(repository);
	t->run_hour = ((nadir_hour % 24) + 4 + 24) % 24;
	t->offsite = offsite;
	t->rpo_headline = rpo_headline;
	t->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	t->scheme = xstrdup("http");
	t->snapshots = true;
	return t;
}

void
es_target_free(void *target)
{
	struct es_target *t = target;

	if (t == NULL)
		return;
	str_array_free(t->nodes, t->n_nodes);
	free(t->repository);
	free(t->scheme);
	free(t);
}

static void
format_time(char *buf, size_t len, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
format_age(char *buf, size_t len, double s)
{
	if (s < 120)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0fm", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%.1fh", s / 3600);
	else
		snprintf(buf, len, "%.1fd", s / 86400);
}

static void
judge_into(const struct es_target *t, const struct es_snapshot_summary *s,
	   struct observation *o, long long now)
{
	long long due;
	enum es_verdict v = es_snapshots_judge(s, t->run_hour, now, &due);
	double age = s->have_success ? (double)(now - s->success_end_ms) / 1000.0 : -1;
	char when[32], agebuf[32] = "-", extra[128] = "";
	size_t bad = s->failed_since + s->partial_since;

	if (age < 0 && s->have_success)
		age = 0;
	format_time(when, sizeof when, due);
	obs_add_field(o, "due_run", "%s", when);
	obs_add_field(o, "run_hour_utc", "%d", t->run_hour);
	obs_add_field(o, "snapshots", "%zu", s->total);
	obs_add_field(o, "failed_since", "%zu", s->failed_since);
	obs_add_field(o, "partial_since", "%zu", s->partial_since);
	if (s->have_latest)
		obs_add_field(o, "latest", "%s (%s)", s->latest, s->latest_state);
	if (s->have_in_progress) {
		format_time(when, sizeof when, s->in_progress_start_ms);
		obs_add_field(o, "in_progress", "%s since %s", s->in_progress, when);
	}
	if (s->have_success) {
		obs_add_field(o, "newest_success", "%s", s->newest_success);
		format_time(when, sizeof when, s->success_end_ms);
		obs_add_field(o, "success_end", "%s", when);
		obs_add_field(o, "success_age_s", "%.0f", age);
		if (s->success_version[0] != '\0')
			obs_add_field(o, "es_version", "%s", s->success_version);
		obs_add_field(o, "success_shards", "%lld", s->success_shards_total);
		obs_set_value(o, age, "s");
		format_age(agebuf, sizeof agebuf, age);
	}
	if (bad > 0)
		snprintf(extra, sizeof extra, "; %zu failed, %zu partial since", s->failed_since,
			 s->partial_since);
	if (t->site == SITE_PRIMARY && t->offsite) {
		obs_add_field(o, OBS_F_RPO_STORE, "es");
		obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_BACKUP);
		obs_add_field(o, OBS_F_RPO_HEADLINE, "%s", t->rpo_headline ? "yes" : OBS_RPO_HEADLINE_NO);
		if (s->have_success)
			obs_add_field(o, OBS_F_RPO_EXPOSURE, "%.3f", age);
	}
	switch (v) {
	case ES_OK:
		obs_set(o, bad > 0 ? OBS_WARN : OBS_OK, "ok", "newest SUCCESS %s, %s old%s",
			s->newest_success, agebuf, extra);
		break;
	case ES_IN_PROGRESS:
		obs_set(o, bad > 0 ? OBS_WARN : OBS_OK, "in_progress",
			"snapshot %s in progress; newest SUCCESS %s%s", s->in_progress,
			s->have_success ? agebuf : "none", extra);
		break;
	case ES_LATE:
		obs_set(o, OBS_WARN, "late", "newest SUCCESS %s is %s old: the run due %s is missing%s",
			s->newest_success, agebuf, when, extra);
		break;
	case ES_MISSING:
		if (s->have_success)
			obs_set(o, OBS_CRIT, "missing", "newest SUCCESS %s is %s old (daily at %02d:00 UTC)%s",
				s->newest_success, agebuf, t->run_hour, extra);
		else
			obs_set(o, OBS_CRIT, "missing", "no SUCCESS snapshot in %s (%zu listed)%s",
				t->repository, s->total, extra);
		break;
	}
	if (o->status == OBS_OK && s->have_in_progress &&
	    now - s->in_progress_start_ms > (long long)ES_RUN_GRACE_S * 1000) {
		format_age(agebuf, sizeof agebuf, (double)(now - s->in_progress_start_ms) / 1000.0);
		obs_set(o, OBS_WARN, "stuck", "snapshot %s IN_PROGRESS for %s; newest SUCCESS %s",
			s->in_progress, agebuf, s->have_success ? s->newest_success : "none");
	}
}

static void
es_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	struct es_target *t = job->target;
	long long start = time_mono_ms();
	long long deadline = start + ctx->timeout_ms;
	struct strbuf errs = STRBUF_INIT;
	char key[512], subject[300];
	char *repo = httpget_escape(t->repository);
	struct observation *o;
	bool answered = false, timed_out = false;

	snprintf(key, sizeof key, "%s/es/%s", site_role_name(t->site), t->repository);
	snprintf(subject, sizeof subject, "snapshots %s", t->repository);
	o = obs_create(t->site, PROBE_NAME_ES, key, subject);
	obs_add_field(o, "repository", "%s", t->repository);
	if (!t->snapshots) {
		obs_set(o, OBS_OK, "off", "no snapshot mode on (backup_es_s3, es_local_repo, "
			"backup_es_swift): Elasticsearch is rebuilt from primary data");
		answered = true;
	}
	for (size_t i = 0; i < t->n_nodes && !answered; i++) {
		long long left = deadline - time_mono_ms();
		long long to = left < t->timeout_ms ? left : t->timeout_ms;
		char *url = xasprintf("%s://%s:%d/_snapshot/%s/_all", t->scheme, t->nodes[i],
				      t->port, repo);
		struct httpget_result r;
		struct es_snapshot_summary s;
		char err[256];

		if (to <= 0) {
			strbuf_printf(&errs, "%sGET %s: skipped, probe deadline reached",
				      errs.len > 0 ? "; " : "", url);
			free(url);
			break;
		}
		httpget(url, NULL, NULL, to, &r);
		if (r.error != NULL) {
			timed_out = timed_out || r.timed_out;
			strbuf_printf(&errs, "%s%s", errs.len > 0 ? "; " : "", r.error);
			httpget_result_free(&r);
			free(url);
			continue;
		}
		answered = true;
		obs_add_field(o, "node", "%s:%d", t->nodes[i], t->port);
		obs_add_field(o, "http_status", "%ld", r.status);
		if (es_snapshots_parse(r.body, r.len, r.status, &s, err, sizeof err) != 0) {
			obs_set(o, OBS_UNKNOWN, "error", "GET %s: HTTP %ld, %s", url, r.status, err);
		} else if (s.is_error || r.status >= 400) {
			obs_add_field(o, "error_type", "%s", s.error_type);
			obs_set(o, OBS_CRIT, "error", "GET %s: HTTP %ld %s: %s", url, r.status,
				s.is_error ? s.error_type : "error", s.is_error ? s.error_reason : "");
			if (t->site == SITE_PRIMARY && t->offsite) {
				obs_add_field(o, OBS_F_RPO_STORE, "es");
				obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_BACKUP);
				obs_add_field(o, OBS_F_RPO_HEADLINE, "%s", t->rpo_headline ? "yes" : OBS_RPO_HEADLINE_NO);
			}
		} else {
			judge_into(t, &s, o, time_wall_ms());
		}
		httpget_result_free(&r);
		free(url);
	}
	if (!answered) {
		obs_set(o, OBS_CRIT, timed_out ? "timeout" : "down", "%s",
			errs.len > 0 ? strbuf_str(&errs) : "no Elasticsearch node");
		if (t->site == SITE_PRIMARY && t->offsite) {
			obs_add_field(o, OBS_F_RPO_STORE, "es");
			obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_BACKUP);
			obs_add_field(o, OBS_F_RPO_HEADLINE, "%s", t->rpo_headline ? "yes" : OBS_RPO_HEADLINE_NO);
		}
	}
	o->latency_ms = time_mono_ms() - start;
	status_store_post(ctx->store, o);
	strbuf_free(&errs);
	free(repo);
}

const struct probe_type probe_es = {
	.name = "es",
	.run = es_run,
	.free_target = es_target_free,
};

size_t
es_add_jobs(const struct probe_setup *ps)
{
	const struct config *cfg = ps->cfg;
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = ps->sites[r];
		char key[512], subject[300];
		bool offsite;
		struct es_target *t;

		if (site == NULL || site->n_es == 0 || site->es_repository == NULL)
			continue;
		offsite = site_public_bool(site, "backup_es_s3", false) ||
			  site_public_bool(site, "backup_es_swift", false);
		snprintf(key, sizeof key, "%s/es/%s", site_role_name(site->role), site->es_repository);
		snprintf(subject, sizeof subject, "snapshots %s", site->es_repository);
		status_store_expect(ps->store, site->role, PROBE_NAME_ES, key, subject);
		t = es_target_create(site->role, site->es_nodes, site->n_es, (int)cfg->es.port,
				     site->es_repository, site->nadir_hour, offsite,
				     cfg->es.rpo_headline, cfg->es.timeout_ms);
		t->snapshots = site->es_snapshots;
		scheduler_add(ps->sched, &probe_es, key, t, cfg->probe_timeout_ms);
		n++;
	}
	return n;
}
