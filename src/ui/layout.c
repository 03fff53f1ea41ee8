/*
 * layout.c: where each part of the dashboard goes for a terminal size.
 * Pure geometry (no curses), so it is unit-tested: 120 columns and more put
 * the two site panels side by side (the header on one line from 150); from 80x24 up to 119 columns they become
 * tabs under a two-line header; below 80x24 nothing but a message fits.
 */
#include "drconsole/ui/ui.h"

#include <string.h>

static struct ui_rect
rect(int y, int x, int h, int w)
{
	struct ui_rect r = { y, x, h, w };

	return r;
}

void
ui_layout_compute(struct ui_layout *l, int cols, int lines)
{
	memset(l, 0, sizeof *l);
	l->cols = cols;
	l->lines = lines;
	if (cols < UI_MIN_COLS || lines < UI_MIN_LINES) {
		l->kind = UI_LAYOUT_TOO_SMALL;
		return;
	}
	l->message = rect(lines - 2, 0, 1, cols);
	l->footer = rect(lines - 1, 0, 1, cols);
	if (cols >= UI_WIDE_COLS) {
		int left = cols / 2;

		int hh = cols >= UI_ONE_LINE_HEADER_COLS ? 1 : 2;

		l->kind = UI_LAYOUT_WIDE;
		l->header = rect(0, 0, hh, cols);
		l->tabs = rect(hh, 0, 0, cols);
		l->panel[0] = rect(hh, 0, lines - 2 - hh, left);
		l->panel[1] = rect(hh, left, lines - 2 - hh, cols - left);
	} else {
		l->kind = UI_LAYOUT_TABS;
		l->header = rect(0, 0, 2, cols);
		l->tabs = rect(2, 0, 1, cols);
		l->panel[0] = rect(3, 0, lines - 5, cols);
		l->panel[1] = l->panel[0];
	}
}
