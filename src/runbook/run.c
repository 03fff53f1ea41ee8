/*
 * run.c: the run driver (see run.h). One pass over the steps in order; every
 * decision and every start/end is journaled (fsync) before it is acted on,
 * and applied to the engine from the same event, so a resumed run replays
 * to exactly the state the journal records. The operator is reached only
 * through struct run_ui; remote output is sanitised before show() and
 * before it is stored.
 */
#include "drconsole/run.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drconsole/audit.h"
#include "drconsole/digest.h"
#include "drconsole/duration.h"
#include "drconsole/engine.h"
#include "drconsole/history.h"
#include "drconsole/journal.h"
#include "drconsole/lock.h"
#include "drconsole/log.h"
#include "drconsole/probes.h"
#include "drconsole/rpo.h"
#include "drconsole/sanitize.h"
#include "drconsole/scheduler.h"
#include "drconsole/state_dir.h"
#include "drconsole/ssh.h"
#include "drconsole/strbuf.h"
#include "drconsole/template.h"
#include "drconsole/util.h"

#define HEARTBEAT_MS		30000	/* the lock's keeper refreshes it this often (a quarter of a short stale limit) */
#define EXIT_REFUSED_RC		2	/* refused before anything ran */
#define OUTPUT_KEEP		4096	/* sanitised output kept in the journal per step */

struct run {
	const struct run_params *p;
	const struct config *cfg;
	struct runbook *rb;
	struct engine eng;
	struct journal *j;
	struct audit *audit;
	char *run_id;
	char *user;
	const char *label;		/* "[DRILL] ", "[DRY-RUN] " or "" */
	struct executor *ex[2];
	struct ssh_pool *pool[2];
	struct run_vars vars;
	struct run_lock lock;
	struct run_target *lock_t;	/* the lock's host (lock.where points into it) */
	size_t lock_n;
	bool have_lock;
	struct ssh_pool *lock_pool;	/* the lock's own sessions: the keeper must not wait for a step */
	struct executor *lock_ex;
	bool journal_failed;
	char *audit_failed;		/* why the audit log failed; the run stops */
	bool audit_failed_journaled;
	int current;			/* step being worked on, -1 none */
	char **titles;			/* rendered step titles (rb->n_steps) */
	char *rb_text;			/* the runbook file as read (journaled in run_start) */
	size_t rb_len;
	char rb_sha256[DIGEST_SHA256_HEX_LEN + 1];
};

/* Tell the UI the state changed (run_ui.progress). */
static void
notify(struct run *r, bool finished, int rc)
{
	struct run_progress pg;

	if (r->p->ui->progress == NULL)
		return;
	memset(&pg, 0, sizeof pg);
	pg.run_id = r->run_id;
	pg.rb = r->rb;
	pg.eng = &r->eng;
	pg.mode = r->p->mode;
	pg.current = r->current;
	pg.titles = (const char *const *)r->titles;
	pg.finished = finished;
	pg.rc = rc;
	r->p->ui->progress(r->p->ui->ud, &pg);
}

/* ---- talking to the operator ---- */

static void PRINTF_LIKE(2, 3)
say(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	r->p->ui->show(r->p->ui->ud, msg);
	free(msg);
}

static bool
ask_confirm(struct run *r, const char *what)
{
	char *prompt = xasprintf("%s%s", r->label, what);
	bool ok;

	if (r->p->yes) {
		say(r, "%s -> yes (unattended drill)", prompt);
		ok = true;
	} else {
		ok = r->p->ui->confirm(r->p->ui->ud, prompt);
	}
	free(prompt);
	return ok;
}

static bool
ask_typed(struct run *r, const char *what, const char *expected)
{
	char *prompt = xasprintf("%s%s", r->label, what);
	bool ok;

	if (r->p->yes) {
		say(r, "%s -> '%s' (unattended drill)", prompt, expected);
		ok = true;
	} else {
		ok = r->p->ui->confirm_typed(r->p->ui->ud, prompt, expected);
	}
	free(prompt);
	return ok;
}

/* Unattended runs always take the default (the safe option). */
static int
ask_choose(struct run *r, const char *what, const char *const *opts, size_t n, int dflt)
{
	char *prompt = xasprintf("%s%s", r->label, what);
	int c;

	if (r->p->yes) {
		say(r, "%s -> %s (unattended drill: the default)", prompt, opts[dflt]);
		c = dflt;
	} else {
		c = r->p->ui->choose(r->p->ui->ud, prompt, opts, n, dflt);
	}
	free(prompt);
	return c < 0 || (size_t)c >= n ? dflt : c;
}

/* ---- journal and audit ---- */

/* Journal ev (fsync), then apply it to the engine. false: the journal failed, stop. */
static bool
jlog(struct run *r, json_t *ev)
{
	char *err = NULL;

	json_incref(ev);
	if (journal_append(r->j, ev, &err) != 0) {
		say(r, "journal: %s: stopping (nothing more will run)", err != NULL ? err : "failed");
		free(err);
		json_decref(ev);
		r->journal_failed = true;
		return false;
	}
	engine_apply(&r->eng, ev);
	json_decref(ev);
	notify(r, false, 0);
	return true;
}

static void
alog(struct run *r, json_t *ev)
{
	char *err = NULL;

	if (r->audit == NULL) {
		json_decref(ev);
		return;
	}
	json_object_set_new(ev, "run", json_string(r->run_id));
	json_object_set_new(ev, "mode", json_string(run_mode_name(r->p->mode)));
	if (audit_write(r->audit, ev, &err) != 0) {
		if (r->audit_failed == NULL) {
			say(r, "audit log: %s: stopping (nothing more will run)",
			    err != NULL ? err : "write failed");
			r->audit_failed = err != NULL ? err : xstrdup("write failed");
		} else {
			free(err);
		}
	}
}

/*
 * A failed audit write stops the run as a failed journal write does: the
 * journal records why (the run stays open, so it can be resumed once the
 * state filesystem has room), then nothing more is started.
 */
static bool
audit_ok(struct run *r)
{
	if (r->audit_failed == NULL)
		return true;
	if (r->j != NULL && !r->journal_failed && !r->audit_failed_journaled) {
		r->audit_failed_journaled = true;
		jlog(r, json_pack("{s:s,s:s}", "event", "audit_failed", "error", r->audit_failed));
	}
	return false;
}

/* ---- executors ---- */

/*
 * The executor for steps on a site's hosts: the one seam between the driver
 * and the transport. One kept-session pool per site (ssh.h), checking host
 * keys against the site's env known_hosts, then the configured user
 * known_hosts; user, identity, agent and timeouts from the config.
 */
static void
site_ssh_options(const struct run *r, enum site_role role, struct ssh_options *out)
{
	const struct site *s = r->p->sites[role];
	struct ssh_options o;

	memset(&o, 0, sizeof o);
	o.user = r->cfg->ssh.user != NULL ? r->cfg->ssh.user : s != NULL ? s->remote_user : NULL;
	o.identity_file = r->cfg->ssh.identity_file;
	o.agent = r->cfg->ssh.agent;
	o.env_known_hosts = s != NULL ? s->known_hosts_path : NULL;
	o.user_known_hosts = r->cfg->ssh.known_hosts;
	o.connect_timeout_ms = r->cfg->ssh.connect_timeout_ms;
	o.keepalive_ms = r->cfg->ssh.keepalive_ms;
	*out = o;
}

static struct executor *
site_executor(struct run *r, enum site_role role)
{
	struct ssh_options o;

	if (r->ex[role] != NULL)
		return r->ex[role];
	if (r->p->mode == RUN_READ_ONLY) {	/* behind the gate in run_execute: never reached */
		r->ex[role] = executor_refusing_create(r->p->read_only_reason);
		return r->ex[role];
	}
	site_ssh_options(r, role, &o);
	r->pool[role] = ssh_pool_create(&o);
	r->ex[role] = executor_ssh_create(r->pool[role]);
	return r->ex[role];
}

/* Wrap cmd so it runs as become (shell-quoted). */
static char *
wrap_become(const char *cmd, const char *become, const char *user)
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

struct host_out {
	struct run *r;
	const struct run_target *t;
	bool stream;			/* show complete lines as they come */
	struct sanitize_state ss;
	struct strbuf text;		/* sanitised output */
	size_t shown;			/* bytes of text already shown */
	struct exec_result res;
	int rc;
	const char *command;
	long long timeout_ms;
};

static void
flush_lines(struct host_out *h, bool all)
{
	while (h->shown < h->text.len) {
		const char *start = h->text.buf + h->shown;
		const char *nl = memchr(start, '\n', h->text.len - h->shown);
		size_t n;
		char *line;

		if (nl == NULL && !all)
			break;
		n = nl != NULL ? (size_t)(nl - start) : h->text.len - h->shown;
		line = xstrndup(start, n);
		say(h->r, "  %s| %s", h->t->host, line);
		free(line);
		h->shown += n + (nl != NULL ? 1 : 0);
	}
}

