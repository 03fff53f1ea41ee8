/*
 * known_hosts.c: OpenSSH known_hosts lines, host patterns and markers.
 *
 * DESIGN: the rules are OpenSSH's own (hostfile.c, match.c), so a file
 * means here what it means to ssh: markers are case-sensitive and one per
 * line; host patterns are matched case-insensitively with "*" and "?", a
 * negated pattern that matches vetoes the line, a pattern longer than 1023
 * bytes matches nothing; a hashed field is rebuilt as "|1|salt|hmac" from
 * the name and compared as text; base64 is decoded strictly (padding
 * required, no stray bits). Key lines are not copied: the split points into
 * the caller's text.
 */
#include "drconsole/config/known_hosts.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/util.h"

#define KH_SHA1_LEN 20
#define KH_PATTERN_MAX 1024	/* OpenSSH's subpattern buffer */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char b64_tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(char c)
{
	const char *p = c != '\0' ? strchr(b64_tab, c) : NULL;

	return p != NULL ? (int)(p - b64_tab) : -1;
}

long
known_hosts_b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	size_t o = 0, i = 0;

	if (len % 4 != 0)
		return -1;
	while (i < len) {
		int v[4];
		size_t pad = 0;

		for (int k = 0; k < 4; k++) {
			char c = in[i + (size_t)k];

			if (c == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = b64_value(c)) < 0) {
				return -1;	/* not base64, or '=' before the end */
			}
		}
		if (pad == 2 && (v[1] & 0x0f) != 0)
			return -1;	/* bits past the last byte */
		if (pad == 1 && (v[2] & 0x03) != 0)
			return -1;
		if (o + 3 - pad > cap)
			return -1;
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
		i += 4;
	}
	return (long)o;
}

/* Padded base64 of n bytes into buf (at least 4 * ((n + 2) / 3) + 1 bytes). */
static void
b64_encode(const unsigned char *data, size_t n, char *buf)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)data[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)data[i + 1] << 8;
		if (i + 2 < n)
			v |= data[i + 2];
		buf[o++] = b64_tab[(v >> 18) & 63];
		buf[o++] = b64_tab[(v >> 12) & 63];
		buf[o++] = i + 1 < n ? b64_tab[(v >> 6) & 63] : '=';
		buf[o++] = i + 2 < n ? b64_tab[v & 63] : '=';
	}
	buf[o] = '\0';
}

bool
known_hosts_split(const char *line, size_t len, struct known_hosts_line *out)
{
	const char *p = line, *end = line + len;

	memset(out, 0, sizeof *out);
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
		return false;
	if (*p == '@') {
		const char *m = p;

		while (p < end && !is_blank(*p))
			p++;
		if (p == end)
			return false;
		if ((size_t)(p - m) == 15 && memcmp(m, "@cert-authority", 15) == 0)
			out->marker = KH_MARKER_CERT_AUTHORITY;
		else if ((size_t)(p - m) == 8 && memcmp(m, "@revoked", 8) == 0)
			out->marker = KH_MARKER_REVOKED;
		else
			return false;
		while (p < end && is_blank(*p))
			p++;
		if (p < end && *p == '@')
			return false;	/* one marker per line */
	}
	out->hosts = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	out->hosts_len = (size_t)(p - out->hosts);
	while (p < end && is_blank(*p))
		p++;
	out->type = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	out->type_len = (size_t)(p - out->type);
	while (p < end && is_blank(*p))
		p++;
	out->key = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	out->key_len = (size_t)(p - out->key);
	return out->hosts_len > 0 && out->type_len > 0 && out->key_len > 0;
}

/* OpenSSH's match_pattern: '*' any run, '?' one character; both lower-cased already. */
static bool
match_pattern(const char *s, const char *pat)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat != '\0' && (*pat == '?' || *pat == *s)) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* OpenSSH's match_pattern_list (lower-casing): 1 match, 0 none, -1 a negated pattern matched. */
static int
match_pattern_list(const char *name, const char *list, size_t len)
{
	char sub[KH_PATTERN_MAX];
	bool positive = false;
	size_t i = 0;

	while (i < len) {
		bool negated = list[i] == '!';
		size_t n = 0;

		if (negated)
			i++;
		while (i < len && n < sizeof sub - 1 && list[i] != ',')
			sub[n++] = (char)tolower((unsigned char)list[i++]);
		if (n >= sizeof sub - 1)
			return 0;
		if (i < len && list[i] == ',')
			i++;
		sub[n] = '\0';
		if (match_pattern(name, sub)) {
			if (negated)
				return -1;
			positive = true;
		}
	}
	return positive ? 1 : 0;
}

