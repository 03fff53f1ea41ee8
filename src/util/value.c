/*
 * value.c: dynamic values and a recursive-descent reader of Python
 * literals. The reader follows CPython 3.11's tokenizer closely enough for
 * inventory values; anything it is unsure of is "not a literal", which the
 * inventory keeps as the original string — never a different value.
 */
#include "drconsole/util/value.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

static struct value *
value_new(enum value_type t)
{
	struct value *v = xcalloc(1, sizeof *v);

	v->type = t;
	return v;
}

struct value *
value_string(const char *s, size_t len)
{
	struct value *v = value_new(VAL_STRING);

	v->s = xmalloc(len + 1);
	memcpy(v->s, s, len);
	v->s[len] = '\0';
	v->len = len;
	return v;
}

static void
push(struct value *list, char *key, struct value *item)
{
	if (list->n == list->cap) {
		size_t cap = list->cap;

		grow_array(&list->items, &cap, list->n + 1, sizeof *list->items);
		if (list->type == VAL_MAP)
			list->keys = xreallocarray(list->keys, cap, sizeof *list->keys);
		list->cap = cap;
	}
	if (list->type == VAL_MAP) {
		for (size_t i = 0; i < list->n; i++) {
			if (strcmp(list->keys[i], key) == 0) {	/* later key wins, as in Python */
				value_free(list->items[i]);
				list->items[i] = item;
				free(key);
				return;
			}
		}
		list->keys[list->n] = key;
	}
	list->items[list->n++] = item;
}

void
value_free(struct value *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		value_free(v->items[i]);
		if (v->keys != NULL)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

struct value *
value_copy(const struct value *v)
{
	struct value *c = value_new(v->type);

	c->b = v->b;
	c->i = v->i;
	c->f = v->f;
	if (v->s != NULL) {
		c->s = xmalloc(v->len + 1);
		memcpy(c->s, v->s, v->len + 1);
		c->len = v->len;
	}
	for (size_t i = 0; i < v->n; i++)
		push(c, v->keys != NULL ? xstrdup(v->keys[i]) : NULL, value_copy(v->items[i]));
	return c;
}

bool
value_equal(const struct value *a, const struct value *b)
{
	if (a->type != b->type || a->n != b->n)
		return false;
	switch (a->type) {
	case VAL_NULL:
		return true;
	case VAL_BOOL:
		return a->b == b->b;
	case VAL_INT:
		return a->i == b->i;
	case VAL_FLOAT:
		return a->f == b->f;
	case VAL_STRING:
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	case VAL_LIST:
	case VAL_MAP:
		for (size_t i = 0; i < a->n; i++) {
			if (a->type == VAL_MAP && strcmp(a->keys[i], b->keys[i]) != 0)
				return false;
			if (!value_equal(a->items[i], b->items[i]))
				return false;
		}
		return true;
	}
	return false;
}

const char *
value_str(const struct value *v)
{
	return v != NULL && v->type == VAL_STRING ? v->s : NULL;
}

json_t *
value_to_json(const struct value *v)
{
	json_t *j;

	switch (v->type) {
	case VAL_NULL:
		return json_null();
	case VAL_BOOL:
		return json_boolean(v->b);
	case VAL_INT:
		return json_integer(v->i);
	case VAL_FLOAT:
		return json_real(v->f);
	case VAL_STRING:
		j = json_stringn(v->s, v->len);
		return j != NULL ? j : json_string("\xef\xbf\xbd");	/* not UTF-8 */
	case VAL_LIST:
		j = json_array();
		for (size_t i = 0; i < v->n; i++)
			json_array_append_new(j, value_to_json(v->items[i]));
		return j;
	case VAL_MAP:
		j = json_object();
		for (size_t i = 0; i < v->n; i++)
			json_object_set_new(j, v->keys[i], value_to_json(v->items[i]));
		return j;
	}
	return json_null();
}

/* ---- Python literals ---- */

struct lit {
	const char *p;
	const char *end;
	int depth;
};

static void
skip_space(struct lit *l)
{
	while (l->p < l->end) {
		if (*l->p == ' ' || *l->p == '\t' || *l->p == '\f' ||
		    (l->depth > 0 && (*l->p == '\n' || *l->p == '\r'))) {
			l->p++;
		} else if (*l->p == '#') {
			while (l->p < l->end && *l->p != '\n')
				l->p++;
		} else if (*l->p == '\\' && l->p + 1 < l->end && l->p[1] == '\n') {
			l->p += 2;
		} else {
			break;
		}
	}
}

static bool
is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static void
put_utf8(struct strbuf *sb, unsigned long cp)
{
	char b[4];

	if (cp < 0x80) {
		strbuf_putc(sb, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, b, 3);
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, b, 4);
	}
}

