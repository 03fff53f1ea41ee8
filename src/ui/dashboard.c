/*
 * dashboard.c: the dashboard screen: header (both environments, RPO
 * exposure against the objective, RTO and last drill, mode badge, clock),
 * the tab bar in narrow terminals, the two site panels, the message line
 * and the footer (keys, "refreshed Ns ago"). Drawing reads struct ui and
 * never changes it.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "drconsole/util/duration.h"
#include "drconsole/probe/obs_fields.h"

static const char *
env_name(const struct ui *ui, int role)
{
	const struct site *s = ui->sites[role];

	return s != NULL && s->env_name != NULL ? s->env_name : "?";
}

/* "RPO 15m: exposure 42s" and the status shown after it. */
static void
rpo_text(const struct ui *ui, char *buf, size_t len, enum ui_shown *shown)
{
	char obj[32], exp[32];
	const struct rpo_store *head = ui->rpo.worst >= 0 ? &ui->rpo.stores[ui->rpo.worst] : NULL;

	duration_format(ui->cfg->rpo_ms, obj, sizeof obj);
	if (head == NULL) {
		snprintf(buf, len, "RPO %s: no data store to judge", obj);
		*shown = UI_SHOWN_UNKNOWN;
	} else if (ui->rpo_pending) {
		snprintf(buf, len, "RPO %s: exposure pending", obj);
		*shown = UI_SHOWN_PENDING;
	} else if (head->have_source) {
		if (head->exposure_s < 60)
			snprintf(exp, sizeof exp, "%.1fs", head->exposure_s < 0 ? 0.0 : head->exposure_s);
		else
			duration_format((long long)(head->exposure_s * 1000), exp, sizeof exp);
		snprintf(buf, len, "RPO %s: exposure %s (%s)", obj, exp, head->store);
		*shown = head->status == OBS_OK ? UI_SHOWN_OK : head->status == OBS_WARN
			 ? UI_SHOWN_WARN : head->status == OBS_CRIT ? UI_SHOWN_CRIT : UI_SHOWN_UNKNOWN;
	} else {
		snprintf(buf, len, "RPO %s: no usable %s source", obj, head->store);
		*shown = UI_SHOWN_CRIT;
	}
}

