/*
 * ssh.h: SSH sessions over libssh2 1.10, kept in a pool and reused.
 *
 * A pool holds at most one session per user@address:port. A caller leases
 * a session (connecting, verifying the host key and authenticating first
 * when there is none or the kept one is dead), uses it alone (one thread per
 * session at a time), and gives it back. Every step is non-blocking and
 * bounded by the caller's deadline: connect, banner, key exchange, host-key
 * check, authentication, channel open, exec.
 *
 * Host keys: the key the server presents is checked with libssh2's
 * knownhost API against the env's known_hosts, then the user's. Entries may
 * be "[addr]:port" (the lab, any non-22 port) or plain "addr" (commcare-cloud
 * files, port 22); for a non-22 port libssh2 also consults the plain "addr"
 * entries when no "[addr]:port" entry matches (OpenSSH would not: it is the
 * same host's recorded key, so this is lenient, not weaker). Hashed ("|1|")
 * and comma-list entries work. A key marked "@revoked" for the host (same
 * names, hashed or not) in either file is REVOKED whatever else lists it,
 * as OpenSSH refuses it (libssh2 reads no markers: known_hosts.c does this
 * check). Else a key matching an entry in either file is accepted; else
 * an entry for the host with the same key type but another key means
 * CHANGED; else UNKNOWN. On UNKNOWN, CHANGED or REVOKED the socket is shut
 * down right after the check: nothing more is sent (no authentication
 * attempt, no disconnect message). Fingerprints are OpenSSH's "SHA256:<base64, no =>".
 * As OpenSSH does, the key types known_hosts lists for the host are asked
 * for first (ssh_hostkey_prefs).
 *
 * Authentication: ssh-agent identities ($SSH_AUTH_SOCK) when opt->agent,
 * then identity_file (public key identity_file + ".pub" when that exists).
 *
 * libssh2 debug output goes to the log module (LOG_DEBUG, i.e. -vv), never
 * to stderr. libssh2_init runs once (pthread_once).
 */
#ifndef DRCONSOLE_SSH_H
#define DRCONSOLE_SSH_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/ssh/exec.h"

struct ssh_options {
	const char *user;		/* login user */
	const char *identity_file;	/* private key; public key = identity_file + ".pub" when present */
	bool agent;			/* try ssh-agent ($SSH_AUTH_SOCK) first, then the identity file */
	const char *env_known_hosts;	/* the env dir's known_hosts (may be NULL) */
	const char *user_known_hosts;	/* then the user's (config ssh.known_hosts, default ~/.ssh/known_hosts; may be NULL) */
	long long connect_timeout_ms;
	long long keepalive_ms;
};

enum ssh_state {
	SSH_STATE_UP,
	SSH_STATE_DOWN,			/* refused, unreachable, reset, closed */
	SSH_STATE_TIMEOUT,		/* no answer within the bound */
	SSH_STATE_AUTH_FAILED,
	SSH_STATE_HOSTKEY_UNKNOWN,
	SSH_STATE_HOSTKEY_CHANGED,
	SSH_STATE_HOSTKEY_REVOKED,	/* the key is marked @revoked in a known_hosts file */
	SSH_STATE_ERROR,		/* protocol or local failure */
};

/* "up", "down", "timeout", "auth-failed", "hostkey-unknown", "hostkey-CHANGED",
 * "hostkey-REVOKED", "error" */
const char *ssh_state_name(enum ssh_state st);

/* What acquiring a session found. */
struct ssh_status {
	enum ssh_state state;
	char *error;		/* one line naming call and object; NULL when up */
	char fingerprint[80];	/* "SHA256:..." of the presented host key, "" when none seen */
	char key_type[32];	/* "ssh-ed25519", ... */
	bool reused;		/* a kept session served the request */
	long long connect_ms;	/* connect + handshake + verify + auth; 0 when reused */
};

void ssh_status_clear(struct ssh_status *st);

struct ssh_pool;	/* kept sessions keyed by address:port; thread-safe */
struct ssh_lease;	/* one session, held by one caller */

struct ssh_pool *ssh_pool_create(const struct ssh_options *opt);	/* copies every string */

struct config;
struct site;
/*
 * The options of a site's pool (ssh_options.c): ssh.user (else the site's
 * remote user), identity, agent and timeouts from cfg; the site's env
 * known_hosts, then ssh.known_hosts. s may be NULL. Borrows the strings.
 */
void ssh_options_for_site(const struct config *cfg, const struct site *s, struct ssh_options *out);
/* Closes every kept session; no lease may be outstanding. */
void ssh_pool_free(struct ssh_pool *pool);
/* The user sessions log in as when a request names none. */
const char *ssh_pool_user(const struct ssh_pool *pool);
long long ssh_pool_connect_timeout(const struct ssh_pool *pool);

/*
 * Lease the session to user@address:port (user NULL: the pool's), waiting
 * for another thread's use of it, connecting when needed, all before
 * deadline_ms (monotonic). NULL on failure with st->state and st->error.
 * st is filled in either way (ssh_status_clear it afterwards).
 */
struct ssh_lease *ssh_pool_acquire(struct ssh_pool *pool, const char *address, int port,
				   const char *user, long long deadline_ms,
				   struct ssh_status *st);
