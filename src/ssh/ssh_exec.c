/*
 * ssh_exec.c: one command on a leased session.
 *
 * DESIGN: a session channel per command, driven in non-blocking mode from
 * one loop: write what is left of stdin_data (then EOF), read stdout and
 * stderr (both, every turn, so neither window stalls the other), hand each
 * chunk to on_output as it arrives, and sleep in poll() only when nothing
 * moved, for at most 100 ms so cancel is noticed quickly. The command runs
 * as "exec" (no pty): stdout and stderr stay apart and stdin is not echoed.
 * Secrets in stdin_data never appear in the command line.
 *
 * Timeout and cancel. libssh2 1.10 has no channel signal (and refuses a
 * second request on an exec'd channel), so:
 *  1. the session's socket is shut down and the session freed. The remote
 *     sshd reads EOF on the TCP connection and tears the session down: it
 *     closes the command's stdin (the command reads EOF) and its end of the
 *     stdout/stderr pipes (the command's next write gets SIGPIPE/EPIPE). An
 *     OpenSSH sshd sends no signal to a command without a pty, so a command
 *     that neither reads nor writes (`sleep 30`) would run on;
 *  2. therefore every command is sent as
 *        printf '\036drconsole-pid=%s\036' "$$" >&2; COMMAND
 *     (the marker is taken off stderr before on_output sees it): $$ is the
 *     remote shell, which sshd made a session and process-group leader.
 *     After closing, a fresh session to the same host (kept in the pool
 *     afterwards) runs `kill -s TERM -- -PID; pkill -TERM -s PID`, so the
 *     remote side sees SIGTERM in every process of the command's session,
 *     within the connect timeout; what is left two seconds later gets
 *     SIGKILL. A process that changed session (setsid, sudo with use_pty)
 *     is not reached. The login shell must be POSIX.
 *  3. the same fresh session then looks for any process left in that
 *     process group or session (exec_alive_command). Only when it finds
 *     none is the kill confirmed (exec_result.kill_confirmed); a host that
 *     cannot be reached again, or a process left, means the command may
 *     still be running there, and the caller must say so.
 */
#include "drconsole/ssh/ssh.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/log.h"
#include "drconsole/util/util.h"
#include "ssh_priv.h"

#define PID_MARK "\036drconsole-pid="
#define PID_MARK_MAX 64

void
exec_result_clear(struct exec_result *r)
{
	free(r->error);
	memset(r, 0, sizeof *r);
	r->exit_status = -1;
}

char *
exec_alive_command(long pid)
{
	/*
	 * ps sees every user's processes (sudo) and tells zombies apart (a
	 * killed process waiting to be reaped is gone); without a procps ps,
	 * kill -s 0, where EPERM means a process of another user is left.
	 */
	return xasprintf("if ps -e -o pgid= -o sid= -o stat= >/dev/null 2>&1; then "
			 "ps -e -o pgid= -o sid= -o stat= | awk -v p=%ld "
			 "'($1 == p || $2 == p) && $3 !~ /^Z/ { f = 1 } END { exit !f }'; "
			 "else kill -s 0 -- -%ld 2>/dev/null || "
			 "kill -s 0 -- -%ld 2>&1 | grep -qi 'not permitted'; fi "
			 "&& echo running || echo gone", pid, pid, pid);
}

static const char *
session_error(LIBSSH2_SESSION *session)
{
	char *msg = NULL;

	if (session == NULL)
		return "session closed";
	libssh2_session_last_error(session, &msg, NULL, 0);
	return msg != NULL && *msg != '\0' ? msg : "unknown libssh2 error";
}

static bool
stop_requested(const struct exec_request *req, long long deadline, struct exec_result *res)
{
	if (req->cancel != NULL && __atomic_load_n(req->cancel, __ATOMIC_RELAXED)) {
		res->cancelled = true;
		return true;
	}
	if (deadline > 0 && time_mono_ms() >= deadline) {
		res->timed_out = true;
		return true;
	}
	return false;
}