static void
draw_header(struct ui *ui)
{
	WINDOW *w = ui->win_header;
	int hattr = ui_theme_attr(UI_header), cols = ui->lay.cols, x, y2;
	char left[256], rpo[128], rto[128], obj[32], clock[32], badge[32];
	enum ui_shown rs;
	enum run_mode hmode;
	struct tm tm;
	time_t now = (time_t)(ui->now_ms / 1000);

	werase(w);
	for (int y = 0; y < ui->lay.header.h; y++)
		ui_fill(w, y, 0, cols, hattr);
	snprintf(left, sizeof left, " drconsole  %s %s %s", env_name(ui, SITE_PRIMARY),
		 ui->utf8 ? "→" : "->", env_name(ui, SITE_SECONDARY));
	rpo_text(ui, rpo, sizeof rpo, &rs);
	duration_format(ui->cfg->rto_ms, obj, sizeof obj);
	if (!ui->have_drill) {
		snprintf(rto, sizeof rto, "RTO %s: last drill %s", obj, ui->utf8 ? "—" : "-");
	} else if (ui->last_drill_rto_s < 0) {
		snprintf(rto, sizeof rto, "RTO %s: last drill not measured", obj);
	} else {
		char took[32];
		bool met = ui->last_drill_rto_s * 1000.0 <= (double)ui->cfg->rto_ms;

		duration_format((long long)(ui->last_drill_rto_s * 1000.0), took, sizeof took);
		snprintf(rto, sizeof rto, "RTO %s: last drill %s %s", obj, took, met ? "OK" : "OVER");
	}
	if (ui_verify_text(ui) != NULL)
		snprintf(rto + strlen(rto), sizeof rto - strlen(rto), "; %s", ui_verify_text(ui));
	gmtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%H:%M:%SZ ", &tm);
	/* a run started from the console shows its own mode (a DRILL is DRILL everywhere) */
	hmode = ui->run != NULL && ui->opts->mode != RUN_READ_ONLY ? ui->run_mode : ui->opts->mode;
	snprintf(badge, sizeof badge, ui_run_active(ui) ? " %s RUN " : " %s ",
		 run_mode_word(hmode));

	x = ui_put(w, 0, 0, left, cols, hattr | A_BOLD);
	y2 = ui->lay.header.h > 1 ? 1 : 0;
	if (y2 == 0)
		x += 3;
	else
		x = 1;
	x += ui_put(w, y2, x, rpo, cols - x, hattr);
	x += ui_put(w, y2, x, " ", cols - x, hattr);
	{
		char word[32];

		snprintf(word, sizeof word, "%s %s", ui_shown_symbol(rs, ui->utf8), ui_shown_word(rs));
		x += ui_put(w, y2, x, word, cols - x, ui_theme_attr_over_header(ui_shown_elem(rs)) | A_BOLD);
	}
	if (ui->rpo_two) {
		char two[160];

		ui_rpo_scenarios_text(&ui->rpo_other, ui->rpo_headline, ui->utf8, two, sizeof two);
		x += ui_put(w, y2, x, two, cols - x, hattr);
	}
	x += 3;
	x += ui_put(w, y2, x, rto, cols - x, hattr);
	x += ui_drift_header(ui, w, y2, x, cols, hattr);
	{
		int cx = cols - ui_text_width(clock);
		int bx = cx - 1 - ui_text_width(badge);
		int fx = y2 == 0 ? x + 3 : ui_text_width(left) + 3;
		int fw = ui_draw_failover(ui, w, 0, fx, bx - fx - 1);	/* an open failover first */

		fx += fw > 0 ? fw + 3 : 0;
		fw = ui_draw_undone(ui, w, 0, fx, bx - fx - 1);		/* then what runs left undone */
		fx += fw > 0 ? fw + 3 : 0;
		ui_draw_drill_cadence(ui, w, 0, fx, bx - fx - 1);
		ui_put(w, 0, cx, clock, cols - cx, hattr);
		ui_put(w, 0, bx, badge, cx - bx, ui_theme_attr(ui_mode_elem(hmode)));
	}
	wnoutrefresh(w);
}

static void
draw_tabs(struct ui *ui)
{
	WINDOW *w = ui->win_tabs;
	int x = 1;

	if (w == NULL)
		return;
	werase(w);
	for (int i = 0; i < 2; i++) {
		char t[128];

		snprintf(t, sizeof t, " %d %s %s ", i + 1, i == 0 ? "PRIMARY" : "SECONDARY", env_name(ui, i));
		x += ui_put(w, 0, x, t, ui->lay.cols - x,
			    ui_theme_attr(i == ui->focus ? UI_tab_active : UI_tab));
		x += 1;
	}
	ui_put(w, 0, x + 1, "Tab switches", ui->lay.cols - x - 1, ui_theme_attr(UI_dim));
	wnoutrefresh(w);
}

