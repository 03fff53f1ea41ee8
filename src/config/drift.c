/*
 * drift.c: the drift model. Two trees are walked together; a subtree on one
 * side only is one finding at its own path, not one per leaf. Keys present
 * on one side only are first paired with a near-identical key on the other
 * side (a typo: the setting is silently ignored there). Every difference is
 * then classified, in this order: a per-site setting (expected); set on the
 * primary but empty or absent on the secondary (missing); a version; a
 * number of workers, processes or a size (capacity); a host, address,
 * bucket or a value that differs only by the env's name (expected); else
 * changed. Findings are ranked by file (the file with the worst finding
 * first) and by severity within a file.
 */
#include "drift_priv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

static const char *const kind_names[DRIFT_KIND_COUNT] = {
	[DRIFT_EXPECTED] = "expected", [DRIFT_CAPACITY] = "capacity", [DRIFT_CHANGED] = "changed",
	[DRIFT_ONE_SIDED] = "one-sided", [DRIFT_VERSION] = "version", [DRIFT_TYPO] = "typo",
	[DRIFT_MISSING] = "missing",
};

const char *
drift_kind_name(enum drift_kind k)
{
	return (unsigned)k < DRIFT_KIND_COUNT ? kind_names[k] : "?";
}

int
drift_kind_severity(enum drift_kind k)
{
	/* the enum is declared in rank order */
	return (int)k;
}

bool
drift_kind_suspicious(enum drift_kind k)
{
	return k != DRIFT_EXPECTED && k != DRIFT_CAPACITY;
}

bool
drift_item_suspicious(const struct drift_item *it)
{
	return drift_kind_suspicious(it->kind) && !it->accepted;
}

static const struct dnode *
find_kid(const struct dnode *map, const char *key)
{
	for (size_t i = 0; map != NULL && map->type == DN_MAP && i < map->n; i++)
		if (strcmp(map->kids[i].key, key) == 0)
			return &map->kids[i];
	return NULL;
}

/* Value text of a node as shown to the operator (caller frees). */
static char *
node_text(const struct dnode *n)
{
	if (n->type == DN_MAP)
		return n->n == 0 ? xstrdup("{}") : xasprintf("(%zu setting%s)", n->n, n->n == 1 ? "" : "s");
	return xstrdup(n->null ? "null" : n->text);
}

static bool
node_empty(const struct dnode *n)
{
	if (n == NULL)
		return true;
	if (n->type == DN_MAP)
		return false;	/* `flower: {}` is a process with its defaults */
	return n->null || *n->text == '\0' || strcmp(n->text, "[]") == 0 ||
	       strcmp(n->text, "''") == 0;
}

/* ---- classification */

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

static bool
has_word(const char *lower, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(lower, words[i]) != NULL)
			return true;
	return false;
}

/* A number, or a size with its unit ("12g", "2m", "8G", "40%"). */
static bool
is_number(const char *s)
{
	char *end;

	if (s == NULL || *s == '\0' || !(isdigit((unsigned char)*s) || *s == '.'))
		return false;
	(void)strtod(s, &end);
	if (*end != '\0' && strchr("kKmMgGtT%", *end) != NULL)
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	return *end == '\0';
}

/* A size in comparable units: "12g" is more than "512m". */
static double
quantity(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	switch (tolower((unsigned char)*end)) {
	case 't':
		v *= 1024;
		/* fall through */
	case 'g':
		v *= 1024;
		/* fall through */
	case 'm':
		v *= 1024;
		/* fall through */
	case 'k':
		v *= 1024;
		break;
	default:
		break;
	}
	return v;
}

/* Settings each site has its own value of, whatever the values are. */
static bool
per_site_key(const char *file, const char *path, const char *key)
{
	static const char *const keys[] = {
		"deploy_env", "env_monitoring_id", "slack_alerts_channel",
		"slack_notifications_channel", "SITE_HOST", "J2ME_SITE_HOST", "NO_WWW_SITE_HOST",
		"HQ_INSTANCE", "ALTERNATE_HOSTS", "trusted_proxies", "primary_ssl_env",
		"aws_region", "aws_endpoint", "ALLOWED_HOSTS", "DEPLOY_MACHINE_NAME",
		"hostname", "special_sites", "PILLOWTOP_MACHINE_ID",
	};

	(void)file;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcasecmp(key, keys[i]) == 0)
			return true;
	/* DATADOG_TRACE.TAGS.env and the like: the tag that says which env */
	return strcmp(key, "env") == 0 && strstr(path, "TAGS") != NULL;
}

