/*
 * ui_internal.h: state shared by the console's views (src/ui only; the
 * public interface is include/drconsole/ui.h). Only the UI thread touches
 * any of this.
 */
#ifndef DRCONSOLE_UI_INTERNAL_H
#define DRCONSOLE_UI_INTERNAL_H

#include <curses.h>

#include "drconsole/ui.h"

enum ui_view {
	UI_VIEW_DASH,
	UI_VIEW_DETAIL,
	UI_VIEW_HELP,
	UI_VIEW_DIALOG,
};

enum ui_dialog_kind {
	UI_DLG_NONE,
	UI_DLG_RUNBOOK,		/* F / R / B */
	UI_DLG_QUIT,		/* q while a run is active */
};

/* What needs drawing before the next doupdate. */
enum {
	UI_DIRTY_HEADER = 1 << 0,
	UI_DIRTY_PANELS = 1 << 1,
	UI_DIRTY_FOOTER = 1 << 2,	/* footer and message line */
	UI_DIRTY_OVERLAY = 1 << 3,
	UI_DIRTY_LAYOUT = 1 << 4,	/* windows must be recreated */
	UI_DIRTY_ALL = 0x1f,
};

/* What a key handler did. */
enum {
	UI_KEY_IGNORED = 0,
	UI_KEY_HANDLED = 1,
};

struct ui {
	struct app *app;
	const struct ui_options *opts;
	struct status_store *store;
	struct scheduler *sched;
	struct probe_env *penv;	/* SSH pools shared by the probes */
	struct status_snapshot *snap;
	struct rpo_result rpo;
	bool rpo_pending;		/* no recovery source reported yet */
	long long now_ms;		/* wall clock of this frame */
	long long last_post_ms;		/* when the store last changed (0 never) */
	long long interval_ms;
	bool utf8;
	bool color;

	struct ui_layout lay;
	WINDOW *win_header, *win_tabs, *win_panel[2], *win_msg, *win_footer, *win_overlay;
	struct ui_panel panels[2];
	int focus;			/* panel with the keyboard (the shown tab) */

	char filter[64];
	bool filter_edit;		/* typing after '/' */

	enum ui_view view;
	struct ui_row detail;		/* the row opened with Enter */
	enum site_role detail_site;
	int detail_top;
	int detail_lines;		/* lines the detail view produced */

	enum ui_dialog_kind dialog;
	char dialog_title[64];
	int dialog_sel;

	char message[256];
	enum ui_elem message_elem;
	unsigned dirty;
	bool quit;
	bool first_frame_done;
};

/* draw.c */
/* Draw s (sanitised, one line) at y,x clipped to width cells; returns cells used. */
int ui_put(WINDOW *w, int y, int x, const char *s, int width, int attr);
/* Right-align s so it ends at column x_end (exclusive). */
int ui_put_right(WINDOW *w, int y, int x_end, const char *s, int attr);
void ui_fill(WINDOW *w, int y, int x, int width, int attr);
void ui_border(WINDOW *w, bool utf8, int attr);
/* Display width of a string as ui_put would draw it. */
int ui_text_width(const char *s);

/* dashboard.c */
void ui_dashboard_draw(struct ui *ui);
void ui_too_small_draw(struct ui *ui);
const char *ui_mode_word(enum ui_mode m);
void ui_message(struct ui *ui, enum ui_elem elem, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* site_panel drawing (dashboard.c) */
void ui_panel_draw(struct ui *ui, int which, WINDOW *w, bool focused);
int ui_panel_body_height(const struct ui *ui);

/* detail.c */
void ui_detail_open(struct ui *ui);
void ui_detail_draw(struct ui *ui);
int ui_detail_key(struct ui *ui, int ch);

/* help.c */
void ui_help_draw(struct ui *ui);
int ui_help_key(struct ui *ui, int ch);

/* dialog.c */
void ui_dialog_open(struct ui *ui, enum ui_dialog_kind kind, const char *title);
void ui_dialog_draw(struct ui *ui);
int ui_dialog_key(struct ui *ui, int ch);
/* A centred overlay window of h x w (clamped to the screen). */
WINDOW *ui_overlay_window(struct ui *ui, int h, int w);

#endif