static void
on_output(void *ud, enum exec_stream stream, const char *data, size_t len)
{
	struct host_out *h = ud;

	(void)stream;
	sanitize_feed(&h->ss, data, len, &h->text);
	if (h->stream)
		flush_lines(h, false);
}

static void
run_one(struct host_out *h, struct executor *ex)
{
	struct exec_request req;

	memset(&req, 0, sizeof req);
	req.host = h->t->host;
	req.address = h->t->address;
	req.port = h->t->port;
	req.user = h->t->user;
	req.command = h->command;
	req.timeout_ms = h->timeout_ms;
	req.on_output = on_output;
	req.ud = h;
	req.cancel = h->r->p->cancel;
	sanitize_init(&h->ss, 0);
	h->rc = ex->run(ex, &req, &h->res);
	sanitize_finish(&h->ss, &h->text);
}

struct par_arg {
	struct host_out *h;
	struct executor *ex;
};

static void *
par_main(void *arg)
{
	struct par_arg *a = arg;

	run_one(a->h, a->ex);
	return NULL;
}

/* Timed out or cancelled, and the kill not confirmed: the command may still run. */
static bool
outcome_unknown(const struct host_out *h)
{
	return h->rc == 0 && (h->res.timed_out || h->res.cancelled) && !h->res.kill_confirmed;
}

/* A one-line description of how a host's command ended. */
static char *
describe(const struct host_out *h)
{
	if (h->rc != 0)
		return xasprintf("could not run: %s", h->res.error != NULL ? h->res.error : "?");
	if (outcome_unknown(h)) {
		char what[64], pid[64];

		if (h->res.timed_out)
			snprintf(what, sizeof what, "timed out after %lldms", h->timeout_ms);
		else
			snprintf(what, sizeof what, "cancelled");
		if (h->res.pid > 0)
			snprintf(pid, sizeof pid, "remote pid %ld", h->res.pid);
		else
			snprintf(pid, sizeof pid, "remote pid not known");
		return xasprintf("%s; outcome UNKNOWN: the kill was not confirmed, the command may "
				 "still be running on %s (%s)", what, h->t->host, pid);
	}
	if (h->res.timed_out)
		return xasprintf("timed out after %lldms (killed: confirmed gone)", h->timeout_ms);
	if (h->res.cancelled)
		return xstrdup("cancelled (killed: confirmed gone)");
	if (h->res.exit_signal != 0)
		return xasprintf("killed by signal %d", h->res.exit_signal);
	return xasprintf("exit %d", h->res.exit_status);
}

/*
 * Run cmd on every target (serially, or in parallel); each host's result is
 * audited. Returns true when all exited with expect_exit and (when given)
 * printed expect_output. *exit_out is the first failing (or last) status;
 * *output_out the sanitised output (caller frees). Hosts where the command
 * timed out or was cancelled and its end was not confirmed go to *unknown
 * (caller frees with remote_free; unknown may be NULL).
 */
static bool
exec_targets(struct run *r, const struct rb_step *st, enum site_role site, const char *cmd,
	     const struct run_target *t, size_t n, bool parallel, int expect_exit,
	     const char *expect_output, int *exit_out, char **output_out,
	     struct step_remote **unknown, size_t *n_unknown)
{
	struct executor *ex = site_executor(r, site);
	struct host_out *hs = xcalloc(n, sizeof *hs);
	struct strbuf all = STRBUF_INIT;
	bool ok = true;

	*exit_out = 0;
	if (unknown != NULL) {
		*unknown = xcalloc(n + 1, sizeof **unknown);
		*n_unknown = 0;
	}
	for (size_t i = 0; i < n; i++) {
		hs[i].r = r;
		hs[i].t = &t[i];
		hs[i].stream = !parallel;
		hs[i].command = NULL;
		hs[i].timeout_ms = run_step_timeout_ms(r->cfg, st);
	}
	{
		char **cmds = xcalloc(n, sizeof *cmds);

		for (size_t i = 0; i < n; i++) {
			cmds[i] = wrap_become(cmd, st->become, t[i].user);
			hs[i].command = cmds[i];
		}
		if (parallel && n > 1) {
			pthread_t *th = xcalloc(n, sizeof *th);
			struct par_arg *args = xcalloc(n, sizeof *args);

			for (size_t i = 0; i < n; i++) {
				args[i].h = &hs[i];
				args[i].ex = ex;
				if (pthread_create(&th[i], NULL, par_main, &args[i]) != 0)
					run_one(&hs[i], ex), th[i] = 0;
			}
			for (size_t i = 0; i < n; i++)
				if (th[i] != 0)
					pthread_join(th[i], NULL);
			free(th);
			free(args);
		} else {
			for (size_t i = 0; i < n; i++) {
				say(r, "  %s (%s): %s", t[i].host, t[i].address, cmds[i]);
				run_one(&hs[i], ex);
				if (!parallel && (hs[i].rc != 0 || hs[i].res.exit_status != expect_exit)) {
					/* serial: stop at the first failing host */
					for (size_t k = i + 1; k < n; k++)
						hs[k].rc = 1, hs[k].res.error = xstrdup("not run (an earlier host failed)");
					break;
				}
			}
		}
		for (size_t i = 0; i < n; i++) {
			char *d = describe(&hs[i]);
			bool host_ok = hs[i].rc == 0 && !hs[i].res.timed_out &&
				       run_output_matches(hs[i].res.exit_status, strbuf_str(&hs[i].text),
							  expect_exit, expect_output);

			if (parallel && n > 1)
				say(r, "  %s (%s): %s", t[i].host, t[i].address, cmds[i]);
			flush_lines(&hs[i], true);
			say(r, "  %s: %s%s", t[i].host, d, host_ok ? "" :
			    (hs[i].rc == 0 && expect_output != NULL &&
			     hs[i].res.exit_status == expect_exit) ? " (expected output not found)" : "");
			if (!host_ok && ok) {
				ok = false;
				*exit_out = hs[i].res.exit_status;
			} else if (ok) {
				*exit_out = hs[i].res.exit_status;
			}
			if (outcome_unknown(&hs[i]) && unknown != NULL) {
				(*unknown)[*n_unknown].host = xstrdup(t[i].host);
				(*unknown)[(*n_unknown)++].pid = hs[i].res.pid;
			}
			if (hs[i].rc == 0 || hs[i].res.error == NULL || !str_starts_with(hs[i].res.error, "not run"))
				alog(r, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:b,s:s?,s:s?}", "event", "command",
					"step", st->id, "host", t[i].host, "address", t[i].address,
					"command", cmds[i], "exit", hs[i].res.exit_status,
					"duration_ms", (json_int_t)hs[i].res.duration_ms, "ok", host_ok,
					"error", hs[i].rc != 0 ? hs[i].res.error : NULL,
					"outcome", outcome_unknown(&hs[i]) ? "unknown" : NULL));
			strbuf_printf(&all, "%s%s: %s\n", n > 1 ? "" : "", t[i].host, d);
			strbuf_puts(&all, strbuf_str(&hs[i].text));
			free(d);
			strbuf_free(&hs[i].text);
			exec_result_clear(&hs[i].res);
			free(cmds[i]);
		}
		free(cmds);
	}
	free(hs);
	if (all.len > OUTPUT_KEEP) {
		char *tail = xstrdup(all.buf + all.len - OUTPUT_KEEP);

		strbuf_free(&all);
		*output_out = tail;
	} else {
		*output_out = strbuf_detach(&all);
	}
	return ok;
}

/* ---- probes, reachability, SQL ---- */

struct probe_run {
	struct probe_env env;		/* borrows the run's SSH pools */
	struct status_store *store;
	struct scheduler *sched;
	struct status_snapshot *snap;
};

static void
probe_once(struct run *r, struct probe_run *pr)
{
	memset(pr, 0, sizeof *pr);
	for (int i = 0; i < 2; i++) {
		if (r->p->sites[i] != NULL)
			(void)site_executor(r, (enum site_role)i);	/* creates the site's pool */
		pr->env.ssh[i] = r->pool[i];
	}
	pr->store = status_store_create(0);
	pr->sched = scheduler_create(pr->store, &pr->env, 16, r->cfg->refresh_ms);
	probes_add_all(pr->sched, pr->store, r->cfg, r->p->sites);
	scheduler_run_once(pr->sched, time_mono_ms() + r->cfg->probe_timeout_ms + 2000);
	pr->snap = status_store_snapshot(pr->store);
}

static void
probe_free(struct probe_run *pr)
{
	status_snapshot_free(pr->snap);
	scheduler_free(pr->sched);
	status_store_free(pr->store);
}