static enum drift_kind
classify(const struct site *p, const struct site *s, const char *file, const char *path,
	 const struct dnode *pn, const struct dnode *sn, char **why)
{
	static const char *const version_words[] = { "version", "_sha256", "_sha512", "_sha1" };
	static const char *const capacity_words[] = {
		"concurrency", "num_processes", "num_workers", "workers", "processes", "memory",
		"heap", "swap_size", "_size", "factor", "instance_type", "max_tasks_per_child",
		"pool_size", "max_connections", "_connection", "regionsize",
	};
	static const char *const host_words[] = { "host", "_url", "endpoint", "domain", "_ip" };
	const char *last = strrchr(path, '.');
	const char *key = last != NULL ? last + 1 : path;
	char *lower = xstrdup(key), *pv = pn != NULL ? node_text(pn) : NULL;
	char *sv = sn != NULL ? node_text(sn) : NULL;
	enum drift_kind k;

	for (char *c = lower; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	if (per_site_key(file, path, key)) {
		k = DRIFT_EXPECTED;
		*why = xstrdup("per-site setting: each site has its own");
	} else if (!node_empty(pn) && node_empty(sn)) {
		k = DRIFT_MISSING;
		*why = xasprintf("set on the primary, %s on the secondary: after a failover it would "
				 "be %s", sn == NULL ? "absent" : "empty",
				 sn == NULL ? "left to the default" : "off");
	} else if (node_empty(pn) && !node_empty(sn) && pn == NULL) {
		k = DRIFT_ONE_SIDED;
		*why = xstrdup("set on the secondary only");
	} else if (has_word(lower, version_words, ARRAY_LEN(version_words))) {
		k = DRIFT_VERSION;
		*why = xstrdup("software versions differ: a failover changes what runs");
	} else if (is_number(pv) && is_number(sv) &&
		   has_word(lower, capacity_words, ARRAY_LEN(capacity_words))) {
		k = DRIFT_CAPACITY;
		*why = xstrdup(quantity(sv) < quantity(pv) ?
			       "smaller on the secondary (pilot light: scale up on failover)" :
			       "larger on the secondary");
	} else if (strstr(lower, "bucket") != NULL) {
		k = DRIFT_EXPECTED;
		*why = xstrdup("bucket name: each site has its own");
	} else if (has_word(lower, host_words, ARRAY_LEN(host_words)) && pv != NULL && sv != NULL) {
		k = DRIFT_EXPECTED;
		*why = xstrdup("host or endpoint of each site");
	} else if (is_address(pv) || is_address(sv)) {
		k = DRIFT_EXPECTED;
		*why = xstrdup("address of each site");
	} else {
		char *a = pv != NULL ? replace_all(pv, p->deploy_env, s->deploy_env) : NULL;
		char *b = a != NULL ? replace_all(a, p->env_name, s->env_name) : NULL;

		if (a != NULL && sv != NULL && (strcmp(a, sv) == 0 || strcmp(b, sv) == 0)) {
			k = DRIFT_EXPECTED;
			*why = xstrdup("differs only by the environment's name");
		} else if (pn == NULL || sn == NULL) {
			k = DRIFT_ONE_SIDED;
			*why = xstrdup(pn == NULL ? "set on the secondary only" : "set on the primary only");
		} else {
			k = DRIFT_CHANGED;
			*why = xstrdup("the sites are set differently: a failover changes behaviour");
		}
		free(a);
		free(b);
	}
	free(lower);
	free(pv);
	free(sv);
	return k;
}

/* ---- typos */

static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row = xcalloc(lb + 1, sizeof *row), r;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (tolower((unsigned char)a[i - 1]) !=
							   tolower((unsigned char)b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	r = row[lb];
	free(row);
	return r;
}

/* b is a with a short prefix or suffix word ("DD_TAGS" / "TAGS"), or either way round. */
static bool
affixed(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb) {
		const char *t = a;

		a = b;
		b = t;
		la = strlen(a);
		lb = strlen(b);
	}
	if (la < 3 || lb - la > 4 || lb == la)
		return false;
	if (strcasecmp(b + lb - la, a) == 0 && (b[lb - la - 1] == '_' || b[lb - la - 1] == '-'))
		return true;
	return strncasecmp(b, a, la) == 0 && (b[la] == '_' || b[la] == '-');
}

static bool
near_identical(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), shorter = la < lb ? la : lb;

	if (strcmp(a, b) == 0)
		return false;
	if (strcasecmp(a, b) == 0 || affixed(a, b))
		return true;
	/* one or two edits in a name long enough not to be another word */
	return shorter >= 6 && edit_distance(a, b) <= (shorter >= 12 ? 2u : 1u);
}

