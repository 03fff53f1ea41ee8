/*
 * message.c: what every view shares to speak to the operator: the one-line
 * message above the footer (the next key clears it on the dashboard) and
 * the badge of each mode.
 */
#include "ui_internal.h"

#include <stdarg.h>
#include <stdio.h>

enum ui_elem
ui_mode_elem(enum run_mode m)
{
	switch (m) {
	case RUN_LIVE: return UI_badge_live;
	case RUN_DRILL: return UI_badge_drill;
	case RUN_DRY: return UI_badge_dryrun;
	case RUN_READ_ONLY: return UI_badge_readonly;
	}
	return UI_header;
}

void
ui_message(struct ui *ui, enum ui_elem elem, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof ui->message, fmt, ap);
	va_end(ap);
	ui->message_elem = elem;
	ui->dirty |= UI_DIRTY_FOOTER;
}