/* A TCP connection to the site's control host within the SSH connect timeout. */
static bool
reachable(void *ud, enum site_role role)
{
	struct run *r = ud;
	const struct site *s = r->p->sites[role];
	struct addrinfo hints, *ai = NULL;
	char port[16];
	bool ok = false;
	int fd;

	if (s == NULL || s->control_address == NULL)
		return false;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof port, "%d", s->control_port > 0 ? s->control_port : 22);
	if (getaddrinfo(s->control_address, port, &hints, &ai) != 0 || ai == NULL)
		return false;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ok = true;
		} else if (errno == EINPROGRESS) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			int soerr = 0;
			socklen_t sl = sizeof soerr;
			long long to = r->cfg->ssh.connect_timeout_ms > 0 ? r->cfg->ssh.connect_timeout_ms : 5000;

			if (poll(&pfd, 1, (int)to) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				ok = true;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

/* sql on the target's PostgreSQL must return true; retried for 15 s (a promote settles). */
static bool
verify_sql(struct run *r, const struct run_target *t, const char *sql, char **msg)
{
	char port[32], timeout[32];
	long long until = time_mono_ms() + 15000;
	const char *keys[] = { "host", "port", "user", "dbname", "sslmode", "connect_timeout",
			       "options", "application_name", NULL };
	const char *vals[9];

	snprintf(port, sizeof port, "%lld", r->cfg->pg.port > 0 ? r->cfg->pg.port : 5432);
	snprintf(timeout, sizeof timeout, "%lld",
		 r->cfg->pg.connect_timeout_ms > 0 ? (r->cfg->pg.connect_timeout_ms + 999) / 1000 : 5);
	vals[0] = t->address;
	vals[1] = port;
	vals[2] = r->cfg->pg.user;
	vals[3] = r->cfg->pg.dbname != NULL ? r->cfg->pg.dbname : "postgres";
	vals[4] = r->cfg->pg.sslmode != NULL ? r->cfg->pg.sslmode : "prefer";
	vals[5] = timeout;
	vals[6] = "-c statement_timeout=10000";
	vals[7] = "drconsole-verify";
	vals[8] = NULL;
	*msg = NULL;
	for (;;) {
		PGconn *c = PQconnectdbParams(keys, vals, 0);
		bool ok = false;

		free(*msg);
		if (PQstatus(c) != CONNECTION_OK) {
			char *e = sanitize_string(PQerrorMessage(c), strlen(PQerrorMessage(c)),
						  SANITIZE_ONE_LINE);

			*msg = xasprintf("connect(%s:%s): %s", t->address, port, str_trim(e));
			free(e);
		} else {
			PGresult *res = PQexec(c, sql);

			if (PQresultStatus(res) != PGRES_TUPLES_OK) {
				char *e = sanitize_string(PQresultErrorMessage(res),
							  strlen(PQresultErrorMessage(res)), SANITIZE_ONE_LINE);

				*msg = xasprintf("%s on %s: %s", sql, t->host, str_trim(e));
				free(e);
			} else {
				const char *v = PQntuples(res) > 0 && PQnfields(res) > 0 ?
						PQgetvalue(res, 0, 0) : "";

				ok = strcmp(v, "t") == 0;
				*msg = xasprintf("%s on %s: %s", sql, t->host, ok ? "true" : "not true");
			}
			PQclear(res);
		}
		PQfinish(c);
		if (ok)
			return true;
		if (time_mono_ms() >= until)
			return false;
		usleep(500 * 1000);
	}
}

/* ---- steps ---- */

static char *
render(struct run *r, const char *tmpl, bool quote, const struct rb_step *st, char **err)
{
	struct template_error te;
	char *out;

	if (tmpl == NULL)
		return NULL;
	out = template_render_with(tmpl, run_vars_lookup, run_vars_lookup_raw, &r->vars, quote,
				   &te);
	if (out == NULL)
		*err = xasprintf("step %s: %s", st->id, te.message);
	return out;
}

static void
show_rpo(struct run *r, json_t **ev_out)
{
	struct probe_run pr;
	struct rpo_result rpo;
	char buf[32];

	probe_once(r, &pr);
	rpo_evaluate(pr.snap, probes_rpo_stores(r->p->sites), (double)r->cfg->rpo_ms / 1000.0,
		     time_wall_ms(), r->cfg->refresh_ms, &rpo);
	say(r, "%sData-loss estimate if replication ends now (RPO objective %s):", r->label,
	    duration_format(r->cfg->rpo_ms, buf, sizeof buf));
	if (rpo.n == 0)
		say(r, "  no recovery source observed: the exposure is UNKNOWN");
	for (size_t i = 0; i < rpo.n; i++) {
		const struct rpo_store *s = &rpo.stores[i];

		if (s->have_source)
			say(r, "  %-9s %-5s %s behind (%s)", s->store, obs_status_word(s->status),
			    duration_format((long long)(s->exposure_s * 1000), buf, sizeof buf), s->source);
		else
			say(r, "  %-9s %-5s no usable source", s->store, obs_status_word(s->status));
	}
	*ev_out = NULL;
	for (size_t i = 0; i < rpo.n; i++)
		if (strcmp(rpo.stores[i].store, "postgres") == 0 && rpo.stores[i].have_source)
			*ev_out = json_pack("{s:s,s:s,s:f}", "event", "rpo", "store", "postgres",
					    "exposure_s", rpo.stores[i].exposure_s);
	probe_free(&pr);
}

/* Evaluate a check step without side effects beyond the check itself. */
static bool
eval_check(struct run *r, const struct rb_step *st, bool run_commands, bool *evaluated,
	   char **msg)
{
	*evaluated = true;
	if (st->check_probe != NULL) {
		struct probe_run pr;
		int v;

		probe_once(r, &pr);
		v = run_probe_condition(pr.snap, st, msg);
		probe_free(&pr);
		return v == 1;
	}
	if (!run_commands) {
		*evaluated = false;
		*msg = xstrdup("command check not run");
		return false;
	}
	{
		struct run_target *t = NULL;
		char *err = NULL, *cmd, *out = NULL;
		size_t n = run_resolve_targets(r->cfg, r->p->sites[st->on_site], st->on_target, &t, &err);
		int ex = 0;
		bool ok;

		if (n == 0) {
			*msg = err;
			return false;
		}
		cmd = render(r, st->check_command, true, st, &err);
		if (cmd == NULL) {
			run_targets_free(t, n);
			*msg = err;
			return false;
		}
		ok = exec_targets(r, st, st->on_site, cmd, t, n, st->parallel, st->expect_exit,
				  st->expect_output, &ex, &out, NULL, NULL);
		*msg = xasprintf("%s: %s", cmd, ok ? "passed" : "failed");
		free(out);
		free(cmd);
		run_targets_free(t, n);
		return ok;
	}
}

/* The preflight board: every check step flagged for it. true = go (or overridden). */
static bool
preflight(struct run *r)
{
	size_t nogo = 0, evaluated_n = 0;

	say(r, "%sPreflight: %s", r->label, r->rb->name);
	for (size_t i = 0; i < r->rb->n_steps; i++) {
		const struct rb_step *st = &r->rb->steps[i];
		char *msg = NULL, *err = NULL;
		bool ok, evaluated;

		if (st->kind != RB_CHECK || !st->preflight)
			continue;
		if (st->when != NULL &&
		    run_eval_when(st->when, reachable, r, &r->vars, &err) != 1) {
			say(r, "  skip   %-22s when %s is not true", st->id, st->when);
			free(err);
			continue;
		}
		ok = eval_check(r, st, r->p->mode != RUN_DRY, &evaluated, &msg);
		if (!evaluated) {
			say(r, "  -      %-22s %s (dry-run)", st->id, msg);
		} else {
			evaluated_n++;
			if (!ok && st->on_failure != RB_FAIL_CONTINUE)
				nogo++;
			say(r, "  %-6s %-22s %s", ok ? "GO" : st->on_failure == RB_FAIL_CONTINUE ?
			    "WARN" : "NO-GO", st->id, msg);
		}
		free(msg);
	}
	if (!jlog(r, json_pack("{s:s,s:i,s:i}", "event", "preflight", "evaluated", (int)evaluated_n,
			       "nogo", (int)nogo)))
		return false;
	if (nogo == 0) {
		say(r, "%sPreflight: GO", r->label);
		return true;
	}
	say(r, "%sPreflight: NO-GO (%zu check%s failed)", r->label, nogo, nogo == 1 ? "" : "s");
	if (r->p->mode == RUN_DRY)
		return true;
	if (r->p->yes) {
		say(r, "%sA no-go cannot be overridden unattended: stopping.", r->label);
		return false;
	}
	if (!r->p->ui->confirm_typed(r->p->ui->ud, "Preflight is NO-GO. Type 'override' to run anyway",
				     "override")) {
		say(r, "Not overridden: stopping.");
		return false;
	}
	alog(r, json_pack("{s:s,s:s}", "event", "override", "what", "preflight no-go"));
	if (!audit_ok(r))
		return false;
	return jlog(r, engine_ev_override(r->user, "preflight no-go"));
}

/*
 * The preflight of a resumed run: the journaled result stands when it was GO
 * or an overridden NO-GO; when the run stopped before the board finished, or
 * at its override prompt, the board runs again and a NO-GO needs 'override'
 * as in a new run. true = go on.
 */
static bool
resume_preflight(struct run *r)
{
	if (r->eng.preflight_seen && (r->eng.preflight_nogo == 0 || r->eng.overridden)) {
		say(r, "%sPreflight: %s (journaled when the run started)", r->label,
		    r->eng.preflight_nogo == 0 ? "GO" : "NO-GO, overridden");
		return true;
	}
	say(r, "%s", r->eng.preflight_seen ?
	    "The run's preflight was NO-GO and was not overridden: preflight again." :
	    "The run stopped before its preflight was complete: preflight again.");
	return preflight(r);
}

static bool
cancel_requested(const struct run *r)
{
	return r->p->cancel != NULL && __atomic_load_n(r->p->cancel, __ATOMIC_RELAXED) != 0;
}

/* Is rem's command still running on its host? 1 yes, 0 gone, -1 could not tell (*msg). */
static int
remote_alive(struct run *r, const struct rb_step *st, const struct step_remote *rem, char **msg)
{
	struct run_target *t = NULL;
	struct exec_request req;
	struct exec_result res;
	char *err = NULL, *cmd, *out = NULL;
	size_t n = run_resolve_targets(r->cfg, r->p->sites[st->on_site], rem->host, &t, &err);
	int alive = -1;

	*msg = NULL;
	if (n == 0) {
		*msg = err;
		return -1;
	}
	cmd = exec_alive_command(rem->pid);
	memset(&req, 0, sizeof req);
	req.host = t[0].host;
	req.address = t[0].address;
	req.port = t[0].port;
	req.user = t[0].user;
	req.command = cmd;
	req.timeout_ms = (r->cfg->ssh.connect_timeout_ms > 0 ? r->cfg->ssh.connect_timeout_ms : 5000) +
			 5000;
	if (executor_capture(site_executor(r, st->on_site), &req, 64, &out, &res) == 0 &&
	    !res.timed_out && res.exit_status == 0 && strstr(out, "running") != NULL)
		alive = 1;
	else if (res.error == NULL && !res.timed_out && res.exit_status == 0 &&
		 strstr(out, "gone") != NULL)
		alive = 0;
	else
		*msg = xstrdup(res.error != NULL ? res.error : res.timed_out ? "timed out"
			       : "unexpected answer");
	exec_result_clear(&res);
	free(out);
	free(cmd);
	free(err);
	run_targets_free(t, n);
	return alive;
}

/*
 * An UNKNOWN step: look on each host whether its command still runs, every
 * 2 s until none does, for at most the step's timeout (10 minutes at
 * least), or until the operator cancels; journal what was found. false: the
 * journal failed.
 */
static bool
check_remote(struct run *r, int i)
{
	const struct rb_step *st = &r->rb->steps[i];
	const struct step_status *ss = &r->eng.steps[i];
	long long wait_ms = st->timeout_ms > 600000 ? st->timeout_ms : 600000;
	long long t0 = time_mono_ms(), next_note = t0 + 30000;
	int *state = xcalloc(ss->n_remote + 1, sizeof *state);	/* 1 running, 0 gone, -1 ? */
	char buf[32];
	bool running = true, checkable = false, ok;

	if (r->p->cancel != NULL)
		__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
	for (size_t k = 0; k < ss->n_remote; k++) {
		state[k] = -1;
		if (ss->remote[k].pid > 0)
			checkable = true;
		else
			say(r, "  %s: the remote pid is not known: check the host by hand", ss->remote[k].host);
	}
	if (checkable)
		say(r, "%sChecking every 2s, for at most %s, whether the command of %s still runs "
		    "(cancel stops waiting)", r->label, duration_format(wait_ms, buf, sizeof buf), st->id);
	while (checkable) {
		running = false;
		for (size_t k = 0; k < ss->n_remote; k++) {
			char *msg = NULL;

			if (ss->remote[k].pid <= 0) {
				running = true;
				continue;
			}
			if (state[k] == 0)
				continue;
			state[k] = remote_alive(r, st, &ss->remote[k], &msg);
			if (state[k] != 0)
				running = true;
			if (state[k] < 0 && time_mono_ms() >= next_note)
				say(r, "  %s: could not check remote pid %ld: %s", ss->remote[k].host,
				    ss->remote[k].pid, msg);
			free(msg);
		}
		if (!running || time_mono_ms() - t0 >= wait_ms || cancel_requested(r))
			break;
		if (time_mono_ms() >= next_note) {
			say(r, "  still running (or not reachable) after %s",
			    duration_format(time_mono_ms() - t0, buf, sizeof buf));
			next_note = time_mono_ms() + 30000;
		}
		for (int w = 0; w < 20 && !cancel_requested(r); w++)
			usleep(100 * 1000);
	}
	if (r->p->cancel != NULL)
		__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
	for (size_t k = 0; k < ss->n_remote; k++)
		if (ss->remote[k].pid > 0)
			say(r, "  %s: remote pid %ld %s", ss->remote[k].host, ss->remote[k].pid,
			    state[k] == 0 ? "is gone" : state[k] > 0 ? "is STILL RUNNING"
			    : "could not be checked (host not reachable?)");
	free(state);
	alog(r, json_pack("{s:s,s:s,s:b}", "event", "remote_check", "step", st->id,
			  "running", running));
	ok = jlog(r, engine_ev_remote_check(st, running, r->user));
	if (!running)
		say(r, "%sThe command of %s is no longer running; its exit status was not seen.",
		    r->label, st->id);
	return ok;
}

/* An interrupted, failed or unknown-outcome step: the operator decides. false = stop. */
static bool
decide(struct run *r, int i)
{
	const struct rb_step *st = &r->rb->steps[i];
	const struct step_status *ss = &r->eng.steps[i];
	bool interrupted = ss->state == STEP_INTERRUPTED;
	static const char *const opts_int[] = {
		"stop here", "re-run it", "mark it done (I checked it completed)", "skip it",
	};
	static const char *const opts_fail[] = { "stop here", "re-run it", "skip it" };
	static const char *const opts_unknown[] = {
		"stop here", "check whether it still runs, and wait for it to end",
		"mark it done (I checked it completed)", "skip it",
	};
	int c;
	enum step_decision d;

	if (ss->state == STEP_UNKNOWN) {
		struct strbuf where = STRBUF_INIT;

		for (size_t k = 0; k < ss->n_remote; k++) {
			strbuf_printf(&where, "%s%s ", k > 0 ? ", " : "", ss->remote[k].host);
			if (ss->remote[k].pid > 0)
				strbuf_printf(&where, "(remote pid %ld)", ss->remote[k].pid);
			else
				strbuf_puts(&where, "(remote pid not known)");
		}
		if (!ss->remote_gone) {
			say(r, "%sStep %s (%s): outcome UNKNOWN. Its command timed out or was cancelled "
			    "and was not confirmed ended: it may still be running on %s. Re-running it "
			    "now could run it twice.", r->label, st->id, r->titles[i], strbuf_str(&where));
			strbuf_free(&where);
			c = ask_choose(r, "Decision for the step whose outcome is unknown", opts_unknown,
				       4, 0);
			if (c == 0)
				return false;
			if (c == 1)
				return check_remote(r, i);
			d = c == 2 ? DECIDE_MARK_DONE : DECIDE_SKIP;
		} else {
			say(r, "%sStep %s (%s): its command is no longer running on %s, but its exit "
			    "status was not seen. Check on the hosts what it did before deciding.",
			    r->label, st->id, r->titles[i], strbuf_str(&where));
			strbuf_free(&where);
			c = ask_choose(r, "Decision for the step whose outcome is unknown", opts_int, 4, 0);
			if (c == 0)
				return false;
			d = c == 1 ? DECIDE_RERUN : c == 2 ? DECIDE_MARK_DONE : DECIDE_SKIP;
		}
	} else if (interrupted) {
		say(r, "%sStep %s (%s) was INTERRUPTED: it started and never reported an end. "
		    "Check on the hosts what it did before deciding.", r->label, st->id, st->title);
		c = ask_choose(r, "Decision for the interrupted step", opts_int, 4, 0);
		if (c == 0)
			return false;
		d = c == 1 ? DECIDE_RERUN : c == 2 ? DECIDE_MARK_DONE : DECIDE_SKIP;
	} else {
		c = ask_choose(r, "The step failed", opts_fail, 3, 0);
		if (c == 0)
			return false;
		d = c == 1 ? DECIDE_RERUN : DECIDE_SKIP;
	}
	alog(r, json_pack("{s:s,s:s,s:s}", "event", "decision", "step", st->id, "decision",
			  d == DECIDE_RERUN ? "rerun" : d == DECIDE_MARK_DONE ? "mark_done" : "skip"));
	if (!audit_ok(r))
		return false;
	return jlog(r, engine_ev_decision(st, d, r->user));
}

enum step_result { STEP_OK, STEP_STOP, STEP_FAILED_RES, STEP_UNKNOWN_RES };

static void
remote_free(struct step_remote *rem, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(rem[k].host);
	free(rem);
}

static enum step_result
do_step(struct run *r, int i)
{
	const struct rb_step *st = &r->rb->steps[i];
	const struct site *site = r->p->sites[st->on_site];
	char *err = NULL, *title, *cmd = NULL, *manual = NULL, *verify = NULL, *output = NULL;
	struct run_target *t = NULL;
	size_t n = 0;
	char buf[32];
	long long t0;
	bool ok = true, needs_targets;
	int exit_status = 0;
	enum step_result result = STEP_OK;
	json_t *rpo_ev = NULL;
	struct step_remote *unknown = NULL;
	size_t n_unknown = 0;

	r->current = i;
	notify(r, false, 0);
	title = render(r, st->title, false, st, &err);
	if (title == NULL)
		title = xstrdup(st->id);
	free(err);
	err = NULL;
	say(r, "%sStep %d/%zu %s: %s%s", r->label, i + 1, r->rb->n_steps, st->id, title,
	    st->destructive ? "  [DESTRUCTIVE]" : "");
	if (st->when != NULL) {
		int w = run_eval_when(st->when, reachable, r, &r->vars, &err);

		if (w < 0) {
			say(r, "  %s", err);
			result = STEP_STOP;
			goto out;
		}
		if (w == 0) {
			say(r, "  skipped: when %s is not true", st->when);
			if (!jlog(r, engine_ev_skip(st, r->user, "condition false")))
				result = STEP_STOP;
			goto out;
		}
	}
	needs_targets = st->kind == RB_RUN || st->check_command != NULL ||
			(st->kind != RB_CHECK && (st->verify_command != NULL || st->verify_sql != NULL));
	if (needs_targets) {
		n = run_resolve_targets(r->cfg, site, st->on_target, &t, &err);
		if (n == 0) {
			say(r, "  %s", err);
			result = STEP_STOP;
			goto out;
		}
	}
	cmd = render(r, st->kind == RB_RUN ? st->run : st->check_command, true, st, &err);
	manual = render(r, st->manual, false, st, &err);
	verify = render(r, st->verify_command, true, st, &err);
	if (err != NULL) {
		say(r, "  %s", err);
		result = STEP_STOP;
		goto out;
	}
	if (manual != NULL)
		say(r, "  %s", manual);
	for (size_t k = 0; k < n && cmd != NULL; k++)
		say(r, "  on %s (%s@%s:%d)%s%s", t[k].host, t[k].user != NULL ? t[k].user : "",
		    t[k].address, t[k].port, st->become != NULL ? ", as " : "",
		    st->become != NULL ? st->become : "");
	if (cmd != NULL)
		say(r, "  command: %s", cmd);
	if (st->check_probe != NULL)
		say(r, "  probe condition: %s on the %s site%s%s", st->check_probe,
		    site_role_name(st->check_site), st->check_max_lag_ms >= 0 ? ", max lag " : "",
		    st->check_max_lag_ms >= 0 ? duration_format(st->check_max_lag_ms, buf, sizeof buf) : "");
	if (verify != NULL)
		say(r, "  verify: %s", verify);
	if (st->verify_sql != NULL)
		say(r, "  verify (SQL on the target): %s", st->verify_sql);

	if (r->p->mode == RUN_DRY) {
		/* what the live run sends: become wraps each command for the host's login user */
		for (size_t k = 0; k < n && st->become != NULL; k++) {
			const char *cmds[2] = { cmd, verify };

			for (int w = 0; w < 2; w++) {
				char *sent = cmds[w] != NULL ? wrap_become(cmds[w], st->become, t[k].user) : NULL;

				if (sent != NULL && strcmp(sent, cmds[w]) != 0)
					say(r, "  %s %s (%s): %s", w == 0 ? "sends on" : "verify sends on",
					    t[k].host, t[k].address, sent);
				free(sent);
			}
		}
		if (st->check_probe != NULL) {
			bool evaluated;
			bool pass = eval_check(r, st, false, &evaluated, &err);

			say(r, "  now: %s (%s)", pass ? "PASS" : "FAIL", err);
			free(err);
			err = NULL;
		}
		say(r, "  (dry-run: not executed)");
		if (!jlog(r, json_pack("{s:s,s:s,s:s?,s:s}", "event", "skip", "step", st->id,
				       "command", cmd, "reason", "dry-run: not executed")))
			result = STEP_STOP;
		goto out;
	}

	/* confirmation */
	if (st->ends_replication)
		show_rpo(r, &rpo_ev);
	if (st->destructive) {
		char *what = xasprintf("DESTRUCTIVE step %s on %s. Type the environment name '%s' to "
				       "proceed (anything else cancels)", st->id,
				       site != NULL ? site->env_name : "?",
				       site != NULL ? site->env_name : "?");

		ok = ask_typed(r, what, site != NULL ? site->env_name : "?");
		free(what);
	} else {
		ok = ask_confirm(r, st->kind == RB_MANUAL ? "Done?" : "Run this step?");
	}
	alog(r, json_pack("{s:s,s:s,s:s,s:b,s:b}", "event", "confirm", "step", st->id,
			  "kind", st->destructive ? "typed" : "plain", "answer", ok,
			  "unattended", r->p->yes));
	if (!audit_ok(r)) {
		result = STEP_STOP;
		goto out;
	}
	if (!ok) {
		say(r, "%sNot confirmed: stopping before %s. Nothing was run.", r->label, st->id);
		jlog(r, json_pack("{s:s,s:s,s:s}", "event", "declined", "step", st->id, "user", r->user));
		result = STEP_STOP;
		goto out;
	}
	{
		json_t *ev = engine_ev_step_start(st, r->user, n > 0 ? t[0].host : NULL);

		if (cmd != NULL)	/* what ran, as rendered (a report does not re-render) */
			json_object_set_new(ev, "command", json_string(cmd));
		if (!jlog(r, ev)) {
			result = STEP_STOP;
			goto out;
		}
	}
	if (rpo_ev != NULL && !jlog(r, rpo_ev)) {
		rpo_ev = NULL;
		result = STEP_STOP;
		goto out;
	}
	rpo_ev = NULL;
	t0 = time_mono_ms();
	if (st->kind == RB_MANUAL) {
		ok = true;
	} else if (st->kind == RB_CHECK) {
		bool evaluated;

		ok = eval_check(r, st, true, &evaluated, &err);
		say(r, "  %s: %s", ok ? "PASS" : "FAIL", err);
		free(err);
		err = NULL;
		exit_status = ok ? 0 : 1;
	} else {
		ok = exec_targets(r, st, st->on_site, cmd, t, n, st->parallel, 0, NULL, &exit_status,
				  &output, &unknown, &n_unknown);
	}
	if (n_unknown > 0) {
		json_t *ev = engine_ev_step_unknown(st, unknown, n_unknown, time_mono_ms() - t0);

		if (output != NULL)
			json_object_set_new(ev, "output", json_string(output));
		if (!jlog(r, ev)) {
			result = STEP_STOP;
			goto out;
		}
		say(r, "%s%s: outcome UNKNOWN after %s: the command was not confirmed ended and may "
		    "still be running on its host; re-running it now could run it twice", r->label,
		    st->id, duration_format(time_mono_ms() - t0, buf, sizeof buf));
		result = STEP_UNKNOWN_RES;
		goto out;
	}
	if (ok && st->kind != RB_CHECK && verify != NULL) {
		int vx = 0;
		char *vout = NULL;

		say(r, "  verifying: %s", verify);
		ok = exec_targets(r, st, st->on_site, verify, t, n, st->parallel, st->verify_expect_exit,
				  st->verify_expect_output, &vx, &vout, NULL, NULL);
		free(vout);
		if (!ok)
			say(r, "  verification FAILED");
	}
	if (ok && st->kind != RB_CHECK && st->verify_sql != NULL) {
		for (size_t k = 0; k < n && ok; k++) {
			char *msg = NULL;

			ok = verify_sql(r, &t[k], st->verify_sql, &msg);
			say(r, "  verify: %s", msg);
			alog(r, json_pack("{s:s,s:s,s:s,s:s,s:b}", "event", "verify_sql", "step", st->id,
					  "host", t[k].host, "sql", st->verify_sql, "ok", ok));
			free(msg);
		}
	}
	{
		json_t *ev = engine_ev_step_end(st, exit_status, ok, time_mono_ms() - t0);

		if (output != NULL)
			json_object_set_new(ev, "output", json_string(output));
		if (!jlog(r, ev)) {
			result = STEP_STOP;
			goto out;
		}
	}
	say(r, "%s%s %s in %s", r->label, st->id, ok ? "done" : "FAILED",
	    duration_format(time_mono_ms() - t0, buf, sizeof buf));
	if (!ok)
		result = STEP_FAILED_RES;
out:
	json_decref(rpo_ev);
	remote_free(unknown, n_unknown);
	free(err);
	free(title);
	free(cmd);
	free(manual);
	free(verify);
	free(output);
	run_targets_free(t, n);
	return result;
}

/* ---- journals of earlier runs ---- */

/* The newest unfinished journal of this runbook under runs_dir (caller frees), or NULL. */
static char *
find_unfinished(const char *runs_dir, const char *rb_path)
{
	DIR *d = opendir(runs_dir);
	struct dirent *de;
	char *best = NULL, *best_name = NULL;

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		struct journal_read jr;
		char *path, *err = NULL;
		bool match = false, ended = false;

		if (!str_ends_with(de->d_name, ".journal"))
			continue;
		path = xasprintf("%s/%s", runs_dir, de->d_name);
		if (journal_read(path, &jr, &err) == 0) {
			for (size_t i = 0; i < jr.n; i++) {
				const char *ev = json_string_value(json_object_get(jr.events[i], "event"));

				if (str_eq(ev, "run_start"))
					match = str_eq(json_string_value(json_object_get(jr.events[i],
								"runbook")), rb_path);
				if (str_eq(ev, "run_end"))
					ended = true;
			}
			journal_read_free(&jr);
		}
		free(err);
		if (match && !ended && (best_name == NULL || strcmp(de->d_name, best_name) > 0)) {
			free(best);
			free(best_name);
			best = path;
			best_name = xstrdup(de->d_name);
		} else {
			free(path);
		}
	}
	closedir(d);
	free(best_name);
	return best;
}