static void
draw_message(struct ui *ui)
{
	WINDOW *w = ui->win_msg;
	int cols = ui->lay.cols;
	char buf[160];

	werase(w);
	if (ui->filter_edit) {
		snprintf(buf, sizeof buf, "/%s", ui->filter);
		ui_put(w, 0, 1, buf, cols - 2, ui_theme_attr(UI_filter));
		wmove(w, 0, 1 + ui_text_width(buf));
		ui_put(w, 0, 1 + ui_text_width(buf), "_", 1, ui_theme_attr(UI_filter) | A_BLINK);
		ui_put(w, 0, 3 + ui_text_width(buf), "Enter keeps, Esc clears", cols, ui_theme_attr(UI_dim));
	} else if (ui->message[0] != '\0') {
		ui_put(w, 0, 1, ui->message, cols - 2, ui_theme_attr(ui->message_elem));
	} else if (ui->filter[0] != '\0') {
		snprintf(buf, sizeof buf, "filter /%s  (Esc clears)", ui->filter);
		ui_put(w, 0, 1, buf, cols - 2, ui_theme_attr(UI_filter));
	} else if (ui->opts->mode == RUN_READ_ONLY) {
		snprintf(buf, sizeof buf, "read-only: %s; F/R/B are disabled", ui->opts->read_only_reason);
		ui_put(w, 0, 1, buf, cols - 2, ui_theme_attr(UI_disabled));
	} else if (ui->opts->diag_errors + ui->opts->diag_warnings > 0) {
		snprintf(buf, sizeof buf, "%zu configuration error%s, %zu warning%s: drconsole lint lists them",
			 ui->opts->diag_errors, ui->opts->diag_errors == 1 ? "" : "s",
			 ui->opts->diag_warnings, ui->opts->diag_warnings == 1 ? "" : "s");
		ui_put(w, 0, 1, buf, cols - 2, ui_theme_attr(UI_dim));
	}
	wnoutrefresh(w);
}

static void
draw_footer(struct ui *ui)
{
	static const struct {
		const char *key, *what;
		bool runbook;
	} keys[] = {
		{ "F", "failover", true }, { "R", "restore", true }, { "B", "fail-back", true },
		{ "/", "filter", false }, { "Enter", "detail", false }, { "Tab", "panel", false },
		{ "r", "refresh", false }, { "?", "help", false }, { "q", "quit", false },
	};
	WINDOW *w = ui->win_footer;
	int cols = ui->lay.cols, x = 1, right_w;
	bool ro = ui->opts->mode == RUN_READ_ONLY;
	char right[64], age[32];

	werase(w);
	if (ui->view == UI_VIEW_RUN && ui->run != NULL) {
		ui_checklist_footer(ui, w);
		wnoutrefresh(w);
		return;
	}
	if (ui->last_post_ms > 0) {
		ui_format_age(ui->now_ms - ui->last_post_ms, age, sizeof age);
		snprintf(right, sizeof right, "refreshed %s ago ", age);
	} else {
		snprintf(right, sizeof right, "waiting for first results ");
	}
	right_w = ui_text_width(right);
	if (cols < UI_WIDE_COLS) {
		/* narrow: the three runbook keys share one entry */
		x += ui_put(w, 0, x, "F/R/B", cols, ui_theme_attr(ro ? UI_disabled : UI_key));
		x += 1;
		x += ui_put(w, 0, x, ro ? "read-only" : "runbooks", cols,
			    ui_theme_attr(ro ? UI_disabled : UI_normal));
		x += 2;
	}
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		bool off = ro && keys[i].runbook;
		const char *what = keys[i].what;
		int need;

		if (cols < UI_WIDE_COLS && (keys[i].runbook || strcmp(keys[i].key, "Enter") == 0 ||
					    strcmp(keys[i].key, "Tab") == 0))
			continue;
		need = ui_text_width(keys[i].key) + 1 + ui_text_width(what) + 2;
		if (off && i == 2)
			need += 12;
		if (x + need > cols - right_w)
			break;
		x += ui_put(w, 0, x, keys[i].key, cols, ui_theme_attr(off ? UI_disabled : UI_key));
		x += 1;
		x += ui_put(w, 0, x, what, cols, ui_theme_attr(off ? UI_disabled : UI_normal));
		if (off && i == 2)
			x += ui_put(w, 0, x, " (read-only)", cols, ui_theme_attr(UI_disabled));
		x += 2;
	}
	ui_put_right(w, 0, cols, right, ui_theme_attr(UI_dim));
	wnoutrefresh(w);
}

