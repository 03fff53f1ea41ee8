/*
 * ui_internal.h: state shared by the console's views (src/ui only; the
 * public interface is include/drconsole/ui/ui.h). Only the UI thread touches
 * any of this.
 */
#ifndef DRCONSOLE_UI_INTERNAL_H
#define DRCONSOLE_UI_INTERNAL_H

#include <curses.h>
#include <signal.h>

#include "drconsole/config/drift.h"
#include "drconsole/runbook/history.h"
#include "drconsole/runbook/run.h"
#include "drconsole/runbook/run_async.h"
#include "drconsole/ui/ui.h"

enum ui_view {
	UI_VIEW_DASH,
	UI_VIEW_DETAIL,
	UI_VIEW_HELP,
	UI_VIEW_DIALOG,
	UI_VIEW_RUN,		/* the checklist of a run */
	UI_VIEW_DRIFT,		/* drift_view.c (D) */
	UI_VIEW_WATCH,		/* another operator's run, read-only (watch_view.c) */
	UI_VIEW_APPROVE,	/* a second operator's approval (approve_view.c) */
};

enum ui_dialog_kind {
	UI_DLG_NONE,
	UI_DLG_RUNBOOK,		/* F / R / B */
	UI_DLG_QUIT,		/* q while a run is active */
	UI_DLG_RESUME,		/* unfinished runs found at start */
	UI_DLG_COMMIT,		/* C: commit the open failover (failover_view.c) */
	UI_DLG_ROLLBACK,	/* U: roll it back */
};

/* What needs drawing before the next doupdate. */
enum {
	UI_DIRTY_HEADER = 1 << 0,
	UI_DIRTY_PANELS = 1 << 1,
	UI_DIRTY_FOOTER = 1 << 2,	/* footer and message line */
	UI_DIRTY_OVERLAY = 1 << 3,
	UI_DIRTY_LAYOUT = 1 << 4,	/* windows must be recreated */
	UI_DIRTY_ALL = 0x1f,
	UI_DIRTY_AGES = 1 << 5,		/* only the panels' age cells (tick.c) */
};

/* What a key handler did. */
enum {
	UI_KEY_IGNORED = 0,
	UI_KEY_HANDLED = 1,
};

struct ui {
	const struct config *cfg;	/* opts->cfg */
	struct site *const *sites;	/* opts->sites, by enum site_role */
	const struct ui_options *opts;
	struct status_store *store;
	struct scheduler *sched;
	struct probe_env *penv;	/* SSH pools shared by the probes */
	struct status_snapshot *snap;
	struct rpo_result rpo;		/* the headline scenario */
	struct rpo_result rpo_other;	/* the other one, on an AWS pair (rpo_two) */
	enum rpo_scenario rpo_headline;
	bool rpo_two;			/* an AWS pair: region and instance loss differ */
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

	struct ui_watch *watch;		/* watch_view.c: the run watched (NULL none) */
	struct ui_approve *approve;	/* approve_view.c: the request this user may approve */
	struct ui_failover *failover;	/* failover_view.c: the open failover, a commit in flight */

	/* run_control.c, checklist.c: the run started from the console (NULL none) */
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
	const char *verify_text;	/* the header's backup verification (opts), or NULL */
	double last_drill_rto_s;

	struct drift drift;		/* drift_view.c: computed once at start */
	bool have_drift;
	int drift_top;

