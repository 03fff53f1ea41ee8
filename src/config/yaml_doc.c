/*
 * yaml_doc.c: libyaml's document loader, converted into our own tree with
 * positions. libyaml shares aliased nodes by index; the conversion expands
 * them under a node budget and a depth limit, so hostile input is an error
 * and never an exhausted machine. Duplicate keys are errors (the first value
 * is kept so the rest of the file can still be checked).
 */
#include "drconsole/config/yaml_doc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "drconsole/util/strmap.h"
#include "drconsole/util/util.h"

#define YDOC_MAX_NODES 200000
#define YDOC_MAX_DEPTH 128

struct conv {
	yaml_document_t *doc;
	const char *name;
	struct diag_list *dl;
	size_t budget;
	bool failed;
};

static void
ynode_free(struct ynode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; n->type == YN_SEQ && i < n->n; i++)
		ynode_free(n->items[i]);
	for (size_t i = 0; n->type == YN_MAP && i < n->n; i++) {
		ynode_free(n->pairs[i].key);
		ynode_free(n->pairs[i].value);
	}
	free(n->items);
	free(n->pairs);
	free(n->value);
	free(n->tag);
	free(n);
}

static struct ynode *convert(struct conv *c, int index, unsigned depth);

/* The pair of key in a mapping under construction (keys indexed in keys), or -1. */
static long
find_key(const struct strmap *keys, const struct ynode *key)
{
	size_t i;

	if (key->type != YN_SCALAR || !strmap_get(keys, key->value, key->len, &i))
		return -1;
	return (long)i;
}

static void
add_pair(struct ynode *map, size_t *cap, struct strmap *keys, struct ynode *k, struct ynode *v)
{
	grow_array(&map->pairs, cap, map->n + 1, sizeof *map->pairs);
	strmap_put(keys, k->value, k->len, map->n);
	map->pairs[map->n].key = k;
	map->pairs[map->n].value = v;
	map->n++;
}

static struct ynode *
copy_node(const struct ynode *src)
{
	struct ynode *n = xcalloc(1, sizeof *n);

	*n = *src;
	n->value = NULL;
	n->tag = src->tag != NULL ? xstrdup(src->tag) : NULL;
	n->items = NULL;
	n->pairs = NULL;
	if (src->value != NULL) {
		n->value = xmalloc(src->len + 1);
		memcpy(n->value, src->value, src->len + 1);
	}
	if (src->type == YN_SEQ) {
		n->items = xcalloc(src->n, sizeof *n->items);
		for (size_t i = 0; i < src->n; i++)
			n->items[i] = copy_node(src->items[i]);
	} else if (src->type == YN_MAP) {
		n->pairs = xcalloc(src->n, sizeof *n->pairs);
		for (size_t i = 0; i < src->n; i++) {
			n->pairs[i].key = copy_node(src->pairs[i].key);
			n->pairs[i].value = copy_node(src->pairs[i].value);
		}
	}
	return n;
}

/* Apply a merge ("<<") value: keys of the merged mapping(s) that map lacks. */
static void
merge_into(struct conv *c, struct ynode *map, size_t *cap, struct strmap *keys,
	   struct ynode *from, size_t explicit_n)
{
	if (from->type == YN_SEQ) {
		for (size_t i = 0; i < from->n; i++)
			merge_into(c, map, cap, keys, from->items[i], explicit_n);
		return;
	}
	if (from->type != YN_MAP) {
		diag_error(c->dl, c->name, from->line, from->col,
			   "a merge key (<<) needs a mapping or a list of mappings, found %s",
			   ynode_type_name(from));
		c->failed = true;
		return;
	}
	for (size_t i = 0; i < from->n; i++)
		if (find_key(keys, from->pairs[i].key) < 0)
			add_pair(map, cap, keys, copy_node(from->pairs[i].key),
				 copy_node(from->pairs[i].value));
	(void)explicit_n;
}

