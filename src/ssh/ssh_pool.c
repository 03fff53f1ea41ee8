/*
 * ssh_pool.c: connecting, verifying, authenticating, and keeping sessions.
 *
 * DESIGN: one entry per user@address:port, created on first use and kept
 * until the pool is freed. An entry is leased to one thread at a time (busy
 * flag under the pool mutex; waiters sleep on a monotonic condition
 * variable, bounded by their deadline), so a libssh2 session is never used
 * by two threads at once, while different hosts proceed in parallel.
 * Everything on the wire is non-blocking: the socket connects with
 * O_NONBLOCK and poll(), libssh2 runs in non-blocking mode and every
 * EAGAIN waits in poll() on the directions libssh2 reports, against the
 * caller's deadline. A kept session is checked before reuse (a peeked EOF
 * or a hang-up means the server went away) and replaced transparently.
 * Names that are not numeric addresses go through getaddrinfo(), which the
 * resolver bounds with its own timeout, not ours.
 */
#define _GNU_SOURCE
#include "drconsole/ssh/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/util/log.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"
#include "ssh_priv.h"

struct ssh_pool {
	pthread_mutex_t lock;
	pthread_cond_t cv;		/* an entry became free */
	char *user;
	char *identity_file;
	char *public_file;		/* identity_file + ".pub" when it exists */
	bool agent;
	char *known_hosts[2];		/* env's, user's */
	long long connect_timeout_ms;
	long long keepalive_ms;
	struct ssh_conn **conns;
	size_t n_conns;
	size_t cap_conns;
};

struct ssh_pool *
ssh_pool_create(const struct ssh_options *opt)
{
	struct ssh_pool *p = xcalloc(1, sizeof *p);
	pthread_condattr_t attr;

	ssh_global_init();
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &attr);
	pthread_condattr_destroy(&attr);
	p->user = xstrdup(opt->user != NULL && *opt->user != '\0' ? opt->user : "ansible");
	p->identity_file = xstrdup_opt(opt->identity_file);
	if (p->identity_file != NULL) {
		char *pub = xasprintf("%s.pub", p->identity_file);

		if (access(pub, R_OK) == 0)
			p->public_file = pub;
		else
			free(pub);
	}
	p->agent = opt->agent;
	p->known_hosts[0] = xstrdup_opt(opt->env_known_hosts);
	p->known_hosts[1] = xstrdup_opt(opt->user_known_hosts);
	p->connect_timeout_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : 5000;
	p->keepalive_ms = opt->keepalive_ms > 0 ? opt->keepalive_ms : 0;
	return p;
}

const char *
ssh_pool_user(const struct ssh_pool *pool)
{
	return pool->user;
}

long long
ssh_pool_connect_timeout(const struct ssh_pool *pool)
{
	return pool->connect_timeout_ms;
}

void
ssh_conn_close(struct ssh_conn *c)
{
	if (c->sock >= 0)
		shutdown(c->sock, SHUT_RDWR);
	if (c->session != NULL)
		libssh2_session_free(c->session);	/* frees its channels, the echo one too */
	c->session = NULL;
	c->echo = NULL;
	__atomic_store_n(&c->connected, 0, __ATOMIC_RELAXED);
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	c->broken = false;
}

static void
conn_free(struct ssh_conn *c)
{
	ssh_conn_close(c);
	free(c->key);
	free(c->address);
	free(c->user);
	free(c);
}

