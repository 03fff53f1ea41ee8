/*
 * strmap.h: a hash table from byte strings to indices (open addressing,
 * FNV-1a), for the parsers whose lookups by name would otherwise make them
 * quadratic: inventory hosts and groups, YAML mapping keys. Keys are
 * copied; the map owns them.
 */
#ifndef DRCONSOLE_STRMAP_H
#define DRCONSOLE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	char *key;		/* NULL: empty */
	size_t len;
	size_t val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;		/* 0 or a power of two */
	size_t n;
};

#define STRMAP_INIT { NULL, 0, 0 }

/* The value of key (len bytes, may hold NULs) into *val; false when absent. */
bool strmap_get(const struct strmap *m, const char *key, size_t len, size_t *val);
/* Set key to val, replacing any value it had. */
void strmap_put(struct strmap *m, const char *key, size_t len, size_t val);
void strmap_free(struct strmap *m);

#endif
