/*
 * run_exec.c: a step's command on its hosts (see run_exec.h). Serially,
 * each host's complete output lines are shown as they come and the first
 * failing host stops the rest; in parallel (`parallel: true`), one thread
 * per host runs the command over the site's executor, and each host's output
 * is shown when all have ended. Every host's result is audited. Output is
 * sanitised before it is shown or kept; the journal keeps its last
 * OUTPUT_KEEP bytes.
 *
 * SQL verification runs on the probe layer's PostgreSQL client (probe_pg.h),
 * with the config's postgres settings.
 */
#include "run_exec.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/probe/probe_pg.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/strbuf.h"

#define OUTPUT_KEEP		4096	/* sanitised output kept in the journal per step */

struct host_out {
	struct run_state *r;
	const struct run_target *t;
	bool stream;			/* show complete lines as they come */
	struct sanitize_state ss;
	struct strbuf text;		/* sanitised output */
	size_t shown;			/* bytes of text already shown */
	struct exec_result res;
	int rc;
	const char *command;
	const char *stdin_data;
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
		run_say(h->r, "  %s| %s", h->t->host, line);
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
	req.stdin_data = h->stdin_data;
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
host_outcome(const struct host_out *h)
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

bool
run_exec_targets(struct run_state *r, const struct rb_step *st, enum site_role site,
		 const char *cmd, const char *stdin_data, const struct run_target *t, size_t n,
		 bool parallel, int expect_exit, const char *expect_output, int *exit_out,
		 char **output_out, struct step_remote **unknown, size_t *n_unknown)
{
	struct executor *ex = run_site_executor(r, site);
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
		hs[i].stdin_data = stdin_data;
		hs[i].timeout_ms = run_step_timeout_ms(r->cfg, st);
	}
	{
		char **cmds = xcalloc(n, sizeof *cmds);

		for (size_t i = 0; i < n; i++) {
			cmds[i] = run_wrap_become(cmd, st->become, t[i].user);
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
				run_say(r, "  %s (%s): %s", t[i].host, t[i].address, cmds[i]);
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
			char *d = host_outcome(&hs[i]);
			bool host_ok = hs[i].rc == 0 && !hs[i].res.timed_out &&
				       run_output_matches(hs[i].res.exit_status, strbuf_str(&hs[i].text),
							  expect_exit, expect_output);

			if (parallel && n > 1)
				run_say(r, "  %s (%s): %s", t[i].host, t[i].address, cmds[i]);
			flush_lines(&hs[i], true);
			run_say(r, "  %s: %s%s", t[i].host, d, host_ok ? "" :
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
				run_alog(r, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:b,s:s?,s:s?}", "event", "command",
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

bool
run_verify_sql(struct run_state *r, const struct run_target *t, const char *sql, char **msg)
{
	const struct config *cfg = r->cfg;
	long long until = time_mono_ms() + 15000;
	struct pg_target *pg = pg_target_create(SITE_NONE, t->host, t->address, (int)cfg->pg.port,
						false, cfg->pg.user,
						cfg->pg.dbname != NULL ? cfg->pg.dbname : "postgres",
						cfg->pg.sslmode != NULL ? cfg->pg.sslmode : "prefer",
						cfg->pg.service, cfg->pg.connect_timeout_ms);
	int v;

	pg->statement_timeout_ms = 10000;
	pg->application_name = "drconsole-verify";
	*msg = NULL;
	for (;;) {
		free(*msg);
		v = pg_sql_true(pg, sql, time_mono_ms() + pg->connect_timeout_ms +
				pg->statement_timeout_ms + 1000, msg);
		if (v == 1 || time_mono_ms() >= until)
			break;
		usleep(500 * 1000);
	}
	pg_target_free(pg);
	return v == 1;
}
