/*
 * help.c: the help overlay (?): every key the console understands, the
 * status words and what STALE means. Any key closes it.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

#include "drconsole/duration.h"

struct help_key {
	const char *keys, *what;
};

/* On the dashboard. */
static const struct help_key help_keys[] = {
	{ "Up/Down  k/j", "move the selection" },
	{ "PgUp/PgDn", "move a page" },
	{ "g / G  Home/End", "first / last row" },
	{ "Tab  Left/Right  h/l", "switch between the primary and secondary panel" },
	{ "1 / 2", "primary / secondary panel" },
	{ "Enter", "detail of the selected host, database or backup" },
	{ "/", "filter hosts and rows (Enter keeps, Esc clears)" },
	{ "Esc", "clear the filter; close a view or dialog" },
	{ "r", "refresh every probe now" },
	{ "F", "failover runbook (the active run's checklist while one runs)" },
	{ "R", "restore-from-backups runbook" },
	{ "B", "fail-back runbook" },
	{ "mouse wheel", "scroll" },
	{ "?", "this help" },
	{ "q", "quit (asks first while a run is active)" },
};

/* In the checklist of a run. */
static const struct help_key run_keys[] = {
	{ "y / n", "answer a confirmation (Enter and Esc answer no)" },
	{ "text, Enter", "a typed confirmation: exactly the word it asks for" },
	{ "Up/Down  1-9, Enter", "pick an answer of a choice (Esc: its default)" },
	{ "Up/Down  k/j", "scroll the output" },
	{ "PgUp/PgDn", "scroll a page" },
	{ "g / G  Home/End", "oldest output / follow the end again" },
	{ "c", "cancel the running command (asks; killed on its host)" },
	{ "Esc  Tab  d", "back to the dashboard; the run goes on (F/R/B returns)" },
	{ "Tab (asked)", "look at the dashboard first; the question waits" },
	{ "mouse wheel", "scroll the output" },
	{ "?", "this help" },
	{ "q", "quit (asks first while the run is active)" },
};

void
ui_help_draw(struct ui *ui)
{
	bool in_run = ui->help_return == UI_VIEW_RUN && ui->run != NULL;
	const struct help_key *keys = in_run ? run_keys : help_keys;
	size_t n = in_run ? ARRAY_LEN(run_keys) : ARRAY_LEN(help_keys);
	int h = (int)n + 9, w = 74, y = 1;
	WINDOW *win = ui_overlay_window(ui, h, w);
	char line[160], iv[32];

	getmaxyx(win, h, w);
	ui_put(win, 0, 2, in_run ? " Keys in a run " : " Keys ", w - 4, ui_theme_attr(UI_title));
	for (size_t i = 0; i < n && y < h - 1; i++, y++) {
		ui_put(win, y, 2, keys[i].keys, 22, ui_theme_attr(UI_key));
		ui_put(win, y, 25, keys[i].what, w - 27, ui_theme_attr(UI_dialog));
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
	if (ui->opts->mode == UI_MODE_READ_ONLY && y < h - 1) {
		snprintf(line, sizeof line, "F/R/B are disabled: %s", ui->opts->read_only_reason);
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
