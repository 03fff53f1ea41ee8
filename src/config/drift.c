/*
 * drift.c: flatten two YAML trees into path → value and compare. Values are
 * compared as their text; a mapping or list that exists on one side only is
 * reported once at its own path, not per leaf.
 */
#include "drconsole/drift.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drconsole/strbuf.h"
#include "drconsole/util.h"

struct leaf {
	char *path;
	char *text;
	unsigned line;
};

struct leaves {
	struct leaf *v;
	size_t n;
	size_t cap;
};

static void
add_leaf(struct leaves *l, const char *path, const char *text, unsigned line)
{
	grow_array(&l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n].path = xstrdup(path);
	l->v[l->n].text = xstrdup(text);
	l->v[l->n].line = line;
	l->n++;
}

static void
flatten(const struct ynode *n, const char *prefix, struct leaves *out)
{
	if (n == NULL)
		return;
	if (n->type == YN_SCALAR) {
		add_leaf(out, prefix, ynode_is_null(n) ? "null" : n->value, n->line);
		return;
	}
	if (n->n == 0) {
		add_leaf(out, prefix, n->type == YN_MAP ? "{}" : "[]", n->line);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		char *p;

		if (n->type == YN_MAP) {
			p = *prefix != '\0' ? xasprintf("%s.%s", prefix, n->pairs[i].key->value)
					   : xstrdup(n->pairs[i].key->value);
			flatten(n->pairs[i].value, p, out);
		} else {
			p = xasprintf("%s[%zu]", prefix, i);
			flatten(n->items[i], p, out);
		}
		free(p);
	}
}

static const struct leaf *
find_leaf(const struct leaves *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return &l->v[i];
	return NULL;
}

static bool
is_address(const char *s)
{
	unsigned char buf[16];
	char *copy, *slash;
	bool ok;

	if (s == NULL)
		return false;
	copy = xstrdup(s);
	slash = strchr(copy, '/');
	if (slash != NULL)
		*slash = '\0';	/* a CIDR block */
	ok = inet_pton(AF_INET, copy, buf) == 1 || inet_pton(AF_INET6, copy, buf) == 1;
	free(copy);
	return ok;
}

/* Replace every occurrence of from with to in s (caller frees). */
static char *
replace_all(const char *s, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	size_t fl = strlen(from);
	const char *p = s, *hit;

	if (fl == 0)
		return xstrdup(s);
	while ((hit = strstr(p, from)) != NULL) {
		strbuf_add(&sb, p, (size_t)(hit - p));
		strbuf_puts(&sb, to);
		p = hit + fl;
	}
	strbuf_puts(&sb, p);
	return strbuf_detach(&sb);
}

