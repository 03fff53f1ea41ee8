/*
 * jinja.c: a resolver for commcare-cloud's simple Jinja expressions. It
 * parses one expression at a time into a path (groups / hostvars / name,
 * indexes, attributes) and evaluates it; an expression it does not
 * understand makes the whole value unresolved.
 */
#include "drconsole/config/jinja.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

struct cursor {
	const char *p;
	const char *end;
};

static void
skip_ws(struct cursor *c)
{
	while (c->p < c->end && isspace((unsigned char)*c->p))
		c->p++;
}

/* An identifier, or a quoted string in brackets; NULL on anything else. */
static char *
read_ident(struct cursor *c)
{
	const char *s = c->p;

	while (c->p < c->end && (isalnum((unsigned char)*c->p) || *c->p == '_' || *c->p == '-'))
		c->p++;
	return c->p > s ? xstrndup(s, (size_t)(c->p - s)) : NULL;
}

static char *
read_quoted(struct cursor *c)
{
	char q = *c->p;
	const char *s;

	if (q != '\'' && q != '"')
		return NULL;
	s = ++c->p;
	while (c->p < c->end && *c->p != q)
		c->p++;
	if (c->p >= c->end)
		return NULL;
	return xstrndup(s, (size_t)(c->p++ - s));
}

/* groups.NAME.N / groups.NAME[N] / groups['NAME'][N] → host name (caller frees). */
static char *
eval_group_index(const struct jinja_ctx *ctx, struct cursor *c)
{
	char *name = NULL, *host = NULL;
	const struct inv_group *g;
	long idx;
	size_t n, *hosts;

	skip_ws(c);
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		name = read_ident(c);
	} else if (c->p < c->end && *c->p == '[') {
		c->p++;
		skip_ws(c);
		name = read_quoted(c);
		skip_ws(c);
		if (name == NULL || c->p >= c->end || *c->p++ != ']')
			goto out;
	}
	if (name == NULL)
		goto out;
	skip_ws(c);
	if (c->p < c->end && *c->p == '.') {
		c->p++;
	} else if (c->p < c->end && *c->p == '[') {
		c->p++;
	} else {
		goto out;
	}
	if (c->p >= c->end || !isdigit((unsigned char)*c->p))
		goto out;
	idx = strtol(c->p, (char **)&c->p, 10);
	if (c->p < c->end && *c->p == ']')
		c->p++;
	g = inventory_group(ctx->inv, name);
	if (g == NULL)
		goto out;
	hosts = inventory_group_hosts(ctx->inv, g, &n);
	if ((size_t)idx < n)
		host = xstrdup(ctx->inv->hosts[hosts[idx]].name);
	free(hosts);
out:
	free(name);
	return host;
}

/* One expression between {{ and }}; NULL when not understood. */
static char *
eval_expr(const struct jinja_ctx *ctx, const char *s, size_t len)
{
	struct cursor c = { s, s + len };
	char *head, *result = NULL;

	skip_ws(&c);
	head = read_ident(&c);
	if (head == NULL)
		return NULL;
	if (strcmp(head, "groups") == 0) {
		result = eval_group_index(ctx, &c);
	} else if (strcmp(head, "hostvars") == 0) {
		char *host = NULL, *var = NULL;
		const struct inv_host *h;
		const struct value *v;

		skip_ws(&c);
		if (c.p < c.end && *c.p == '[') {
			c.p++;
			skip_ws(&c);
			if (c.p < c.end && (*c.p == '\'' || *c.p == '"')) {
				host = read_quoted(&c);
			} else {
				char *g = read_ident(&c);

				if (g != NULL && strcmp(g, "groups") == 0)
					host = eval_group_index(ctx, &c);
				free(g);
			}
			skip_ws(&c);
			if (host != NULL && c.p < c.end && *c.p == ']') {
				c.p++;
				if (c.p < c.end && *c.p == '.') {
					c.p++;
					var = read_ident(&c);
				}
			}
		}
		if (host != NULL && var != NULL && (h = inventory_host(ctx->inv, host)) != NULL &&
		    (v = inventory_host_var(ctx->inv, h, var)) != NULL) {
			if (v->type == VAL_STRING)
				result = xstrdup(v->s);
			else if (v->type == VAL_INT)
				result = xasprintf("%lld", v->i);
		}
		free(host);
		free(var);
	} else if (ctx->var != NULL) {
		const char *v = ctx->var(ctx->ud, head);

		if (v != NULL)
			result = xstrdup(v);
	}
	free(head);
	skip_ws(&c);
	if (result != NULL && c.p != c.end) {	/* trailing filters or operators */
		free(result);
		result = NULL;
	}
	return result;
}

char *
jinja_resolve(const struct jinja_ctx *ctx, const char *s, bool *resolved)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = s;

	*resolved = true;
	while (*p != '\0') {
		const char *open = strstr(p, "{{"), *close;
		char *v;

		if (open == NULL) {
			strbuf_puts(&sb, p);
			break;
		}
		close = strstr(open + 2, "}}");
		strbuf_add(&sb, p, (size_t)(open - p));
		if (close == NULL || (v = eval_expr(ctx, open + 2, (size_t)(close - open - 2))) == NULL) {
			*resolved = false;
			strbuf_free(&sb);
			return xstrdup(s);
		}
		strbuf_puts(&sb, v);
		free(v);
		p = close + 2;
	}
	if (strstr(s, "{%") != NULL) {
		*resolved = false;
		strbuf_free(&sb);
		return xstrdup(s);
	}
	return strbuf_detach(&sb);
}