/* The run id of a journal path ("DIR/ID.journal"). */
static char *
id_of_path(const char *path)
{
	const char *b = strrchr(path, '/');
	char *id = xstrdup(b != NULL ? b + 1 : path);

	if (str_ends_with(id, ".journal"))
		id[strlen(id) - 8] = '\0';
	return id;
}

/* ---- the lock ---- */

/* Does a holder line name this user and run? */
static bool
holder_is(const char *holder, const char *user, const char *run_id)
{
	char *u = xasprintf("user=%s ", user), *id = xasprintf(" run=%s", run_id);
	bool yes = holder != NULL && str_starts_with(holder, u) && str_ends_with(holder, id);

	free(u);
	free(id);
	return yes;
}

/* The stale limit in seconds (config lock_stale_after). */
static long long
lock_stale_s(const struct run *r)
{
	return r->cfg->lock_stale_ms > 0 ? (r->cfg->lock_stale_ms + 999) / 1000 : 600;
}

/*
 * The lock on the secondary's control host, over its own session pool: the
 * keeper refreshes it while a step's command holds the step's session.
 */
static bool
lock_setup(struct run *r)
{
	const struct site *s = r->p->sites[SITE_SECONDARY];
	struct run_target *t = NULL;
	struct exec_request where;
	struct ssh_options o;
	char *err = NULL, *path;
	size_t n;

	if (r->lock.path != NULL)
		return true;
	n = run_resolve_targets(r->cfg, s, NULL, &t, &err);
	if (n == 0) {
		say(r, "run lock: %s", err);
		free(err);
		return false;
	}
	memset(&where, 0, sizeof where);
	where.host = t[0].host;
	where.address = t[0].address;
	where.port = t[0].port;
	where.user = t[0].user;
	where.timeout_ms = 30000;
	path = lock_path(r->cfg->lock_dir != NULL ? r->cfg->lock_dir : "/var/tmp",
			 s->deploy_env != NULL ? s->deploy_env : s->env_name);
	if (r->lock_ex == NULL) {
		site_ssh_options(r, SITE_SECONDARY, &o);
		r->lock_pool = ssh_pool_create(&o);
		r->lock_ex = executor_ssh_create(r->lock_pool);
	}
	lock_init(&r->lock, r->lock_ex, &where, path, r->run_id);
	free(path);
	run_targets_free(r->lock_t, r->lock_n);
	r->lock_t = t;
	r->lock_n = n;
	return true;
}