/* ---- walking */

static char *
join(const char *prefix, const char *key)
{
	return *prefix != '\0' ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
}

static void
differ(const struct site *p, const struct site *s, const char *file, const char *path,
       const struct dnode *pn, const struct dnode *sn, struct drift *out)
{
	char *why = NULL, *pv = pn != NULL ? node_text(pn) : NULL, *sv = sn != NULL ? node_text(sn) : NULL;
	enum drift_kind k = classify(p, s, file, path, pn, sn, &why);

	drift_add(out, file, path, k, why, pv, pn != NULL ? pn->line : 0, sv, sn != NULL ? sn->line : 0);
	free(pv);
	free(sv);
}

static void
walk(const struct site *p, const struct site *s, const char *file, const char *prefix,
     const struct dnode *pn, const struct dnode *sn, struct drift *out)
{
	bool *used;

	if (pn->type != DN_MAP || sn->type != DN_MAP) {
		if (pn->type != sn->type || pn->null != sn->null || !str_eq(pn->text, sn->text))
			differ(p, s, file, *prefix != '\0' ? prefix : "(document)", pn, sn, out);
		return;
	}
	used = xcalloc(sn->n + 1, sizeof *used);
	for (size_t i = 0; i < pn->n; i++) {
		const struct dnode *pk = &pn->kids[i], *sk = find_kid(sn, pk->key);
		char *path = join(prefix, pk->key);

		if (sk != NULL) {
			used[sk - sn->kids] = true;
			walk(p, s, file, path, pk, sk, out);
		}
		free(path);
	}
	/* keys on one side only: a near-identical key on the other side is a typo */
	for (size_t i = 0; i < pn->n; i++) {
		const struct dnode *pk = &pn->kids[i], *twin = NULL;
		char *path;

		if (find_kid(sn, pk->key) != NULL)
			continue;
		for (size_t j = 0; j < sn->n && twin == NULL; j++)
			if (!used[j] && find_kid(pn, sn->kids[j].key) == NULL &&
			    near_identical(pk->key, sn->kids[j].key)) {
				twin = &sn->kids[j];
				used[j] = true;
			}
		path = join(prefix, pk->key);
		if (twin != NULL) {
			char *pv = node_text(pk), *sv = node_text(twin);

			drift_add(out, file, path, DRIFT_TYPO,
				  xasprintf("'%s' on the primary, '%s' on the secondary: one of them is "
					    "not the name the software reads", pk->key, twin->key),
				  pv, pk->line, sv, twin->line);
			out->items[out->n - 1].other_path = join(prefix, twin->key);
			free(pv);
			free(sv);
		} else {
			differ(p, s, file, path, pk, NULL, out);
		}
		free(path);
	}
	for (size_t j = 0; j < sn->n; j++) {
		char *path;

		if (used[j])
			continue;
		path = join(prefix, sn->kids[j].key);
		differ(p, s, file, path, NULL, &sn->kids[j], out);
		free(path);
	}
	free(used);
}