static bool
hex_digits(const char *p, const char *end, int n, unsigned long *out)
{
	unsigned long v = 0;

	if (end - p < n)
		return false;
	for (int i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return false;
		v = v * 16 + (unsigned long)(isdigit((unsigned char)p[i]) ? p[i] - '0'
					     : (tolower((unsigned char)p[i]) - 'a' + 10));
	}
	*out = v;
	return true;
}

/* One string literal (prefix and quotes included) appended to sb. */
static bool
read_string(struct lit *l, struct strbuf *sb)
{
	bool raw = false;
	char q;
	int triple;

	while (l->p < l->end && strchr("rRuU", *l->p) != NULL && *l->p != '\0') {
		if (*l->p == 'r' || *l->p == 'R')
			raw = true;
		l->p++;
	}
	if (l->p >= l->end || (*l->p != '\'' && *l->p != '"'))
		return false;
	q = *l->p;
	triple = (l->end - l->p >= 3 && l->p[1] == q && l->p[2] == q) ? 3 : 1;
	l->p += triple;
	for (;;) {
		char c;

		if (l->p >= l->end)
			return false;	/* unterminated */
		c = *l->p;
		if (c == q && (triple == 1 || (l->end - l->p >= 3 && l->p[1] == q && l->p[2] == q))) {
			l->p += triple;
			return true;
		}
		if (c == '\n' && triple == 1)
			return false;
		if (c != '\\') {
			strbuf_putc(sb, c);
			l->p++;
			continue;
		}
		if (l->p + 1 >= l->end)
			return false;
		if (raw) {	/* a backslash stays, but still protects the next quote */
			strbuf_add(sb, l->p, 2);
			l->p += 2;
			continue;
		}
		c = l->p[1];
		l->p += 2;
		switch (c) {
		case '\n': break;
		case '\\': strbuf_putc(sb, '\\'); break;
		case '\'': strbuf_putc(sb, '\''); break;
		case '"': strbuf_putc(sb, '"'); break;
		case 'a': strbuf_putc(sb, '\a'); break;
		case 'b': strbuf_putc(sb, '\b'); break;
		case 'f': strbuf_putc(sb, '\f'); break;
		case 'n': strbuf_putc(sb, '\n'); break;
		case 'r': strbuf_putc(sb, '\r'); break;
		case 't': strbuf_putc(sb, '\t'); break;
		case 'v': strbuf_putc(sb, '\v'); break;
		case 'x': case 'u': case 'U': {
			unsigned long cp;
			int n = c == 'x' ? 2 : c == 'u' ? 4 : 8;

			if (!hex_digits(l->p, l->end, n, &cp) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return false;	/* SyntaxError (or a surrogate we cannot encode) */
			l->p += n;
			put_utf8(sb, cp);
			break;
		}
		case 'N':
			return false;	/* named escapes: not supported here */
		default:
			if (c >= '0' && c <= '7') {
				unsigned long cp = (unsigned long)(c - '0');
				int n = 1;

				while (n < 3 && l->p < l->end && *l->p >= '0' && *l->p <= '7') {
					cp = cp * 8 + (unsigned long)(*l->p++ - '0');
					n++;
				}
				put_utf8(sb, cp);
			} else {	/* unknown escape: Python keeps the backslash */
				strbuf_putc(sb, '\\');
				strbuf_putc(sb, c);
			}
			break;
		}
	}
}

/* Digits with single underscores between them, in the given base. */
static bool
read_digits(struct lit *l, int base, struct strbuf *out)
{
	bool any = false, last_us = false;

	while (l->p < l->end) {
		char c = *l->p;
		int d = isdigit((unsigned char)c) ? c - '0' :
			isalpha((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : 99;

		if (c == '_') {
			if (!any || last_us)
				return false;
			last_us = true;
			l->p++;
			continue;
		}
		if (d >= base)
			break;
		strbuf_putc(out, c);
		any = true;
		last_us = false;
		l->p++;
	}
	return any && !last_us;
}

static struct value *
read_number(struct lit *l)
{
	struct strbuf sb = STRBUF_INIT;
	struct value *v = NULL;
	bool is_float = false;
	int base = 10;

	if (*l->p == '0' && l->p + 1 < l->end && strchr("xXoObB", l->p[1]) != NULL) {
		base = (l->p[1] == 'x' || l->p[1] == 'X') ? 16 : (l->p[1] == 'o' || l->p[1] == 'O') ? 8 : 2;
		l->p += 2;
		if (l->p < l->end && *l->p == '_')
			l->p++;
		if (!read_digits(l, base, &sb))
			goto out;
	} else {
		if (*l->p != '.' && !read_digits(l, 10, &sb))
			goto out;
		if (l->p < l->end && *l->p == '.') {
			is_float = true;
			strbuf_putc(&sb, '.');
			l->p++;
			if (l->p < l->end && isdigit((unsigned char)*l->p) && !read_digits(l, 10, &sb))
				goto out;
			if (sb.len == 1)
				goto out;	/* a lone "." */
		}
		if (l->p < l->end && (*l->p == 'e' || *l->p == 'E')) {
			is_float = true;
			strbuf_putc(&sb, 'e');
			l->p++;
			if (l->p < l->end && (*l->p == '+' || *l->p == '-'))
				strbuf_putc(&sb, *l->p++);
			if (!read_digits(l, 10, &sb))
				goto out;
		}
		/* decimal ints may not have leading zeros (except all zeros) */
		if (!is_float && sb.len > 1 && sb.buf[0] == '0' &&
		    strspn(sb.buf, "0") != sb.len)
			goto out;
	}
	if (l->p < l->end && (*l->p == 'j' || *l->p == 'J' || is_ident(*l->p)))
		goto out;	/* complex, or "5abc": not a number we represent */
	errno = 0;
	if (is_float) {
		v = value_new(VAL_FLOAT);
		v->f = strtod(sb.buf, NULL);
	} else {
		unsigned long long u = strtoull(sb.buf, NULL, base);

		if (errno != 0 || u > (unsigned long long)LLONG_MAX)
			goto out;	/* beyond 64 bits */
		v = value_new(VAL_INT);
		v->i = (long long)u;
	}
out:
	strbuf_free(&sb);
	return v;
}

static struct value *read_expr(struct lit *l);

/* A list, tuple or dict body after its opening bracket. */
static struct value *
read_sequence(struct lit *l, char close, bool is_dict, bool *was_tuple)
{
	struct value *v = value_new(is_dict ? VAL_MAP : VAL_LIST);
	bool first = true, trailing_comma = false;

	for (;;) {
		struct value *item, *key = NULL;

		skip_space(l);
		if (l->p < l->end && *l->p == close) {
			l->p++;
			if (was_tuple != NULL)
				*was_tuple = !(v->n == 1 && !trailing_comma);
			return v;
		}
		if (!first) {
			if (l->p >= l->end || *l->p != ',')
				goto fail;
			l->p++;
			trailing_comma = true;
			skip_space(l);
			if (l->p < l->end && *l->p == close)
				continue;
		}
		first = false;
		trailing_comma = false;
		item = read_expr(l);
		if (item == NULL)
			goto fail;
		if (is_dict) {
			char *k;

			key = item;
			skip_space(l);
			if (l->p >= l->end || *l->p != ':' ||
			    (key->type != VAL_STRING && key->type != VAL_INT && key->type != VAL_BOOL &&
			     key->type != VAL_NULL && key->type != VAL_FLOAT)) {
				value_free(key);
				goto fail;
			}
			l->p++;
			item = read_expr(l);
			if (item == NULL) {
				value_free(key);
				goto fail;
			}
			if (key->type == VAL_STRING)
				k = xstrdup(key->s);
			else if (key->type == VAL_INT)
				k = xasprintf("%lld", key->i);
			else if (key->type == VAL_BOOL)
				k = xstrdup(key->b ? "true" : "false");
			else if (key->type == VAL_NULL)
				k = xstrdup("null");
			else
				k = xasprintf("%.17g", key->f);
			value_free(key);
			push(v, k, item);
		} else {
			push(v, NULL, item);
		}
	}
fail:
	value_free(v);
	return NULL;
}

static struct value *
read_atom(struct lit *l)
{
	const char *start;

	skip_space(l);
	if (l->p >= l->end)
		return NULL;
	start = l->p;
	if (*l->p == '\'' || *l->p == '"' ||
	    (strchr("rRuU", *l->p) != NULL && *l->p != '\0' &&
	     l->p + 1 < l->end && (l->p[1] == '\'' || l->p[1] == '"' ||
	     ((l->p[1] == 'r' || l->p[1] == 'R') && l->p + 2 < l->end &&
	      (l->p[2] == '\'' || l->p[2] == '"'))))) {
		struct strbuf sb = STRBUF_INIT;
		struct value *v;

		do {
			if (!read_string(l, &sb)) {
				strbuf_free(&sb);
				return NULL;
			}
			skip_space(l);
		} while (l->p < l->end && (*l->p == '\'' || *l->p == '"' ||
			 (strchr("rRuU", *l->p) != NULL && *l->p != '\0')));
		v = value_string(strbuf_str(&sb), sb.len);
		strbuf_free(&sb);
		return v;
	}
	if (isdigit((unsigned char)*l->p) ||
	    (*l->p == '.' && l->p + 1 < l->end && isdigit((unsigned char)l->p[1])))
		return read_number(l);
	if (*l->p == '[' || *l->p == '(' || *l->p == '{') {
		char open = *l->p;
		bool tuple = false;
		struct value *v;

		if (++l->depth > 100)
			return NULL;
		l->p++;
		if (open == '{') {
			/* {} is a dict; {x} or {x, y} a set (no JSON form) */
			const char *save = l->p;

			skip_space(l);
			if (l->p < l->end && *l->p != '}') {
				struct value *probe = read_expr(l);

				skip_space(l);
				if (probe == NULL || l->p >= l->end || *l->p != ':') {
					value_free(probe);
					return NULL;
				}
				value_free(probe);
			}
			l->p = save;
		}
		v = read_sequence(l, open == '[' ? ']' : open == '(' ? ')' : '}',
				  open == '{', open == '(' ? &tuple : NULL);
		l->depth--;
		if (v != NULL && open == '(' && !tuple) {	/* (x): just x */
			struct value *inner = v->items[0];

			v->n = 0;
			value_free(v);
			return inner;
		}
		return v;
	}
	if (is_ident(*l->p)) {
		while (l->p < l->end && is_ident(*l->p))
			l->p++;
		if ((size_t)(l->p - start) == 4 && memcmp(start, "True", 4) == 0) {
			struct value *v = value_new(VAL_BOOL);

			v->b = true;
			return v;
		}
		if ((size_t)(l->p - start) == 5 && memcmp(start, "False", 5) == 0)
			return value_new(VAL_BOOL);
		if ((size_t)(l->p - start) == 4 && memcmp(start, "None", 4) == 0)
			return value_new(VAL_NULL);
		return NULL;	/* any other name: ValueError */
	}
	return NULL;
}

static struct value *
read_expr(struct lit *l)
{
	struct value *v;
	int sign = 0;

	skip_space(l);
	if (l->p < l->end && (*l->p == '-' || *l->p == '+')) {
		sign = *l->p == '-' ? -1 : 1;
		l->p++;
	}
	v = read_atom(l);
	if (v == NULL)
		return NULL;
	if (sign != 0) {
		if (v->type == VAL_INT) {
			if (sign < 0)
				v->i = -v->i;
		} else if (v->type == VAL_FLOAT) {
			if (sign < 0)
				v->f = -v->f;
		} else {
			value_free(v);	/* -'x', -True, -[1]: not literals */
			return NULL;
		}
	}
	skip_space(l);
	if (l->p < l->end && (*l->p == '+' || *l->p == '-' || *l->p == '*' ||
			      *l->p == '/' || *l->p == '%')) {
		value_free(v);	/* an operator: complex or not a literal */
		return NULL;
	}
	return v;
}

struct value *
pyliteral_eval(const char *s, size_t len)
{
	struct lit l = { s, s + len, 0 };
	struct value *v;

	if (memchr(s, '\0', len) != NULL)
		return NULL;
	while (l.p < l.end && (*l.p == ' ' || *l.p == '\t'))
		l.p++;
	v = read_expr(&l);
	if (v == NULL)
		return NULL;
	/* a bare top-level tuple: "1, 2" */
	skip_space(&l);
	if (l.p < l.end && *l.p == ',') {
		struct value *t = value_new(VAL_LIST);

		push(t, NULL, v);
		while (l.p < l.end && *l.p == ',') {
			struct value *item;

			l.p++;
			skip_space(&l);
			if (l.p >= l.end)
				break;
			item = read_expr(&l);
			if (item == NULL) {
				value_free(t);
				return NULL;
			}
			push(t, NULL, item);
			skip_space(&l);
		}
		v = t;
	}
	skip_space(&l);
	while (l.p < l.end && (*l.p == '\n' || *l.p == '\r' || *l.p == ' ' || *l.p == '\t'))
		l.p++;
	if (l.p != l.end) {
		value_free(v);
		return NULL;
	}
	return v;
}
