/*
 * drill_header.c: the drill cadence in the console header: each configured
 * runbook model's last completed drill, the due ones first, marked DUE in
 * the warning colour (and the word, for monochrome terminals). The history
 * is the one read at start until the journals are read again (every 15 s
 * and after a run ends, failover_view.c), so a drill that ends, here or in
 * another console, is no longer due.
 */
#include "ui_internal.h"

int
ui_draw_drill_cadence(const struct ui *ui, WINDOW *w, int y, int x, int width)
{
	const struct drill_history *h = ui_failover_drills(ui);
	char text[256];
	size_t due;
	int attr;

	if (width <= 0 || ui->opts->drill_models == 0 || ui->cfg->drill_every_ms <= 0)
		return 0;
	due = drill_cadence_text(h != NULL ? h : &ui->opts->drills, ui->opts->drill_models, ui->now_ms,
				 ui->cfg->drill_every_ms, text, sizeof text);
	attr = due > 0 ? (int)(ui_theme_attr_over_header(ui_shown_elem(UI_SHOWN_WARN)) | A_BOLD)
		       : ui_theme_attr(UI_header);
	return ui_put(w, y, x, text, width, attr);
}
