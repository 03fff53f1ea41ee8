/*
 * host_list.c: the Hosts section of a site panel: every SSH-able host of
 * the site model, by group, with its reachability observation when a host
 * probe has reported ("pending" until then), plus any host observation the
 * model does not know.
 */
#include "drconsole/ui/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/obs_fields.h"

struct host_entry {
	const struct site_host *host;
	const struct observation *obs;
	const char *group;
	const char *name;
};

const struct site_host *
ui_host_of_obs(const struct site *site, const struct observation *o)
{
	const struct site_host *h;
	const char *slash;

	if (site == NULL || o == NULL)
		return NULL;
	if (obs_field(o, OBS_F_HOST) != NULL && (h = site_host_by_name(site, obs_field(o, OBS_F_HOST))) != NULL)
		return h;
	if (o->subject != NULL && (h = site_host_by_name(site, o->subject)) != NULL)
		return h;
	slash = o->key != NULL ? strrchr(o->key, '/') : NULL;
	if (slash != NULL)
		return site_host_by_name(site, slash + 1);
	return NULL;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct host_entry *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c != 0 ? c : strcmp(x->name, y->name);
}

void
ui_host_list_build(struct ui_panel *p, const struct status_snapshot *snap,
		   const struct site *site, const char *filter)
{
	struct host_entry *e = NULL;
	size_t n = 0, cap = 0, up = 0, shown = 0;
	bool *matched = site->n_hosts > 0 ? xcalloc(site->n_hosts, sizeof *matched) : NULL;
	const char *last_group = NULL;
	size_t section_at = 0;

	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		const struct site_host *h;

		if (o->site != p->role || ui_section_of_probe(o->probe) != UI_SEC_HOSTS)
			continue;
		h = ui_host_of_obs(site, o);
		if (h != NULL)
			matched[h - site->hosts] = true;
		grow_array(&e, &cap, n + 1, sizeof *e);
		e[n].host = h;
		e[n].obs = o;
		e[n].group = h != NULL ? h->group : obs_field(o, OBS_F_GROUP) != NULL ? obs_field(o, OBS_F_GROUP) : "";
		e[n].name = h != NULL ? h->name : o->subject;
		n++;
	}
	for (size_t i = 0; i < site->n_hosts; i++) {
		if (matched[i])
			continue;
		grow_array(&e, &cap, n + 1, sizeof *e);
		e[n].host = &site->hosts[i];
		e[n].obs = NULL;
		e[n].group = site->hosts[i].group != NULL ? site->hosts[i].group : "";
		e[n].name = site->hosts[i].name;
		n++;
	}
	if (n > 1)
		qsort(e, n, sizeof *e, cmp_entry);
	for (size_t i = 0; i < n; i++)
		if (e[i].obs != NULL && e[i].obs->status == OBS_OK)
			up++;

	for (size_t i = 0; i < n; i++) {
		struct ui_row tmp, *r;

		memset(&tmp, 0, sizeof tmp);
		tmp.obs = e[i].obs;
		tmp.host = e[i].host;
		tmp.backup = -1;
		if (!ui_row_matches(&tmp, filter))
			continue;
		if (shown == 0) {
			section_at = p->n;
			grow_array(&p->rows, &p->cap, p->n + 1, sizeof *p->rows);
			memset(&p->rows[p->n], 0, sizeof p->rows[p->n]);
			p->rows[p->n].kind = UI_ROW_SECTION;
			p->rows[p->n].section = UI_SEC_HOSTS;
			p->rows[p->n].backup = -1;
			p->n++;
		}
		if (last_group == NULL || strcmp(last_group, e[i].group) != 0) {
			grow_array(&p->rows, &p->cap, p->n + 1, sizeof *p->rows);
			r = &p->rows[p->n++];
			memset(r, 0, sizeof *r);
			r->kind = UI_ROW_GROUP;
			r->section = UI_SEC_HOSTS;
			r->backup = -1;
			snprintf(r->text, sizeof r->text, "%s", *e[i].group != '\0' ? e[i].group : "(no group)");
			last_group = e[i].group;
		}
		grow_array(&p->rows, &p->cap, p->n + 1, sizeof *p->rows);
		r = &p->rows[p->n++];
		*r = tmp;
		r->kind = UI_ROW_ITEM;
		r->section = UI_SEC_HOSTS;
		if (e[i].obs != NULL)
			snprintf(r->key, sizeof r->key, "%s", e[i].obs->key);
		else
			snprintf(r->key, sizeof r->key, "host:%s", e[i].name);
		p->n_items++;
		shown++;
	}
	if (shown > 0) {
		struct ui_row *s = &p->rows[section_at];

		if (filter != NULL && *filter != '\0')
			snprintf(s->text, sizeof s->text, "Hosts %zu/%zu up (%zu shown)", up, n, shown);
		else
			snprintf(s->text, sizeof s->text, "Hosts %zu/%zu up", up, n);
	}
	free(e);
	free(matched);
}