static void
lock_taken(struct run *r)
{
	long long every = lock_stale_s(r) * 1000 / 4;

	r->have_lock = true;
	lock_keep_alive(&r->lock, every < HEARTBEAT_MS ? every : HEARTBEAT_MS);
	say(r, "run lock %s taken on %s", r->lock.path, r->lock.where.host);
	alog(r, json_pack("{s:s,s:s,s:s}", "event", "lock", "path", r->lock.path,
			  "host", r->lock.where.host));
}

/* May the lock a crashed run left (held) be taken over by its resume or abandon? */
static bool
may_take_over(struct run *r, const struct lock_info *li)
{
	long long stale = lock_stale_s(r);

	switch (lock_holder_liveness(li->holder)) {
	case LOCK_HOLDER_GONE:
		return true;
	case LOCK_HOLDER_ALIVE:
		say(r, "Its process is still running on this machine (%s): not taking its lock.",
		    li->holder);
		return false;
	case LOCK_HOLDER_ELSEWHERE:
		break;
	}
	if (li->age_s >= stale)
		return true;
	say(r, "Its lock was refreshed %llds ago from another machine (%s): it may still be running "
	    "there. Not taking its lock (it goes stale %llds after its last heartbeat).",
	    li->age_s, li->holder, stale);
	return false;
}