static struct ynode *
convert(struct conv *c, int index, unsigned depth)
{
	yaml_node_t *yn = yaml_document_get_node(c->doc, index);
	struct ynode *n;

	if (yn == NULL)
		return NULL;
	if (c->budget == 0 || depth > YDOC_MAX_DEPTH) {
		if (!c->failed)
			diag_error(c->dl, c->name, (unsigned)yn->start_mark.line + 1,
				   (unsigned)yn->start_mark.column + 1,
				   c->budget == 0 ? "document too large after expanding aliases (over %d nodes)"
						  : "document nested too deeply (over %d levels)",
				   c->budget == 0 ? YDOC_MAX_NODES : YDOC_MAX_DEPTH);
		c->failed = true;
		return NULL;
	}
	c->budget--;
	n = xcalloc(1, sizeof *n);
	n->line = (unsigned)yn->start_mark.line + 1;
	n->col = (unsigned)yn->start_mark.column + 1;
	if (yn->tag != NULL && yn->tag[0] != '\0' &&
	    strcmp((const char *)yn->tag, YAML_STR_TAG) != 0 &&
	    strcmp((const char *)yn->tag, YAML_SEQ_TAG) != 0 &&
	    strcmp((const char *)yn->tag, YAML_MAP_TAG) != 0)
		n->tag = xstrdup((const char *)yn->tag);

	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->type = YN_SCALAR;
		n->len = yn->data.scalar.length;
		n->value = xmalloc(n->len + 1);
		memcpy(n->value, yn->data.scalar.value, n->len);
		n->value[n->len] = '\0';
		switch (yn->data.scalar.style) {
		case YAML_SINGLE_QUOTED_SCALAR_STYLE:
			n->style = YS_SINGLE;
			break;
		case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
			n->style = YS_DOUBLE;
			break;
		case YAML_LITERAL_SCALAR_STYLE:
			n->style = YS_LITERAL;
			break;
		case YAML_FOLDED_SCALAR_STYLE:
			n->style = YS_FOLDED;
			break;
		default:
			n->style = YS_PLAIN;
			break;
		}
		break;
	case YAML_SEQUENCE_NODE: {
		size_t cap = 0;

		n->type = YN_SEQ;
		n->style = YS_BLOCK;
		for (yaml_node_item_t *it = yn->data.sequence.items.start;
		     it < yn->data.sequence.items.top; it++) {
			struct ynode *child = convert(c, *it, depth + 1);

			if (child == NULL)
				break;
			grow_array(&n->items, &cap, n->n + 1, sizeof *n->items);
			n->items[n->n++] = child;
		}
		break;
	}
	case YAML_MAPPING_NODE: {
		struct ynode *merges[16];
		struct strmap keys = STRMAP_INIT;
		size_t cap = 0, n_merges = 0;

		n->type = YN_MAP;
		n->style = YS_BLOCK;
		for (yaml_node_pair_t *p = yn->data.mapping.pairs.start;
		     p < yn->data.mapping.pairs.top; p++) {
			struct ynode *k = convert(c, p->key, depth + 1), *v;
			long dup;

			if (k == NULL)
				break;
			v = convert(c, p->value, depth + 1);
			if (v == NULL) {
				ynode_free(k);
				break;
			}
			if (k->type != YN_SCALAR) {
				diag_error(c->dl, c->name, k->line, k->col,
					   "a key must be a plain value, found %s", ynode_type_name(k));
				c->failed = true;
				ynode_free(k);
				ynode_free(v);
				continue;
			}
			if (k->style == YS_PLAIN && strcmp(k->value, "<<") == 0 && n_merges < 16) {
				merges[n_merges++] = v;
				ynode_free(k);
				continue;
			}
			dup = find_key(&keys, k);
			if (dup >= 0) {
				diag_error(c->dl, c->name, k->line, k->col,
					   "duplicate key '%s' (first defined at line %u)",
					   k->value, n->pairs[dup].key->line);
				c->failed = true;
				ynode_free(k);
				ynode_free(v);
				continue;
			}
			add_pair(n, &cap, &keys, k, v);
		}
		for (size_t i = 0; i < n_merges; i++) {
			merge_into(c, n, &cap, &keys, merges[i], n->n);
			ynode_free(merges[i]);
		}
		strmap_free(&keys);
		break;
	}
	default:
		n->type = YN_SCALAR;
		n->value = xstrdup("");
		break;
	}
	return n;
}

/* 1-based line and column of byte offset off in buf. */
static void
offset_position(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void
parser_error(const yaml_parser_t *p, const char *name, const char *buf,
	     size_t len, struct diag_list *dl)
{
	const yaml_mark_t *m = &p->problem_mark;
	unsigned line = (unsigned)m->line + 1, col = (unsigned)m->column + 1;

	if (p->error == YAML_MEMORY_ERROR)
		fatal("out of memory parsing %s", name);
	if (p->error == YAML_READER_ERROR) {
		/* the reader reports a byte offset, not a mark */
		offset_position(buf, len, p->problem_offset, &line, &col);
		diag_error(dl, name, line, col, "%s (byte 0x%02x): not valid UTF-8 text",
			   p->problem != NULL ? p->problem : "invalid input",
			   (unsigned)(p->problem_value & 0xff));
		return;
	}
	if (m->index < len && buf[m->index] == '\t') {
		diag_error(dl, name, line, col,
			   "tab character: YAML indentation must use spaces (%s)",
			   p->problem != NULL ? p->problem : "invalid YAML");
		return;
	}
	if (p->context != NULL)
		diag_error(dl, name, line, col, "%s (%s at line %u)",
			   p->problem != NULL ? p->problem : "invalid YAML",
			   p->context, (unsigned)p->context_mark.line + 1);
	else
		diag_error(dl, name, line, col, "%s",
			   p->problem != NULL ? p->problem : "invalid YAML");
}

/*
 * Nesting depth counted on libyaml's events, before the loader builds a
 * document: a hostile file is refused after parsing only as far as the
 * limit. Syntax errors are left to the loader, which reports them.
 */
static bool
depth_within_limit(const char *name, const char *buf, size_t len, struct diag_list *dl)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned depth = 0;
	bool ok = true;

	if (!yaml_parser_initialize(&parser))
		fatal("out of memory initialising the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (yaml_parser_parse(&parser, &ev)) {
		yaml_event_type_t type = ev.type;

		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > YDOC_MAX_DEPTH) {
				diag_error(dl, name, (unsigned)ev.start_mark.line + 1,
					   (unsigned)ev.start_mark.column + 1,
					   "document nested too deeply (over %d levels)", YDOC_MAX_DEPTH);
				ok = false;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (!ok || type == YAML_STREAM_END_EVENT)
			break;
	}
	if (parser.error == YAML_MEMORY_ERROR)
		fatal("out of memory parsing %s", name);
	yaml_parser_delete(&parser);
	return ok;
}

