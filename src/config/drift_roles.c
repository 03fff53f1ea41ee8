/*
 * drift_roles.c: the parts of drift that are not one YAML file against its
 * twin. app-processes.yml is keyed by host (or per-host group) names that
 * never match between sites: each key is replaced by its role, the host's
 * functional group, and the workers of every host of a role are added up
 * per queue (a key naming a group counts once per host). The inventory is
 * compared by functional group (per-host alias groups such as celery_a2000
 * are left out), the env dirs by the files they hold, meta.yml's users as
 * sets.
 */
#include "drift_priv.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drconsole/util/util.h"

static const char *
host_role(const struct site *s, const struct inv_host *h)
{
	const struct site_host *sh = site_host_by_name(s, h->name);

	if (sh != NULL)
		return sh->group;
	return h->n_groups > 0 ? s->inv->groups[h->groups[0]].name : "ungrouped";
}

/* The role of an app-processes key ("celery_a2000,celery_a2001"); *hosts: how many it names. */
static char *
key_role(const struct site *s, const char *key, size_t *hosts)
{
	char *copy = xstrdup(key), *save = NULL, *role = NULL;

	*hosts = 0;
	for (char *part = strtok_r(copy, ",", &save); part != NULL; part = strtok_r(NULL, ",", &save)) {
		const struct inv_host *h;
		const struct inv_group *g;

		while (*part == ' ')
			part++;
		h = s->inv != NULL ? inventory_host(s->inv, part) : NULL;
		g = s->inv != NULL && h == NULL ? inventory_group(s->inv, part) : NULL;
		if (h != NULL) {
			(*hosts)++;
			if (role == NULL)
				role = xstrdup(host_role(s, h));
		} else if (g != NULL) {
			size_t n = 0, *idx = inventory_group_hosts(s->inv, g, &n);

			*hosts += n;
			if (role == NULL && n > 0)
				role = xstrdup(host_role(s, &s->inv->hosts[idx[0]]));
			free(idx);
		}
	}
	free(copy);
	if (*hosts == 0)
		*hosts = 1;
	return role != NULL ? role : xstrdup(key);	/* unknown to the inventory: kept as written */
}

static bool
summed(const char *setting)
{
	return strcmp(setting, "concurrency") == 0 || strcmp(setting, "num_processes") == 0 ||
	       strcmp(setting, "num_workers") == 0;
}

