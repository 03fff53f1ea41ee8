/*
 * run_vars.c: the pure parts of the run driver: template variables from
 * both site models, the config and the runbook; step targets; `when`
 * conditions; check matching; probe conditions over a status snapshot;
 * run ids; and runbook lint. Nothing here touches the network.
 */
#include "drconsole/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/strbuf.h"
#include "drconsole/template.h"
#include "drconsole/util.h"

const char *
run_mode_name(enum run_mode m)
{
	switch (m) {
	case RUN_LIVE:
		return "live";
	case RUN_DRILL:
		return "drill";
	case RUN_DRY:
		return "dry-run";
	case RUN_READ_ONLY:
		return "read-only";
	}
	return "live";
}

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

static bool
truthy(const char *s)
{
	return s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 ||
			     strcmp(s, "1") == 0 || strcmp(s, "True") == 0);
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
		r = truthy(run_vars_lookup(vars, c));
	} else {
		*err = xasprintf("unknown condition '%s' (primary.reachable, secondary.reachable, "
				 "not COND, or a runbook variable)", c);
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
	"pg_standby", "pg_standby_caught_up", "pg_primary_slots", "hosts_up", "backup_fresh", NULL,
};

const char *const *
run_probe_names(void)
{
	return probe_names;
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
	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		bool ok;

		if (o->site != site)
			continue;
		if (str_eq(p, "pg_standby") || str_eq(p, "pg_standby_caught_up")) {
			if (!str_eq(o->probe, "pg") || !str_eq(obs_field(o, "role"), "standby"))
				continue;
			ok = str_eq(obs_field(o, "receiver_status"), "streaming");
			if (ok && str_eq(p, "pg_standby")) {
				if (st->check_max_lag_ms >= 0)
					ok = o->has_value && o->value * 1000.0 <= (double)st->check_max_lag_ms;
				else
					ok = o->status == OBS_OK;
			} else if (ok) {
				const char *gap = obs_field(o, "lsn_gap_bytes");

				ok = gap != NULL && strtod(gap, NULL) == 0.0;
			}
		} else if (str_eq(p, "pg_primary_slots")) {
			if (!str_eq(o->probe, "pg") || strstr(o->key, "/slot/") == NULL)
				continue;
			ok = o->status == OBS_OK;
		} else if (str_eq(p, "hosts_up")) {
			if (!str_eq(o->probe, "host"))
				continue;
			ok = o->status == OBS_OK;
		} else {	/* backup_fresh */
			if (!str_eq(obs_field(o, "rpo_kind"), "backup") ||
			    (st->check_store != NULL && !str_eq(obs_field(o, "rpo_store"), st->check_store)))
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

/* ---- lint ---- */

struct lint_ctx {
	const struct runbook *rb;
	struct diag_list *dl;
	struct rb_pos pos;
	bool exact;		/* a one-line plain scalar: offsets map to columns */
};

static bool
known_name(const struct runbook *rb, const char *name)
{
	if (runbook_var(rb, name) != NULL)
		return true;
	for (size_t i = 0; var_names[i] != NULL; i++)
		if (strcmp(var_names[i], name) == 0)
			return true;
	return false;
}

static void
lint_name(void *ud, const char *name, size_t offset)
{
	struct lint_ctx *c = ud;

	if (!known_name(c->rb, name))
		diag_error(c->dl, c->rb->path, c->pos.line,
			   c->exact ? c->pos.col + (unsigned)offset : c->pos.col,
			   "unknown variable '%s' (known: runbook vars, run_id, pg_version, "
			   "standby.host, primary.*/secondary.* env, deploy_env, site_host, control, "
			   "db_host, standby_host, postgres_bucket)", name);
}

/* Every "| raw" is reported: a note on a runbook variable, an error on anything else. */
static void
lint_ref(void *ud, const char *name, bool raw, size_t offset)
{
	struct lint_ctx *c = ud;
	unsigned col = c->exact ? c->pos.col + (unsigned)offset : c->pos.col;

	lint_name(ud, name, offset);
	if (!raw)
		return;
	if (runbook_var(c->rb, name) != NULL)
		diag_add(c->dl, DIAG_NOTE, c->rb->path, c->pos.line, col,
			 "'%s | raw' inserts runbook variable %s as command text (the values "
			 "substituted inside it stay quoted)", name, name);
	else if (known_name(c->rb, name))
		diag_error(c->dl, c->rb->path, c->pos.line, col,
			   "'%s | raw': raw applies to runbook variables only; %s is a site "
			   "value and is always quoted", name, name);
}

static void
lint_template(struct lint_ctx *c, const char *tmpl, struct rb_pos pos)
{
	struct template_error err;

	if (tmpl == NULL)
		return;
	c->pos = pos;
	c->exact = strchr(tmpl, '\n') == NULL;
	if (!template_refs(tmpl, lint_ref, c, &err))
		diag_error(c->dl, c->rb->path, pos.line,
			   c->exact ? pos.col + (unsigned)err.offset : pos.col, "%s", err.message);
}

void
run_lint_runbook(const struct runbook *rb, const struct config *cfg,
		 struct site *const sites[2], struct diag_list *dl)
{
	struct lint_ctx c = { rb, dl, { 0, 0 }, false };

	for (size_t i = 0; i < rb->n_vars; i++)
		lint_template(&c, rb->vars[i].value, rb->vars[i].pos);
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *st = &rb->steps[i];
		const struct site *s = sites[st->on_site];

		lint_template(&c, st->title, st->pos_title);
		lint_template(&c, st->run, st->pos_run);
		lint_template(&c, st->check_command, st->pos_check_command);
		lint_template(&c, st->manual, st->pos_manual);
		lint_template(&c, st->verify_command, st->pos_verify_command);
		if (st->verify_sql != NULL && strstr(st->verify_sql, "{{") != NULL) {
			/* sent as written: a template there would reach PostgreSQL verbatim */
			size_t off = (size_t)(strstr(st->verify_sql, "{{") - st->verify_sql);
			bool exact = strchr(st->verify_sql, '\n') == NULL;

			diag_error(dl, rb->path, st->pos_verify_sql.line,
				   exact ? st->pos_verify_sql.col + (unsigned)off : st->pos_verify_sql.col,
				   "step %s: verify.sql is sent to PostgreSQL as written: \"{{\" is not "
				   "expanded there (templates belong in commands)", st->id);
		}
		if (st->kind == RB_RUN || st->check_command != NULL || st->verify_command != NULL ||
		    st->verify_sql != NULL) {
			struct run_target *t = NULL;
			char *err = NULL;
			size_t n = run_resolve_targets(cfg, s, st->on_target, &t, &err);

			if (n == 0 && s != NULL) {
				struct rb_pos p = st->pos_on.line != 0 ? st->pos_on : st->pos;

				/* an existing but empty group may be filled by an earlier manual step */
				if (st->on_target != NULL && s->inv != NULL &&
				    inventory_group(s->inv, st->on_target) != NULL)
					diag_warning(dl, rb->path, p.line, p.col, "step %s: %s (now)",
						     st->id, err);
				else
					diag_error(dl, rb->path, p.line, p.col, "step %s: %s", st->id, err);
			}
			free(err);
			run_targets_free(t, n);
		}
		if (st->check_probe != NULL) {
			bool known = false;

			for (size_t k = 0; probe_names[k] != NULL; k++)
				known |= strcmp(probe_names[k], st->check_probe) == 0;
			if (!known)
				diag_error(dl, rb->path, st->pos.line, st->pos.col,
					   "step %s: unknown probe condition '%s'", st->id, st->check_probe);
		}
		if (st->when != NULL) {
			char *err = NULL;
			struct run_vars v = { cfg, sites, rb, NULL, NULL, 0, { NULL }, 0 };

			if (run_eval_when(st->when, NULL, NULL, &v, &err) < 0)
				diag_error(dl, rb->path, st->pos_when.line, st->pos_when.col, "step %s: %s",
					   st->id, err);
			free(err);
			run_vars_free(&v);
		}
	}
}
