/*
 * drift_tree.c: the trees drift compares (a YAML document as keys, scalar
 * text and rendered sequences, with lines) and the list of findings.
 */
#include "drift_priv.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

struct dnode *
dnode_map(unsigned line)
{
	struct dnode *n = xcalloc(1, sizeof *n);

	n->type = DN_MAP;
	n->line = line;
	return n;
}

static void
render(const struct ynode *n, struct strbuf *sb)
{
	if (n == NULL || ynode_is_null(n)) {
		strbuf_puts(sb, "null");
		return;
	}
	if (n->type == YN_SCALAR) {
		strbuf_puts(sb, n->value);
		return;
	}
	strbuf_putc(sb, n->type == YN_MAP ? '{' : '[');
	for (size_t i = 0; i < n->n; i++) {
		if (i > 0)
			strbuf_puts(sb, ", ");
		if (n->type == YN_MAP) {
			strbuf_printf(sb, "%s: ", n->pairs[i].key->value);
			render(n->pairs[i].value, sb);
		} else {
			render(n->items[i], sb);
		}
	}
	strbuf_putc(sb, n->type == YN_MAP ? '}' : ']');
}

static void
fill(struct dnode *d, const struct ynode *n)
{
	d->line = n != NULL ? n->line : 0;
	if (n != NULL && n->type == YN_MAP) {
		d->type = DN_MAP;
		for (size_t i = 0; i < n->n; i++) {
			struct dnode *k = dnode_child(d, n->pairs[i].key->value);

			fill(k, n->pairs[i].value);
			k->line = n->pairs[i].key->line;
		}
		return;
	}
	if (n != NULL && n->type == YN_SEQ) {
		struct strbuf sb = STRBUF_INIT;

		render(n, &sb);
		d->type = DN_SEQ;
		d->text = strbuf_detach(&sb);
		return;
	}
	d->type = DN_SCALAR;
	d->null = n == NULL || ynode_is_null(n);
	d->text = xstrdup(d->null ? "" : n->value);
}

struct dnode *
dnode_from_ynode(const struct ynode *n)
{
	struct dnode *d = xcalloc(1, sizeof *d);

	fill(d, n);
	return d;
}

/* The child of map named key, added (empty, a scalar) when absent. */
struct dnode *
dnode_child(struct dnode *map, const char *key)
{
	struct dnode *k;

	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->kids[i].key, key) == 0)
			return &map->kids[i];
	grow_array(&map->kids, &map->cap, map->n + 1, sizeof *map->kids);
	k = &map->kids[map->n++];
	memset(k, 0, sizeof *k);
	k->key = xstrdup(key);
	k->type = DN_SCALAR;
	return k;
}

static void
copy_into(struct dnode *dst, const struct dnode *src)
{
	dst->type = src->type;
	dst->null = src->null;
	dst->line = src->line;
	dst->text = src->text != NULL ? xstrdup(src->text) : NULL;
	for (size_t i = 0; i < src->n; i++)
		copy_into(dnode_child(dst, src->kids[i].key), &src->kids[i]);
}

struct dnode *
dnode_add_copy(struct dnode *map, const char *key, const struct dnode *src)
{
	struct dnode *k = dnode_child(map, key);

	copy_into(k, src);
	return k;
}

static void
dnode_clear(struct dnode *n)
{
	for (size_t i = 0; i < n->n; i++)
		dnode_clear(&n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->text);
}

void
dnode_free(struct dnode *n)
{
	if (n == NULL)
		return;
	dnode_clear(n);
	free(n);
}

void
dnode_remove(struct dnode *map, const char *key)
{
	for (size_t i = 0; map != NULL && map->type == DN_MAP && i < map->n; i++)
		if (strcmp(map->kids[i].key, key) == 0) {
			dnode_clear(&map->kids[i]);
			memmove(&map->kids[i], &map->kids[i + 1], (map->n - i - 1) * sizeof *map->kids);
			map->n--;
			return;
		}
}

void
drift_add(struct drift *d, const char *file, const char *path, enum drift_kind kind,
	  char *why, const char *pv, unsigned pl, const char *sv, unsigned sl)
{
	struct drift_item *it;

	grow_array(&d->items, &d->cap, d->n + 1, sizeof *d->items);
	it = &d->items[d->n++];
	memset(it, 0, sizeof *it);
	it->file = xstrdup(file);
	it->path = xstrdup(path);
	it->kind = kind;
	it->why = why;
	it->primary = pv != NULL ? xstrdup(pv) : NULL;
	it->secondary = sv != NULL ? xstrdup(sv) : NULL;
	it->primary_line = pv != NULL ? pl : 0;
	it->secondary_line = sv != NULL ? sl : 0;
}