	char message[256];
	enum ui_elem message_elem;
	unsigned dirty;
	long long panels_drawn_ms;	/* now_ms when the panels (or their ages) were last drawn */
	long long footer_drawn_ms;	/* ... the footer */
	struct status_snapshot rpo_sources;	/* the snapshot's recovery sources, borrowed */
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
/* A step state as the run views show it: upper case where it wants attention. */
const char *ui_step_word(enum step_state s);
/* Display width of a string as ui_put would draw it. */
int ui_text_width(const char *s);
/* drill_header.c: the drill cadence (drills.h) at y, x within width; returns the columns used. */
int ui_draw_drill_cadence(const struct ui *ui, WINDOW *w, int y, int x, int width);

/* message.c: the message line (any view), the theme element of a mode's badge */
enum ui_elem ui_mode_elem(enum run_mode m);
void ui_message(struct ui *ui, enum ui_elem elem, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* overlay.c */
/* Drop the overlay window and show view to, everything redrawn. */
void ui_overlay_close(struct ui *ui, enum ui_view to);
/* A centred overlay window of h x w (clamped to the screen). */
WINDOW *ui_overlay_window(struct ui *ui, int h, int w);

/* dashboard.c */
void ui_dashboard_draw(struct ui *ui);
void ui_too_small_draw(struct ui *ui);
/* site_panel drawing (dashboard.c) */
void ui_panel_draw(struct ui *ui, int which, WINDOW *w, bool focused);

/* tick.c */
/* A new second: mark what now reads differently (the clock always). */
void ui_tick(struct ui *ui);
/* Draw the panels' age cells only (UI_DIRTY_AGES without UI_DIRTY_PANELS). */
void ui_ages_draw(struct ui *ui);
/* ui->rpo_sources from ui->snap: the observations rpo_evaluate reads. */
void ui_rpo_sources(struct ui *ui);

/* detail.c */
void ui_detail_open(struct ui *ui);
void ui_detail_draw(struct ui *ui);
int ui_detail_key(struct ui *ui, int ch);

/* drift_view.c */
void ui_drift_load(struct ui *ui);
void ui_drift_free(struct ui *ui);
/* "drift ! 3 suspicious" at y,x of the header; returns cells used. */
int ui_drift_header(struct ui *ui, WINDOW *w, int y, int x, int cols, int hattr);
void ui_drift_open(struct ui *ui);
void ui_drift_draw(struct ui *ui);
int ui_drift_key(struct ui *ui, int ch);

/* help.c: the help overlay, listing the key tables */
void ui_help_draw(struct ui *ui);
int ui_help_key(struct ui *ui, int ch);

/* keys.c: the key tables that drive both dispatch and help */
#define UI_KEY_CODES 8

struct ui_key {
	int codes[UI_KEY_CODES];	/* the keys (0 ends the list); none: documented only */
	const char *label;		/* help's left column: "Up/Down  k/j" */
	const char *name;		/* the action in messages ("Failover refused"), NULL: label */
	const char *help;
	/* Act on ch (one of codes); NULL: a key taken by a modal part of the view. */
	void (*run)(struct ui *ui, const struct ui_key *k, int ch);
	/* Why the key is refused now (into why), or false when it is available; NULL: always. */
	bool (*unavailable)(const struct ui *ui, char *why, size_t len);
	const char *arg;		/* for run: the runbook model of F / R / B */
};

/* The dashboard's keys and the checklist's; each ends with a row whose label is NULL. */
extern const struct ui_key ui_dash_keys[];
extern const struct ui_key ui_run_keys[];
/* The row of table that acts on ch, or NULL. */
const struct ui_key *ui_key_find(const struct ui_key *table, int ch);
/* Run ch's row of table (or say why it is refused): UI_KEY_HANDLED, else UI_KEY_IGNORED. */
int ui_key_dispatch(struct ui *ui, const struct ui_key *table, int ch);
/* Open the help overlay over the current view (the dashboard or a run). */
void ui_help_open(struct ui *ui);

/* rows.c: the rows of both panels from the snapshot and the filter (selection kept). */
void ui_rows_rebuild(struct ui *ui);
/* Rows a site panel shows between its borders. */
int ui_panel_body_height(const struct ui *ui);

/* dialog.c */
void ui_dialog_open(struct ui *ui, enum ui_dialog_kind kind, const char *title);
void ui_dialog_draw(struct ui *ui);
int ui_dialog_key(struct ui *ui, int ch);
/* F / R / B: the picker, preselecting the first runbook of model (NULL any). */
void ui_runbook_picker(struct ui *ui, const char *title, const char *model);
/* At start: offer to resume unfinished runs (read from the state dir). */
void ui_resume_offer(struct ui *ui);

/* run_control.c: the console's run */
/* Block the signals the UI thread handles (threads started now inherit it). */
void ui_block_signals(sigset_t *old);

/*
 * failover_view.c: the header's "failed over N min ago, uncommitted", the
 * C (commit) and U (roll back) keys and their typed confirmations. The
 * state is re-read from the journals at start, when a run ends, after a
 * commit and every 15 s (on a reader thread, with the drill history the
 * header's cadence shows); a commit takes the run lock over SSH, so it runs
 * on a worker thread and its outcome shows on the message line.
 */
void ui_failover_load(struct ui *ui);
void ui_failover_tick(struct ui *ui);
void ui_failover_free(struct ui *ui);
/* The header segment at y, x within width; returns the columns used (0: nothing open). */
int ui_draw_failover(const struct ui *ui, WINDOW *w, int y, int x, int width);
/* What runs left undone (undone.h) in the header, in the warning colour; the width drawn. */
int ui_draw_undone(const struct ui *ui, WINDOW *w, int y, int x, int width);
/* The drill history as last read again from the journals, or NULL before the first re-read. */
const struct drill_history *ui_failover_drills(const struct ui *ui);
/* The header's "restore verified 3d ago" as last read, or NULL (no verify-backup runbook). */
const char *ui_verify_text(const struct ui *ui);
/* C and U on the dashboard: the typed confirmation, or why not now on the message line. */
void ui_failover_commit_key(struct ui *ui);
void ui_failover_rollback_key(struct ui *ui);
void ui_failover_dialog_draw(struct ui *ui);
int ui_failover_dialog_key(struct ui *ui, int ch);
/* run_control.c: a fail-back run as the rollback of failover rollback_of (run.h). */
void ui_run_start_rollback(struct ui *ui, const char *runbook_path, enum run_mode mode,
			   const char *rollback_of);

/* watch_view.c: W, the read-only checklist of another operator's run */
/* false when there is no unfinished run to watch */
bool ui_watch_open(struct ui *ui);
void ui_watch_tick(struct ui *ui);	/* once a second: new journal lines */
void ui_watch_draw(struct ui *ui);
/* true: the key closes the view (the caller closes it and frees the watch) */
bool ui_watch_key(struct ui *ui, int ch);
void ui_watch_free(struct ui *ui);

/* approve_view.c: A, approve the step another operator's run waits on */
void ui_approve_tick(struct ui *ui);	/* once a second: the pending requests */
/* false when no run waits for this user's approval */
bool ui_approve_open(struct ui *ui);
void ui_approve_draw(struct ui *ui);
void ui_approve_key(struct ui *ui, int ch);
void ui_approve_free(struct ui *ui);

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

/* checklist.c: the run's view */
void ui_checklist_draw(struct ui *ui);
int ui_checklist_key(struct ui *ui, int ch);
void ui_checklist_footer(struct ui *ui, WINDOW *w);

#endif