/* "|1|salt|hash" names name: OpenSSH's host_hash rebuilt and compared as text. */
static bool
hashed_names(const char *field, size_t len, const char *name)
{
	const char *salt = field + 3, *bar;
	unsigned char salt_raw[KH_SHA1_LEN + 3], mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	char salt_b64[64], mac_b64[64], rebuilt[160];
	long n;

	bar = memchr(salt, '|', len - 3);
	if (bar == NULL || bar == salt)
		return false;
	n = known_hosts_b64_decode(salt, (size_t)(bar - salt), salt_raw, sizeof salt_raw);
	if (n != KH_SHA1_LEN)
		return false;
	if (HMAC(EVP_sha1(), salt_raw, KH_SHA1_LEN, (const unsigned char *)name, strlen(name),
		 mac, &mac_len) == NULL || mac_len != KH_SHA1_LEN)
		return false;
	b64_encode(salt_raw, KH_SHA1_LEN, salt_b64);
	b64_encode(mac, KH_SHA1_LEN, mac_b64);
	snprintf(rebuilt, sizeof rebuilt, "|1|%s|%s", salt_b64, mac_b64);
	return strlen(rebuilt) == len && memcmp(rebuilt, field, len) == 0;
}

bool
known_hosts_field_names(const char *field, size_t len, const char *name)
{
	char lower[KH_PATTERN_MAX];
	size_t n = strlen(name);

	if (len == 0 || n >= sizeof lower)
		return false;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	if (field[0] == '|')
		return len > 3 && memcmp(field, "|1|", 3) == 0 && hashed_names(field, len, lower);
	return match_pattern_list(lower, field, len) == 1;
}

bool
known_hosts_field_lists(const char *field, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len > 0 && field[0] == '|')
		return known_hosts_field_names(field, len, name);
	for (size_t i = 0; i <= len;) {
		const char *comma = memchr(field + i, ',', len - i);
		size_t end = comma != NULL ? (size_t)(comma - field) : len;

		if (end - i == n && memcmp(field + i, name, n) == 0)
			return true;
		i = end + 1;
	}
	return false;
}

/* The key blob of a line, when its base64 decodes and its type is the type field. */
static long
line_blob(const struct known_hosts_line *l, unsigned char *buf, size_t cap)
{
	long n = known_hosts_b64_decode(l->key, l->key_len, buf, cap);
	size_t tlen;

	if (n < 4)
		return -1;
	tlen = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
	if (tlen != l->type_len || tlen > (size_t)n - 4 || memcmp(buf + 4, l->type, tlen) != 0)
		return -1;
	return n;
}

bool
known_hosts_revoked(const char *text, size_t len, const char *const *names, size_t n_names,
		    const unsigned char *key, size_t key_len)
{
	const char *p = text, *end = text + len;
	unsigned char *blob = xmalloc(len + 1);
	bool revoked = false;

	while (p < end && !revoked) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct known_hosts_line l;

		if (eol == NULL)
			eol = end;
		if (known_hosts_split(p, (size_t)(eol - p), &l) && l.marker == KH_MARKER_REVOKED &&
		    line_blob(&l, blob, len + 1) == (long)key_len &&
		    memcmp(blob, key, key_len) == 0) {
			for (size_t i = 0; i < n_names && !revoked; i++)
				revoked = names[i] != NULL &&
					  known_hosts_field_names(l.hosts, l.hosts_len, names[i]);
		}
		p = eol < end ? eol + 1 : end;
	}
	free(blob);
	return revoked;
}

void
known_hosts_parse(const char *text, struct known_hosts *kh)
{
	const char *p = text;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		struct known_hosts_line l;

		if (eol == NULL)
			eol = p + strlen(p);
		if (known_hosts_split(p, (size_t)(eol - p), &l)) {
			kh->lines++;
			if (l.marker == KH_MARKER_NONE) {
				grow_array(&kh->names, &kh->cap, kh->n + 1, sizeof *kh->names);
				kh->names[kh->n++] = xstrndup(l.hosts, l.hosts_len);
				if (l.hosts[0] == '|')
					kh->hashed++;
			}
		}
		p = *eol != '\0' ? eol + 1 : eol;
	}
}

int
known_hosts_load(const char *path, struct known_hosts *kh)
{
	char *text = file_read_all(path, NULL);

	memset(kh, 0, sizeof *kh);
	if (text == NULL)
		return -1;
	known_hosts_parse(text, kh);
	free(text);
	return 0;
}

bool
known_hosts_covers(const struct known_hosts *kh, const char *address, int port)
{
	char buf[512];

	if (port <= 0 || port == 22)
		snprintf(buf, sizeof buf, "%s", address);
	else
		snprintf(buf, sizeof buf, "[%s]:%d", address, port);
	for (size_t i = 0; i < kh->n; i++)
		if (known_hosts_field_lists(kh->names[i], strlen(kh->names[i]), buf))
			return true;
	return false;
}

void
known_hosts_free(struct known_hosts *kh)
{
	str_array_free(kh->names, kh->n);
	memset(kh, 0, sizeof *kh);
}