void
ssh_pool_free(struct ssh_pool *pool)
{
	if (pool == NULL)
		return;
	for (size_t i = 0; i < pool->n_conns; i++)
		conn_free(pool->conns[i]);
	free(pool->conns);
	free(pool->user);
	free(pool->identity_file);
	free(pool->public_file);
	free(pool->known_hosts[0]);
	free(pool->known_hosts[1]);
	pthread_cond_destroy(&pool->cv);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

int
ssh_wait_socket(struct ssh_conn *c, long long deadline_ms, long long max_wait_ms)
{
	struct pollfd pfd = { .fd = c->sock, .events = 0 };
	int dir = libssh2_session_block_directions(c->session);
	long long left;
	int r;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	if (pfd.events == 0)
		pfd.events = POLLIN;
	do {
		left = deadline_ms - time_mono_ms();
		if (left <= 0)
			return 0;
		if (max_wait_ms > 0 && left > max_wait_ms)
			left = max_wait_ms;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
	} while (r < 0 && errno == EINTR);
	if (r == 0 && max_wait_ms > 0 && time_mono_ms() < deadline_ms)
		return 1;	/* the cap, not the deadline: let the caller look around */
	return r > 0 ? 1 : r;
}

static void
trace_to_log(LIBSSH2_SESSION *session, void *ctx, const char *data, size_t len)
{
	(void)session;
	(void)ctx;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	log_msg(LOG_DEBUG, "libssh2: %.*s", (int)len, data);
}

static void
fail(struct ssh_status *st, enum ssh_state state, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void
fail(struct ssh_status *st, enum ssh_state state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(st->error);
	st->error = xvasprintf(fmt, ap);
	va_end(ap);
	st->state = state;
}

/* The last libssh2 error message of the session. */
static const char *
last_error(LIBSSH2_SESSION *session)
{
	char *msg = NULL;

	if (session == NULL)
		return "no session";
	libssh2_session_last_error(session, &msg, NULL, 0);
	return msg != NULL && *msg != '\0' ? msg : "unknown libssh2 error";
}

static bool
is_disconnect(int rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_RECV ||
	       rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_BANNER_RECV ||
	       rc == LIBSSH2_ERROR_SOCKET_TIMEOUT;
}

/* Non-blocking TCP connect within the deadline; fills c->sock. */
static int
tcp_connect(struct ssh_conn *c, long long deadline, struct ssh_status *st)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int rc, err = 0, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	snprintf(port, sizeof port, "%d", c->port);
	rc = getaddrinfo(c->address, port, &hints, &res);
	if (rc == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(c->address, port, &hints, &res);
	}
	if (rc != 0) {
		fail(st, SSH_STATE_DOWN, "getaddrinfo(%s): %s", c->address, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd pfd;
		socklen_t len = sizeof err;
		long long left;
		int sock = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				  ai->ai_protocol);

		if (sock < 0) {
			err = errno;
			continue;
		}
		setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(sock, ai->ai_addr, ai->ai_addrlen) == 0) {
			c->sock = sock;
			freeaddrinfo(res);
			return 0;
		}
		if (errno != EINPROGRESS) {
			err = errno;
			close(sock);
			continue;
		}
		pfd = (struct pollfd){ .fd = sock, .events = POLLOUT };
		do {
			left = deadline - time_mono_ms();
			rc = left <= 0 ? 0 : poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		} while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			close(sock);
			freeaddrinfo(res);
			fail(st, SSH_STATE_TIMEOUT, "connect(%s:%d): no answer within %lld ms",
			     c->address, c->port, c->pool->connect_timeout_ms);
			return -1;
		}
		if (rc < 0 || getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err == 0) {
			c->sock = sock;
			freeaddrinfo(res);
			return 0;
		}
		close(sock);
	}
	freeaddrinfo(res);
	fail(st, err == ETIMEDOUT ? SSH_STATE_TIMEOUT : SSH_STATE_DOWN, "connect(%s:%d): %s",
	     c->address, c->port, strerror(err != 0 ? err : ECONNREFUSED));
	return -1;
}

#define NB_CALL(rc, c, deadline, call)                                         \
	do {                                                                    \
		while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN) {               \
			if (ssh_wait_socket((c), (deadline), 0) <= 0)          \
				break;                                          \
		}                                                               \
	} while (0)