static const char *
expected_reason(const struct site *p, const struct site *s, const char *path,
		const char *pv, const char *sv)
{
	static const char *const env_keys[] = {
		"deploy_env", "SITE_HOST", "J2ME_SITE_HOST", "NO_WWW_SITE_HOST", "aws_region",
		"aws_endpoint", "env_monitoring_id", "HQ_INSTANCE", "primary_ssl_env",
		"trusted_proxies", "ALTERNATE_HOSTS", "slack_alerts_channel",
		"slack_notifications_channel",
	};
	const char *last = strrchr(path, '.');
	char *lower = xstrdup(last != NULL ? last + 1 : path);
	const char *why = NULL;

	for (char *c = lower; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	for (size_t i = 0; i < ARRAY_LEN(env_keys) && why == NULL; i++)
		if (strcasecmp(last != NULL ? last + 1 : path, env_keys[i]) == 0)
			why = "per-environment setting";
	if (why == NULL && strstr(lower, "bucket") != NULL)
		why = "bucket name";
	if (why == NULL && (strstr(lower, "host") != NULL || strstr(lower, "_url") != NULL ||
			    strstr(lower, "endpoint") != NULL))
		why = "host or endpoint";
	if (why == NULL && (is_address(pv) || is_address(sv)))
		why = "address";
	if (why == NULL && pv != NULL && sv != NULL) {
		char *a = replace_all(pv, p->deploy_env, s->deploy_env);
		char *b = replace_all(a, p->env_name, s->env_name);

		if (strcmp(a, sv) == 0 || strcmp(b, sv) == 0)
			why = "differs only by the environment's name";
		free(a);
		free(b);
	}
	free(lower);
	return why;
}

static void
compare_file(const struct site *p, const struct site *s, const char *file,
	     const struct ydoc *pd, const struct ydoc *sd, struct drift *out)
{
	struct leaves pl = { NULL, 0, 0 }, sl = { NULL, 0, 0 };

	flatten(pd != NULL ? pd->root : NULL, "", &pl);
	flatten(sd != NULL ? sd->root : NULL, "", &sl);
	for (int side = 0; side < 2; side++) {
		const struct leaves *a = side == 0 ? &pl : &sl, *b = side == 0 ? &sl : &pl;

		for (size_t i = 0; i < a->n; i++) {
			const struct leaf *other = find_leaf(b, a->v[i].path);
			struct drift_item *it;

			if (other != NULL && (side == 1 || strcmp(other->text, a->v[i].text) == 0))
				continue;
			grow_array(&out->items, &out->cap, out->n + 1, sizeof *out->items);
			it = &out->items[out->n++];
			memset(it, 0, sizeof *it);
			it->file = xstrdup(file);
			it->path = xstrdup(a->v[i].path);
			if (side == 0) {
				it->kind = other != NULL ? DRIFT_CHANGED : DRIFT_ONLY_PRIMARY;
				it->primary = xstrdup(a->v[i].text);
				it->primary_line = a->v[i].line;
				if (other != NULL) {
					it->secondary = xstrdup(other->text);
					it->secondary_line = other->line;
				}
			} else {
				it->kind = DRIFT_ONLY_SECONDARY;
				it->secondary = xstrdup(a->v[i].text);
				it->secondary_line = a->v[i].line;
			}
			it->why = expected_reason(p, s, it->path, it->primary, it->secondary);
			it->expected = it->why != NULL;
			if (!it->expected)
				out->suspicious++;
		}
	}
	for (size_t i = 0; i < pl.n; i++) {
		free(pl.v[i].path);
		free(pl.v[i].text);
	}
	for (size_t i = 0; i < sl.n; i++) {
		free(sl.v[i].path);
		free(sl.v[i].text);
	}
	free(pl.v);
	free(sl.v);
}

void
drift_compare(const struct site *p, const struct site *s, struct drift *out)
{
	memset(out, 0, sizeof *out);
	compare_file(p, s, "public.yml", p->public_yml, s->public_yml, out);
	compare_file(p, s, "postgresql.yml", p->postgresql_yml, s->postgresql_yml, out);
	compare_file(p, s, "proxy.yml", p->proxy_yml, s->proxy_yml, out);
	compare_file(p, s, "app-processes.yml", p->app_processes_yml, s->app_processes_yml, out);
	compare_file(p, s, "fab-settings.yml", p->fab_settings_yml, s->fab_settings_yml, out);
}

void
drift_free(struct drift *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].path);
		free(d->items[i].primary);
		free(d->items[i].secondary);
	}
	free(d->items);
	memset(d, 0, sizeof *d);
}

json_t *
drift_to_json(const struct drift *d)
{
	static const char *const kinds[] = { "changed", "only_primary", "only_secondary" };
	json_t *o = json_object(), *exp = json_array(), *sus = json_array();

	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *it = &d->items[i];
		json_t *j = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:i,s:i}", "file", it->file,
				      "path", it->path, "kind", kinds[it->kind],
				      "primary", it->primary, "secondary", it->secondary,
				      "primary_line", (int)it->primary_line,
				      "secondary_line", (int)it->secondary_line);

		if (it->expected)
			json_object_set_new(j, "reason", json_string(it->why));
		json_array_append_new(it->expected ? exp : sus, j);
	}
	json_object_set_new(o, "expected", exp);
	json_object_set_new(o, "suspicious", sus);
	return o;
}
