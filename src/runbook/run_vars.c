/*
 * run_vars.c: the pure parts of the run driver: template variables from
 * both site models, the config and the runbook; step targets; `when`
 * conditions; check matching; probe conditions over a status snapshot;
 * step timeouts; and run ids. Nothing here touches the network.
 */
#include "drconsole/runbook/run_vars.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/runbook/backup_pick.h"
#include "drconsole/runbook/recovery_pick.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/runbook/rpo_cut.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/runbook/template.h"
#include "drconsole/util/util.h"

long long
run_step_timeout_ms(const struct config *cfg, const struct rb_step *st)
{
	if (st->timeout_ms > 0)
		return st->timeout_ms;
	if (cfg != NULL && cfg->ssh.command_timeout_ms > 0)
		return cfg->ssh.command_timeout_ms;
	return 30LL * 60 * 1000;	/* ssh.command_timeout's default */
}

static const char *const var_names[] = {
	"run_id", "mode", "pg_version", "standby.host",
	"primary.env", "primary.deploy_env", "primary.site_host", "primary.control",
	"primary.pg_version", "primary.db_host", "primary.standby_host", "primary.postgres_bucket",
	"primary.env_dir",
	"secondary.env", "secondary.deploy_env", "secondary.site_host", "secondary.control",
	"secondary.pg_version", "secondary.db_host", "secondary.standby_host",
	"secondary.postgres_bucket", "secondary.env_dir",
	/* a restore's backup (backup_pick.h) */
	"backup.key", "backup.bucket", "backup.version_id", "backup.type", "backup.time",
	"backup.age", "backup.size", "backup.url",
	/* a fail-back run as the rollback of an uncommitted failover (run.h) */
	"rollback", "rollback_of",
	/* an AWS-hosted restore's recovery points (recovery_pick.h) */
	"recovery.plan", "recovery.targets", "recovery.sizes", "recovery.vault", "recovery.region",
	"recovery.account", "recovery.time", "recovery.age", "recovery.count", "recovery.skipped",
	NULL,
};

const char *const *
run_var_names(void)
{
	return var_names;
}

/* The first PostgreSQL host of s that is (or is not) a standby. */
static const char *
pg_host(const struct site *s, bool standby)
{
	for (size_t i = 0; s != NULL && i < s->n_pg; i++)
		if (s->pg[i].is_standby == standby && !s->pg[i].remote)
			return s->pg[i].host;
	return NULL;
}

static const char *
site_var(const struct site *s, const char *k)
{
	if (s == NULL)
		return NULL;
	if (strcmp(k, "env") == 0)
		return s->env_name;
	if (strcmp(k, "deploy_env") == 0)
		return s->deploy_env;
	if (strcmp(k, "site_host") == 0)
		return s->site_host;
	if (strcmp(k, "control") == 0)
		return s->control;
	if (strcmp(k, "pg_version") == 0)
		return s->pg_version;
	if (strcmp(k, "db_host") == 0)
		return pg_host(s, false);
	if (strcmp(k, "standby_host") == 0)
		return pg_host(s, true);
	if (strcmp(k, "postgres_bucket") == 0)
		return s->backups[STORE_POSTGRES].bucket;
	if (strcmp(k, "env_dir") == 0)
		return s->env_dir;
	return NULL;
}

/*
 * A runbook variable's definition rendered with the given quoting (kept in
 * v->scratch); NULL with *err on an error, a loop or too many variables.
 */
static const char *
render_var(struct run_vars *v, const char *tmpl, bool quote, struct template_error *err)
{
	char *out;

	if (v->depth >= 8 || v->n_scratch >= ARRAY_LEN(v->scratch)) {
		snprintf(err->message, sizeof err->message, "%s",
			 "runbook variables nested too deep (a loop?)");
		return NULL;
	}
	v->depth++;
	out = template_render_with(tmpl, run_vars_lookup, run_vars_lookup_raw, v, quote, err);
	v->depth--;
	if (out != NULL)
		v->scratch[v->n_scratch++] = out;
	return out;
}

