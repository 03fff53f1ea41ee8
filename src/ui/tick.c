/*
 * tick.c: what a new second changes on the screen, and drawing only that.
 *
 * DESIGN: the console wakes at each second boundary because the header's
 * clock shows seconds; the rest of the screen shows time only through ages
 * ("42s", "6h12m"), the STALE state and the footer's "refreshed 2s ago".
 * ui_tick compares what each of those reads now with what it read when it
 * was last drawn (ui->panels_drawn_ms, ui->footer_drawn_ms) and marks only
 * what changed: the header (the clock), the footer when its age reads
 * differently, and for the panels either nothing (every visible age is a
 * minute or more old and within the same minute), UI_DIRTY_AGES (only age
 * cells: ui_ages_draw writes those cells and nothing else, so
 * wnoutrefresh and doupdate compare a few cells a row instead of whole
 * windows), or UI_DIRTY_PANELS (a row turned STALE: its status word and
 * colours change, the panel is drawn again). A model change (results, keys)
 * still marks what it changes itself. The RPO exposure grows with time too:
 * it is evaluated each second over the observations that are recovery
 * sources only (ui_rpo_sources), not over every host.
 */
#include "ui_internal.h"

#include <stdlib.h>
#include <string.h>

/* An item row's age: right-aligned in its last UI_AGE_CELLS cells (draw_item in dashboard.c). */
#define UI_AGE_CELLS 7

/* The age text of an item row at now_ms; false for rows that show none ("—"). */
static bool
row_age(const struct ui_row *r, long long now_ms, char *buf, size_t len)
{
	if (r->kind != UI_ROW_ITEM || r->obs == NULL || r->obs->status == OBS_PENDING)
		return false;
	ui_format_age(now_ms - r->obs->observed_at_ms, buf, len);
	return true;
}

bool
ui_age_changed(long long since_ms, long long then_ms, long long now_ms)
{
	char a[32], b[32];

	ui_format_age(then_ms - since_ms, a, sizeof a);
	ui_format_age(now_ms - since_ms, b, sizeof b);
	return strcmp(a, b) != 0;
}

enum ui_tick_change
ui_panel_tick(const struct ui_panel *p, int height, long long drawn_ms, long long now_ms,
	      long long interval_ms)
{
	enum ui_tick_change change = UI_TICK_NONE;

	for (int i = 0; i < height && p->top + i < (int)p->n; i++) {
		const struct ui_row *r = &p->rows[p->top + i];
		char then[32], now[32];

		if (!row_age(r, now_ms, now, sizeof now))
			continue;
		if (ui_shown_of(r->obs, drawn_ms, interval_ms) != ui_shown_of(r->obs, now_ms, interval_ms))
			return UI_TICK_ROWS;
		row_age(r, drawn_ms, then, sizeof then);
		if (strcmp(then, now) != 0)
			change = UI_TICK_AGES;
	}
	return change;
}

void
ui_tick(struct ui *ui)
{
	enum ui_tick_change worst = UI_TICK_NONE;

	ui->now_ms = time_wall_ms();
	ui->dirty |= UI_DIRTY_HEADER;	/* the clock */
	if (ui->view == UI_VIEW_DETAIL || ui->view == UI_VIEW_RUN) {
		/* ages and elapsed times of their own, over the panels */
		ui->dirty |= UI_DIRTY_OVERLAY | UI_DIRTY_FOOTER;
		return;
	}
	if (ui->last_post_ms > 0 && ui_age_changed(ui->last_post_ms, ui->footer_drawn_ms, ui->now_ms))
		ui->dirty |= UI_DIRTY_FOOTER;
	for (int i = 0; i < 2; i++) {
		enum ui_tick_change c = ui_panel_tick(&ui->panels[i], ui_panel_body_height(ui),
						      ui->panels_drawn_ms, ui->now_ms, ui->interval_ms);

		if (c > worst)
			worst = c;
	}
	if (worst == UI_TICK_ROWS)
		ui->dirty |= UI_DIRTY_PANELS;
	else if (worst == UI_TICK_AGES)
		ui->dirty |= UI_DIRTY_AGES;
}

/* The age cells of the visible item rows of one panel, as draw_item draws them. */
static void
panel_ages(struct ui *ui, int which, WINDOW *w, bool focused)
{
	struct ui_panel *p = &ui->panels[which];
	int h, wd, width;

	if (w == NULL)
		return;
	getmaxyx(w, h, wd);
	(void)h;
	width = wd - 2;		/* as ui_panel_draw passes it to draw_item */
	for (int i = 0; i < ui_panel_body_height(ui) && p->top + i < (int)p->n; i++) {
		const struct ui_row *r = &p->rows[p->top + i];
		bool selected = p->top + i == p->sel;
		int base = ui_theme_attr(!selected ? UI_normal : focused ? UI_selection : UI_tab);
		enum ui_shown shown;
		char age[32];

		if (!row_age(r, ui->now_ms, age, sizeof age))
			continue;
		shown = ui_shown_of(r->obs, ui->now_ms, ui->interval_ms);
		ui_fill(w, 1 + i, width - UI_AGE_CELLS, UI_AGE_CELLS, base);
		ui_put_right(w, 1 + i, width, age,
			     selected ? base : ui_theme_attr(shown == UI_SHOWN_STALE ? UI_stale : UI_dim));
	}
	wnoutrefresh(w);
}

void
ui_ages_draw(struct ui *ui)
{
	if (ui->lay.kind == UI_LAYOUT_WIDE) {
		panel_ages(ui, 0, ui->win_panel[0], ui->focus == 0);
		panel_ages(ui, 1, ui->win_panel[1], ui->focus == 1);
	} else {
		panel_ages(ui, ui->focus, ui->win_panel[0], true);
	}
}

void
ui_rpo_sources(struct ui *ui)
{
	size_t n = 0;

	free(ui->rpo_sources.items);
	memset(&ui->rpo_sources, 0, sizeof ui->rpo_sources);
	if (ui->snap == NULL)
		return;
	ui->rpo_sources.items = xcalloc(ui->snap->n + 1, sizeof *ui->rpo_sources.items);
	for (size_t i = 0; i < ui->snap->n; i++)
		if (obs_field(ui->snap->items[i], "rpo_store") != NULL)
			ui->rpo_sources.items[n++] = ui->snap->items[i];
	ui->rpo_sources.n = n;
	ui->rpo_sources.generation = ui->snap->generation;
}
