/*
 * detail.c: the detail view (Enter): everything known about one row. A
 * host: address, user, groups, inventory variables (secret-looking ones
 * hidden), and its last reachability result; a database server: the full
 * replication observation with every field and its lag history; a backup
 * store: every field of the observation, or the site model's settings.
 * The lines are built on each draw from the current snapshot, so the view
 * stays live; j/k and PgUp/PgDn scroll, Esc/q/Enter close.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/util/duration.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/util/strbuf.h"

struct line {
	char *text;
	enum ui_elem elem;
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static void PRINTF_LIKE(3, 4)
add(struct lines *l, enum ui_elem elem, const char *fmt, ...)
{
	va_list ap;

	grow_array(&l->v, &l->cap, l->n + 1, sizeof *l->v);
	va_start(ap, fmt);
	l->v[l->n].text = xvasprintf(fmt, ap);
	va_end(ap);
	l->v[l->n].elem = elem;
	l->n++;
}

static void
lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

/* Split lines wider than width cells; continuations are indented under the value. */
static void
wrap_lines(struct lines *l, int width)
{
	struct lines out = { NULL, 0, 0 };

	for (size_t i = 0; i < l->n; i++) {
		const char *t = l->v[i].text;
		size_t len = strlen(t);
		bool first = true;

		while (width > 20 && len > (size_t)width) {
			size_t cut = first ? (size_t)width : (size_t)width - 17;

			/* do not cut inside a UTF-8 sequence */
			while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
				cut--;
			add(&out, l->v[i].elem, "%s%.*s", first ? "" : "                 ", (int)cut, t);
			t += cut;
			len -= cut;
			first = false;
		}
		add(&out, l->v[i].elem, "%s%s", first ? "" : "                 ", t);
	}
	lines_free(l);
	*l = out;
}

static bool
looks_secret(const char *key)
{
	static const char *const words[] = { "pass", "secret", "token", "credential", "private" };
	char low[128];
	size_t i;

	for (i = 0; key[i] != '\0' && i + 1 < sizeof low; i++)
		low[i] = (char)((key[i] >= 'A' && key[i] <= 'Z') ? key[i] + 32 : key[i]);
	low[i] = '\0';
	for (i = 0; i < ARRAY_LEN(words); i++)
		if (strstr(low, words[i]) != NULL)
			return true;
	return false;
}