static bool
integer_text(const char *t)
{
	if (t == NULL || *t == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (*t < '0' || *t > '9')
			return false;
	return true;
}

static void
set_number(struct dnode *n, long long v)
{
	free(n->text);
	n->text = xasprintf("%lld", v);
}

/* Add one process (queue or pillow) of a host key to its role. */
static void
merge_process(struct dnode *role, const char *name, const struct dnode *proc, size_t hosts)
{
	bool fresh = true;
	struct dnode *dst;

	for (size_t i = 0; i < role->n; i++)
		fresh &= strcmp(role->kids[i].key, name) != 0;
	dst = dnode_child(role, name);
	if (fresh) {
		dst->type = proc->type;
		dst->line = proc->line;
		dst->null = proc->null;
		dst->text = proc->text != NULL ? xstrdup(proc->text) : NULL;
		if (dst->type == DN_SCALAR && dst->text == NULL)
			dst->text = xstrdup("");
	}
	if (proc->type != DN_MAP)
		return;
	dst->type = DN_MAP;
	for (size_t i = 0; i < proc->n; i++) {
		const struct dnode *set = &proc->kids[i];
		bool had = false;
		struct dnode *d;

		for (size_t k = 0; k < dst->n; k++)
			had |= strcmp(dst->kids[k].key, set->key) == 0;
		if (!had) {
			d = dnode_add_copy(dst, set->key, set);
			if (summed(set->key) && integer_text(set->text))
				set_number(d, strtoll(set->text, NULL, 10) * (long long)hosts);
		} else {
			d = dnode_child(dst, set->key);
			if (summed(set->key) && integer_text(set->text) && integer_text(d->text))
				set_number(d, strtoll(d->text, NULL, 10) +
					      strtoll(set->text, NULL, 10) * (long long)hosts);
		}
	}
}

struct dnode *
drift_app_processes_by_role(const struct site *s, const struct ydoc *doc)
{
	static const char *const keyed[] = { "celery_processes", "pillows", "management_commands" };
	struct dnode *src, *out;

	if (doc == NULL)
		return NULL;
	src = dnode_from_ynode(doc->root);
	if (src->type != DN_MAP)
		return src;
	out = dnode_map(src->line);
	for (size_t i = 0; i < src->n; i++) {
		const struct dnode *top = &src->kids[i];
		bool by_host = false;
		struct dnode *dst;

		for (size_t k = 0; k < ARRAY_LEN(keyed); k++)
			by_host |= strcmp(top->key, keyed[k]) == 0;
		if (!by_host || top->type != DN_MAP) {
			dnode_add_copy(out, top->key, top);
			continue;
		}
		dst = dnode_child(out, top->key);
		dst->type = DN_MAP;
		dst->line = top->line;
		for (size_t h = 0; h < top->n; h++) {
			const struct dnode *hk = &top->kids[h];
			size_t hosts;
			char *role = key_role(s, hk->key, &hosts);
			bool fresh = true;
			struct dnode *rn;

			for (size_t k = 0; k < dst->n; k++)
				fresh &= strcmp(dst->kids[k].key, role) != 0;
			rn = dnode_child(dst, role);
			if (fresh) {
				rn->type = DN_MAP;
				rn->line = hk->line;
			}
			free(role);
			for (size_t q = 0; hk->type == DN_MAP && q < hk->n; q++) {
				const struct dnode *proc = &hk->kids[q];
				char *names = xstrdup(proc->key), *save = NULL;

				/* "celery,export_download_queue": one worker serving two queues */
				for (char *n = strtok_r(names, ",", &save); n != NULL;
				     n = strtok_r(NULL, ",", &save))
					merge_process(rn, n, proc, hosts);
				free(names);
			}
		}
	}
	dnode_free(src);
	return out;
}

/* ---- inventory topology */

/* A per-host alias group ([celery_a2000] holding one host, a child of [celery]). */
static bool
alias_group(const struct inventory *inv, const struct inv_group *g)
{
	bool other_parent = false;

	for (size_t i = 0; i < g->n_parents; i++)
		other_parent |= g->parents[i] != 0;
	(void)inv;
	return g->n_children == 0 && g->n_hosts == 1 && other_parent;
}

static size_t
group_size(const struct inventory *inv, const struct inv_group *g)
{
	size_t n = 0, *idx = inventory_group_hosts(inv, g, &n);

	free(idx);
	return n;
}

static char *
hosts_text(size_t n)
{
	return xasprintf("%zu host%s", n, n == 1 ? "" : "s");
}

void
drift_compare_topology(const struct site *p, const struct site *s, struct drift *out)
{
	if (p->inv == NULL || s->inv == NULL)
		return;
	for (size_t i = 2; i < p->inv->n_groups; i++) {
		const struct inv_group *pg = &p->inv->groups[i];
		const struct inv_group *sg = inventory_group(s->inv, pg->name);
		size_t pn = group_size(p->inv, pg), sn;
		char *pv, *sv;

		if (alias_group(p->inv, pg) && (sg == NULL || alias_group(s->inv, sg)))
			continue;
		pv = hosts_text(pn);
		if (sg == NULL) {
			drift_add(out, "inventory.ini", pg->name, pn > 0 ? DRIFT_MISSING : DRIFT_ONE_SIDED,
				  xasprintf("group [%s] is on the primary only%s", pg->name,
					    pn > 0 ? ": what runs there has no place on the secondary" : ""),
				  pv, pg->line, NULL, 0);
			free(pv);
			continue;
		}
		sn = group_size(s->inv, sg);
		sv = hosts_text(sn);
		if (pn != sn)
			drift_add(out, "inventory.ini", pg->name,
				  pn > 0 && sn == 0 ? DRIFT_MISSING : DRIFT_CAPACITY,
				  pn > 0 && sn == 0 ?
				  xasprintf("group [%s] has no host on the secondary", pg->name) :
				  xasprintf("%s hosts in [%s] on the secondary",
					    sn < pn ? "fewer" : "more", pg->name),
				  pv, pg->line, sv, sg->line);
		free(pv);
		free(sv);
	}
	for (size_t i = 2; i < s->inv->n_groups; i++) {
		const struct inv_group *sg = &s->inv->groups[i];
		char *sv;

		if (inventory_group(p->inv, sg->name) != NULL || alias_group(s->inv, sg))
			continue;
		sv = hosts_text(group_size(s->inv, sg));
		drift_add(out, "inventory.ini", sg->name, DRIFT_ONE_SIDED,
			  xasprintf("group [%s] is on the secondary only", sg->name), NULL, 0, sv, sg->line);
		free(sv);
	}
}

/* ---- files of the env dirs */

static char **
list_files(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		char *path;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			grow_array(&v, &cap, *n + 1, sizeof *v);
			v[(*n)++] = xstrdup(e->d_name);
		}
		free(path);
	}
	closedir(d);
	return v;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
