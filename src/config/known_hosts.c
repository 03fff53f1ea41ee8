/* known_hosts.c: host patterns of an OpenSSH known_hosts file. */
#include "drconsole/known_hosts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util.h"

void
known_hosts_parse(const char *text, struct known_hosts *kh)
{
	const char *p = text;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *s = p, *e;

		if (eol == NULL)
			eol = p + strlen(p);
		while (s < eol && isspace((unsigned char)*s))
			s++;
		if (s < eol && *s == '@') {	/* @cert-authority / @revoked: skip the marker */
			while (s < eol && !isspace((unsigned char)*s))
				s++;
			while (s < eol && isspace((unsigned char)*s))
				s++;
		}
		if (s < eol && *s != '#') {
			e = s;
			while (e < eol && !isspace((unsigned char)*e))
				e++;
			kh->lines++;
			if ((size_t)(e - s) > 3 && strncmp(s, "|1|", 3) == 0) {
				kh->hashed++;
			} else {
				const char *q = s;

				while (q < e) {
					const char *comma = memchr(q, ',', (size_t)(e - q));
					const char *end = comma != NULL ? comma : e;

					if (end > q && *q != '!') {
						grow_array(&kh->names, &kh->cap, kh->n + 1, sizeof *kh->names);
						kh->names[kh->n++] = xstrndup(q, (size_t)(end - q));
					}
					q = end + 1;
				}
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
		if (strcmp(kh->names[i], buf) == 0)
			return true;
	return false;
}

void
known_hosts_free(struct known_hosts *kh)
{
	str_array_free(kh->names, kh->n);
	memset(kh, 0, sizeof *kh);
}
