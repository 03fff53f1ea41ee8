/*
 * vault.c: AWS Backup vault recovery points (see probe_vault.h).
 *
 * DESIGN: one listing (with its pages) per vault and refresh, reduced while
 * it is read to the newest COMPLETED point per resource, so memory does not
 * grow with the vault's history. The judgement is pure and tested without
 * a server; the lab test answers with recorded AWS documents, as no AWS
 * Backup stand-in lists recovery points.
 */
#include "drconsole/probe/probe_vault.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/util/duration.h"
#include "drconsole/probe/aws_creds.h"
#include "drconsole/probe/httpget.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_rds.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/probe/status.h"
#include "drconsole/util/util.h"

/* ---- parsing ------------------------------------------------------------------ */

static void
str_into(json_t *o, const char *key, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	sanitize_copy_line(buf, len, v != NULL ? v : "");
}

static long long
time_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_number(v))
		return (long long)json_number_value(v);
	if (json_is_string(v)) {	/* ISO 8601, as some tools record it */
		long long t;

		if (backup_time_parse(json_string_value(v), &t))
			return t;
	}
	return -1;
}

int
vault_page_parse(const char *body, size_t len, struct vault_list *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *points;
	size_t i;
	json_t *rp;

	out->next_token[0] = '\0';
	if (len == 0 || len > VAULT_MAX_BODY) {
		snprintf(err, errlen, len == 0 ? "empty response" : "response larger than %u bytes",
			 VAULT_MAX_BODY);
		return -1;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON (line %d: %.80s)", je.line, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		json_decref(root);
		return -1;
	}
	points = json_object_get(root, "RecoveryPoints");
	if (!json_is_array(points)) {
		const char *code = json_string_value(json_object_get(root, "__type"));
		const char *c2 = json_string_value(json_object_get(root, "Code"));

		if (code == NULL)
			code = c2;
		if (code == NULL) {
			snprintf(err, errlen, "neither RecoveryPoints nor an AWS error");
			json_decref(root);
			return -1;
		}
		out->is_error = true;
		/* "com.amazonaws.backup#AccessDeniedException" -> "AccessDeniedException" */
		if (strchr(code, '#') != NULL)
			code = strchr(code, '#') + 1;
		sanitize_copy_line(out->code, sizeof out->code, code);
		str_into(root, json_object_get(root, "Message") != NULL ? "Message" : "message",
			 out->message, sizeof out->message);
		json_decref(root);
		return 0;
	}
	json_array_foreach(points, i, rp) {
		struct vault_point p, *have = NULL;
		bool completed;

		if (!json_is_object(rp))
			continue;
		memset(&p, 0, sizeof p);
		str_into(rp, "ResourceArn", p.resource_arn, sizeof p.resource_arn);
		str_into(rp, "ResourceType", p.resource_type, sizeof p.resource_type);
		str_into(rp, "RecoveryPointArn", p.recovery_point_arn, sizeof p.recovery_point_arn);
		str_into(rp, "Status", p.status, sizeof p.status);
		p.created_s = time_of(rp, "CreationDate");
		p.size_bytes = json_is_integer(json_object_get(rp, "BackupSizeInBytes")) ?
			(long long)json_integer_value(json_object_get(rp, "BackupSizeInBytes")) : -1;
		if (p.resource_arn[0] == '\0')
			continue;
		completed = strcmp(p.status, "COMPLETED") == 0 && p.created_s >= 0;
		for (size_t k = 0; k < out->n && have == NULL; k++)
			if (strcmp(out->items[k].resource_arn, p.resource_arn) == 0)
				have = &out->items[k];
		if (have == NULL) {
			out->items = xreallocarray(out->items, out->n + 1, sizeof *out->items);
			have = &out->items[out->n++];
			*have = p;
			have->created_s = -1;
			have->status[0] = '\0';
			have->n_points = 0;
			have->n_failed = 0;
		}
		have->n_points++;
		if (!completed)
			have->n_failed += strcmp(p.status, "CREATING") != 0;
		else if (p.created_s > have->created_s) {
			have->created_s = p.created_s;
			have->size_bytes = p.size_bytes;
			memcpy(have->status, p.status, sizeof have->status);
			memcpy(have->recovery_point_arn, p.recovery_point_arn, sizeof have->recovery_point_arn);
		}
	}
	str_into(root, "NextToken", out->next_token, sizeof out->next_token);
	json_decref(root);
	return 0;
}