struct ydoc *
ydoc_load_buffer(const char *name, const char *buf, size_t len, struct diag_list *dl)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct conv c = { NULL, name, dl, YDOC_MAX_NODES, false };
	struct ydoc *out = NULL;

	if (memchr(buf, '\0', len) != NULL) {
		unsigned line, col;

		offset_position(buf, len, (size_t)((const char *)memchr(buf, '\0', len) - buf),
				&line, &col);
		diag_error(dl, name, line, col, "NUL byte: not a text file");
		return NULL;
	}
	if (!depth_within_limit(name, buf, len, dl))
		return NULL;
	if (!yaml_parser_initialize(&parser))
		fatal("out of memory initialising the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		parser_error(&parser, name, buf, len, dl);
		yaml_parser_delete(&parser);
		return NULL;
	}
	c.doc = &doc;
	out = xcalloc(1, sizeof *out);
	out->name = xstrdup(name);
	if (yaml_document_get_root_node(&doc) != NULL)
		out->root = convert(&c, 1, 0);
	yaml_document_delete(&doc);
	if (!c.failed) {
		if (!yaml_parser_load(&parser, &extra)) {
			parser_error(&parser, name, buf, len, dl);
			c.failed = true;
		} else {
			yaml_node_t *r = yaml_document_get_root_node(&extra);

			if (r != NULL) {
				diag_error(dl, name, (unsigned)r->start_mark.line + 1,
					   (unsigned)r->start_mark.column + 1,
					   "more than one YAML document in the file");
				c.failed = true;
			}
			yaml_document_delete(&extra);
		}
	}
	yaml_parser_delete(&parser);
	if (c.failed && out->root == NULL) {
		ydoc_free(out);
		return NULL;
	}
	return out;
}

struct ydoc *
ydoc_load_input(const char *path, enum input_kind kind, struct diag_list *dl)
{
	size_t len;
	char *err = NULL, *buf = input_read(path, kind, &len, &err);
	struct ydoc *doc;

	if (buf == NULL) {
		diag_error(dl, path, 0, 0, "cannot read: %s", err);
		free(err);
		return NULL;
	}
	doc = ydoc_load_buffer(path, buf, len, dl);
	free(buf);
	return doc;
}

struct ydoc *
ydoc_load_file(const char *path, struct diag_list *dl)
{
	return ydoc_load_input(path, INPUT_ENV_YAML, dl);
}

void
ydoc_free(struct ydoc *doc)
{
	if (doc == NULL)
		return;
	ynode_free(doc->root);
	free(doc->name);
	free(doc);
}

const struct ypair *
ynode_get_pair(const struct ynode *map, const char *key)
{
	size_t klen = strlen(key);

	if (map == NULL || map->type != YN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;

		if (k->len == klen && memcmp(k->value, key, klen) == 0)
			return &map->pairs[i];
	}
	return NULL;
}

struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ynode_get_pair(map, key);

	return p != NULL ? p->value : NULL;
}

const char *
ynode_type_name(const struct ynode *n)
{
	bool b;
	long long i;

	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	case YN_SCALAR:
		break;
	}
	if (ynode_is_null(n))
		return "null";
	if (n->style == YS_PLAIN && ynode_bool(n, &b))
		return "a boolean";
	if (n->style == YS_PLAIN && ynode_int(n, &i))
		return "a number";
	return "a string";
}

bool
ynode_is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (n == NULL)
		return true;
	if (n->type != YN_SCALAR || n->style != YS_PLAIN || n->tag != NULL)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(nulls); i++)
		if (strcmp(n->value, nulls[i]) == 0)
			return true;
	return false;
}

bool
ynode_bool(const struct ynode *n, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };

	if (n == NULL || n->type != YN_SCALAR || n->style != YS_PLAIN)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(n->value, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(n->value, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

bool
ynode_int(const struct ynode *n, long long *out)
{
	const char *s;
	char *end;
	long long v;

	if (n == NULL || n->type != YN_SCALAR || n->len == 0)
		return false;
	s = n->value;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || (size_t)(end - s) != n->len)
		return false;
	*out = v;
	return true;
}

const char *
ynode_str(const struct ynode *n)
{
	if (n == NULL || n->type != YN_SCALAR || ynode_is_null(n))
		return NULL;
	return n->value;
}

void
ynode_expect(struct diag_list *dl, const char *file, const struct ynode *n,
	     const char *what, const char *expected)
{
	diag_error(dl, file, n != NULL ? n->line : 0, n != NULL ? n->col : 0,
		   "%s: expected %s, found %s", what, expected, ynode_type_name(n));
}
