/*
 * ssh_hostkey.c: host-key checks with libssh2's knownhost API, OpenSSH
 * fingerprints, state and signal names.
 *
 * DESIGN: each known_hosts file is read into its own knownhost collection
 * and checked with libssh2_knownhost_checkp: "[addr]:port" first, then the
 * plain "addr" (so port 22 finds commcare-cloud's plain entries, and a
 * non-22 port falls back to them too, unlike OpenSSH). Only entries of the presented key's type
 * take part, so a file listing ecdsa, ed25519 and rsa keys of a host
 * (commcare-cloud's) is compared against the one the server chose. A match
 * in any file accepts the key; a mismatch in a file with no match anywhere
 * is CHANGED. Before any of that, every file is read for "@revoked" lines
 * (known_hosts.c; libssh2 skips marked lines) under the same names: a
 * revoked key is refused whatever else the files say, as OpenSSH does.
 * Those lines, and the plain ones the algorithm preferences read, come from
 * ssh_known_cache.c: each file read once, and again when it changes.
 */
#include "drconsole/ssh/ssh.h"

#include <libssh2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/config/known_hosts.h"
#include "drconsole/util/util.h"
#include "ssh_priv.h"

const char *
ssh_state_name(enum ssh_state st)
{
	switch (st) {
	case SSH_STATE_UP: return "up";
	case SSH_STATE_DOWN: return "down";
	case SSH_STATE_TIMEOUT: return "timeout";
	case SSH_STATE_AUTH_FAILED: return "auth-failed";
	case SSH_STATE_HOSTKEY_UNKNOWN: return "hostkey-unknown";
	case SSH_STATE_HOSTKEY_CHANGED: return "hostkey-CHANGED";
	case SSH_STATE_HOSTKEY_REVOKED: return "hostkey-REVOKED";
	case SSH_STATE_ERROR: return "error";
	}
	return "error";
}

void
ssh_status_clear(struct ssh_status *st)
{
	free(st->error);
	memset(st, 0, sizeof *st);
}

size_t
ssh_base64_nopad(const unsigned char *data, size_t n, char *buf, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)data[i] << 16;
		size_t chunk = n - i < 3 ? n - i : 3;
		char out[4];

		if (chunk > 1)
			v |= (unsigned)data[i + 1] << 8;
		if (chunk > 2)
			v |= data[i + 2];
		out[0] = tab[(v >> 18) & 63];
		out[1] = tab[(v >> 12) & 63];
		out[2] = tab[(v >> 6) & 63];
		out[3] = tab[v & 63];
		for (size_t k = 0; k < chunk + 1; k++)
			if (o + 1 < len)
				buf[o++] = out[k];
	}
	if (len > 0)
		buf[o] = '\0';
	return o;
}

void
ssh_fingerprint_format(const unsigned char digest[32], char *buf, size_t len)
{
	char b64[64];

	ssh_base64_nopad(digest, 32, b64, sizeof b64);
	snprintf(buf, len, "SHA256:%s", b64);
}

const char *
ssh_hostkey_type_name(int key_type)
{
	switch (key_type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
	case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
	default: return "unknown";
	}
}

