/*
 * help.c: the help overlay (?): every key of the view it was opened from,
 * from the key tables that also dispatch them (keys.c), the status words
 * and what STALE means. Any key closes it.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

#include "drconsole/util/duration.h"

static size_t
rows_of(const struct ui_key *table)
{
	size_t n = 0;

	while (table[n].label != NULL)
		n++;
	return n;
}

void
ui_help_draw(struct ui *ui)
{
	bool in_run = ui->help_return == UI_VIEW_RUN && ui->run != NULL;
	const struct ui_key *keys = in_run ? ui_run_keys : ui_dash_keys;
	size_t n = rows_of(keys);
	int h = (int)n + 9, w = 74, y = 1;
	WINDOW *win = ui_overlay_window(ui, h, w);
	char line[160], iv[32], why[256] = "", refused[64] = "";

	getmaxyx(win, h, w);
	ui_put(win, 0, 2, in_run ? " Keys in a run " : " Keys ", w - 4, ui_theme_attr(UI_title));
	/* on a short terminal the keys give way first: the states and what
	 * STALE means stay (a blank line, the states, the STALE line below) */
	size_t room = h - 1 - 1 - 3 > 0 ? (size_t)(h - 1 - 1 - 3) : 0;
	size_t shown = n <= room ? n : room > 0 ? room - 1 : 0;

	for (size_t i = 0; i < shown && y < h - 1; i++, y++) {
		ui_put(win, y, 2, keys[i].label, 22, ui_theme_attr(UI_key));
		ui_put(win, y, 25, keys[i].help, w - 27, ui_theme_attr(UI_dialog));
	}
	if (shown < n && y < h - 1) {
		snprintf(line, sizeof line, "... %zu more keys: a taller terminal shows them all", n - shown);
		ui_put(win, y++, 2, line, w - 4, ui_theme_attr(UI_dim));
	}
	y++;
	if (y < h - 1) {
		int x = 2;

		for (int s = UI_SHOWN_PENDING; s <= UI_SHOWN_DISABLED; s++) {
			snprintf(line, sizeof line, "%s %s", ui_shown_symbol(s, ui->utf8), ui_shown_word(s));
			x += ui_put(win, y, x, line, w - 2 - x, ui_theme_attr(ui_shown_elem(s))) + 2;
		}
		y++;
	}
	duration_format(3 * ui->interval_ms, iv, sizeof iv);
	snprintf(line, sizeof line, "Values show their age; STALE: older than 3 refresh intervals (%s).", iv);
	if (y < h - 1)
		ui_put(win, y++, 2, line, w - 4, ui_theme_attr(UI_dim));
	/* the dashboard's keys refused now, and why: "F/R/B are disabled (read-only: ...)" */
	for (const struct ui_key *k = ui_dash_keys; k->label != NULL; k++)
		if (k->unavailable != NULL && k->unavailable(ui, why, sizeof why))
			snprintf(refused + strlen(refused), sizeof refused - strlen(refused), "%s%s",
				 refused[0] != '\0' ? "/" : "", k->label);
	if (refused[0] != '\0' && y < h - 1) {
		snprintf(line, sizeof line, "%s are disabled (%s)", refused, why);
		ui_put(win, y++, 2, line, w - 4, ui_theme_attr(UI_disabled));
	}
	ui_put_right(win, h - 1, w - 2, " any key closes ", ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

int
ui_help_key(struct ui *ui, int ch)
{
	(void)ch;
	ui_overlay_close(ui, ui->help_return == UI_VIEW_RUN && ui->run != NULL ? UI_VIEW_RUN : UI_VIEW_DASH);
	return UI_KEY_HANDLED;
}
