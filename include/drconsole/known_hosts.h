/*
 * known_hosts.h: which hosts an OpenSSH known_hosts file covers (for lint
 * and the site model). Host-key verification itself uses libssh2's
 * knownhost API in the ssh layer; this only reads host patterns: plain
 * names, comma lists, "[addr]:port". Hashed ("|1|") entries cannot be
 * matched by name and are counted separately.
 */
#ifndef DRCONSOLE_KNOWN_HOSTS_H
#define DRCONSOLE_KNOWN_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

struct known_hosts {
	char **names;		/* "addr" for port 22, "[addr]:port" otherwise */
	size_t n;
	size_t cap;
	size_t hashed;		/* |1| entries */
	size_t lines;		/* key lines read */
};

/* 0 on success; -1 when the file cannot be read. */
int known_hosts_load(const char *path, struct known_hosts *kh);
void known_hosts_parse(const char *text, struct known_hosts *kh);
bool known_hosts_covers(const struct known_hosts *kh, const char *address, int port);
void known_hosts_free(struct known_hosts *kh);

#endif