in_list(char **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

void
drift_compare_files(const struct site *p, const struct site *s, struct drift *out)
{
	size_t pn, sn;
	char **pf = list_files(p->env_dir, &pn), **sf = list_files(s->env_dir, &sn);

	if (pf != NULL)
		qsort(pf, pn, sizeof *pf, cmp_str);
	if (sf != NULL)
		qsort(sf, sn, sizeof *sf, cmp_str);
	for (size_t i = 0; i < pn; i++)
		if (!in_list(sf, sn, pf[i]))
			drift_add(out, "env dir", pf[i], DRIFT_ONE_SIDED,
				  xasprintf("%s is in the primary's env dir only: its settings do not "
					    "apply on the secondary", pf[i]), "present", 0, NULL, 0);
	for (size_t i = 0; i < sn; i++)
		if (!in_list(pf, pn, sf[i]))
			drift_add(out, "env dir", sf[i], DRIFT_ONE_SIDED,
				  xasprintf("%s is in the secondary's env dir only", sf[i]), NULL, 0,
				  "present", 0);
	str_array_free(pf, pn);
	str_array_free(sf, sn);
}

/* ---- meta.yml users */

static const struct ynode *
users_of(const struct site *s)
{
	const struct ynode *u = s->meta != NULL ? ynode_get(s->meta->root, "users") : NULL;

	return u != NULL && u->type == YN_SEQ ? u : NULL;
}

static const struct ynode *
find_user(const struct ynode *seq, const char *name)
{
	for (size_t i = 0; seq != NULL && i < seq->n; i++)
		if (ynode_str(seq->items[i]) != NULL && strcmp(ynode_str(seq->items[i]), name) == 0)
			return seq->items[i];
	return NULL;
}

void
drift_compare_users(const struct site *p, const struct site *s, struct drift *out)
{
	const struct ynode *pu = users_of(p), *su = users_of(s);

	for (int side = 0; side < 2; side++) {
		const struct ynode *a = side == 0 ? pu : su, *b = side == 0 ? su : pu;

		for (size_t i = 0; a != NULL && i < a->n; i++) {
			const char *name = ynode_str(a->items[i]);
			char *path;

			if (name == NULL || find_user(b, name) != NULL)
				continue;
			path = xasprintf("users.%s", name);
			drift_add(out, "meta.yml", path, DRIFT_ONE_SIDED,
				  xasprintf("users '%s' have accounts on the %s only: they cannot log in "
					    "to the %s", name, side == 0 ? "primary" : "secondary",
					    side == 0 ? "secondary" : "primary"),
				  side == 0 ? name : NULL, a->items[i]->line,
				  side == 1 ? name : NULL, a->items[i]->line);
			free(path);
		}
	}
}
