/*
 * lock.c: a mkdir-based lock driven by short POSIX shell snippets, so it
 * works the same over SSH on the control host and in a local shell. Every
 * value put in a snippet is shell-quoted.
 */
#include "drconsole/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/strbuf.h"
#include "drconsole/template.h"
#include "drconsole/util.h"

char *
lock_default_path(const char *deploy_env)
{
	return xasprintf("/var/tmp/drconsole-%s.lock", deploy_env);
}

void
lock_init(struct run_lock *l, struct executor *ex,
	  const struct exec_request *where, const char *path, const char *run_id)
{
	memset(l, 0, sizeof *l);
	l->ex = ex;
	l->where = *where;
	l->where.command = NULL;
	l->where.stdin_data = NULL;
	if (l->where.timeout_ms <= 0)
		l->where.timeout_ms = 30000;
	l->path = xstrdup(path);
	l->run_id = xstrdup(run_id);
}

void
lock_fini(struct run_lock *l)
{
	free(l->path);
	free(l->run_id);
	memset(l, 0, sizeof *l);
}

void
lock_info_clear(struct lock_info *i)
{
	free(i->holder);
	free(i->error);
	memset(i, 0, sizeof *i);
}

/* Run a snippet; its stdout in *out. 0 when it ran and exited 0. */
static int
run_snippet(struct run_lock *l, const char *cmd, char **out, char **err)
{
	struct exec_request req = l->where;
	struct exec_result res;
	int rc;

	req.command = cmd;
	memset(&res, 0, sizeof res);
	rc = executor_capture(l->ex, &req, 8192, out, &res);
	if (rc != 0) {
		*err = xasprintf("lock on %s: %s", l->where.host ? l->where.host : "?",
				 res.error ? res.error : "cannot run");
	} else if (res.timed_out) {
		*err = xasprintf("lock on %s: timed out", l->where.host ? l->where.host : "?");
		rc = -1;
	} else if (res.exit_status != 0) {
		*err = xasprintf("lock on %s: exit status %d", l->where.host ? l->where.host : "?",
				 res.exit_status);
		rc = -1;
	}
	exec_result_clear(&res);
	return rc;
}

/* Keep only printable ASCII of the holder line: it came from another machine. */
static char *
clean_line(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s != '\0' && *s != '\n'; s++)
		strbuf_putc(&sb, (*s >= 0x20 && *s < 0x7f) ? *s : '?');
	return strbuf_detach(&sb);
}

static void
parse_state(const char *out, struct lock_info *info)
{
	const char *nl;

	if (str_starts_with(out, "ACQUIRED")) {
		info->state = LOCK_ACQUIRED;
		return;
	}
	if (!str_starts_with(out, "HELD ")) {
		info->state = LOCK_ERROR;
		info->error = xasprintf("unexpected answer from the lock snippet: %.60s", out);
		return;
	}
	info->state = LOCK_HELD;
	info->age_s = strtoll(out + 5, NULL, 10);
	nl = strchr(out, '\n');
	info->holder = clean_line(nl != NULL ? nl + 1 : "");
	if (*info->holder == '\0') {
		free(info->holder);
		info->holder = xstrdup("(unknown holder: being created or damaged)");
	}
}

void
lock_acquire(struct run_lock *l, const char *holder_line, struct lock_info *out)
{
	char *q = shell_quote(l->path), *h, *line, *cmd, *res = NULL, *err = NULL;

	memset(out, 0, sizeof *out);
	line = xasprintf("%s run=%s", holder_line, l->run_id);
	h = shell_quote(line);
	cmd = xasprintf("umask 077; L=%s; mkdir -p \"$(dirname \"$L\")\" 2>/dev/null; "
			"if mkdir \"$L\" 2>/dev/null; then printf '%%s\\n' %s >\"$L/holder\" && echo ACQUIRED; "
			"else a=-1; if [ -f \"$L/holder\" ]; then a=$(( $(date +%%s) - $(stat -c %%Y \"$L/holder\") )); fi; "
			"echo \"HELD $a\"; head -n 1 \"$L/holder\" 2>/dev/null; fi", q, h);
	if (run_snippet(l, cmd, &res, &err) != 0) {
		out->state = LOCK_ERROR;
		out->error = err;
	} else {
		parse_state(res, out);
	}
	free(res);
	free(cmd);
	free(h);
	free(line);
	free(q);
}

/* A snippet that succeeds only when the holder file names our run. */
static bool
run_if_ours(struct run_lock *l, const char *action)
{
	char *q = shell_quote(l->path), *id = xasprintf("run=%s", l->run_id);
	char *qid = shell_quote(id), *cmd, *res = NULL, *err = NULL;
	bool ok;

	cmd = xasprintf("L=%s; grep -qF -e %s \"$L/holder\" 2>/dev/null && %s", q, qid, action);
	ok = run_snippet(l, cmd, &res, &err) == 0;
	free(res);
	free(err);
	free(cmd);
	free(qid);
	free(id);
	free(q);
	return ok;
}

bool
lock_heartbeat(struct run_lock *l)
{
	return run_if_ours(l, "touch \"$L/holder\"");
}

bool
lock_release(struct run_lock *l)
{
	return run_if_ours(l, "rm -rf \"$L\"");
}

void
lock_break_and_acquire(struct run_lock *l, const char *holder_line,
		       struct lock_info *out)
{
	char *q = shell_quote(l->path), *cmd = xasprintf("rm -rf %s", q);
	char *res = NULL, *err = NULL;

	if (run_snippet(l, cmd, &res, &err) != 0) {
		memset(out, 0, sizeof *out);
		out->state = LOCK_ERROR;
		out->error = err;
	} else {
		lock_acquire(l, holder_line, out);
	}
	free(res);
	free(cmd);
	free(q);
}
