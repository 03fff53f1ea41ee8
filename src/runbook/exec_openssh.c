/*
 * exec_openssh.c: an executor that runs each command through the OpenSSH
 * client (`ssh -o BatchMode=yes -o StrictHostKeyChecking=yes ...`) over the
 * local executor. It is the fallback transport for runbook steps where the
 * libssh2 session pool is not available: one connection per command, the
 * same host-key policy (an unknown or changed key refuses the connection
 * before anything runs), the same timeouts. Exit status 255 is ssh's own
 * failure and is reported as a transport error with its stderr.
 */
#include "drconsole/executor.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/sanitize.h"
#include "drconsole/strbuf.h"
#include "drconsole/template.h"
#include "drconsole/util.h"

struct openssh {
	struct executor *local;
	struct exec_openssh_options opt;
};

struct relay {
	const struct exec_request *req;
	struct strbuf err;		/* stderr kept for a transport error message */
};

static void
relay_output(void *ud, enum exec_stream stream, const char *data, size_t len)
{
	struct relay *r = ud;

	if (stream == EXEC_STDERR && r->err.len < 4096)
		strbuf_add(&r->err, data, len);
	if (r->req->on_output != NULL)
		r->req->on_output(r->req->ud, stream, data, len);
}

/* The ssh command line; every value shell-quoted. */
static char *
build_command(const struct openssh *o, const struct exec_request *req)
{
	struct strbuf sb = STRBUF_INIT;
	char *q;

	strbuf_puts(&sb, "exec ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes "
		    "-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no "
		    "-o LogLevel=ERROR");
	strbuf_printf(&sb, " -o ConnectTimeout=%lld",
		      o->opt.connect_timeout_ms > 0 ? (o->opt.connect_timeout_ms + 999) / 1000 : 10);
	if (o->opt.keepalive_ms > 0)
		strbuf_printf(&sb, " -o ServerAliveInterval=%lld -o ServerAliveCountMax=3",
			      (o->opt.keepalive_ms + 999) / 1000);
	if (o->opt.known_hosts != NULL) {
		char *v = xasprintf("UserKnownHostsFile=%s", o->opt.known_hosts);

		q = shell_quote(v);
		strbuf_printf(&sb, " -o %s -o GlobalKnownHostsFile=/dev/null", q);
		free(q);
		free(v);
	}
	if (o->opt.identity_file != NULL) {
		q = shell_quote(o->opt.identity_file);
		strbuf_printf(&sb, " -o IdentitiesOnly=yes -i %s", q);
		free(q);
	}
	if (!o->opt.agent)
		strbuf_puts(&sb, " -o IdentityAgent=none");
	strbuf_printf(&sb, " -p %d", req->port > 0 ? req->port : 22);
	if (req->user != NULL) {
		q = shell_quote(req->user);
		strbuf_printf(&sb, " -l %s", q);
		free(q);
	}
	q = shell_quote(req->address != NULL ? req->address : req->host);
	strbuf_printf(&sb, " -- %s", q);
	free(q);
	q = shell_quote(req->command);
	strbuf_printf(&sb, " %s", q);
	free(q);
	return strbuf_detach(&sb);
}

static int
openssh_run(struct executor *ex, const struct exec_request *req, struct exec_result *res)
{
	struct openssh *o = ex->impl;
	struct exec_request lr = *req;
	struct relay r = { req, STRBUF_INIT };
	char *cmd = build_command(o, req);
	int rc;

	lr.command = cmd;
	lr.on_output = relay_output;
	lr.ud = &r;
	rc = o->local->run(o->local, &lr, res);
	if (rc == 0 && res->exit_status == 255 && !res->timed_out && !res->cancelled) {
		char *msg = sanitize_string(strbuf_str(&r.err), r.err.len, SANITIZE_ONE_LINE);

		free(res->error);
		res->error = xasprintf("ssh %s@%s:%d (%s): %s", req->user != NULL ? req->user : "",
				       req->address != NULL ? req->address : "?", req->port,
				       req->host != NULL ? req->host : "?",
				       *str_trim(msg) != '\0' ? msg : "connection failed (exit 255)");
		free(msg);
		rc = -1;
	}
	strbuf_free(&r.err);
	free(cmd);
	return rc;
}

static void
openssh_free(struct executor *ex)
{
	struct openssh *o;

	if (ex == NULL)
		return;
	o = ex->impl;
	o->local->free(o->local);
	free(o->opt.identity_file);
	free(o->opt.known_hosts);
	free(o);
	free(ex);
}

struct executor *
executor_openssh_create(const struct exec_openssh_options *opt)
{
	struct executor *ex = xcalloc(1, sizeof *ex);
	struct openssh *o = xcalloc(1, sizeof *o);

	o->local = executor_local_create();
	o->opt = *opt;
	o->opt.identity_file = opt->identity_file != NULL ? xstrdup(opt->identity_file) : NULL;
	o->opt.known_hosts = opt->known_hosts != NULL ? xstrdup(opt->known_hosts) : NULL;
	ex->name = "openssh";
	ex->run = openssh_run;
	ex->free = openssh_free;
	ex->impl = o;
	return ex;
}