void
drift_compare_tree(const struct site *p, const struct site *s, const char *file,
		   const struct dnode *pn, const struct dnode *sn, struct drift *out)
{
	if (pn == NULL || sn == NULL)
		return;		/* a file on one side only is drift_compare_files' */
	walk(p, s, file, "", pn, sn, out);
}

static void
compare_yaml(const struct site *p, const struct site *s, const char *file,
	     const struct ydoc *pd, const struct ydoc *sd, struct drift *out)
{
	struct dnode *pn, *sn;

	if (pd == NULL || sd == NULL)
		return;
	pn = dnode_from_ynode(pd->root);
	sn = dnode_from_ynode(sd->root);
	drift_compare_tree(p, s, file, pn, sn, out);
	dnode_free(pn);
	dnode_free(sn);
}

/* meta.yml without users (compared as sets by drift_compare_users). */
static void
compare_meta(const struct site *p, const struct site *s, struct drift *out)
{
	struct dnode *pn, *sn;

	if (p->meta == NULL || s->meta == NULL)
		return;
	pn = dnode_from_ynode(p->meta->root);
	sn = dnode_from_ynode(s->meta->root);
	dnode_remove(pn, "users");
	dnode_remove(sn, "users");
	drift_compare_tree(p, s, "meta.yml", pn, sn, out);
	dnode_free(pn);
	dnode_free(sn);
}

static const struct drift *rank_drift;

static int
file_rank(const char *file)
{
	int worst = -1;

	for (size_t i = 0; i < rank_drift->n; i++)
		if (strcmp(rank_drift->items[i].file, file) == 0) {
			int sev = drift_item_suspicious(&rank_drift->items[i]) ?
				  100 + drift_kind_severity(rank_drift->items[i].kind) :
				  drift_kind_severity(rank_drift->items[i].kind);

			if (sev > worst)
				worst = sev;
		}
	return worst;
}

struct ranked {
	struct drift_item it;
	int file_rank;
	size_t order;
};

static int
cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c;

	if (x->file_rank != y->file_rank)
		return x->file_rank > y->file_rank ? -1 : 1;
	c = strcmp(x->it.file, y->it.file);
	if (c != 0)
		return c;
	if (drift_item_suspicious(&x->it) != drift_item_suspicious(&y->it))
		return drift_item_suspicious(&x->it) ? -1 : 1;
	if (x->it.kind != y->it.kind)
		return x->it.kind > y->it.kind ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
rank(struct drift *d)
{
	struct ranked *r = xcalloc(d->n + 1, sizeof *r);

	rank_drift = d;
	for (size_t i = 0; i < d->n; i++) {
		r[i].it = d->items[i];
		r[i].file_rank = file_rank(d->items[i].file);
		r[i].order = i;
	}
	rank_drift = NULL;
	qsort(r, d->n, sizeof *r, cmp_ranked);
	memset(d->by_kind, 0, sizeof d->by_kind);
	d->suspicious = d->accepted = 0;
	for (size_t i = 0; i < d->n; i++) {
		d->items[i] = r[i].it;
		d->by_kind[d->items[i].kind]++;
		d->suspicious += drift_item_suspicious(&d->items[i]);
		d->accepted += d->items[i].accepted;
	}
	free(r);
}

void
drift_compare(const struct site *p, const struct site *s, struct drift *out)
{
	struct dnode *pa, *sa;

	memset(out, 0, sizeof *out);
	drift_compare_files(p, s, out);
	compare_meta(p, s, out);
	drift_compare_users(p, s, out);
	compare_yaml(p, s, "public.yml", p->public_yml, s->public_yml, out);
	compare_yaml(p, s, "postgresql.yml", p->postgresql_yml, s->postgresql_yml, out);
	compare_yaml(p, s, "proxy.yml", p->proxy_yml, s->proxy_yml, out);
	compare_yaml(p, s, "fab-settings.yml", p->fab_settings_yml, s->fab_settings_yml, out);
	pa = drift_app_processes_by_role(p, p->app_processes_yml);
	sa = drift_app_processes_by_role(s, s->app_processes_yml);
	drift_compare_tree(p, s, "app-processes.yml", pa, sa, out);
	dnode_free(pa);
	dnode_free(sa);
	drift_compare_topology(p, s, out);
	rank(out);
}