static int
knownhost_key_bits(int key_type)
{
	switch (key_type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

/*
 * Whether any file marks key @revoked for address:port: under "[address]:port"
 * and, as acceptance falls back to them, plain "address" entries.
 */
static bool
hostkey_revoked(const char *const *files, size_t n_files, const char *address, int port,
		const unsigned char *key, size_t key_len)
{
	char bracketed[300];
	const char *names[2] = { address, NULL };
	bool revoked = false;

	if (port > 0 && port != 22) {
		snprintf(bracketed, sizeof bracketed, "[%s]:%d", address, port);
		names[1] = bracketed;
	}
	for (size_t i = 0; i < n_files && !revoked; i++) {
		size_t len = 0;
		char *text = files[i] != NULL ? ssh_kh_lines(files[i], SSH_KH_REVOKED, &len) : NULL;

		if (text != NULL)
			revoked = known_hosts_revoked(text, len, names, 2, key, key_len);
		free(text);
	}
	return revoked;
}

enum ssh_hostkey_match
ssh_hostkey_check_session(LIBSSH2_SESSION *session, const char *const *files, size_t n_files,
			  const char *address, int port, const unsigned char *key,
			  size_t key_len, int key_type, size_t *files_read)
{
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		   knownhost_key_bits(key_type);
	bool mismatch = false, failure = false;
	size_t readable = 0;

	if (hostkey_revoked(files, n_files, address, port, key, key_len)) {
		for (size_t i = 0; files_read != NULL && i < n_files; i++)
			readable += files[i] != NULL && access(files[i], R_OK) == 0;
		if (files_read != NULL)
			*files_read = readable;
		return SSH_HOSTKEY_REVOKED;
	}
	for (size_t i = 0; i < n_files; i++) {
		LIBSSH2_KNOWNHOSTS *kh;
		struct libssh2_knownhost *entry = NULL;
		int rc;

		if (files[i] == NULL || access(files[i], R_OK) != 0)
			continue;
		kh = libssh2_knownhost_init(session);
		if (kh == NULL) {
			failure = true;
			continue;
		}
		/* a malformed line stops libssh2's reader; what was read still counts */
		if (libssh2_knownhost_readfile(kh, files[i], LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
			failure = true;
		readable++;
		rc = libssh2_knownhost_checkp(kh, address, port, (const char *)key, key_len,
					      mask, &entry);
		libssh2_knownhost_free(kh);
		if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
			if (files_read != NULL)
				*files_read = readable;
			return SSH_HOSTKEY_MATCH;
		}
		if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			mismatch = true;
		else if (rc == LIBSSH2_KNOWNHOST_CHECK_FAILURE)
			failure = true;
	}
	if (files_read != NULL)
		*files_read = readable;
	if (mismatch)
		return SSH_HOSTKEY_MISMATCH;
	if (failure && readable == 0)
		return SSH_HOSTKEY_FAILURE;
	return SSH_HOSTKEY_NOTFOUND;
}

enum ssh_hostkey_match
ssh_hostkey_check(const char *const *files, size_t n_files, const char *address, int port,
		  const unsigned char *key, size_t key_len, int key_type, size_t *files_read)
{
	LIBSSH2_SESSION *session;
	enum ssh_hostkey_match m;

	ssh_global_init();
	session = libssh2_session_init();
	if (session == NULL)
		return SSH_HOSTKEY_FAILURE;
	m = ssh_hostkey_check_session(session, files, n_files, address, port, key, key_len,
				      key_type, files_read);
	libssh2_session_free(session);
	return m;
}

/* Does one host pattern of a known_hosts line name address ("[address]:port" is bracketed)? */
static bool
pattern_names(const char *pat, size_t len, const char *address, const char *bracketed)
{
	if (len == strlen(address) && strncmp(pat, address, len) == 0)
		return true;	/* plain: port 22, and libssh2's fallback for others */
	return len == strlen(bracketed) && strncmp(pat, bracketed, len) == 0;
}

void
ssh_hostkey_prefs(const char *const *files, size_t n_files, const char *address, int port,
		  char *buf, size_t len)
{
	static const struct { const char *type, *algs; } order[] = {
		{ "ssh-ed25519", "ssh-ed25519" },
		{ "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256" },
		{ "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384" },
		{ "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521" },
		{ "ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
	};
	bool known[ARRAY_LEN(order)] = { false };
	bool any = false;
	size_t o = 0;
	char bracketed[300];

	if (len > 0)
		buf[0] = '\0';
	snprintf(bracketed, sizeof bracketed, "[%s]:%d", address, port);
	for (size_t f = 0; f < n_files; f++) {
		char *text = files[f] != NULL ? ssh_kh_lines(files[f], SSH_KH_PLAIN, NULL) : NULL;
		char *line, *save = NULL;

		if (text == NULL)
			continue;
		for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
			char *hosts, *type, *p = line;
			bool match = false;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '#' || *p == '@' || *p == '\0')
				continue;
			hosts = p;
			p += strcspn(p, " \t");
			if (*p == '\0')
				continue;
			*p++ = '\0';
			p += strspn(p, " \t");
			type = p;
			type[strcspn(type, " \t\r")] = '\0';
			for (char *h = hosts; *h != '\0' && !match;) {
				size_t n = strcspn(h, ",");

				match = pattern_names(h, n, address, bracketed);
				h += n + (h[n] == ',');
			}
			if (!match)
				continue;
			for (size_t i = 0; i < ARRAY_LEN(order); i++)
				if (strcmp(type, order[i].type) == 0)
					known[i] = any = true;
		}
		free(text);
	}
	if (!any)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ARRAY_LEN(order); i++) {
			if (known[i] != (pass == 0))
				continue;
			o += (size_t)snprintf(buf + (o < len ? o : len), o < len ? len - o : 0, "%s%s",
					      o > 0 ? "," : "", order[i].algs);
		}
	if (o >= len && len > 0)
		buf[0] = '\0';	/* truncated: better libssh2's order than half a list */
}

int
ssh_signal_number(const char *name)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "FPE", SIGFPE }, { "HUP", SIGHUP },
		{ "ILL", SIGILL }, { "INT", SIGINT }, { "KILL", SIGKILL }, { "PIPE", SIGPIPE },
		{ "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 },
	};

	if (name == NULL)
		return 0;
	if (str_starts_with(name, "SIG"))
		name += 3;
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		if (strcmp(sigs[i].name, name) == 0)
			return sigs[i].sig;
	return 0;
}