/* Give the session back; discard closes it (after a failure mid-use). */
void ssh_pool_release(struct ssh_lease *lease, bool discard);
/* Send keepalives on idle kept sessions and drop the dead ones. */
void ssh_pool_keepalive(struct ssh_pool *pool);
/* Kept sessions (for tests and the console's status line). */
size_t ssh_pool_size(struct ssh_pool *pool);

/*
 * Run req->command on the leased session. Output is streamed to
 * req->on_output as it arrives; req->stdin_data is written to the
 * command's stdin, then EOF. Bounded by req->timeout_ms (0: none) and
 * req->cancel. On timeout or cancel the channel and the session's socket
 * are closed (libssh2 1.10 has no channel signal), the lease is marked
 * broken and must be released. Returns 0 when the command ran (see res),
 * -1 with res->error when it could not be started; *started tells whether
 * anything reached the server's command (a caller may retry when not).
 */
int ssh_lease_exec(struct ssh_lease *lease, const struct exec_request *req,
		   struct exec_result *res, bool *started);
/*
 * One round trip on the leased session: a numbered line written to a `cat`
 * kept running in a channel of the session (started on first use, *opened
 * then set) must come back unchanged before deadline_ms. 0, or -1 with
 * *err (caller frees) and the lease broken. The steady host check.
 */
int ssh_lease_echo(struct ssh_lease *lease, long long deadline_ms, bool *opened, char **err);
/*
 * Whether a timed-out or cancelled command is ended remotely (default on):
 * a fresh session, bounded by the connect timeout, TERMs its process group.
 * Probes running a trivial command turn it off to stay within their bound.
 */
void ssh_lease_set_remote_kill(struct ssh_lease *lease, bool on);
/* True when the leased session can no longer be used (release it with discard). */
bool ssh_lease_broken(const struct ssh_lease *lease);

/* One directory entry read over SFTP. */
struct ssh_dirent {
	char *name;
	unsigned long long size;
	long long mtime;	/* UTC epoch seconds, -1 unknown */
	bool is_dir;
};

/*
 * List dir over SFTP on the leased session, before deadline_ms. *out
 * (caller frees with ssh_dirents_free) gets every entry but "." and "..".
 * 0, or -1 with *err (caller frees); on a transport failure the lease is
 * broken.
 */
int ssh_lease_sftp_list(struct ssh_lease *lease, const char *dir, long long deadline_ms,
			struct ssh_dirent **out, size_t *n, char **err);
/*
 * Read at most max bytes of path over SFTP and its mtime, before
 * deadline_ms. 0; 1 when the file does not exist; -1 with *err.
 */
int ssh_lease_sftp_read(struct ssh_lease *lease, const char *path, size_t max,
			long long deadline_ms, char **data, size_t *len, long long *mtime,
			char **err);
void ssh_dirents_free(struct ssh_dirent *d, size_t n);

/* --- pure helpers (unit-tested) --- */

/* OpenSSH fingerprint "SHA256:" + unpadded base64 of a 32-byte digest into buf. */
void ssh_fingerprint_format(const unsigned char digest[32], char *buf, size_t len);
/* Unpadded standard base64 of n bytes into buf; returns the length written. */
size_t ssh_base64_nopad(const unsigned char *data, size_t n, char *buf, size_t len);

enum ssh_hostkey_match {
	SSH_HOSTKEY_MATCH,
	SSH_HOSTKEY_MISMATCH,		/* the host is listed with another key of that type */
	SSH_HOSTKEY_NOTFOUND,
	SSH_HOSTKEY_FAILURE,		/* the check could not be made */
	SSH_HOSTKEY_REVOKED,		/* a file marks the key @revoked for the host */
};

/*
 * Check a raw host key blob of libssh2 type key_type (LIBSSH2_HOSTKEY_TYPE_*)
 * for address:port against each known_hosts file in turn (NULL entries and
 * missing files skipped) with OpenSSH's rules. A key marked @revoked for the
 * host in any file is REVOKED, whatever else matches, before or after it.
 * *files_read counts the files that could be read.
 */
enum ssh_hostkey_match ssh_hostkey_check(const char *const *files, size_t n_files,
					 const char *address, int port,
					 const unsigned char *key, size_t key_len, int key_type,
					 size_t *files_read);
/*
 * Host-key algorithms to offer to address:port, as OpenSSH orders them:
 * the types the known_hosts files list for that host first, then the
 * others ("ssh-ed25519,ecdsa-sha2-nistp256,..."). So a host known only by
 * its ed25519 key is asked for that key even where libssh2 would prefer
 * ECDSA. Empty when no plain entry names the host (hashed entries cannot
 * be read by name): libssh2's own order is used then.
 */
void ssh_hostkey_prefs(const char *const *files, size_t n_files, const char *address, int port,
		       char *buf, size_t len);
/* The OpenSSH name of a LIBSSH2_HOSTKEY_TYPE_* ("ssh-ed25519"), or "unknown". */
const char *ssh_hostkey_type_name(int key_type);
/* Signal number of an SSH signal name ("TERM", "KILL"); 0 when unknown. */
int ssh_signal_number(const char *name);

#endif