void
vault_list_free(struct vault_list *l)
{
	free(l->items);
	memset(l, 0, sizeof *l);
}

const struct vault_point *
vault_find_rds(const struct vault_list *l, const char *identifier)
{
	size_t n = strlen(identifier);

	for (size_t i = 0; i < l->n; i++) {
		const char *arn = l->items[i].resource_arn, *db = strstr(arn, ":db:");

		if (db != NULL && strlen(db + 4) == n && strcmp(db + 4, identifier) == 0)
			return &l->items[i];
	}
	return NULL;
}

enum vault_verdict
vault_judge_age(long long created_s, long long now_s, long long *due_s)
{
	/* the latest daily run whose copy should have landed by now */
	long long run = now_s - now_s % 86400 + VAULT_RUN_HOUR * 3600;

	while (run + VAULT_GRACE_S > now_s)
		run -= 86400;
	*due_s = run;
	if (created_s >= run)
		return VAULT_OK;
	if (created_s >= run - 86400)
		return VAULT_LATE;
	return VAULT_MISSING;
}

/* ---- the probe ------------------------------------------------------------------ */

struct vault_target *
vault_target_create(enum site_role site, const struct aws_env *a, bool remote, long long timeout_ms)
{
	struct vault_target *t = xcalloc(1, sizeof *t);
	const char *region = remote ? a->plan.remote_region : a->region;
	const char *vault = remote ? a->plan.remote_vault : a->plan.local_vault;

	/* before any worker thread exists: libcurl and libxml2 */
	httpget_global_init();
	t->site = site;
	t->remote = remote;
	t->vault = xstrdup(vault != NULL ? vault : "");
	t->region = xstrdup(region != NULL ? region : "us-east-1");
	t->home_region = xstrdup(a->region != NULL ? a->region : "the primary's region");
	{
		const char *p = remote && a->remote_profile != NULL ? a->remote_profile : a->profile;

		t->profile = p != NULL ? xstrdup(p) : NULL;
	}
	t->timeout_ms = timeout_ms;
	t->ebs_planned = aws_env_ebs_in_plan(a);
	t->n = a->n_rds;
	t->instances = xcalloc(a->n_rds + 1, sizeof *t->instances);
	for (size_t i = 0; i < a->n_rds; i++) {
		t->instances[i].identifier = xstrdup(a->rds[i].identifier);
		t->instances[i].cross_region = a->rds[i].cross_region;
	}
	return t;
}

void
vault_target_free(void *target)
{
	struct vault_target *t = target;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->instances[i].identifier);
	free(t->instances);
	free(t->vault);
	free(t->region);
	free(t->home_region);
	free(t->profile);
	free(t);
}

/* Every page of the vault into all; NULL on success, else the error. */
static char *
list_all(const struct vault_target *t, long long deadline, struct vault_list *all)
{
	struct aws_creds cr;
	char *base = aws_service_endpoint("backup", t->region), *vault = httpget_escape(t->vault);
	char *token_hdr = NULL, *error = NULL, *shown;
	const char *headers[2] = { NULL, NULL };
	char sigv4[128];
	long long backoff = 100;
	int page = 0;

	shown = xasprintf("ListRecoveryPointsByBackupVault %s in %s (%s)", t->vault, t->region, base);
	if (aws_creds_find_profile(&cr, t->profile, deadline - time_mono_ms(), &error) != 0)
		goto out;
	token_hdr = aws_creds_token_header(&cr);
	headers[0] = token_hdr;
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:backup", t->region);
	while (error == NULL) {
		long long left = deadline - time_mono_ms();
		char *next = all->next_token[0] != '\0' ? httpget_escape(all->next_token) : NULL;
		char *url = xasprintf("%s/backup-vaults/%s/recovery-points/?maxResults=1000%s%s", base, vault,
				      next != NULL ? "&nextToken=" : "", next != NULL ? next : "");
		struct httpget_request rq = { .url = url, .display = shown, .user = cr.access_key, .password = cr.secret_key,
					      .sigv4 = sigv4, .headers = headers,
					      .timeout_ms = left < t->timeout_ms ? left : t->timeout_ms };
		struct httpget_result r;
		char err[256];

		free(next);
		if (left <= 0) {
			error = xasprintf("%s: no answer before the probe deadline", shown);
			free(url);
			break;
		}
		httpget_request(&rq, &r);
		free(url);
		if (r.error != NULL) {
			error = xstrdup(r.error);
		} else if (vault_page_parse(r.body, r.len, all, err, sizeof err) != 0) {
			error = xasprintf("%s: HTTP %ld, %s", shown, r.status, err);
		} else if (all->is_error && rds_error_is_throttling(all->code) &&
			   time_mono_ms() + backoff < deadline) {
			all->is_error = false;
			aws_backoff(&backoff);
		} else if (all->is_error) {
			error = xasprintf("%s: %s: %s", shown, all->code, all->message);
		} else if (all->next_token[0] == '\0') {
			httpget_result_free(&r);
			break;
		} else if (++page >= VAULT_MAX_PAGES) {
			error = xasprintf("%s: more than %d pages", shown, VAULT_MAX_PAGES);
		}
		httpget_result_free(&r);
	}
	aws_creds_clear(&cr);
out:
	free(shown);
	free(vault);
	free(token_hdr);
	free(base);
	return error;
}

