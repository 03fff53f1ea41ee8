/*
 * ssh_priv.h: what the files of src/ssh share and nobody else sees: one
 * kept connection, the non-blocking wait, and the knownhost check on an
 * existing libssh2 session.
 */
#ifndef DRCONSOLE_SSH_PRIV_H
#define DRCONSOLE_SSH_PRIV_H

#include <libssh2.h>
#include <stdbool.h>

#include "drconsole/ssh/ssh.h"

struct ssh_conn {
	char *key;			/* user@address:port */
	char *address;
	int port;
	char *user;
	int sock;			/* -1 when not connected */
	LIBSSH2_SESSION *session;	/* NULL when not connected */
	LIBSSH2_CHANNEL *echo;		/* the kept session's `cat` (ssh_echo.c), NULL none */
	unsigned long echo_seq;		/* numbers the echoed lines */
	bool busy;			/* leased */
	bool broken;			/* must be closed on release */
	int connected;			/* session != NULL, read atomically by ssh_pool_size */
	long long last_used_ms;
	struct ssh_pool *pool;
};

struct ssh_lease {
	struct ssh_conn *conn;
	bool no_remote_kill;	/* see ssh_lease_set_remote_kill */
};

/* libssh2_init, once per process. */
void ssh_global_init(void);
/*
 * Wait until the session's socket is ready in the direction libssh2 is
 * blocked on, or until deadline_ms (capped by max_wait_ms when > 0).
 * 1 ready, 0 timed out, -1 poll failed.
 */
int ssh_wait_socket(struct ssh_conn *c, long long deadline_ms, long long max_wait_ms);
/*
 * Close the connection without sending anything more: shut the socket
 * down (so any further write libssh2 attempts fails), free the session,
 * close the socket.
 */
void ssh_conn_close(struct ssh_conn *c);

/* Connect, handshake, verify, authenticate c (not connected): all before the deadline. */
int ssh_conn_open(struct ssh_conn *c, long long deadline_ms, struct ssh_status *st);

/* ssh_known_cache.c: which lines of a known_hosts file. */
enum ssh_kh_part {
	SSH_KH_REVOKED,		/* @revoked lines */
	SSH_KH_PLAIN,		/* lines a plain or bracketed name may match (no comments,
				   markers or single hashed names) */
};
/*
 * Those lines of path as the file is now (read again when it changed), a
 * copy the caller frees; NULL when it cannot be read. *len (may be NULL)
 * gets the length.
 */
char *ssh_kh_lines(const char *path, enum ssh_kh_part part, size_t *len);

enum ssh_hostkey_match ssh_hostkey_check_session(LIBSSH2_SESSION *session,
						 const char *const *files, size_t n_files,
						 const char *address, int port,
						 const unsigned char *key, size_t key_len,
						 int key_type, size_t *files_read);

#endif