const char *
run_vars_lookup_raw(void *ud, const char *name, bool quote, char *why, size_t len)
{
	struct run_vars *v = ud;
	struct template_error err = { 0, "" };
	const char *tmpl, *out;

	if (v->rb == NULL || (tmpl = runbook_var(v->rb, name)) == NULL) {
		snprintf(why, len, "\"| raw\" applies to runbook variables only; \"%s\" is %s",
			 name, run_vars_lookup(v, name) != NULL ? "a site value, always quoted" :
			 "not a runbook variable");
		return NULL;
	}
	/* command text: the values substituted inside it are quoted as anywhere */
	out = render_var(v, tmpl, quote, &err);
	if (out == NULL)
		snprintf(why, len, "in runbook variable \"%s\": %s", name, err.message);
	return out;
}

const char *
run_vars_lookup(void *ud, const char *name)
{
	struct run_vars *v = ud;
	const char *tmpl;

	if (v->rb != NULL && (tmpl = runbook_var(v->rb, name)) != NULL) {
		struct template_error err;

		/* a value: the caller quotes it whole */
		return render_var(v, tmpl, false, &err);
	}
	if (strcmp(name, "run_id") == 0)
		return v->run_id != NULL ? v->run_id : "RUN_ID";
	if (strcmp(name, "mode") == 0)
		return v->mode != NULL ? v->mode : "live";
	if (strcmp(name, "rollback") == 0)
		return v->rollback_of != NULL ? "true" : "false";
	if (strcmp(name, "rollback_of") == 0)
		return v->rollback_of != NULL ? v->rollback_of : "";
	if (strcmp(name, "pg_version") == 0)
		return v->sites[SITE_SECONDARY] != NULL && v->sites[SITE_SECONDARY]->pg_version != NULL ?
		       v->sites[SITE_SECONDARY]->pg_version :
		       v->sites[SITE_PRIMARY] != NULL ? v->sites[SITE_PRIMARY]->pg_version : NULL;
	if (strcmp(name, "standby.host") == 0)
		return pg_host(v->sites[SITE_SECONDARY], true);
	if (str_starts_with(name, "primary."))
		return site_var(v->sites[SITE_PRIMARY], name + 8);
	if (str_starts_with(name, "secondary."))
		return site_var(v->sites[SITE_SECONDARY], name + 10);
	if (str_starts_with(name, "backup."))
		return backup_choice_var(v->backup, name + 7);
	if (str_starts_with(name, "recovery."))
		return recovery_choice_var(v->recovery, name + 9);
	return NULL;
}

void
run_vars_free(struct run_vars *v)
{
	for (size_t i = 0; i < v->n_scratch; i++)
		free(v->scratch[i]);
	v->n_scratch = 0;
}

void
run_targets_free(struct run_target *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++) {
		free(t[i].host);
		free(t[i].address);
		free(t[i].user);
	}
	free(t);
}

static void
fill_target(struct run_target *t, const struct config *cfg, const struct site *s,
	    const struct site_host *h)
{
	t->host = xstrdup(h->name);
	t->address = xstrdup(h->address);
	t->port = h->port;
	t->user = cfg->ssh.user != NULL ? xstrdup(cfg->ssh.user) :
		  h->user != NULL ? xstrdup(h->user) :
		  s->remote_user != NULL ? xstrdup(s->remote_user) : NULL;
}