static void
add_obs(struct ui *ui, struct lines *l, const struct observation *o)
{
	enum ui_shown shown = ui_shown_of(o, ui->now_ms, ui->interval_ms);
	char when[64], age[32], value[64];
	time_t t = (time_t)(o->observed_at_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
	duration_format(ui->now_ms - o->observed_at_ms, age, sizeof age);
	ui_format_value(o, value, sizeof value);
	add(l, UI_normal, "  key          %s", o->key);
	add(l, UI_normal, "  probe        %s", o->probe);
	add(l, UI_normal, "  site         %s", site_role_name(o->site));
	add(l, UI_normal, "  subject      %s", o->subject);
	add(l, ui_shown_elem(shown), "  status       %s %s%s%s", ui_shown_symbol(shown, ui->utf8),
	    ui_shown_word(shown), shown == UI_SHOWN_STALE ? ", last result " : "",
	    shown == UI_SHOWN_STALE ? obs_status_word(o->status) : "");
	add(l, UI_normal, "  state        %s", o->status == OBS_PENDING ? "pending" : o->state);
	if (o->has_value)
		add(l, UI_normal, "  value        %s (%g %s)", value, o->value, o->unit != NULL ? o->unit : "");
	add(l, UI_normal, "  message      %s", o->message != NULL && *o->message ? o->message : "-");
	if (o->status == OBS_PENDING)
		add(l, UI_pending, "  observed     not yet");
	else
		add(l, shown == UI_SHOWN_STALE ? UI_stale : UI_normal, "  observed     %s (%s ago)", when, age);
	if (o->latency_ms >= 0)
		add(l, UI_normal, "  took         %lld ms", o->latency_ms);
	if (o->has_value) {
		double hist[64];
		size_t n = status_store_history(ui->store, o->key, hist, ARRAY_LEN(hist));

		if (n > 0) {
			char spark[256];
			double lo = hist[0], hi = hist[0];

			for (size_t i = 1; i < n; i++) {
				lo = hist[i] < lo ? hist[i] : lo;
				hi = hist[i] > hi ? hist[i] : hi;
			}
			ui_sparkline(hist, n, ui->utf8, spark, sizeof spark, 48);
			add(l, UI_sparkline, "  history      %s  (%zu samples, min %g, max %g %s)", spark, n,
			    lo, hi, o->unit != NULL ? o->unit : "");
		}
	}
	{
		char rec[6][UI_RECOVERY_LINE];
		size_t n = ui_recovery_summary(o, ui->now_ms, rec, ARRAY_LEN(rec));

		if (n > 0)
			add(l, UI_section, "Recovery");
		for (size_t i = 0; i < n; i++)
			add(l, UI_normal, "%s", rec[i]);
	}
	if (o->n_fields > 0) {
		add(l, UI_section, "Fields");
		for (size_t i = 0; i < o->n_fields; i++)
			add(l, UI_normal, "  %-24s %s", o->fields[i].name, o->fields[i].value);
	}
}

static void
add_host(struct lines *l, const struct site *site, const struct site_host *h)
{
	const struct inv_host *ih = site->inv != NULL ? inventory_host(site->inv, h->name) : NULL;

	add(l, UI_section, "Host %s", h->name);
	add(l, UI_normal, "  address      %s:%d", h->address, h->port);
	add(l, UI_normal, "  user         %s", h->user != NULL ? h->user : "-");
	add(l, UI_normal, "  group        %s", h->group != NULL ? h->group : "-");
	add(l, UI_normal, "  groups       %s", h->groups != NULL ? h->groups : "-");
	add(l, h->known ? UI_normal : UI_warn, "  known_hosts  %s", h->known ? "listed in the env's known_hosts"
	    : "NOT in the env's known_hosts");
	add(l, UI_dim, "  inventory    %s:%u", site->inv != NULL ? site->inv->path : "?", h->line);
	if (ih != NULL) {
		struct value *vars = inventory_host_vars(site->inv, ih);

		add(l, UI_section, "Variables");
		for (size_t i = 0; vars != NULL && i < vars->n; i++) {
			char *txt;

			if (looks_secret(vars->keys[i])) {
				add(l, UI_dim, "  %-28s (hidden)", vars->keys[i]);
				continue;
			}
			if (vars->items[i]->type == VAL_STRING) {
				txt = xstrdup(value_str(vars->items[i]));
			} else {
				json_t *j = value_to_json(vars->items[i]);

				txt = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
				json_decref(j);
				if (txt == NULL)
					txt = xstrdup("?");
			}
			add(l, UI_normal, "  %-28s %s", vars->keys[i], txt);
			free(txt);
		}
		if (vars == NULL || vars->n == 0)
			add(l, UI_dim, "  (none)");
		value_free(vars);
	}
}

static void
add_backup_model(struct lines *l, const struct site *site, int store)
{
	const struct site_backup *b = &site->backups[store];
	struct strbuf hosts = STRBUF_INIT;

	for (size_t i = 0; i < b->n_hosts; i++)
		strbuf_printf(&hosts, "%s%s", i > 0 ? ", " : "", b->hosts[i]);
	add(l, UI_section, "Backups of %s (site model; no backup probe result yet)", backup_store_name(store));
	add(l, UI_normal, "  enabled      %s", b->enabled ? "yes" : "no");
	add(l, UI_normal, "  schedule     daily%s, keep %d days, %d weeks%s", b->hourly ? " + hourly" : "",
	    b->days, b->weeks, b->hourly ? "" : "");
	add(l, UI_normal, "  s3           %s", b->s3 ? "yes" : "no (local only)");
	add(l, UI_normal, "  bucket       %s", b->bucket != NULL ? b->bucket : "-");
	add(l, UI_normal, "  versioned    %s", b->versioned ? "yes (fixed keys, versions)" : "no (dated keys)");
	if (b->format != NULL)
		add(l, UI_normal, "  format       %s", b->format);
	add(l, UI_normal, "  local_dir    %s", b->local_dir != NULL ? b->local_dir : "-");
	add(l, UI_normal, "  hosts        %s", hosts.len > 0 ? strbuf_str(&hosts) : "-");
	strbuf_free(&hosts);
}

static void
build(struct ui *ui, struct lines *l, char *title, size_t tlen)
{
	const struct site *site = ui->sites[ui->detail_site];
	const struct observation *o = NULL;
	const struct site_host *h = ui->detail.host;

	if (ui->detail.key[0] != '\0' && ui->snap != NULL && strncmp(ui->detail.key, "host:", 5) != 0 &&
	    strncmp(ui->detail.key, "backup:", 7) != 0)
		o = status_snapshot_get(ui->snap, ui->detail.key);
	if (o != NULL && h == NULL)
		h = ui_host_of_obs(site, o);
	if (o != NULL && ui_section_of_probe(o->probe) != UI_SEC_HOSTS)
		h = NULL;
	snprintf(title, tlen, " %s: %s ", site_role_name(ui->detail_site),
		 o != NULL ? o->subject : h != NULL ? h->name : ui->detail.backup >= 0
		 ? backup_store_name(ui->detail.backup) : ui->detail.key);
	if (h != NULL && site != NULL) {
		add_host(l, site, h);
		add(l, UI_section, "Last reachability result");
		if (o != NULL)
			add_obs(ui, l, o);
		else
			add(l, UI_pending, "  pending: no host probe result yet");
		return;
	}
	if (o != NULL) {
		add(l, UI_section, "%s", ui_section_of_probe(o->probe) == UI_SEC_OTHER ? o->probe
		    : ui_section_title(ui_section_of_probe(o->probe)));
		add_obs(ui, l, o);
		if (strcmp(o->probe, PROBE_NAME_PG) == 0 && site != NULL) {
			bool any = false;

			for (size_t i = 0; i < site->n_dbs; i++) {
				if (!str_eq(site->dbs[i].host, o->subject))
					continue;
				if (!any)
					add(l, UI_section, "Databases on %s", o->subject);
				any = true;
				add(l, UI_normal, "  %-12s %s", site->dbs[i].alias, site->dbs[i].name);
			}
		}
		return;
	}
	if (ui->detail.backup >= 0 && site != NULL) {
		add_backup_model(l, site, ui->detail.backup);
		return;
	}
	add(l, UI_dim, "  this row is gone (the last refresh no longer has it)");
}

void
ui_detail_open(struct ui *ui)
{
	struct ui_panel *p = &ui->panels[ui->focus];

	if (p->sel < 0 || p->sel >= (int)p->n)
		return;
	ui->detail = p->rows[p->sel];
	ui->detail_site = p->role;
	ui->detail_top = 0;
	ui->view = UI_VIEW_DETAIL;
	ui->dirty |= UI_DIRTY_OVERLAY;
}

void
ui_detail_draw(struct ui *ui)
{
	struct lines l = { NULL, 0, 0 };
	char title[320];
	int y0 = ui->lay.header.h, h = ui->lay.message.y - y0, w = ui->lay.cols, body;
	WINDOW *win;

	build(ui, &l, title, sizeof title);
	wrap_lines(&l, w - 4);
	if (ui->win_overlay != NULL)
		delwin(ui->win_overlay);
	win = ui->win_overlay = newwin(h, w, y0, 0);
	wbkgd(win, (chtype)ui_theme_attr(UI_normal));
	werase(win);
	ui_border(win, ui->utf8, ui_theme_attr(UI_title));
	ui_put(win, 0, 2, title, w - 4, ui_theme_attr(UI_title));
	ui_put_right(win, h - 1, w - 2, " j/k scroll  Esc back ", ui_theme_attr(UI_dim));
	body = h - 2;
	ui->detail_lines = (int)l.n;
	if (ui->detail_top > (int)l.n - body)
		ui->detail_top = (int)l.n - body;
	if (ui->detail_top < 0)
		ui->detail_top = 0;
	for (int i = 0; i < body && ui->detail_top + i < (int)l.n; i++) {
		const struct line *ln = &l.v[ui->detail_top + i];

		ui_put(win, 1 + i, 2, ln->text, w - 4, ui_theme_attr(ln->elem));
	}
	wnoutrefresh(win);
	lines_free(&l);
}

int
ui_detail_key(struct ui *ui, int ch)
{
	int body = ui->lay.message.y - ui->lay.header.h - 2;

	switch (ch) {
	case 27: case 'q': case '\n': case '\r': case KEY_ENTER: case KEY_LEFT: case 'h':
		ui_overlay_close(ui, UI_VIEW_DASH);
		return UI_KEY_HANDLED;
	case 'j': case KEY_DOWN:
		ui->detail_top++;
		break;
	case 'k': case KEY_UP:
		ui->detail_top--;
		break;
	case KEY_NPAGE: case ' ':
		ui->detail_top += body - 1;
		break;
	case KEY_PPAGE:
		ui->detail_top -= body - 1;
		break;
	case 'g': case KEY_HOME:
		ui->detail_top = 0;
		break;
	case 'G': case KEY_END:
		ui->detail_top = ui->detail_lines;
		break;
	default:
		return UI_KEY_IGNORED;
	}
	if (ui->detail_top < 0)
		ui->detail_top = 0;
	ui->dirty |= UI_DIRTY_OVERLAY;
	return UI_KEY_HANDLED;
}
