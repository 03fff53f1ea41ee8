/*
 * ui_internal.h: state shared by the console's views (src/ui only; the
 * public interface is include/drconsole/ui.h). Only the UI thread touches
 * any of this.
 */
#ifndef DRCONSOLE_UI_INTERNAL_H
#define DRCONSOLE_UI_INTERNAL_H

#include <curses.h>
#include <signal.h>

#include "drconsole/history.h"
#include "drconsole/run.h"
#include "drconsole/run_async.h"
#include "drconsole/ui.h"

enum ui_view {
	UI_VIEW_DASH,
	UI_VIEW_DETAIL,
	UI_VIEW_HELP,
	UI_VIEW_DIALOG,
	UI_VIEW_RUN,		/* the checklist of a run */
};

enum ui_dialog_kind {
	UI_DLG_NONE,
	UI_DLG_RUNBOOK,		/* F / R / B */
	UI_DLG_QUIT,		/* q while a run is active */
	UI_DLG_RESUME,		/* unfinished runs found at start */
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
	enum run_mode pick_mode;	/* the picker's mode for the next run */
	struct run_info *unfinished;	/* the resume dialog's runs */
	size_t n_unfinished;
	enum ui_view help_return;	/* the view ? was pressed in */
	enum ui_view dialog_return;	/* the view a dialog was opened from */

	/* checklist.c: the run started from the console (NULL none) */
	struct run_async *run;
	enum run_mode run_mode;
	unsigned long long run_gen;	/* run state generation last drawn */
	unsigned q_id;			/* question being shown, 0 none */
	long long q_shown_ms;		/* monotonic time it appeared */
	char q_input[128];		/* typed confirmation so far */
	int q_sel;			/* choice selected */
	int out_scroll;			/* output lines scrolled up from the end; 0 follows */
	bool cancel_asked;		/* 'c' pressed: y cancels the command */
	bool run_finished_seen;		/* the end of the run was handled */
	bool have_drill;		/* the header's last drill (from opts, then each finished drill) */
	double last_drill_rto_s;

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
/* Drop the overlay window and show view to, everything redrawn. */
void ui_overlay_close(struct ui *ui, enum ui_view to);
/* A centred overlay window of h x w (clamped to the screen). */
WINDOW *ui_overlay_window(struct ui *ui, int h, int w);
/* F / R / B: the picker, preselecting the first runbook of model (NULL any). */
void ui_runbook_picker(struct ui *ui, const char *title, const char *model);
/* At start: offer to resume unfinished runs (read from the state dir). */
void ui_resume_offer(struct ui *ui);

/* main.c: block the signals the UI thread handles (threads started now inherit it). */
void ui_block_signals(sigset_t *old);

/* checklist.c */
void ui_run_start(struct ui *ui, const char *runbook_path, enum run_mode mode,
		  const char *resume_journal);
/* Back to the run's checklist (F/R/B while one exists); the question guard re-armed. */
void ui_run_show(struct ui *ui);
/* The run's fd was readable: new state, maybe a question (shown at once). */
void ui_run_poll(struct ui *ui);
bool ui_run_active(const struct ui *ui);
/*
 * Quitting: the run gets safe answers, its command is cancelled; waits a
 * little. False when its thread is still busy: the process must exit
 * without freeing what the run uses. hangup (the terminal is gone): the
 * running command is not cancelled but finishes and is journaled first.
 */
bool ui_run_stop(struct ui *ui, bool hangup);
void ui_checklist_draw(struct ui *ui);
int ui_checklist_key(struct ui *ui, int ch);
void ui_checklist_footer(struct ui *ui, WINDOW *w);
enum ui_mode ui_run_mode_badge(enum run_mode m);

#endif