size_t
run_resolve_targets(const struct config *cfg, const struct site *site,
		    const char *target, struct run_target **out, char **err)
{
	const struct inv_group *g;
	const struct site_host *h;
	size_t n = 0, *idx;

	*out = NULL;
	if (site == NULL) {
		*err = xstrdup("the site is not loaded");
		return 0;
	}
	if (target == NULL || strcmp(target, "control") == 0) {
		if (site->control == NULL || (h = site_host_by_name(site, site->control)) == NULL) {
			*err = xasprintf("%s has no control host (sites.%s.control)", site->env_name,
					 site_role_name(site->role));
			return 0;
		}
		*out = xcalloc(1, sizeof **out);
		fill_target(*out, cfg, site, h);
		return 1;
	}
	if ((h = site_host_by_name(site, target)) != NULL) {
		*out = xcalloc(1, sizeof **out);
		fill_target(*out, cfg, site, h);
		return 1;
	}
	if (site->inv == NULL || (g = inventory_group(site->inv, target)) == NULL) {
		*err = xasprintf("'%s' is neither a host nor a group of %s's inventory", target,
				 site->env_name);
		return 0;
	}
	idx = inventory_group_hosts(site->inv, g, &n);
	*out = xcalloc(n == 0 ? 1 : n, sizeof **out);
	{
		size_t k = 0;

		/* hosts in ansible_skip (RDS, load balancers) are not SSH targets */
		for (size_t i = 0; i < n; i++)
			if ((h = site_host_by_name(site, site->inv->hosts[idx[i]].name)) != NULL)
				fill_target(&(*out)[k++], cfg, site, h);
		n = k;
	}
	free(idx);
	if (n == 0) {
		free(*out);
		*out = NULL;
		*err = xasprintf("group '%s' of %s has no SSH-able hosts", target, site->env_name);
	}
	return n;
}

int
run_eval_when(const char *cond, bool (*reachable)(void *ud, enum site_role site),
	      void *ud, struct run_vars *vars, char **err)
{
	char *c = str_trim(xstrdup(cond));
	int r;

	if (str_starts_with(c, "not ")) {
		r = run_eval_when(c + 4, reachable, ud, vars, err);
		free(c);
		return r < 0 ? r : !r;
	}
	if (strcmp(c, "primary.reachable") == 0 || strcmp(c, "secondary.reachable") == 0) {
		enum site_role s = c[0] == 'p' ? SITE_PRIMARY : SITE_SECONDARY;

		r = reachable != NULL && reachable(ud, s);
	} else if (vars != NULL && vars->rb != NULL && runbook_var(vars->rb, c) != NULL) {
		r = str_truthy(run_vars_lookup(vars, c));
	} else if (strcmp(c, "rollback") == 0) {
		r = vars != NULL && vars->rollback_of != NULL;
	} else {
		*err = xasprintf("unknown condition '%s' (primary.reachable, secondary.reachable, "
				 "rollback, not COND, or a runbook variable)", c);
		r = -1;
	}
	free(c);
	return r;
}

bool
run_output_matches(int exit_status, const char *output, int expect_exit,
		   const char *expect_output)
{
	if (exit_status != expect_exit)
		return false;
	if (expect_output != NULL && (output == NULL || strstr(output, expect_output) == NULL))
		return false;
	return true;
}

static const char *const probe_names[] = {
	"pg_standby", "pg_standby_caught_up", "pg_primary_slots", "hosts_up", "backup_fresh",
	"recovery_fresh", NULL,
};

const char *const *
run_probe_names(void)
{
	return probe_names;
}

/*
 * Caught up means nothing left to receive either: the upstream (a primary
 * observed on the other site, through its replication slots) must not be
 * ahead of what the standby replayed. A primary that still takes writes (a
 * fence that failed) keeps moving ahead. Not observed: not judged here.
 */
static bool
upstream_ahead(const struct status_snapshot *snap, const struct observation *standby,
	       struct strbuf *sb)
{
	uint64_t replay, cur;

	if (!rpo_lsn_parse(obs_field(standby, "replay_lsn"), &replay))
		return false;
	for (size_t i = 0; i < snap->n; i++) {
		const struct observation *o = snap->items[i];

		if (o->site == standby->site || !str_eq(o->probe, "pg") ||
		    !rpo_lsn_parse(obs_field(o, "current_lsn"), &cur) || cur <= replay)
			continue;
		strbuf_printf(sb, "%sFAIL %s: upstream %s is at WAL %s, %s replayed %s: %llu bytes "
			      "not received yet (writes still arriving: is the primary fenced?)",
			      sb->len > 0 ? "; " : "", standby->subject, o->subject,
			      obs_field(o, "current_lsn"), standby->subject,
			      obs_field(standby, "replay_lsn"), (unsigned long long)(cur - replay));
		return true;
	}
	return false;
}