static bool
take_lock(struct run *r, bool resuming)
{
	struct lock_info li;
	const char *host;
	char *holder;
	long long stale = lock_stale_s(r);
	bool ok = false;

	if (r->have_lock)
		return true;	/* passed on by the run just abandoned */
	if (!lock_setup(r))
		return false;
	host = r->lock.where.host;
	holder = lock_holder_line(r->user);
	lock_acquire(&r->lock, holder, &li);
	if (li.state == LOCK_HELD && resuming && holder_is(li.holder, r->user, r->run_id)) {
		/* the run being resumed died holding it (crash, kill -9, dropped terminal) */
		say(r, "run lock %s on %s is still held by this run (%s)", r->lock.path, host, li.holder);
		if (may_take_over(r, &li)) {
			say(r, "taking it over");
			alog(r, json_pack("{s:s,s:s,s:s}", "event", "lock_takeover", "path", r->lock.path,
					  "holder", li.holder));
			lock_info_clear(&li);
			lock_take_over(&r->lock, r->run_id, holder, &li);
		} else {
			lock_info_clear(&li);
			li.state = LOCK_ERROR;
			li.error = xstrdup("not resuming a run that may still be running");
		}
	}
	if (li.state == LOCK_HELD) {
		enum lock_verdict v = lock_judge(&li, stale);

		say(r, "run lock %s on %s is held by %s (last heartbeat %llds ago)", r->lock.path, host,
		    li.holder, li.age_s);
		if (v == LOCK_STALE && !r->p->yes) {
			say(r, "The lock looks stale (no heartbeat for over %llds, its holder not seen running).",
			    stale);
			if (r->p->ui->confirm_typed(r->p->ui->ud, "Type 'break' to break the stale lock "
						    "(make sure its holder is gone)", "break")) {
				char *old = xstrdup(li.holder);

				lock_info_clear(&li);
				lock_break_stale(&r->lock, holder, stale, &li);
				if (li.state == LOCK_ACQUIRED)
					alog(r, json_pack("{s:s,s:s,s:s}", "event", "lock_broken", "path",
							  r->lock.path, "holder", old));
				else if (li.state == LOCK_HELD)
					say(r, "The lock was refreshed meanwhile (%llds ago): not breaking it.",
					    li.age_s);
				free(old);
			}
		} else {
			if (v == LOCK_IN_USE)
				say(r, "Its process is running on this machine: the lock cannot be broken.");
			else if (v == LOCK_FRESH)
				say(r, "Its heartbeat is fresh (a lock may be broken only %llds after the last "
				    "one, when its holder is not seen running).", stale);
			say(r, "Another run holds the lock: not starting. Ask its holder, or wait.");
		}
	}
	if (li.state == LOCK_ACQUIRED) {
		ok = true;
		lock_taken(r);
	} else if (li.state == LOCK_ERROR) {
		say(r, "run lock: %s", li.error != NULL ? li.error : "error");
	}
	if (!ok)
		lock_fini(&r->lock);
	lock_info_clear(&li);
	free(holder);
	return ok;
}

/*
 * Abandoning run old_id passes its lock, when it holds one, to this run in
 * the same action, so the new run is not refused by it. Refused (false)
 * while the old run may still be running. *passed: the lock was its.
 */
