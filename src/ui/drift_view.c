/*
 * drift_view.c: the drift view (D) and the drift count in the header.
 * drift is computed once from the env dirs the console was started with
 * (no network: it is a comparison of files) and shown as the CLI orders it:
 * suspicious findings first with their why, then the capacity table, the
 * accepted and the expected differences.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

void
ui_drift_load(struct ui *ui)
{
	memset(&ui->drift, 0, sizeof ui->drift);
	ui->have_drift = ui->sites[SITE_PRIMARY] != NULL && ui->sites[SITE_SECONDARY] != NULL;
	if (!ui->have_drift)
		return;
	drift_compare(ui->sites[SITE_PRIMARY], ui->sites[SITE_SECONDARY], &ui->drift);
	drift_accept(&ui->drift, ui->cfg);
}

void
ui_drift_free(struct ui *ui)
{
	if (ui->have_drift)
		drift_free(&ui->drift);
	ui->have_drift = false;
}

int
ui_drift_header(struct ui *ui, WINDOW *w, int y, int x, int cols, int hattr)
{
	char text[64];
	size_t n = ui->drift.suspicious;

	if (!ui->have_drift || x + 4 >= cols)
		return 0;
	snprintf(text, sizeof text, "   drift %s %zu suspicious", n > 0 ? "!" : "=", n);
	return ui_put(w, y, x, text, cols - x,
		      n > 0 ? (int)((unsigned)ui_theme_attr_over_header(UI_warn) | A_BOLD) : hattr);
}

void
ui_drift_open(struct ui *ui)
{
	ui->drift_top = 0;
	ui->view = UI_VIEW_DRIFT;
	ui->dirty |= UI_DIRTY_OVERLAY;
}

/* Line i of the view (or false past the end), with its attribute. */
static bool
drift_line(const struct ui *ui, int i, char *buf, size_t len, int *attr)
{
	const struct drift *d = &ui->drift;
	static const char *const titles[] = { "SUSPICIOUS", "Capacity (primary vs secondary)",
					      "Accepted (drift_ignore)", "Expected" };

	for (int sec = 0; sec < 4; sec++) {
		if (i-- == 0) {
			snprintf(buf, len, "%s", titles[sec]);
			*attr = ui_theme_attr(UI_title);
			return true;
		}
		for (size_t k = 0; k < d->n; k++) {
			const struct drift_item *it = &d->items[k];
			bool in = sec == 0 ? drift_item_suspicious(it) : sec == 1 ? it->kind == DRIFT_CAPACITY &&
				  !it->accepted : sec == 2 ? it->accepted : it->kind == DRIFT_EXPECTED && !it->accepted;

			if (!in)
				continue;
			if (sec == 1) {
				if (i-- == 0) {
					snprintf(buf, len, "  %-18s %-44s %10s  %s", it->file, it->path,
						 it->primary != NULL ? it->primary : "-",
						 it->secondary != NULL ? it->secondary : "-");
					*attr = ui_theme_attr(UI_dialog);
					return true;
				}
				continue;
			}
			if (i-- == 0) {
				snprintf(buf, len, "  %-9s %s: %s%s%s", drift_kind_name(it->kind), it->file, it->path,
					 it->other_path != NULL ? " / " : "",
					 it->other_path != NULL ? it->other_path : "");
				*attr = ui_theme_attr(sec == 0 ? UI_warn : UI_dialog);
				return true;
			}
			if (i-- == 0) {
				snprintf(buf, len, "            %s", it->accepted ? it->accepted_reason : it->why);
				*attr = ui_theme_attr(UI_dim);
				return true;
			}
			if (i-- == 0) {
				char pl[16] = "", sl[16] = "";

				if (it->primary_line > 0)
					snprintf(pl, sizeof pl, ":%u", it->primary_line);
				if (it->secondary_line > 0)
					snprintf(sl, sizeof sl, ":%u", it->secondary_line);
				snprintf(buf, len, "            primary%s %s  |  secondary%s %s", pl,
					 it->primary != NULL ? it->primary : "(absent)", sl,
					 it->secondary != NULL ? it->secondary : "(absent)");
				*attr = ui_theme_attr(UI_dim);
				return true;
			}
		}
		if (i-- == 0) {
			buf[0] = '\0';
			*attr = ui_theme_attr(UI_dialog);
			return true;
		}
	}
	return false;
}

static int
drift_lines(const struct ui *ui)
{
	char buf[8];
	int n = 0, attr;

	while (drift_line(ui, n, buf, sizeof buf, &attr))
		n++;
	return n;
}

void
ui_drift_draw(struct ui *ui)
{
	WINDOW *win = ui_overlay_window(ui, ui->lay.lines, ui->lay.cols - 2);
	int h, w, total = drift_lines(ui);
	char title[160], line[512];

	getmaxyx(win, h, w);
	if (ui->drift_top > total - (h - 2))
		ui->drift_top = total - (h - 2);
	if (ui->drift_top < 0)
		ui->drift_top = 0;
	snprintf(title, sizeof title, " Drift %s %s %s: %zu suspicious, %zu accepted, %zu capacity, %zu expected ",
		 ui->sites[0] != NULL ? ui->sites[0]->env_name : "?", ui->utf8 ? "→" : "->",
		 ui->sites[1] != NULL ? ui->sites[1]->env_name : "?", ui->drift.suspicious,
		 ui->drift.accepted, ui->drift.by_kind[DRIFT_CAPACITY], ui->drift.by_kind[DRIFT_EXPECTED]);
	ui_put(win, 0, 2, title, w - 4, ui_theme_attr(UI_title));
	for (int y = 1; y < h - 1; y++) {
		int attr;

		if (!drift_line(ui, ui->drift_top + y - 1, line, sizeof line, &attr))
			break;
		ui_put(win, y, 2, line, w - 4, attr);
	}
	ui_put_right(win, h - 1, w - 2, " j/k PgUp/PgDn scroll  Esc/D closes  drconsole drift --explain KEY ",
		     ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

int
ui_drift_key(struct ui *ui, int ch)
{
	int page = ui->lay.lines > 6 ? ui->lay.lines - 6 : 1;

	switch (ch) {
	case 'j': case KEY_DOWN:
		ui->drift_top++;
		break;
	case 'k': case KEY_UP:
		ui->drift_top--;
		break;
	case KEY_NPAGE: case ' ':
		ui->drift_top += page;
		break;
	case KEY_PPAGE:
		ui->drift_top -= page;
		break;
	case 'g': case KEY_HOME:
		ui->drift_top = 0;
		break;
	case 'G': case KEY_END:
		ui->drift_top = 1 << 20;
		break;
	case '?':
		ui->view = UI_VIEW_HELP;
		ui->help_return = UI_VIEW_DASH;
		break;
	default:
		ui_overlay_close(ui, UI_VIEW_DASH);
		return UI_KEY_HANDLED;
	}
	ui->dirty |= UI_DIRTY_OVERLAY;
	return UI_KEY_HANDLED;
}