/* The connection is unusable from now on; close it without another word. */
static void
abandon(struct ssh_conn *c, LIBSSH2_CHANNEL **ch)
{
	/* the channel belongs to the session: freeing the session frees it */
	*ch = NULL;
	ssh_conn_close(c);
	c->broken = true;
}

/* Strips the pid marker from the head of stderr. */
struct pid_filter {
	bool active;		/* still looking at the head of stderr */
	char head[PID_MARK_MAX];
	size_t len;
	long pid;
};

static void
emit(const struct exec_request *req, enum exec_stream s, const char *data, size_t len)
{
	if (len > 0 && req->on_output != NULL)
		req->on_output(req->ud, s, data, len);
}

static void
filter_stderr(struct pid_filter *f, const struct exec_request *req, const char *data, size_t len)
{
	const size_t mark_len = sizeof PID_MARK - 1;

	while (f->active && len > 0) {
		char *end;

		f->head[f->len++] = *data++;
		len--;
		if (f->len <= mark_len) {
			if (memcmp(f->head, PID_MARK, f->len) != 0) {
				f->active = false;	/* not ours: pass it on */
				emit(req, EXEC_STDERR, f->head, f->len);
			}
			continue;
		}
		if (f->head[f->len - 1] == '\036') {
			f->head[f->len - 1] = '\0';
			f->pid = strtol(f->head + mark_len, &end, 10);
			if (*end != '\0' || f->pid <= 1)
				f->pid = 0;
			f->active = false;
		} else if (f->len == sizeof f->head) {
			f->active = false;
			emit(req, EXEC_STDERR, f->head, f->len);
		}
	}
	emit(req, EXEC_STDERR, data, len);
}

/* Run command on c; *pid gets the remote shell's pid when the marker came. */
static int
run_channel(struct ssh_conn *c, const struct exec_request *req, const char *command,
	    struct exec_result *res, bool *started, struct pid_filter *pf)
{
	long long start = time_mono_ms();
	long long deadline = req->timeout_ms > 0 ? start + req->timeout_ms : 0;
	/* the channel setup is bounded even without a command timeout */
	long long setup_deadline = start + ssh_pool_connect_timeout(c->pool);
	LIBSSH2_CHANNEL *ch = NULL;
	size_t in_off = 0, in_len = req->stdin_data != NULL ? strlen(req->stdin_data) : 0;
	bool eof_sent = false, out_done = false, err_done = false;
	long long marker_until = 0;	/* stopping: waiting this long for the pid marker */
	int rc;