/* One observation, host or backup row in columns. */
static void
draw_item(struct ui *ui, WINDOW *w, int y, int width, const struct ui_row *r, bool selected,
	  bool focused, const struct site *site)
{
	const struct observation *o = r->obs;
	enum ui_shown shown;
	char status[32], value[48] = "", age[24], spark[64] = "";
	const char *subject, *state, *msg = "";
	/* the other panel's selection stays visible, quieter */
	int x = 1, base = ui_theme_attr(!selected ? UI_normal : focused ? UI_selection : UI_tab);
	int subj_w, state_w = 11, value_w = 9, spark_w = 0, rest;
	const struct site_backup *b = NULL;

	if (o != NULL) {
		shown = ui_shown_of(o, ui->now_ms, ui->interval_ms);
		subject = o->subject;
		state = o->state != NULL ? o->state : "";
		msg = o->message != NULL ? o->message : "";
		ui_format_value(o, value, sizeof value);
		if (o->status == OBS_PENDING)
			snprintf(age, sizeof age, "%s", ui->utf8 ? "—" : "-");
		else
			ui_format_age(ui->now_ms - o->observed_at_ms, age, sizeof age);
		if (o->status == OBS_PENDING)
			state = "pending";
		if (o->has_value && (strcmp(o->probe, PROBE_NAME_PG) == 0 || obs_field_is(o, OBS_F_RPO_KIND, OBS_RPO_KIND_REPLICA))) {
			double hist[32];
			size_t n = status_store_history(ui->store, o->key, hist, ARRAY_LEN(hist));

			if (n >= 2)
				ui_sparkline(hist, n, ui->utf8, spark, sizeof spark, 8);
		}
	} else if (r->host != NULL) {
		shown = UI_SHOWN_PENDING;
		subject = r->host->name;
		state = "pending";
		if (strcmp(r->host->address, r->host->name) != 0)
			snprintf(value, sizeof value, "%s", r->host->address);
		else
			snprintf(value, sizeof value, "ssh :%d", r->host->port);
		snprintf(age, sizeof age, "%s", ui->utf8 ? "—" : "-");
	} else {
		shown = UI_SHOWN_PENDING;
		subject = r->backup >= 0 ? backup_store_name(r->backup) : "?";
		state = "pending";
		snprintf(age, sizeof age, "%s", ui->utf8 ? "—" : "-");
		if (site != NULL && r->backup >= 0) {
			b = &site->backups[r->backup];
			if (!b->enabled) {
				shown = UI_SHOWN_DISABLED;
				state = "disabled";
				msg = b->off_reason != NULL ? b->off_reason : "";
			} else {
				snprintf(value, sizeof value, "%s", b->hourly ? "hourly" : "daily");
				msg = b->s3 ? "no backup probe result yet" : "local only (no S3 copy)";
			}
		}
	}
	if (r->host != NULL && o == NULL)
		msg = "reachability not probed yet";

	if (selected)
		ui_fill(w, y, 1, width, base);
	snprintf(status, sizeof status, "%s %s", ui_shown_symbol(shown, ui->utf8), ui_shown_word(shown));
	ui_put(w, y, x, status, 9, selected ? (int)(base | A_BOLD) : ui_theme_attr(ui_shown_elem(shown)));
	x += 10;
	rest = width - 10 - 7;
	subj_w = rest * 2 / 5 < 15 ? 15 : rest * 2 / 5 > 30 ? 30 : rest * 2 / 5;
	if (spark[0] != '\0' && rest - subj_w - state_w - value_w - 3 >= 12)
		spark_w = 8;
	ui_put(w, y, x, subject, subj_w, base);
	x += subj_w + 1;
	ui_put(w, y, x, state, ui_state_cells(state, state_w, value_w, value[0] == '\0'),
	       selected ? base : ui_theme_attr(ui_shown_elem(shown)));
	x += state_w + 1;
	ui_put(w, y, x, value, value_w, base);
	x += value_w + 1;
	if (spark_w > 0) {
		ui_put(w, y, x, spark, spark_w, selected ? base : ui_theme_attr(UI_sparkline));
		x += spark_w + 1;
	}
	if (x < width - 7)
		ui_put(w, y, x, msg, width - 7 - x, selected ? base : ui_theme_attr(UI_dim));
	/* the last 7 cells: the age, which tick.c also draws alone each second */
	ui_put_right(w, y, width, age, selected ? base : ui_theme_attr(shown == UI_SHOWN_STALE
		     ? UI_stale : UI_dim));
}