/* Host key against the known_hosts files; on anything but a match nothing more is sent. */
static int
verify_hostkey(struct ssh_conn *c, struct ssh_status *st)
{
	const char *const files[2] = { c->pool->known_hosts[0], c->pool->known_hosts[1] };
	size_t len = 0, read = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(c->session, &len, &type);
	const char *hash = libssh2_hostkey_hash(c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
	enum ssh_hostkey_match m;

	if (key == NULL || hash == NULL) {
		fail(st, SSH_STATE_ERROR, "libssh2_session_hostkey(%s:%d): %s", c->address,
		     c->port, last_error(c->session));
		return -1;
	}
	ssh_fingerprint_format((const unsigned char *)hash, st->fingerprint,
			       sizeof st->fingerprint);
	snprintf(st->key_type, sizeof st->key_type, "%s", ssh_hostkey_type_name(type));
	m = ssh_hostkey_check_session(c->session, files, 2, c->address, c->port,
				      (const unsigned char *)key, len, type, &read);
	switch (m) {
	case SSH_HOSTKEY_MATCH:
		return 0;
	case SSH_HOSTKEY_MISMATCH:
		fail(st, SSH_STATE_HOSTKEY_CHANGED,
		     "host key CHANGED for %s:%d: server presents %s %s, known_hosts lists another "
		     "%s key; not authenticating (possible man-in-the-middle)",
		     c->address, c->port, st->key_type, st->fingerprint, st->key_type);
		return -1;
	case SSH_HOSTKEY_REVOKED:
		fail(st, SSH_STATE_HOSTKEY_REVOKED,
		     "host key REVOKED for %s:%d: server presents %s %s, which known_hosts marks "
		     "@revoked; not authenticating (possibly a stolen key)",
		     c->address, c->port, st->key_type, st->fingerprint);
		return -1;
	case SSH_HOSTKEY_NOTFOUND:
		fail(st, SSH_STATE_HOSTKEY_UNKNOWN,
		     "host key unknown for %s:%d: %s %s is in no known_hosts (%zu file%s read); "
		     "not authenticating",
		     c->address, c->port, st->key_type, st->fingerprint, read, read == 1 ? "" : "s");
		return -1;
	case SSH_HOSTKEY_FAILURE:
		break;
	}
	fail(st, SSH_STATE_HOSTKEY_UNKNOWN, "host key of %s:%d (%s %s): no known_hosts could be read",
	     c->address, c->port, st->key_type, st->fingerprint);
	return -1;
}

/* Agent identities (when enabled), then the identity file. */
static int
authenticate(struct ssh_conn *c, long long deadline, struct ssh_status *st)
{
	struct ssh_pool *p = c->pool;
	int rc = LIBSSH2_ERROR_AUTHENTICATION_FAILED, tried = 0;
	char agent_note[128] = "";

	if (p->agent && getenv("SSH_AUTH_SOCK") != NULL) {
		LIBSSH2_AGENT *agent = libssh2_agent_init(c->session);
		struct libssh2_agent_publickey *id = NULL, *prev = NULL;

		if (agent != NULL && libssh2_agent_connect(agent) == 0 &&
		    libssh2_agent_list_identities(agent) == 0) {
			while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
				tried++;
				NB_CALL(rc, c, deadline, libssh2_agent_userauth(agent, c->user, id));
				if (rc == 0 || rc == LIBSSH2_ERROR_EAGAIN || is_disconnect(rc))
					break;
				prev = id;
			}
			libssh2_agent_disconnect(agent);
		}
		if (agent != NULL)
			libssh2_agent_free(agent);
		snprintf(agent_note, sizeof agent_note, "%d agent identit%s", tried,
			 tried == 1 ? "y" : "ies");
		if (rc == 0)
			return 0;
	}
	if (rc != LIBSSH2_ERROR_EAGAIN && !is_disconnect(rc) && p->identity_file != NULL) {
		NB_CALL(rc, c, deadline,
			libssh2_userauth_publickey_fromfile_ex(c->session, c->user,
				(unsigned)strlen(c->user), p->public_file, p->identity_file, NULL));
		if (rc == 0)
			return 0;
		if (rc == LIBSSH2_ERROR_FILE) {
			fail(st, SSH_STATE_AUTH_FAILED, "publickey auth as %s on %s:%d: cannot use key %s: %s",
			     c->user, c->address, c->port, p->identity_file, last_error(c->session));
			return -1;
		}
	}
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		fail(st, SSH_STATE_TIMEOUT, "ssh auth(%s:%d): no answer within %lld ms", c->address,
		     c->port, p->connect_timeout_ms);
		return -1;
	}
	if (is_disconnect(rc)) {
		fail(st, SSH_STATE_DOWN, "ssh auth(%s:%d): %s", c->address, c->port,
		     last_error(c->session));
		return -1;
	}
	fail(st, SSH_STATE_AUTH_FAILED, "publickey auth as %s on %s:%d refused (%s%s%s)", c->user,
	     c->address, c->port, agent_note, *agent_note != '\0' ? ", " : "",
	     p->identity_file != NULL ? p->identity_file : "no identity file");
	return -1;
}

/*
 * Drop from a comma list the host-key algorithms this libssh2 lacks
 * (Debian's 1.10 has no rsa-sha2-*): libssh2_session_method_pref removes
 * unknown names itself with an overlapping memcpy.
 */
