/*
 * libFuzzer target: the known_hosts reader with markers. The input is a
 * known_hosts file: every line is split, its host field matched against a
 * few names (plain, bracketed, hashed lookups), the first key that decodes
 * checked for revocation under those names, and the file read for coverage
 * as lint reads it, with the input's first line as the host name. Checks the promises of known_hosts.h: a split line's fields lie
 * inside the line, base64 never writes past its buffer and decodes what
 * it encodes back to the same length class.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/config/known_hosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"10.1.2.3", "[10.1.2.3]:2222", "db1.example", "", "*",
};

static void
inside(const char *line, size_t len, const char *p, size_t n)
{
	if (n > 0 && (p < line || p + n > line + len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *p, *end;
	struct known_hosts kh;
	unsigned char first[64];
	long first_len = -1;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	end = text + size;
	for (p = text; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct known_hosts_line l;

		if (eol == NULL)
			eol = end;
		if (known_hosts_split(p, (size_t)(eol - p), &l)) {
			unsigned char blob[64];
			long n;

			inside(p, (size_t)(eol - p), l.hosts, l.hosts_len);
			inside(p, (size_t)(eol - p), l.type, l.type_len);
			inside(p, (size_t)(eol - p), l.key, l.key_len);
			for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
				(void)known_hosts_field_names(l.hosts, l.hosts_len, names[i]);
				(void)known_hosts_field_lists(l.hosts, l.hosts_len, names[i]);
			}
			n = known_hosts_b64_decode(l.key, l.key_len, blob, sizeof blob);
			if (n > (long)sizeof blob || n > (long)(l.key_len / 4 * 3))
				abort();
			if (n >= 0 && first_len < 0) {
				memcpy(first, blob, (size_t)n);
				first_len = n;
			}
		}
		p = eol < end ? eol + 1 : end;
	}
	/* the first key that decodes, looked up as revoked under every name */
	if (first_len >= 0)
		(void)known_hosts_revoked(text, size, names, sizeof names / sizeof names[0], first,
					  (size_t)first_len);
	/* the input's first line as a name, against every host field */
	{
		const char *nl = memchr(text, '\n', size);
		size_t n = nl != NULL ? (size_t)(nl - text) : size;
		char *name = strndup(text, n);

		if (name != NULL) {
			const char *list[1] = { name };

			(void)known_hosts_revoked(text, size, list, 1, (const unsigned char *)text,
						  size < 64 ? size : 64);
			memset(&kh, 0, sizeof kh);
			known_hosts_parse(text, &kh);
			(void)known_hosts_covers(&kh, name, 22);
			(void)known_hosts_covers(&kh, name, 2222);
			known_hosts_free(&kh);
			free(name);
		}
	}
	free(text);
	return 0;
}
