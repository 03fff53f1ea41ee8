/*
 * known_hosts.h: OpenSSH known_hosts files read as OpenSSH reads them
 * (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): an optional marker
 * ("@cert-authority" or "@revoked"), a host field, the key type, the
 * base64 key, a comment. The host field is either a comma list of patterns
 * ("*" and "?" wildcards, "!" negation, "[addr]:port" for other ports than
 * 22; case-insensitive) or one hashed name "|1|base64 salt|base64
 * HMAC-SHA1(salt, name)" (ssh-keygen -H). A line with an unknown or a
 * second marker is ignored, as OpenSSH ignores it.
 *
 * Used by lint and the site model (which hosts the env's file covers) and
 * by the SSH layer for the @revoked check; acceptance of a key (match or
 * CHANGED) stays with libssh2's knownhost API, which reads no markers and
 * no wildcards, so "covers" follows libssh2's names (exact or hashed) while
 * a revocation follows OpenSSH's patterns.
 */
#ifndef DRCONSOLE_KNOWN_HOSTS_H
#define DRCONSOLE_KNOWN_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

enum known_hosts_marker {
	KH_MARKER_NONE,
	KH_MARKER_CERT_AUTHORITY,
	KH_MARKER_REVOKED,
};

/* One key line, pointing into the text it was split from (not terminated). */
struct known_hosts_line {
	enum known_hosts_marker marker;
	const char *hosts;		/* host field */
	size_t hosts_len;
	const char *type;		/* "ssh-ed25519", ... */
	size_t type_len;
	const char *key;		/* base64 of the key blob */
	size_t key_len;
};

/* The host fields of the plain (unmarked) lines of a file. */
struct known_hosts {
	char **names;		/* host fields, comma lists and "|1|" hashes as written */
	size_t n;
	size_t cap;
	size_t hashed;		/* of which "|1|" entries */
	size_t lines;		/* key lines read (marked ones included) */
};

/* 0 on success; -1 when the file cannot be read. */
int known_hosts_load(const char *path, struct known_hosts *kh);
void known_hosts_parse(const char *text, struct known_hosts *kh);
/*
 * Whether a plain line lists the host as the SSH layer accepts it
 * (known_hosts_field_lists): "address" for port 22 (or <= 0),
 * "[address]:port" otherwise.
 */
bool known_hosts_covers(const struct known_hosts *kh, const char *address, int port);
void known_hosts_free(struct known_hosts *kh);

/*
 * Split one line (len bytes, no newline needed) into its fields. False for
 * blank lines, comments, lines with an unknown or repeated marker, and
 * lines without a host, type and key field.
 */
bool known_hosts_split(const char *line, size_t len, struct known_hosts_line *out);
/*
 * Whether a host field names name (OpenSSH's match_maybe_hashed: a hashed
 * field is compared with HMAC-SHA1 of the lower-cased name; a pattern list
 * matches when a pattern matches and no negated one does).
 */
bool known_hosts_field_names(const char *field, size_t len, const char *name);
/*
 * Whether a host field lists name as libssh2's knownhost check (which
 * accepts keys) finds it: a comma-list entry equal to name, or a hashed
 * field of it. Wildcards and negations are not read there.
 */
bool known_hosts_field_lists(const char *field, size_t len, const char *name);
/*
 * Whether text (a whole known_hosts file) marks the key blob @revoked for
 * any of names ("[addr]:port", "addr", ...).
 */
bool known_hosts_revoked(const char *text, size_t len, const char *const *names,
			 size_t n_names, const unsigned char *key, size_t key_len);
/*
 * Decode standard base64 (padding optional; no whitespace) into out (at
 * most cap bytes). Returns the length, or -1 when in is not base64 or
 * does not fit.
 */
long known_hosts_b64_decode(const char *in, size_t len, unsigned char *out, size_t cap);

#endif