static void
keep_supported(LIBSSH2_SESSION *session, char *prefs)
{
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(session, LIBSSH2_METHOD_HOSTKEY, &algs);
	struct strbuf sb = STRBUF_INIT;
	char *copy, *tok, *save = NULL;

	if (n <= 0) {
		prefs[0] = '\0';
		return;
	}
	copy = xstrdup(prefs);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		for (int i = 0; i < n; i++)
			if (strcmp(algs[i], tok) == 0) {
				strbuf_printf(&sb, "%s%s", sb.len > 0 ? "," : "", tok);
				break;
			}
	libssh2_free(session, (void *)algs);
	strcpy(prefs, strbuf_str(&sb));	/* never longer than prefs */
	strbuf_free(&sb);
	free(copy);
}

int
ssh_conn_open(struct ssh_conn *c, long long deadline, struct ssh_status *st)
{
	long long start = time_mono_ms();
	int rc;

	if (tcp_connect(c, deadline, st) != 0)
		return -1;
	c->session = libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (c->session == NULL) {
		fail(st, SSH_STATE_ERROR, "libssh2_session_init(%s:%d): out of memory", c->address,
		     c->port);
		ssh_conn_close(c);
		return -1;
	}
	if (log_get_level() >= LOG_DEBUG) {
		libssh2_trace_sethandler(c->session, NULL, trace_to_log);
		libssh2_trace(c->session, ~0);
	}
	{
		const char *const files[2] = { c->pool->known_hosts[0], c->pool->known_hosts[1] };
		char prefs[256];

		ssh_hostkey_prefs(files, 2, c->address, c->port, prefs, sizeof prefs);
		keep_supported(c->session, prefs);
		if (prefs[0] != '\0' &&
		    libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, prefs) != 0)
			log_msg(LOG_DEBUG, "ssh %s: host key preference %s refused", c->key, prefs);
	}
	libssh2_session_set_blocking(c->session, 0);
	NB_CALL(rc, c, deadline, libssh2_session_handshake(c->session, c->sock));
	if (rc != 0) {
		if (rc == LIBSSH2_ERROR_EAGAIN)
			fail(st, SSH_STATE_TIMEOUT, "ssh handshake(%s:%d): no SSH banner or key "
			     "exchange within %lld ms", c->address, c->port, c->pool->connect_timeout_ms);
		else if (is_disconnect(rc) || rc == LIBSSH2_ERROR_KEX_FAILURE)
			fail(st, SSH_STATE_DOWN, "ssh handshake(%s:%d): %s", c->address, c->port,
			     last_error(c->session));
		else
			fail(st, SSH_STATE_ERROR, "ssh handshake(%s:%d): %s", c->address, c->port,
			     last_error(c->session));
		ssh_conn_close(c);
		return -1;
	}
	if (verify_hostkey(c, st) != 0 || authenticate(c, deadline, st) != 0) {
		ssh_conn_close(c);
		return -1;
	}
	if (c->pool->keepalive_ms > 0)
		libssh2_keepalive_config(c->session, 0,
					 (unsigned)((c->pool->keepalive_ms + 999) / 1000));
	st->connect_ms = time_mono_ms() - start;
	__atomic_store_n(&c->connected, 1, __ATOMIC_RELAXED);
	return 0;
}