	*started = false;
	if (deadline > 0 && deadline < setup_deadline)
		setup_deadline = deadline;
	if (c->session == NULL) {
		res->error = xasprintf("ssh %s: no session", c->key);
		return -1;
	}
	for (;;) {
		ch = libssh2_channel_open_session(c->session);
		if (ch != NULL)
			break;
		rc = libssh2_session_last_errno(c->session);
		if (rc != LIBSSH2_ERROR_EAGAIN || ssh_wait_socket(c, setup_deadline, 0) <= 0) {
			res->error = rc == LIBSSH2_ERROR_EAGAIN
				? xasprintf("channel open on %s:%d: no answer within %lld ms", c->address,
					    c->port, setup_deadline - start)
				: xasprintf("channel open on %s:%d: %s", c->address, c->port,
					    session_error(c->session));
			c->broken = true;
			return -1;
		}
	}
	*started = true;
	while ((rc = libssh2_channel_exec(ch, command)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait_socket(c, setup_deadline, 0) <= 0)
			break;
	if (rc != 0) {
		res->error = rc == LIBSSH2_ERROR_EAGAIN
			? xasprintf("exec on %s:%d: no answer within %lld ms", c->address, c->port,
				    setup_deadline - start)
			: xasprintf("exec on %s:%d: %s", c->address, c->port, session_error(c->session));
		abandon(c, &ch);
		return -1;
	}
	while (!out_done || !err_done) {
		bool moved = false;
		char buf[16384];
		ssize_t n;

		if (stop_requested(req, deadline, res)) {
			/*
			 * The command was sent but its pid has not come yet: without
			 * it the command cannot be ended, so give it a moment.
			 */
			if (pf != NULL && pf->active && marker_until == 0)
				marker_until = time_mono_ms() + ssh_pool_connect_timeout(c->pool);
		}
		if ((res->timed_out || res->cancelled) &&
		    (pf == NULL || !pf->active || time_mono_ms() >= marker_until)) {
			log_msg(LOG_INFO, "ssh %s: %s; closing the session", c->key,
				res->cancelled ? "cancelled" : "timed out");
			abandon(c, &ch);
			return 0;
		}
		if (in_off < in_len) {
			n = libssh2_channel_write(ch, req->stdin_data + in_off, in_len - in_off);
			if (n > 0) {
				in_off += (size_t)n;
				moved = true;
			} else if (n != LIBSSH2_ERROR_EAGAIN) {
				in_off = in_len;	/* the command closed its stdin */
			}
		}
		if (in_off >= in_len && !eof_sent) {
			rc = libssh2_channel_send_eof(ch);
			if (rc != LIBSSH2_ERROR_EAGAIN)
				eof_sent = true;
		}
		for (int s = 0; s < 2; s++) {
			bool *done = s == 0 ? &out_done : &err_done;

			while (!*done) {
				n = libssh2_channel_read_ex(ch, s == 0 ? 0 : SSH_EXTENDED_DATA_STDERR,
							    buf, sizeof buf);
				if (n > 0) {
					if (s == 0)
						emit(req, EXEC_STDOUT, buf, (size_t)n);
					else if (pf != NULL)
						filter_stderr(pf, req, buf, (size_t)n);
					else
						emit(req, EXEC_STDERR, buf, (size_t)n);
					moved = true;
					continue;
				}
				if (n == LIBSSH2_ERROR_EAGAIN)
					break;
				if (n < 0) {
					res->error = xasprintf("read from %s:%d: %s", c->address, c->port,
							       session_error(c->session));
					abandon(c, &ch);
					return 0;
				}
				/* n == 0: nothing now; done once the server sent EOF */
				if (libssh2_channel_eof(ch))
					*done = true;
				break;
			}
		}
		if (!moved && (!out_done || !err_done)) {
			long long d = marker_until > 0 ? marker_until
				      : deadline > 0 ? deadline : time_mono_ms() + 100;

			if (ssh_wait_socket(c, d, 100) < 0) {
				res->error = xasprintf("poll(%s:%d): %s", c->address, c->port,
						       strerror(errno));
				abandon(c, &ch);
				return 0;
			}
		}
	}
	if (pf != NULL && pf->active && pf->len > 0) {
		pf->active = false;
		emit(req, EXEC_STDERR, pf->head, pf->len);
	}
	/* exit-status / exit-signal come before or with the close */
	{
		long long close_deadline = time_mono_ms() + ssh_pool_connect_timeout(c->pool);
		char *sig = NULL;

		while ((rc = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN)
			if (ssh_wait_socket(c, close_deadline, 0) <= 0)
				break;
		if (rc == 0)
			while ((rc = libssh2_channel_wait_closed(ch)) == LIBSSH2_ERROR_EAGAIN)
				if (ssh_wait_socket(c, close_deadline, 0) <= 0)
					break;
		libssh2_channel_get_exit_signal(ch, &sig, NULL, NULL, NULL, NULL, NULL);
		if (sig != NULL) {
			res->exit_signal = ssh_signal_number(sig);
			if (res->exit_signal == 0)
				res->exit_signal = -1;
			libssh2_free(c->session, sig);
		} else {
			res->exit_status = libssh2_channel_get_exit_status(ch);
		}
		if (rc != 0) {
			abandon(c, &ch);
		} else {
			while (libssh2_channel_free(ch) == LIBSSH2_ERROR_EAGAIN)
				if (ssh_wait_socket(c, close_deadline, 0) <= 0)
					break;
		}
	}
	return 0;
}

struct kill_out {
	char buf[256];
	size_t len;
};

static void
kill_output(void *ud, enum exec_stream stream, const char *data, size_t len)
{
	struct kill_out *o = ud;

	if (stream != EXEC_STDOUT)
		return;
	if (len > sizeof o->buf - 1 - o->len)
		len = sizeof o->buf - 1 - o->len;
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

/*
 * After a timeout or cancel: a fresh session TERMs the command's process
 * group and session, waits up to two seconds for them to go, KILLs what is
 * left, and looks again. true only when it saw nothing left (confirmed).
 */
static bool
kill_remote(struct ssh_conn *c, long pid)
{
	struct ssh_status st;
	struct exec_result r;
	struct exec_request kreq;
	struct kill_out out = { .len = 0 };
	char *alive, *cmd;
	long long bound = ssh_pool_connect_timeout(c->pool);
	bool started, gone = false;

	memset(&st, 0, sizeof st);
	if (ssh_conn_open(c, time_mono_ms() + bound, &st) != 0) {
		log_msg(LOG_WARN, "ssh %s: could not reconnect to end remote pid %ld: %s", c->key, pid,
			st.error != NULL ? st.error : "?");
		ssh_status_clear(&st);
		c->broken = true;
		return false;
	}
	ssh_status_clear(&st);
	c->broken = false;
	alive = exec_alive_command(pid);
	cmd = xasprintf("a() { %s; }; kill -s TERM -- -%ld 2>/dev/null; pkill -TERM -s %ld 2>/dev/null; "
			"i=0; while [ $i -lt 10 ] && [ \"$(a)\" = running ]; do "
			"sleep 0.2 2>/dev/null || sleep 1; i=$((i + 1)); done; "
			"if [ \"$(a)\" = running ]; then kill -s KILL -- -%ld 2>/dev/null; "
			"pkill -KILL -s %ld 2>/dev/null; sleep 0.5 2>/dev/null || sleep 1; fi; a",
			alive, pid, pid, pid, pid);
	memset(&kreq, 0, sizeof kreq);
	kreq.command = cmd;
	kreq.timeout_ms = bound + 5000;
	kreq.on_output = kill_output;
	kreq.ud = &out;
	memset(&r, 0, sizeof r);
	r.exit_status = -1;
	if (run_channel(c, &kreq, cmd, &r, &started, NULL) != 0 || r.timed_out || r.error != NULL) {
		log_msg(LOG_WARN, "ssh %s: ending remote pid %ld: %s", c->key, pid,
			r.error != NULL ? r.error : "timed out");
	} else {
		gone = strstr(out.buf, "gone") != NULL;
		log_msg(gone ? LOG_INFO : LOG_WARN, "ssh %s: remote process group %ld %s", c->key, pid,
			gone ? "ended (SIGTERM, then SIGKILL if needed): confirmed gone"
			     : "still running after SIGTERM and SIGKILL");
	}
	free(r.error);
	free(cmd);
	free(alive);
	return gone;
}

void
ssh_lease_set_remote_kill(struct ssh_lease *lease, bool on)
{
	lease->no_remote_kill = !on;
}

int
ssh_lease_exec(struct ssh_lease *lease, const struct exec_request *req,
	       struct exec_result *res, bool *started)
{
	struct ssh_conn *c = lease->conn;
	struct pid_filter pf = { .active = true };
	long long start = time_mono_ms();
	char *command;
	int rc;

	memset(res, 0, sizeof *res);
	res->exit_status = -1;
	command = xasprintf("printf '\\036drconsole-pid=%%s\\036' \"$$\" >&2; %s", req->command);
	rc = run_channel(c, req, command, res, started, &pf);
	free(command);
	res->pid = pf.pid;
	if (rc == 0 && (res->timed_out || res->cancelled) && pf.pid > 0 && !lease->no_remote_kill)
		res->kill_confirmed = kill_remote(c, pf.pid);
	res->duration_ms = time_mono_ms() - start;
	return rc;
}
