/*
 * overlay.c: the one overlay window that help, detail, dialogs and the
 * checklist draw in, centred between the header and the message line;
 * closing it shows a view again with everything redrawn.
 */
#include "ui_internal.h"

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
ui_overlay_close(struct ui *ui, enum ui_view to)
{
	ui->view = to;
	ui->dirty |= UI_DIRTY_ALL & ~UI_DIRTY_LAYOUT;
	if (ui->win_overlay != NULL) {
		delwin(ui->win_overlay);
		ui->win_overlay = NULL;
	}
	touchwin(stdscr);
}