/* A kept session whose server hung up (EOF or error on the socket) is dead. */
static bool
conn_alive(struct ssh_conn *c)
{
	struct pollfd pfd = { .fd = c->sock, .events = POLLIN };
	char byte;

	if (c->session == NULL || c->sock < 0 || c->broken)
		return false;
	if (poll(&pfd, 1, 0) <= 0)
		return true;
	if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
		return false;
	if (pfd.revents & POLLIN) {
		ssize_t n = recv(c->sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

		return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
	}
	return true;
}

static struct ssh_conn *
find_or_add(struct ssh_pool *pool, const char *address, int port, const char *user)
{
	char *key = xasprintf("%s@%s:%d", user, address, port);
	struct ssh_conn *c;

	for (size_t i = 0; i < pool->n_conns; i++)
		if (strcmp(pool->conns[i]->key, key) == 0) {
			free(key);
			return pool->conns[i];
		}
	c = xcalloc(1, sizeof *c);
	c->key = key;
	c->address = xstrdup(address);
	c->port = port > 0 ? port : 22;
	c->user = xstrdup(user);
	c->sock = -1;
	c->pool = pool;
	grow_array(&pool->conns, &pool->cap_conns, pool->n_conns + 1, sizeof *pool->conns);
	pool->conns[pool->n_conns++] = c;
	return c;
}

static void
timed_wait(pthread_cond_t *cv, pthread_mutex_t *lock, long long until_ms)
{
	struct timespec now, ts;
	long long mono = time_mono_ms(), left = until_ms - mono;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ts.tv_sec = now.tv_sec + left / 1000;
	ts.tv_nsec = now.tv_nsec + (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cv, lock, &ts);
}

struct ssh_lease *
ssh_pool_acquire(struct ssh_pool *pool, const char *address, int port, const char *user,
		 long long deadline_ms, struct ssh_status *st)
{
	struct ssh_conn *c;
	struct ssh_lease *lease;
	long long connect_deadline;

	memset(st, 0, sizeof *st);
	if (user == NULL || *user == '\0')
		user = pool->user;
	pthread_mutex_lock(&pool->lock);
	c = find_or_add(pool, address, port, user);
	while (c->busy && time_mono_ms() < deadline_ms)
		timed_wait(&pool->cv, &pool->lock, deadline_ms);
	if (c->busy) {
		pthread_mutex_unlock(&pool->lock);
		fail(st, SSH_STATE_TIMEOUT, "ssh %s: session busy until the deadline", c->key);
		return NULL;
	}
	c->busy = true;
	pthread_mutex_unlock(&pool->lock);

	if (c->session != NULL && !conn_alive(c)) {
		log_msg(LOG_INFO, "ssh %s: kept session is gone; reconnecting", c->key);
		ssh_conn_close(c);
	}
	if (c->session != NULL) {
		int next = 0;

		if (libssh2_keepalive_send(c->session, &next) != 0 &&
		    libssh2_session_last_errno(c->session) != LIBSSH2_ERROR_EAGAIN) {
			ssh_conn_close(c);
		} else {
			st->reused = true;
		}
	}
	if (c->session == NULL) {
		connect_deadline = time_mono_ms() + pool->connect_timeout_ms;
		if (connect_deadline > deadline_ms)
			connect_deadline = deadline_ms;
		if (ssh_conn_open(c, connect_deadline, st) != 0) {
			pthread_mutex_lock(&pool->lock);
			c->busy = false;
			pthread_cond_broadcast(&pool->cv);
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
	}
	st->state = SSH_STATE_UP;
	if (st->fingerprint[0] == '\0') {
		const char *hash = libssh2_hostkey_hash(c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
		size_t len;
		int type = 0;

		if (hash != NULL)
			ssh_fingerprint_format((const unsigned char *)hash, st->fingerprint,
					       sizeof st->fingerprint);
		if (libssh2_session_hostkey(c->session, &len, &type) != NULL)
			snprintf(st->key_type, sizeof st->key_type, "%s", ssh_hostkey_type_name(type));
	}
	lease = xcalloc(1, sizeof *lease);
	lease->conn = c;
	return lease;
}

void
ssh_pool_release(struct ssh_lease *lease, bool discard)
{
	struct ssh_conn *c;
	struct ssh_pool *pool;

	if (lease == NULL)
		return;
	c = lease->conn;
	pool = c->pool;
	if (discard || c->broken)
		ssh_conn_close(c);
	c->last_used_ms = time_mono_ms();
	pthread_mutex_lock(&pool->lock);
	c->busy = false;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->lock);
	free(lease);
}

bool
ssh_lease_broken(const struct ssh_lease *lease)
{
	return lease->conn->broken || lease->conn->session == NULL;
}

void
ssh_pool_keepalive(struct ssh_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	for (size_t i = 0; i < pool->n_conns; i++) {
		struct ssh_conn *c = pool->conns[i];
		int next = 0;

		if (c->busy || c->session == NULL)
			continue;
		c->busy = true;
		pthread_mutex_unlock(&pool->lock);
		if (!conn_alive(c) ||
		    (libssh2_keepalive_send(c->session, &next) != 0 &&
		     libssh2_session_last_errno(c->session) != LIBSSH2_ERROR_EAGAIN))
			ssh_conn_close(c);
		pthread_mutex_lock(&pool->lock);
		c->busy = false;
		pthread_cond_broadcast(&pool->cv);
	}
	pthread_mutex_unlock(&pool->lock);
}

size_t
ssh_pool_size(struct ssh_pool *pool)
{
	size_t n = 0;

	pthread_mutex_lock(&pool->lock);
	for (size_t i = 0; i < pool->n_conns; i++)
		if (__atomic_load_n(&pool->conns[i]->connected, __ATOMIC_RELAXED))
			n++;
	pthread_mutex_unlock(&pool->lock);
	return n;
}