bool
drift_item_matches(const struct drift_item *it, const char *key)
{
	size_t fl = strlen(it->file), pl = strlen(it->path), kl = strlen(key);

	if (strncmp(key, it->file, fl) == 0 && key[fl] == ':')
		return drift_item_matches(it, key + fl + 1);
	if (fnmatch(key, it->path, 0) == 0)
		return true;
	if (it->other_path != NULL && fnmatch(key, it->other_path, 0) == 0)
		return true;
	/* the last components: "SMS_GATEWAY_URL" for "localsettings.SMS_GATEWAY_URL" */
	return kl < pl && it->path[pl - kl - 1] == '.' && strcmp(it->path + pl - kl, key) == 0;
}

void
drift_accept(struct drift *d, const struct config *cfg)
{
	for (size_t i = 0; cfg != NULL && i < d->n; i++)
		for (size_t k = 0; k < cfg->n_drift_ignore && !d->items[i].accepted; k++)
			if (drift_item_matches(&d->items[i], cfg->drift_ignore[k].key)) {
				d->items[i].accepted = true;
				d->items[i].accepted_reason = xstrdup(cfg->drift_ignore[k].reason);
			}
	rank(d);
}

void
drift_unmatched_ignores(const struct drift *d, const struct config *cfg, struct diag_list *dl)
{
	for (size_t k = 0; cfg != NULL && k < cfg->n_drift_ignore; k++) {
		bool used = false;

		for (size_t i = 0; i < d->n && !used; i++)
			used = drift_item_matches(&d->items[i], cfg->drift_ignore[k].key);
		if (!used)
			diag_warning(dl, cfg->path, cfg->drift_ignore[k].line, cfg->drift_ignore[k].col,
				     "drift_ignore '%s' matches no difference between the sites (fixed on "
				     "both sides since, or mistyped): remove or correct it",
				     cfg->drift_ignore[k].key);
	}
}

void
drift_free(struct drift *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].path);
		free(d->items[i].other_path);
		free(d->items[i].why);
		free(d->items[i].primary);
		free(d->items[i].secondary);
		free(d->items[i].accepted_reason);
	}
	free(d->items);
	memset(d, 0, sizeof *d);
}

static json_t *
item_json(const struct drift_item *it)
{
	json_t *j = json_pack("{s:s,s:s,s:s,s:i,s:b,s:s,s:s?,s:s?,s:i,s:i}", "kind",
			      drift_kind_name(it->kind), "file", it->file, "path", it->path,
			      "severity", drift_kind_severity(it->kind),
			      "suspicious", drift_item_suspicious(it), "why", it->why,
			      "primary", it->primary, "secondary", it->secondary,
			      "primary_line", (int)it->primary_line,
			      "secondary_line", (int)it->secondary_line);

	if (it->other_path != NULL)
		json_object_set_new(j, "secondary_path", json_string(it->other_path));
	if (it->accepted)
		json_object_set_new(j, "accepted_reason", json_string(it->accepted_reason));
	return j;
}

json_t *
drift_to_json(const struct drift *d)
{
	json_t *o = json_object(), *counts = json_object(), *by_kind = json_object(), *lists[4];
	static const char *const names[4] = { "suspicious", "accepted", "capacity", "expected" };

	for (int i = 0; i < 4; i++)
		lists[i] = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct drift_item *it = &d->items[i];
		int li = drift_item_suspicious(it) ? 0 : it->accepted ? 1 :
			 it->kind == DRIFT_CAPACITY ? 2 : 3;

		json_array_append_new(lists[li], item_json(it));
	}
	for (int i = 0; i < 4; i++) {
		json_object_set_new(counts, names[i], json_integer((json_int_t)json_array_size(lists[i])));
		json_object_set_new(o, names[i], lists[i]);
	}
	for (int k = 0; k < DRIFT_KIND_COUNT; k++)
		json_object_set_new(by_kind, kind_names[k], json_integer((json_int_t)d->by_kind[k]));
	json_object_set_new(counts, "by_kind", by_kind);
	json_object_set_new(o, "counts", counts);
	return o;
}
