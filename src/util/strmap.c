/* strmap.c: string -> index hash table, open addressing with linear probing. */
#include "drconsole/util/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/util.h"

static uint64_t
hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct strmap_slot *
find_slot(struct strmap_slot *slots, size_t cap, const char *key, size_t len)
{
	size_t i = (size_t)hash(key, len) & (cap - 1);

	for (;;) {
		struct strmap_slot *s = &slots[i];

		if (s->key == NULL || (s->len == len && memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & (cap - 1);
	}
}

bool
strmap_get(const struct strmap *m, const char *key, size_t len, size_t *val)
{
	const struct strmap_slot *s;

	if (m->cap == 0)
		return false;
	s = find_slot(m->slots, m->cap, key, len);
	if (s->key == NULL)
		return false;
	*val = s->val;
	return true;
}

void
strmap_put(struct strmap *m, const char *key, size_t len, size_t val)
{
	struct strmap_slot *s;

	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap == 0 ? 16 : m->cap * 2;
		struct strmap_slot *slots = xcalloc(cap, sizeof *slots);

		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key != NULL)
				*find_slot(slots, cap, m->slots[i].key, m->slots[i].len) = m->slots[i];
		free(m->slots);
		m->slots = slots;
		m->cap = cap;
	}
	s = find_slot(m->slots, m->cap, key, len);
	if (s->key == NULL) {
		s->key = xmalloc(len + 1);
		memcpy(s->key, key, len);
		s->key[len] = '\0';
		s->len = len;
		m->n++;
	}
	s->val = val;
}

void
strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