static void
mark_source(const struct vault_target *t, struct observation *o, const char *identifier)
{
	if (t->site != SITE_PRIMARY)
		return;
	obs_add_field(o, OBS_F_RPO_STORE, "postgres");
	obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_BACKUP);
	obs_add_field(o, OBS_F_RPO_PART, "%s", identifier);
	if (!t->remote)
		obs_add_field(o, OBS_F_RPO_SCENARIO, OBS_RPO_SCENARIO_INSTANCE);
}

static void
judge_rds(const struct vault_target *t, const struct aws_rds *w, const struct vault_point *p,
	  long long now_s, struct observation *o)
{
	char age[32], due[32];
	long long due_s;
	enum vault_verdict v;

	obs_add_field(o, "vault", "%s", t->vault);
	obs_add_field(o, "region", "%s", t->region);
	if (t->remote && !w->cross_region) {
		/* no copy is ever made: the part stays without a site-loss source */
		obs_set(o, OBS_WARN, "outside", "%s is not in the backup plan (enable_cross_region_backup "
			"is not true): nothing outside %s can restore it", w->identifier, t->home_region);
		mark_source(t, o, w->identifier);
		return;
	}
	mark_source(t, o, w->identifier);
	if (p == NULL || p->created_s < 0) {
		obs_set(o, OBS_CRIT, "missing", "no COMPLETED recovery point of %s in %s (%s)%s",
			w->identifier, t->vault, t->region,
			p != NULL && p->n_failed > 0 ? "; only failed or expired ones" : "");
		return;
	}
	obs_add_field(o, "recovery_point_arn", "%s", p->recovery_point_arn);
	obs_add_field(o, "resource_arn", "%s", p->resource_arn);
	obs_add_field(o, "created", "%s", backup_time_format(p->created_s, due, sizeof due));
	obs_add_field(o, "points", "%zu", p->n_points);
	if (p->size_bytes >= 0)
		obs_add_field(o, "size_bytes", "%lld", p->size_bytes);
	obs_add_field(o, OBS_F_RPO_EXPOSURE, "%lld", now_s - p->created_s > 0 ? now_s - p->created_s : 0);
	obs_set_value(o, (double)(now_s - p->created_s > 0 ? now_s - p->created_s : 0), "s");
	duration_format((now_s - p->created_s) * 1000, age, sizeof age);
	v = vault_judge_age(p->created_s, now_s, &due_s);
	obs_add_field(o, "due_run", "%s", backup_time_format(due_s, due, sizeof due));
	obs_set(o, v == VAULT_OK ? OBS_OK : v == VAULT_LATE ? OBS_WARN : OBS_CRIT,
		v == VAULT_OK ? "ok" : v == VAULT_LATE ? "late" : "missing",
		"newest recovery point %s old in %s (%s)%s%s", age, t->vault, t->region,
		v == VAULT_OK ? "" : "; the run of ", v == VAULT_OK ? "" : due);
	if (p->n_failed > 0 && v == VAULT_OK) {
		obs_set(o, OBS_WARN, "failures", "newest recovery point %s old in %s; %zu not completed",
			age, t->vault, p->n_failed);
	}
}