int
run_probe_condition(const struct status_snapshot *snap, const struct rb_step *st, char **msg)
{
	const char *p = st->check_probe;
	enum site_role site = st->check_site;
	struct strbuf sb = STRBUF_INIT;
	size_t seen = 0, bad = 0;
	int known = 0;

	for (size_t k = 0; probe_names[k] != NULL; k++)
		known |= str_eq(p, probe_names[k]);
	if (!known) {
		*msg = xasprintf("unknown probe condition '%s'", p != NULL ? p : "");
		return -1;
	}
	if (str_eq(p, "recovery_fresh"))	/* the caller gives the objective when max_lag is unset */
		return recovery_fresh_condition(snap, site, st->check_max_lag_ms >= 0 ?
						st->check_max_lag_ms : LLONG_MAX / 1000, msg);
	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		bool ok;

		if (o->site != site)
			continue;
		if (str_eq(p, "pg_standby") || str_eq(p, "pg_standby_caught_up")) {
			if (!str_eq(o->probe, PROBE_NAME_PG) || !obs_field_is(o, OBS_F_PG_ROLE, OBS_PG_ROLE_STANDBY))
				continue;
			ok = obs_field_is(o, OBS_F_PG_RECEIVER, OBS_PG_RECEIVER_STREAMING);
			if (ok && str_eq(p, "pg_standby")) {
				if (st->check_max_lag_ms >= 0)
					ok = o->has_value && o->value * 1000.0 <= (double)st->check_max_lag_ms;
				else
					ok = o->status == OBS_OK;
			} else if (ok) {
				const char *gap = obs_field(o, OBS_F_PG_LSN_GAP);

				ok = gap != NULL && strtod(gap, NULL) == 0.0;
				if (ok && upstream_ahead(snap, o, &sb))
					ok = false;
			}
		} else if (str_eq(p, "pg_primary_slots")) {
			if (!str_eq(o->probe, PROBE_NAME_PG) || strstr(o->key, "/slot/") == NULL)
				continue;
			ok = o->status == OBS_OK;
		} else if (str_eq(p, "hosts_up")) {
			if (!str_eq(o->probe, PROBE_NAME_HOST))
				continue;
			ok = o->status == OBS_OK;
		} else {	/* backup_fresh */
			if (!obs_field_is(o, OBS_F_RPO_KIND, OBS_RPO_KIND_BACKUP) ||
			    (st->check_store != NULL && !obs_field_is(o, OBS_F_RPO_STORE, st->check_store)))
				continue;
			ok = o->status == OBS_OK;
		}
		seen++;
		if (!ok)
			bad++;
		strbuf_printf(&sb, "%s%s %s: %s %s", sb.len > 0 ? "; " : "", ok ? "ok" : "FAIL",
			      o->subject, o->state != NULL ? o->state : "?",
			      o->message != NULL ? o->message : "");
	}
	if (seen == 0) {
		strbuf_free(&sb);
		*msg = xasprintf("%s: nothing observed on the %s site (no such targets, or the "
				 "probe is not available)", p, site_role_name(site));
		return 0;
	}
	*msg = strbuf_detach(&sb);
	return bad == 0;
}

char *
run_make_id(long long wall_ms, const char *runbook_path)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	char ts[32];
	const char *base = strrchr(runbook_path, '/');
	char *name, *dot, *id;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	name = xstrdup(base != NULL ? base + 1 : runbook_path);
	if ((dot = strrchr(name, '.')) != NULL && dot != name)
		*dot = '\0';
	for (char *c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			*c = '_';
	id = xasprintf("%s-%s", ts, name);
	free(name);
	return id;
}
