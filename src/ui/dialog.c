/*
 * dialog.c: small dialogs. The runbook picker (F, R, B) lists the
 * configured runbooks; the checklist view is not in the console yet, so it
 * says so and points to line mode. The quit confirmation is asked only while
 * a run is active (the run_active hook).
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

WINDOW *
ui_overlay_window(struct ui *ui, int h, int w)
{
	int y0 = ui->lay.header.h, avail = ui->lay.message.y - y0;

	if (h > avail)
		h = avail;
	if (w > ui->lay.cols - 2)
		w = ui->lay.cols - 2;
	if (ui->win_overlay != NULL)
		delwin(ui->win_overlay);
	ui->win_overlay = newwin(h, w, y0 + (avail - h) / 2, (ui->lay.cols - w) / 2);
	wbkgd(ui->win_overlay, (chtype)ui_theme_attr(UI_dialog));
	werase(ui->win_overlay);
	ui_border(ui->win_overlay, ui->utf8, ui_theme_attr(UI_title));
	return ui->win_overlay;
}

void
ui_dialog_open(struct ui *ui, enum ui_dialog_kind kind, const char *title)
{
	ui->dialog = kind;
	ui->dialog_sel = 0;
	snprintf(ui->dialog_title, sizeof ui->dialog_title, "%s", title);
	ui->view = UI_VIEW_DIALOG;
	ui->dirty |= UI_DIRTY_OVERLAY;
}

static void
close_dialog(struct ui *ui)
{
	ui->dialog = UI_DLG_NONE;
	ui->view = UI_VIEW_DASH;
	ui->dirty |= UI_DIRTY_ALL & ~UI_DIRTY_LAYOUT;
	if (ui->win_overlay != NULL) {
		delwin(ui->win_overlay);
		ui->win_overlay = NULL;
	}
	touchwin(stdscr);
}

void
ui_dialog_draw(struct ui *ui)
{
	const struct ui_options *o = ui->opts;
	WINDOW *win;
	int h, w, y = 2;
	char t[96];

	if (ui->dialog == UI_DLG_QUIT) {
		win = ui_overlay_window(ui, 5, 50);
		getmaxyx(win, h, w);
		ui_put(win, 0, 2, " Quit ", w - 4, ui_theme_attr(UI_title));
		ui_put(win, 2, 2, "A run is active. Quit anyway? (y/N)", w - 4, ui_theme_attr(UI_warn));
		wnoutrefresh(win);
		return;
	}
	win = ui_overlay_window(ui, (int)o->n_runbooks + 10, 76);
	getmaxyx(win, h, w);
	snprintf(t, sizeof t, " %s: choose a runbook ", ui->dialog_title);
	ui_put(win, 0, 2, t, w - 4, ui_theme_attr(UI_title));
	if (o->n_runbooks == 0)
		ui_put(win, y++, 2, "No runbooks configured (runbooks: in drconsole.yml).", w - 4,
		       ui_theme_attr(UI_dim));
	for (size_t i = 0; i < o->n_runbooks && y < h - 5; i++, y++) {
		int attr = ui_theme_attr((int)i == ui->dialog_sel ? UI_selection : UI_dialog);

		ui_fill(win, y, 1, w - 2, attr);
		ui_put(win, y, 2, o->runbook_names[i], w - 4, attr);
	}
	y++;
	ui_put(win, y++, 2, "The checklist view is not available in the console yet.", w - 4,
	       ui_theme_attr(UI_message));
	ui_put(win, y++, 2, "Run runbooks in line mode: see drconsole --help and drconsole(1).", w - 4,
	       ui_theme_attr(UI_dialog));
	ui_put_right(win, h - 1, w - 2, " Esc closes ", ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

int
ui_dialog_key(struct ui *ui, int ch)
{
	if (ui->dialog == UI_DLG_QUIT) {
		if (ch == 'y' || ch == 'Y')
			ui->quit = true;
		close_dialog(ui);
		return UI_KEY_HANDLED;
	}
	switch (ch) {
	case 'j': case KEY_DOWN:
		if (ui->dialog_sel + 1 < (int)ui->opts->n_runbooks)
			ui->dialog_sel++;
		ui->dirty |= UI_DIRTY_OVERLAY;
		return UI_KEY_HANDLED;
	case 'k': case KEY_UP:
		if (ui->dialog_sel > 0)
			ui->dialog_sel--;
		ui->dirty |= UI_DIRTY_OVERLAY;
		return UI_KEY_HANDLED;
	case '\n': case '\r': case KEY_ENTER:
		ui_message(ui, UI_message, "the checklist view is not available in the console yet: "
			   "run runbooks in line mode (drconsole --help)");
		close_dialog(ui);
		return UI_KEY_HANDLED;
	case 27: case 'q':
		close_dialog(ui);
		return UI_KEY_HANDLED;
	default:
		return UI_KEY_IGNORED;
	}
}