static void
judge_ebs(const struct vault_target *t, const struct vault_list *l, long long now_s,
	  struct observation *o)
{
	size_t vols = 0;
	long long oldest = -1;
	char age[32];

	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->items[i].resource_type, "EBS") != 0 || l->items[i].created_s < 0)
			continue;
		vols++;
		if (oldest < 0 || l->items[i].created_s < oldest)
			oldest = l->items[i].created_s;
	}
	obs_add_field(o, "volumes_with_points", "%zu", vols);
	obs_add_field(o, "volumes_planned", "%zu", t->ebs_planned);
	if (t->ebs_planned == 0 && vols == 0) {
		obs_set(o, OBS_OK, "none", "no EBS volume in the backup plan");
		return;
	}
	if (vols < t->ebs_planned) {
		obs_set(o, OBS_CRIT, "missing", "%zu of the %zu EBS volumes terraform.yml puts in the plan "
			"have a COMPLETED recovery point in %s", vols, t->ebs_planned, t->vault);
		return;
	}
	{
		long long due_s;
		enum vault_verdict v = vault_judge_age(oldest, now_s, &due_s);

		duration_format((now_s - oldest) * 1000, age, sizeof age);
		obs_set_value(o, (double)(now_s - oldest), "s");
		obs_set(o, v == VAULT_OK ? OBS_OK : v == VAULT_LATE ? OBS_WARN : OBS_CRIT,
			v == VAULT_OK ? "ok" : v == VAULT_LATE ? "late" : "missing",
			"%zu EBS volumes; the stalest newest point is %s old", vols, age);
	}
}

static void
vault_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	const struct vault_target *t = job->target;
	const char *which = t->remote ? "remote" : "local";
	long long start = time_mono_ms();
	struct vault_list all;
	char *error, key[512], subject[300];
	long long now_s;
	struct observation *o;

	memset(&all, 0, sizeof all);
	error = list_all(t, start + ctx->timeout_ms, &all);
	now_s = time_wall_ms() / 1000;
	for (size_t i = 0; i <= t->n; i++) {
		const char *id = i < t->n ? t->instances[i].identifier : "ebs";

		snprintf(key, sizeof key, "%s/vault/%s/%s", site_role_name(t->site), which, id);
		snprintf(subject, sizeof subject, "%s %s copy", id, which);
		o = obs_create(t->site, PROBE_NAME_VAULT, key, subject);
		if (error != NULL) {
			obs_set(o, OBS_UNKNOWN, "error", "%s", error);
			if (i < t->n)
				mark_source(t, o, id);
		} else if (i < t->n) {
			judge_rds(t, &t->instances[i], vault_find_rds(&all, id), now_s, o);
		} else {
			judge_ebs(t, &all, now_s, o);
		}
		o->latency_ms = time_mono_ms() - start;
		status_store_post(ctx->store, o);
	}
	free(error);
	vault_list_free(&all);
}

const struct probe_type probe_vault = {
	.name = "vault",
	.run = vault_run,
	.free_target = vault_target_free,
};

size_t
vault_add_jobs(const struct probe_setup *ps)
{
	const struct site *site = ps->sites[SITE_PRIMARY];
	const struct aws_env *a = site != NULL ? site->aws : NULL;
	size_t n = 0;

	if (a == NULL || !a->plan.present)
		return 0;
	for (int remote = 1; remote >= 0; remote--) {
		const char *which = remote ? "remote" : "local";
		char key[512], subject[300];

		if ((remote ? a->plan.remote_vault : a->plan.local_vault) == NULL)
			continue;
		for (size_t i = 0; i <= a->n_rds; i++) {
			const char *id = i < a->n_rds ? a->rds[i].identifier : "ebs";

			snprintf(key, sizeof key, "%s/vault/%s/%s", site_role_name(site->role), which, id);
			snprintf(subject, sizeof subject, "%s %s copy", id, which);
			status_store_expect(ps->store, site->role, PROBE_NAME_VAULT, key, subject);
		}
		snprintf(key, sizeof key, "%s/vault/%s", site_role_name(site->role), which);
		scheduler_add(ps->sched, &probe_vault, key,
			      vault_target_create(site->role, a, remote, ps->cfg->probe_timeout_ms),
			      ps->cfg->probe_timeout_ms);
		n++;
	}
	return n;
}
