/*
 * rows.c: the rows of both site panels, rebuilt from the latest snapshot,
 * the site models and the filter, each panel's selection kept visible.
 * Called when a snapshot is taken and when the filter changes.
 */
#include "ui_internal.h"

int
ui_panel_body_height(const struct ui *ui)
{
	return ui->lay.panel[0].h - 2;
}

void
ui_rows_rebuild(struct ui *ui)
{
	for (int i = 0; i < 2; i++)
		ui_panel_build(&ui->panels[i], ui->snap, ui->sites[ui->panels[i].role], ui->filter);
	for (int i = 0; i < 2; i++)
		ui_panel_move(&ui->panels[i], 0, ui_panel_body_height(ui));
	ui->dirty |= UI_DIRTY_PANELS | UI_DIRTY_HEADER;
}
