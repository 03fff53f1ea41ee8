/*
 * ssh_echo.c: the steady-state reachability check over a kept session.
 *
 * DESIGN: an exec of `true` costs four round trips (channel open, exec,
 * exit status and EOF, close) and a remote process per check. A kept
 * session instead keeps one channel running `cat`; a check writes one
 * numbered line and reads it back: one round trip that proves the session,
 * the remote sshd and a process on the host all still answer. The channel
 * is opened on the first check of a kept session and lives as long as the
 * session (ssh_conn_close frees it with the session). Any failure breaks
 * the lease, so the caller reconnects (and execs) on a fresh session.
 */
#include "ssh_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/util.h"

static int
fail(struct ssh_conn *c, char **err, char *msg)
{
	*err = msg;
	c->echo = NULL;		/* freed with the session */
	ssh_conn_close(c);
	c->broken = true;
	return -1;
}

/* Open the channel and start `cat` in it. */
static int
echo_open(struct ssh_conn *c, long long deadline_ms, char **err)
{
	LIBSSH2_CHANNEL *ch;
	int rc;

	while ((ch = libssh2_channel_open_session(c->session)) == NULL) {
		rc = libssh2_session_last_errno(c->session);
		if (rc != LIBSSH2_ERROR_EAGAIN || ssh_wait_socket(c, deadline_ms, 0) <= 0)
			return fail(c, err, xasprintf("echo channel open on %s:%d: %s", c->address, c->port,
						      rc == LIBSSH2_ERROR_EAGAIN ? "no answer in time"
						      : "refused"));
	}
	while ((rc = libssh2_channel_exec(ch, "exec cat")) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait_socket(c, deadline_ms, 0) <= 0)
			break;
	if (rc != 0)
		return fail(c, err, xasprintf("echo exec on %s:%d: %s", c->address, c->port,
					      rc == LIBSSH2_ERROR_EAGAIN ? "no answer in time" : "refused"));
	c->echo = ch;
	return 0;
}

int
ssh_lease_echo(struct ssh_lease *lease, long long deadline_ms, bool *opened, char **err)
{
	struct ssh_conn *c = lease->conn;
	char line[64], got[64];
	size_t len, off = 0, have = 0;
	ssize_t n;

	*err = NULL;
	*opened = false;
	if (c->session == NULL || c->broken)
		return fail(c, err, xasprintf("ssh %s: no session", c->key));
	if (c->echo == NULL) {
		if (echo_open(c, deadline_ms, err) != 0)
			return -1;
		*opened = true;
	}
	len = (size_t)snprintf(line, sizeof line, "drconsole-echo %lu\n", ++c->echo_seq);
	while (off < len) {
		n = libssh2_channel_write(c->echo, line + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n != LIBSSH2_ERROR_EAGAIN || ssh_wait_socket(c, deadline_ms, 0) <= 0)
			return fail(c, err, xasprintf("echo write to %s:%d: %s", c->address, c->port,
						      n == LIBSSH2_ERROR_EAGAIN ? "no room in time"
						      : "channel closed"));
	}
	/* read the line back: exactly what was written, nothing else */
	while (have < len) {
		n = libssh2_channel_read(c->echo, got + have, len - have);
		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		if (n == 0 && libssh2_channel_eof(c->echo))
			return fail(c, err, xasprintf("echo on %s:%d: the remote cat ended", c->address,
						      c->port));
		if ((n == 0 || n == LIBSSH2_ERROR_EAGAIN) && ssh_wait_socket(c, deadline_ms, 0) > 0)
			continue;
		return fail(c, err, n == 0 || n == LIBSSH2_ERROR_EAGAIN
			    ? xasprintf("echo on %s:%d: no answer before the deadline", c->address, c->port)
			    : xasprintf("echo read from %s:%d: error %zd", c->address, c->port, n));
	}
	if (memcmp(got, line, len) != 0)
		return fail(c, err, xasprintf("echo on %s:%d: an unexpected answer", c->address, c->port));
	return 0;
}
