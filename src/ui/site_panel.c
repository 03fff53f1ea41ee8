/*
 * site_panel.c: the rows of one site panel, built from a status snapshot
 * and the site model. Sections come from the probe name (pg → PostgreSQL,
 * s3/sftp → Backups, couch → CouchDB, es → Elasticsearch, host → Hosts;
 * any other probe gets a section of its own name), so a new probe appears
 * without UI changes. Until a backup probe reports, the Backups section
 * shows the site model's backup settings as pending (or disabled).
 * No curses here: the rows are data, drawn by dashboard.c.
 */
#include "drconsole/ui/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ui_row *
add_row(struct ui_panel *p, enum ui_row_kind kind, enum ui_section sec)
{
	struct ui_row *r;

	grow_array(&p->rows, &p->cap, p->n + 1, sizeof *p->rows);
	r = &p->rows[p->n++];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->section = sec;
	r->backup = -1;
	if (kind == UI_ROW_ITEM)
		p->n_items++;
	return r;
}

static void
add_section(struct ui_panel *p, enum ui_section sec, const char *title)
{
	struct ui_row *r = add_row(p, UI_ROW_SECTION, sec);

	snprintf(r->text, sizeof r->text, "%s", title);
}

static void
add_obs(struct ui_panel *p, enum ui_section sec, const struct observation *o)
{
	struct ui_row *r = add_row(p, UI_ROW_ITEM, sec);

	r->obs = o;
	snprintf(r->key, sizeof r->key, "%s", o->key);
}

/* Backup settings of the model, while no backup probe has reported. */
static void
add_model_backups(struct ui_panel *p, const struct site *site, const char *filter)
{
	bool any = false;

	for (int b = 0; b < STORE_COUNT; b++) {
		struct ui_row probe_row;

		memset(&probe_row, 0, sizeof probe_row);
		probe_row.backup = b;
		if (!ui_row_matches(&probe_row, filter))
			continue;
		if (!any) {
			const struct site_backup *pb = &site->backups[STORE_POSTGRES];
			char title[96];

			if (pb->enabled && pb->s3 && pb->bucket != NULL)
				snprintf(title, sizeof title, "Backups (s3 %s)", pb->bucket);
			else
				snprintf(title, sizeof title, "Backups");
			add_section(p, UI_SEC_BACKUPS, title);
			any = true;
		}
		{
			struct ui_row *r = add_row(p, UI_ROW_ITEM, UI_SEC_BACKUPS);

			r->backup = b;
			snprintf(r->key, sizeof r->key, "backup:%s", backup_store_name(b));
		}
	}
}

void
ui_panel_build(struct ui_panel *p, const struct status_snapshot *snap,
	       const struct site *site, const char *filter)
{
	int old_sel = p->sel;

	p->n = 0;
	p->n_items = 0;
	for (int sec = 0; sec < UI_SEC_HOSTS; sec++) {
		const char *last_probe = NULL;
		bool any = false, seen_any = false;

		for (size_t i = 0; snap != NULL && i < snap->n; i++) {
			const struct observation *o = snap->items[i];
			struct ui_row tmp;

			if (o->site != p->role || (int)ui_section_of_probe(o->probe) != sec)
				continue;
			seen_any = true;
			memset(&tmp, 0, sizeof tmp);
			tmp.obs = o;
			tmp.backup = -1;
			if (!ui_row_matches(&tmp, filter))
				continue;
			if (sec == UI_SEC_OTHER && (last_probe == NULL || strcmp(last_probe, o->probe) != 0)) {
				add_section(p, UI_SEC_OTHER, o->probe);
				last_probe = o->probe;
			} else if (!any && sec != UI_SEC_OTHER) {
				add_section(p, sec, sec == UI_SEC_PG && site != NULL && site->pg_version != NULL
					    ? (p->role == SITE_SECONDARY ? "PostgreSQL standby" : "PostgreSQL")
					    : ui_section_title(sec));
			}
			any = true;
			add_obs(p, sec, o);
		}
		if (sec == UI_SEC_BACKUPS && !seen_any && site != NULL)
			add_model_backups(p, site, filter);
	}
	if (site != NULL)
		ui_host_list_build(p, snap, site, filter);

	/* the selection follows its key, else stays near where it was */
	p->sel = -1;
	if (p->sel_key[0] != '\0') {
		for (size_t i = 0; i < p->n; i++) {
			if (p->rows[i].kind == UI_ROW_ITEM && strcmp(p->rows[i].key, p->sel_key) == 0) {
				p->sel = (int)i;
				break;
			}
		}
	}
	if (p->sel < 0) {
		int start = old_sel < 0 ? 0 : old_sel;

		if (start >= (int)p->n)
			start = (int)p->n - 1;
		for (int i = start; i >= 0 && i < (int)p->n; i++)
			if (p->rows[i].kind == UI_ROW_ITEM) {
				p->sel = i;
				break;
			}
		for (int i = start; p->sel < 0 && i >= 0; i--)
			if (p->rows[i].kind == UI_ROW_ITEM)
				p->sel = i;
		if (p->sel >= 0)
			snprintf(p->sel_key, sizeof p->sel_key, "%s", p->rows[p->sel].key);
	}
	if (p->top > (int)p->n)
		p->top = 0;
}

void
ui_panel_free(struct ui_panel *p)
{
	free(p->rows);
	p->rows = NULL;
	p->n = p->cap = p->n_items = 0;
}

static void
keep_visible(struct ui_panel *p, int height)
{
	if (height <= 0 || p->sel < 0)
		return;
	if (p->sel < p->top)
		p->top = p->sel;
	/* show the heading just above the first item of a section */
	if (p->sel == p->top && p->sel > 0 && p->rows[p->sel - 1].kind != UI_ROW_ITEM) {
		int t = p->sel - 1;

		while (t > 0 && p->rows[t - 1].kind != UI_ROW_ITEM)
			t--;
		if (p->sel - t < height)
			p->top = t;
	}
	if (p->sel >= p->top + height)
		p->top = p->sel - height + 1;
	if (p->top > (int)p->n - height)
		p->top = (int)p->n - height;
	if (p->top < 0)
		p->top = 0;
}

void
ui_panel_move(struct ui_panel *p, int delta, int height)
{
	int i = p->sel;

	if (p->n_items == 0 || p->sel < 0)
		return;
	while (delta != 0) {
		int step = delta > 0 ? 1 : -1, j = i + step;

		while (j >= 0 && j < (int)p->n && p->rows[j].kind != UI_ROW_ITEM)
			j += step;
		if (j < 0 || j >= (int)p->n)
			break;
		i = j;
		delta -= step;
	}
	p->sel = i;
	snprintf(p->sel_key, sizeof p->sel_key, "%s", p->rows[i].key);
	keep_visible(p, height);
}

void
ui_panel_home(struct ui_panel *p, bool end, int height)
{
	if (p->n_items == 0)
		return;
	if (end) {
		for (int i = (int)p->n - 1; i >= 0; i--)
			if (p->rows[i].kind == UI_ROW_ITEM) {
				p->sel = i;
				break;
			}
	} else {
		for (int i = 0; i < (int)p->n; i++)
			if (p->rows[i].kind == UI_ROW_ITEM) {
				p->sel = i;
				break;
			}
		p->top = 0;
	}
	snprintf(p->sel_key, sizeof p->sel_key, "%s", p->rows[p->sel].key);
	keep_visible(p, height);
}
