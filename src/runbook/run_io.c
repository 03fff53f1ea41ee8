/*
 * run_io.c: what the run driver and the step kinds reach through (see
 * run_io.h): the operator, through struct run_ui, with every prompt
 * labelled with the mode and an unattended drill answering for itself; the
 * audit log; one executor per site (the one seam between the driver and the
 * transport); templates rendered with the run's variables; one-shot probe
 * passes over the run's SSH pools; and whether a site is reachable.
 */
#include "run_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/duration.h"
#include "drconsole/util/redact.h"
#include "drconsole/probe/probe_reach.h"
#include "drconsole/runbook/template.h"

/* ---- talking to the operator ---- */

void
run_say(struct run_state *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (redact_needed(msg, strlen(msg))) {	/* a command or output holding a presigned URL */
		char *clean = redact(msg, strlen(msg), NULL);

		free(msg);
		msg = clean;
	}
	r->p->ui->show(r->p->ui->ud, msg);
	free(msg);
}

bool
run_ask_confirm(struct run_state *r, const char *what)
{
	char *prompt = xasprintf("%s%s", r->label, what);
	bool ok;

	if (r->p->yes) {
		run_say(r, "%s -> yes (unattended drill)", prompt);
		ok = true;
	} else {
		ok = r->p->ui->confirm(r->p->ui->ud, prompt);
	}
	free(prompt);
	return ok;
}

bool
run_ask_typed(struct run_state *r, const char *what, const char *expected)
{
	char *prompt = xasprintf("%s%s", r->label, what);
	bool ok;

	if (r->p->yes) {
		run_say(r, "%s -> '%s' (unattended drill)", prompt, expected);
		ok = true;
	} else {
		ok = r->p->ui->confirm_typed(r->p->ui->ud, prompt, expected);
	}
	free(prompt);
	return ok;
}

/* Unattended runs always take the default (the safe option). */
int
run_ask_choose(struct run_state *r, const char *what, const char *const *opts, size_t n, int dflt)
{
	char *prompt = xasprintf("%s%s", r->label, what);
	int c;

	if (r->p->yes) {
		run_say(r, "%s -> %s (unattended drill: the default)", prompt, opts[dflt]);
		c = dflt;
	} else {
		c = r->p->ui->choose(r->p->ui->ud, prompt, opts, n, dflt);
	}
	free(prompt);
	return c < 0 || (size_t)c >= n ? dflt : c;
}

/* ---- the audit log ---- */

void
run_alog(struct run_state *r, json_t *ev)
{
	char *err = NULL;

	if (r->audit == NULL) {
		json_decref(ev);
		return;
	}
	json_object_set_new(ev, "run", json_string(r->run_id));
	json_object_set_new(ev, "mode", json_string(r->vars.mode));	/* run_mode_name() */
	if (audit_write(r->audit, ev, &err) != 0) {
		if (r->audit_failed == NULL) {
			run_say(r, "audit log: %s: stopping (nothing more will run)",
			    err != NULL ? err : "write failed");
			r->audit_failed = err != NULL ? err : xstrdup("write failed");
		} else {
			free(err);
		}
	}
}

/* ---- executors ---- */

/*
 * The executor for steps on a site's hosts: the one seam between the driver
 * and the transport. One kept-session pool per site (ssh.h), checking host
 * keys against the site's env known_hosts, then the configured user
 * known_hosts; user, identity, agent and timeouts from the config
 * (ssh_options_for_site, as the probes' pools).
 */
struct executor *
run_site_executor(struct run_state *r, enum site_role role)
{
	struct ssh_options o;

	if (r->ex[role] != NULL)
		return r->ex[role];
	if (r->p->mode == RUN_READ_ONLY) {	/* behind the gate in run_execute: never reached */
		r->ex[role] = executor_refusing_create(r->p->read_only_reason);
		return r->ex[role];
	}
	ssh_options_for_site(r->cfg, r->sites[role], &o);
	r->pool[role] = ssh_pool_create(&o);
	r->ex[role] = executor_ssh_create(r->pool[role]);
	return r->ex[role];
}

/* Wrap cmd so it runs as become (shell-quoted). */
char *
run_wrap_become(const char *cmd, const char *become, const char *user)
{
	char *q, *out;

	if (become == NULL || str_eq(become, user))
		return xstrdup(cmd);
	q = shell_quote(cmd);
	if (str_eq(user, "root")) {
		char *qu = shell_quote(become);

		out = xasprintf("runuser -u %s -- /bin/sh -c %s", qu, q);
		free(qu);
	} else if (str_eq(become, "root")) {
		out = xasprintf("sudo -n /bin/sh -c %s", q);
	} else {
		char *qu = shell_quote(become);

		out = xasprintf("sudo -n -u %s -- /bin/sh -c %s", qu, q);
		free(qu);
	}
	free(q);
	return out;
}

/* ---- templates, probes, reachability ---- */

char *
run_render(struct run_state *r, const char *tmpl, bool quote, const struct rb_step *st, char **err)
{
	struct template_error te;
	char *out;

	if (tmpl == NULL)
		return NULL;
	out = template_render_with(tmpl, run_vars_lookup, run_vars_lookup_raw, &r->vars, quote,
				   &te);
	run_vars_free(&r->vars);	/* the variables' values live for one render only */
	if (out == NULL)
		*err = xasprintf("step %s: %s", st->id, te.message);
	return out;
}

void
run_snap_take(struct run_state *r, struct run_snap *rs)
{
	memset(rs, 0, sizeof *rs);
	for (int i = 0; i < 2; i++) {
		if (r->sites[i] != NULL)
			(void)run_site_executor(r, (enum site_role)i);	/* creates the site's pool */
		rs->env.ssh[i] = r->pool[i];
	}
	rs->store = status_store_create(0);
	rs->sched = scheduler_create(rs->store, &rs->env, 16, r->cfg->refresh_ms);
	probes_add_all(rs->sched, rs->store, r->cfg, r->sites);
	scheduler_run_once(rs->sched, time_mono_ms() + r->cfg->probe_timeout_ms + 2000);
	rs->snap = status_store_snapshot(rs->store);
}

void
run_snap_free(struct run_snap *rs)
{
	status_snapshot_free(rs->snap);
	scheduler_free(rs->sched);
	status_store_free(rs->store);
}

/* A TCP connection to the site's control host within the SSH connect timeout. */
bool
run_reachable(void *ud, enum site_role role)
{
	struct run_state *r = ud;
	const struct site *s = r->sites[role];

	if (s == NULL || s->control_address == NULL)
		return false;
	return reach_tcp(s->control_address, s->control_port > 0 ? s->control_port : 22,
			 r->cfg->ssh.connect_timeout_ms > 0 ? r->cfg->ssh.connect_timeout_ms : 5000);
}

void
run_describe_command(struct step_exec *sx)
{
	const struct rb_step *st = sx->st;

	for (size_t k = 0; k < sx->n && sx->cmd != NULL; k++)
		run_say(sx->r, "  on %s (%s@%s:%d)%s%s", sx->t[k].host,
			sx->t[k].user != NULL ? sx->t[k].user : "", sx->t[k].address, sx->t[k].port,
			st->become != NULL ? ", as " : "", st->become != NULL ? st->become : "");
	if (sx->cmd != NULL)
		run_say(sx->r, "  command: %s", sx->cmd);
}