static bool
abandon_lock(struct run *r, const char *old_id, bool *passed)
{
	struct lock_info li;
	char *holder, *hrun;
	bool ok = true;

	*passed = false;
	if (!lock_setup(r))
		return false;
	holder = lock_holder_line(r->user);
	lock_acquire(&r->lock, holder, &li);
	hrun = li.state == LOCK_HELD ? lock_holder_run(li.holder) : NULL;
	if (hrun != NULL && str_eq(hrun, old_id)) {
		say(r, "run lock %s on %s is held by the run being abandoned (%s, last heartbeat %llds ago)",
		    r->lock.path, r->lock.where.host, li.holder, li.age_s);
		if (may_take_over(r, &li)) {
			alog(r, json_pack("{s:s,s:s,s:s,s:s}", "event", "lock_takeover", "path", r->lock.path,
					  "holder", li.holder, "abandoned", old_id));
			lock_info_clear(&li);
			lock_take_over(&r->lock, old_id, holder, &li);
			*passed = li.state == LOCK_ACQUIRED;
		} else {
			ok = false;
		}
	}
	if (li.state == LOCK_ACQUIRED) {
		lock_taken(r);
	} else if (li.state == LOCK_ERROR) {
		say(r, "run lock: %s", li.error != NULL ? li.error : "error");
		ok = false;
	}
	/* held by another run: take_lock says so */
	if (!r->have_lock)
		lock_fini(&r->lock);
	free(hrun);
	lock_info_clear(&li);
	free(holder);
	return ok;
}

/*
 * Before a step: the keeper has not lost the lock, and has refreshed it
 * within half the stale limit (else one refresh now must work).
 */
static bool
lock_still_ours(struct run *r)
{
	long long last = 0;

	if (lock_kept(&r->lock, &last) &&
	    (time_mono_ms() - last < lock_stale_s(r) * 500 || lock_heartbeat(&r->lock)))
		return true;
	say(r, "run lock: it is no longer ours, or cannot be refreshed (broken by someone else? "
	    "%s unreachable?): stopping", r->lock.where.host);
	lock_release(&r->lock);	/* only if it is still ours */
	lock_fini(&r->lock);
	r->have_lock = false;
	return false;
}

/* ---- the runbook a run runs ---- */

/* Render every step title of r->rb into r->titles. */
static void
render_titles(struct run *r)
{
	r->titles = xcalloc(r->rb->n_steps + 1, sizeof *r->titles);
	for (size_t i = 0; i < r->rb->n_steps; i++) {
		char *terr = NULL;

		r->titles[i] = render(r, r->rb->steps[i].title, false, &r->rb->steps[i], &terr);
		if (r->titles[i] == NULL)
			r->titles[i] = xstrdup(r->rb->steps[i].title != NULL ? r->rb->steps[i].title
					       : r->rb->steps[i].id);
		free(terr);
	}
}

/* Run rb instead of r->rb (titles and a fresh engine follow); returns the old one. */
static struct runbook *
swap_runbook(struct run *r, struct runbook *rb)
{
	struct runbook *old = r->rb;

	str_array_free(r->titles, old->n_steps);
	engine_free(&r->eng);
	run_vars_free(&r->vars);
	r->rb = rb;
	r->vars.rb = rb;
	render_titles(r);
	engine_init(&r->eng, rb);
	return old;
}

/*
 * An earlier run resumes with the runbook it ran, not today's file: when the
 * file's sha256 differs from the one its journal recorded, the journal's copy
 * is adopted (and the operator told). *file_rb gets the file's runbook back
 * (NULL when nothing was swapped). false: the copy cannot be used, stop.
 */
static bool
adopt_journal_copy(struct run *r, const struct journal_read *jr, struct runbook **file_rb)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *copy;
	const char *sum = NULL;
	bool from_copy = false;

	*file_rb = NULL;
	for (size_t i = 0; i < jr->n && sum == NULL; i++)
		if (str_eq(json_string_value(json_object_get(jr->events[i], "event")), "run_start"))
			sum = json_string_value(json_object_get(jr->events[i], "runbook_sha256"));
	if (sum == NULL) {
		say(r, "  (this journal keeps no copy of its runbook: the file as it is now is used)");
		return true;
	}
	if (strcmp(sum, r->rb_sha256) == 0)
		return true;
	copy = history_runbook(jr, &dl, &from_copy);
	if (copy != NULL && from_copy && dl.errors == 0)
		run_lint_runbook(copy, r->cfg, r->p->sites, &dl);
	if (copy == NULL || !from_copy || dl.errors > 0) {
		for (size_t i = 0; i < dl.n; i++) {
			char *m = diag_format(&dl.items[i]);

			say(r, "%s", m);
			free(m);
		}
		say(r, "The runbook changed since this run started and the journal's copy of it "
		    "cannot be used: not resuming.");
		runbook_free(copy);
		diag_list_free(&dl);
		return false;
	}
	diag_list_free(&dl);
	say(r, "The runbook %s changed since this run started (sha256 %.12s, now %.12s): "
	    "the run goes on with the copy in its journal, as it was started.", r->rb->path,
	    sum, r->rb_sha256);
	*file_rb = swap_runbook(r, copy);
	return true;
}

/* ---- the whole run ---- */

static bool
yes_allowed(const struct run_params *p, const char **why)
{
	if (!p->yes)
		return true;
	if (p->mode != RUN_DRILL) {
		*why = "--yes is only for drills (--drill)";
		return false;
	}
	if (!p->cfg->sites[SITE_SECONDARY].drill_target) {
		*why = "--yes needs the secondary site marked drill_target: true in the configuration";
		return false;
	}
	return true;
}

static int
finish(struct run *r, const char *outcome, int rc)
{
	/* a stopped run stays open in the journal, so it can be resumed */
	if (r->j != NULL && !r->journal_failed && strcmp(outcome, "stopped") != 0)
		jlog(r, engine_ev_run_end(outcome));
	alog(r, json_pack("{s:s,s:s}", "event", "run_end", "outcome", outcome));
	if (r->have_lock) {
		if (!lock_release(&r->lock))
			say(r, "run lock: could not release it (remove it by hand if the run is over)");
		lock_fini(&r->lock);
		r->have_lock = false;
	}
	return rc;
}