void
ui_panel_draw(struct ui *ui, int which, WINDOW *w, bool focused)
{
	struct ui_panel *p = &ui->panels[which];
	int h, wd, body;
	char title[160];
	const struct site *s = ui->sites[p->role];

	getmaxyx(w, h, wd);
	body = h - 2;
	werase(w);
	ui_border(w, ui->utf8, ui_theme_attr(focused ? UI_title : UI_border));
	snprintf(title, sizeof title, " %s %s ", p->role == SITE_PRIMARY ? "PRIMARY" : "SECONDARY",
		 s != NULL ? s->env_name : "?");
	ui_put(w, 0, 2, title, wd - 4, ui_theme_attr(UI_title));
	if (p->n == 0) {
		ui_put(w, 1, 2, ui->filter[0] != '\0' ? "nothing matches the filter" : "no data",
		       wd - 4, ui_theme_attr(UI_dim));
	}
	for (int i = 0; i < body && p->top + i < (int)p->n; i++) {
		const struct ui_row *r = &p->rows[p->top + i];
		int y = 1 + i;

		switch (r->kind) {
		case UI_ROW_SECTION:
			ui_put(w, y, 1, r->text[0] != '\0' ? r->text : ui_section_title(r->section),
			       wd - 2, ui_theme_attr(UI_section));
			break;
		case UI_ROW_GROUP:
			ui_put(w, y, 2, r->text, wd - 3, ui_theme_attr(UI_dim) | A_BOLD);
			break;
		case UI_ROW_ITEM:
			draw_item(ui, w, y, wd - 2, r, p->top + i == p->sel, focused, s);
			break;
		}
	}
	if (p->top > 0)
		ui_put(w, 0, wd - 10, ui->utf8 ? " ↑ more " : " ^ more ", 8, ui_theme_attr(UI_dim));
	if (p->top + body < (int)p->n)
		ui_put(w, h - 1, wd - 10, ui->utf8 ? " ↓ more " : " v more ", 8, ui_theme_attr(UI_dim));
	wnoutrefresh(w);
}

void
ui_too_small_draw(struct ui *ui)
{
	const char *msg = "terminal too small (need 80x24)";
	char now[64];
	int len = (int)strlen(msg), y = ui->lay.lines / 2, x = (ui->lay.cols - len) / 2;

	werase(stdscr);
	if (x < 0)
		x = 0;
	ui_put(stdscr, y, x, msg, ui->lay.cols - x, ui_theme_attr(UI_warn));
	snprintf(now, sizeof now, ui_run_active(ui) ? "now %dx%d; a run is active" : "now %dx%d; q quits",
		 ui->lay.cols, ui->lay.lines);
	x = (ui->lay.cols - (int)strlen(now)) / 2;
	if (y + 1 < ui->lay.lines)
		ui_put(stdscr, y + 1, x < 0 ? 0 : x, now, ui->lay.cols, ui_theme_attr(UI_dim));
	wnoutrefresh(stdscr);
}

void
ui_dashboard_draw(struct ui *ui)
{
	if (ui->dirty & UI_DIRTY_HEADER)
		draw_header(ui);
	if (ui->dirty & (UI_DIRTY_PANELS | UI_DIRTY_HEADER))
		draw_tabs(ui);
	if (ui->dirty & UI_DIRTY_PANELS) {
		if (ui->lay.kind == UI_LAYOUT_WIDE) {
			ui_panel_draw(ui, 0, ui->win_panel[0], ui->focus == 0);
			ui_panel_draw(ui, 1, ui->win_panel[1], ui->focus == 1);
		} else {
			ui_panel_draw(ui, ui->focus, ui->win_panel[0], true);
		}
	}
	if (ui->dirty & UI_DIRTY_FOOTER) {
		draw_message(ui);
		draw_footer(ui);
	}
}