static int
drive(struct run *r)
{
	const char *why = NULL;
	char *runs_dir, *err = NULL, *resume_path = NULL;
	bool resumed = false;
	long long t0 = time_mono_ms();
	char buf[32];
	int rc = 0;

	if (!yes_allowed(r->p, &why)) {
		say(r, "refused: %s", why);
		return EXIT_REFUSED_RC;
	}
	runs_dir = xasprintf("%s/runs", r->cfg->state_dir);
	resume_path = find_unfinished(runs_dir, r->rb->path);
	if (r->p->resume_journal != NULL) {
		/* chosen in the console's resume dialog: it must still be this runbook's open run */
		if (resume_path == NULL || strcmp(resume_path, r->p->resume_journal) != 0) {
			say(r, "%s is no longer the unfinished run of %s: not resuming it",
			    r->p->resume_journal, r->rb->path);
			free(runs_dir);
			free(resume_path);
			return 1;
		}
	}
	if (resume_path != NULL && r->p->mode != RUN_DRY) {
		struct journal_read jr;
		struct runbook *file_rb = NULL;
		static const char *const opts[] = {
			"cancel", "resume it", "abandon it (record it as ended) and start a new run",
		};
		int c;

		say(r, "An unfinished run of this runbook exists: %s", resume_path);
		if (journal_read(resume_path, &jr, &err) != 0) {
			say(r, "%s", err);
			free(err);
			free(runs_dir);
			free(resume_path);
			return 1;
		}
		if (!adopt_journal_copy(r, &jr, &file_rb)) {
			journal_read_free(&jr);
			free(runs_dir);
			free(resume_path);
			return 1;
		}
		engine_replay(&r->eng, jr.events, jr.n);
		for (size_t i = 0; i < r->rb->n_steps; i++)
			say(r, "  %-12s %s", step_state_name(r->eng.steps[i].state), r->rb->steps[i].id);
		if (!str_eq(r->eng.mode, run_mode_name(r->p->mode))) {
			say(r, "It was started in %s mode; this is %s mode.", r->eng.mode != NULL ?
			    r->eng.mode : "?", run_mode_name(r->p->mode));
			c = ask_choose(r, "The earlier run", (const char *const[]){ opts[0], opts[2] }, 2, 0);
			c = c == 1 ? 2 : 0;
		} else if (r->p->resume_journal != NULL) {
			c = 1;
		} else {
			c = ask_choose(r, "The earlier run", opts, 3, r->p->yes ? 1 : 0);
		}
		journal_read_free(&jr);
		if (file_rb != NULL && c != 1)	/* a new run (or none) uses the file */
			runbook_free(swap_runbook(r, file_rb));
		else
			runbook_free(file_rb);
		if (c == 0) {
			say(r, "Cancelled.");
			free(runs_dir);
			free(resume_path);
			return 1;
		}
		if (c == 1) {
			resumed = true;
			free(r->run_id);
			r->run_id = id_of_path(resume_path);
			r->vars.run_id = r->run_id;
		} else {
			char *old_id = id_of_path(resume_path);
			bool passed = false;
			struct journal *old;

			if (r->p->mode != RUN_DRY && !abandon_lock(r, old_id, &passed)) {
				say(r, "Not abandoning run %s.", old_id);
				free(old_id);
				free(runs_dir);
				free(resume_path);
				return 1;
			}
			free(old_id);
			old = journal_open(resume_path, &err);
			if (old != NULL) {
				json_t *ev = engine_ev_run_end("abandoned");
				char *e2 = NULL;

				if (passed)	/* its lock went to this run with it */
					json_object_set_new(ev, "lock_released", json_true());
				journal_append(old, ev, &e2);
				free(e2);
				journal_close(old);
			}
			free(err);
			err = NULL;
			engine_free(&r->eng);
			engine_init(&r->eng, r->rb);
		}
	}
	if (r->p->mode != RUN_DRY && !take_lock(r, resumed)) {
		/* refused: nothing ran */
		free(runs_dir);
		free(resume_path);
		return EXIT_REFUSED_RC;
	}
	if (!audit_ok(r)) {
		free(runs_dir);
		free(resume_path);
		return finish(r, "stopped", 1);
	}
	if (!resumed) {
		/* two runs of one runbook within a second: suffix the id */
		char *base = xstrdup(r->run_id);

		for (int k = 2; k < 100; k++) {
			char *p = xasprintf("%s/%s.journal", runs_dir, r->run_id);
			bool taken = access(p, F_OK) == 0;

			free(p);
			if (!taken)
				break;
			free(r->run_id);
			r->run_id = xasprintf("%s-%d", base, k);
			r->vars.run_id = r->run_id;
		}
		free(base);
	}
	r->j = resumed ? journal_open(resume_path, &err) : journal_create(runs_dir, r->run_id, &err);
	free(runs_dir);
	free(resume_path);
	if (r->j == NULL) {
		say(r, "journal: %s", err);
		free(err);
		return finish(r, "failed", 1);
	}
	say(r, "%sRun %s (%s) journal %s", r->label, r->run_id, run_mode_name(r->p->mode),
	    journal_path(r->j));
	if (!resumed) {
		json_t *ev = engine_ev_run_start(r->rb, run_mode_name(r->p->mode), r->user);
		const char *sc = getenv("SSH_CLIENT");
		json_t *text = json_stringn(r->rb_text, r->rb_len);	/* the copy a resume and a report use */

		if (text == NULL) {
			json_decref(ev);
			say(r, "journal: the runbook is not UTF-8 text: cannot keep a copy of it");
			return finish(r, "failed", 1);
		}
		json_object_set_new(ev, "run_id", json_string(r->run_id));
		json_object_set_new(ev, "runbook_sha256", json_string(r->rb_sha256));
		json_object_set_new(ev, "runbook_text", text);
		if (sc != NULL)
			json_object_set_new(ev, "ssh_client", json_string(sc));
		alog(r, json_pack("{s:s,s:s}", "event", "run_start", "runbook", r->rb->path));
		if (!jlog(r, ev))
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		/* a no-go ends the run: resuming must not bypass the board */
		if (!preflight(r))
			return finish(r, r->journal_failed ? "failed" : r->audit_failed != NULL ?
				      "stopped" : "no-go", 1);
	} else {
		alog(r, json_pack("{s:s,s:s}", "event", "run_resume", "runbook", r->rb->path));
		if (!jlog(r, json_pack("{s:s,s:s}", "event", "resume", "user", r->user)))
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		if (!resume_preflight(r))
			return finish(r, r->journal_failed ? "failed" : r->audit_failed != NULL ?
				      "stopped" : "no-go", 1);
	}
	for (;;) {
		int i = engine_current(&r->eng);
		enum step_result sr;

		if (i < 0)
			break;
		if (r->journal_failed)
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		if (r->eng.steps[i].state == STEP_INTERRUPTED || r->eng.steps[i].state == STEP_FAILED ||
		    r->eng.steps[i].state == STEP_UNKNOWN) {
			if (!decide(r, i))
				return finish(r, "stopped", 1);
			continue;
		}
		if (!engine_can_start(&r->eng, i, &why)) {
			say(r, "step %s cannot start: %s", r->rb->steps[i].id, why);
			return finish(r, "stopped", 1);
		}
		if (r->have_lock && !lock_still_ours(r))
			return finish(r, "stopped", 1);
		if (r->p->cancel != NULL)
			__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
		sr = do_step(r, i);
		if (r->p->cancel != NULL)
			__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
		if (r->journal_failed)
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		if (sr == STEP_STOP)
			return finish(r, "stopped", 1);
		/* the command may still be running: never continue past it unasked */
		if (sr == STEP_UNKNOWN_RES && r->rb->steps[i].on_failure == RB_FAIL_STOP)
			return finish(r, "stopped", 1);
		if (sr == STEP_FAILED_RES) {
			const struct rb_step *st = &r->rb->steps[i];

			if (st->on_failure == RB_FAIL_CONTINUE) {
				say(r, "  on_failure: continue");
				if (!jlog(r, engine_ev_skip(st, r->user, "failed; on_failure: continue")))
					return finish(r, "failed", 1);
			} else if (st->on_failure == RB_FAIL_STOP) {
				return finish(r, "failed", 1);
			}
			/* ask: decide() on the next turn */
		}
	}
	say(r, "%sRun %s complete in %s", r->label, r->run_id,
	    duration_format(time_mono_ms() - t0, buf, sizeof buf));
	rc = finish(r, r->p->mode == RUN_DRY ? "dry-run" : "completed", 0);
	return rc;
}

int
run_execute(const struct run_params *p)
{
	struct run r;
	struct diag_list dl = DIAG_LIST_INIT;
	char *err = NULL;
	int rc;

	memset(&r, 0, sizeof r);
	r.p = p;
	r.cfg = p->cfg;
	/* the gate: read-only is decided here, for every front end */
	if (p->mode == RUN_READ_ONLY) {
		say(&r, "read-only mode (%s): refused; runbooks cannot be run, dry-runs included",
		    p->read_only_reason != NULL ? p->read_only_reason : "no reason given");
		return EXIT_REFUSED_RC;
	}
	/* journals and the audit log go there: a directory others can write is refused */
	if (state_dir_check(p->cfg->state_dir, &err) != 0) {
		say(&r, "%s; refused, not running", err);
		free(err);
		return EXIT_REFUSED_RC;
	}
	r.label = p->mode == RUN_DRILL ? "[DRILL] " : p->mode == RUN_DRY ? "[DRY-RUN] " : "";
	/* one read: the bytes parsed are the bytes hashed and journaled */
	r.rb_text = file_read_all(p->runbook_path, &r.rb_len);
	r.rb = r.rb_text != NULL ? runbook_load_buffer(p->runbook_path, r.rb_text, r.rb_len, &dl)
	       : runbook_load(p->runbook_path, &dl);
	if (r.rb != NULL)
		run_lint_runbook(r.rb, p->cfg, p->sites, &dl);
	if (r.rb == NULL || r.rb_text == NULL || dl.errors > 0) {
		for (size_t i = 0; i < dl.n; i++) {
			char *m = diag_format(&dl.items[i]);

			say(&r, "%s", m);
			free(m);
		}
		say(&r, "the runbook has errors: not running it");
		diag_list_free(&dl);
		runbook_free(r.rb);
		free(r.rb_text);
		return EXIT_REFUSED_RC;
	}
	digest_sha256_hex(r.rb_text, r.rb_len, r.rb_sha256);
	diag_list_free(&dl);
	r.user = p->user != NULL ? xstrdup(p->user) : audit_whoami();
	r.run_id = run_make_id(time_wall_ms(), p->runbook_path);
	r.vars.cfg = p->cfg;
	r.vars.sites = p->sites;
	r.vars.rb = r.rb;
	r.vars.run_id = r.run_id;
	r.vars.mode = run_mode_name(p->mode);
	engine_init(&r.eng, r.rb);
	r.current = -1;
	render_titles(&r);
	r.audit = audit_open(p->cfg->state_dir, &err);
	if (r.audit == NULL) {
		say(&r, "audit log: %s: not running without it", err);
		free(err);
		rc = 1;
	} else {
		rc = drive(&r);
	}
	r.current = -1;
	notify(&r, true, rc);
	for (int i = 0; i < 2; i++) {
		if (r.ex[i] != NULL)
			r.ex[i]->free(r.ex[i]);
		if (r.pool[i] != NULL)
			ssh_pool_free(r.pool[i]);
	}
	lock_fini(&r.lock);	/* finish() released it; this stops a keeper on any other path */
	if (r.lock_ex != NULL)
		r.lock_ex->free(r.lock_ex);
	if (r.lock_pool != NULL)
		ssh_pool_free(r.lock_pool);
	if (r.j != NULL)
		journal_close(r.j);
	audit_close(r.audit);
	run_targets_free(r.lock_t, r.lock_n);
	engine_free(&r.eng);
	str_array_free(r.titles, r.rb->n_steps);
	run_vars_free(&r.vars);
	runbook_free(r.rb);
	free(r.run_id);
	free(r.user);
	free(r.audit_failed);
	free(r.rb_text);
	return rc;
}
