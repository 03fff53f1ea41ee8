/*
 * ui.h: the console (src/ui/, the only code that uses ncurses).
 *
 * One thread: ui_run owns the terminal, runs the probe scheduler (workers
 * post to the status store) and poll()s stdin, the store's self-pipe, a
 * signal pipe, a run's self-pipe (a runbook runs on its own thread through
 * run_async.h) and a one-second timer. On a wake-up it takes a snapshot of
 * the store and rebuilds the rows of both site panels; drawing reads that
 * state and never changes it, through dirty flags, wnoutrefresh on each
 * window and one doupdate.
 *
 * Files: main.c (loop, signals, terminal safety), layout.c (geometry),
 * dashboard.c (header, tabs, footer, message line), site_panel.c (rows of
 * one site grouped by probe), host_list.c (host rows by group), detail.c,
 * help.c, dialog.c (runbook picker, resume, quit), checklist.c (a run:
 * steps, live output, questions), draw.c (clipped text, symbols), theme.c.
 *
 * Observations are drawn generically by probe name, subject, state,
 * value/unit, age and fields, so a new probe shows up without UI changes.
 */
#ifndef DRCONSOLE_UI_H
#define DRCONSOLE_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/config/config.h"
#include "drconsole/config/site.h"
#include "drconsole/runbook/drills.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/probe/rpo.h"
#include "drconsole/probe/scheduler.h"
#include "drconsole/probe/status.h"
#include "drconsole/ui/ui_theme.h"

struct ui_options {
	const struct config *cfg;	/* borrowed, like everything here, for the console's life */
	struct site *const *sites;	/* both site models, by enum site_role (an entry may be NULL) */
	size_t diag_errors, diag_warnings;	/* what loading them reported (the header says so) */
	const struct ui_theme *theme;
	enum run_mode mode;		/* the console's own mode (read-only when pinned or asked for) */
	const char *read_only_reason;	/* shown when F/R/B are refused */
	bool no_color;			/* NO_COLOR is set */
	const char *log_path;		/* fd 2 goes here while curses is active */
	bool exit_after_first_frame;	/* bench: quit once the first full frame is out */
	long long start_mono_ms;	/* when the process started work (for the bench) */
	char **runbook_names;		/* "name (file)" of each configured runbook */
	char **runbook_models;		/* its model ("replicated", "restore", "failback") or NULL */
	bool have_drill;		/* a finished drill was found in the state dir */
	double last_drill_rto_s;	/* its achieved RTO, < 0 when service was not restored */
	struct drill_history drills;	/* the last completed drill per model (drills.h) */
	unsigned drill_models;		/* the configured runbooks' models, judged by the cadence */
	size_t n_runbooks;		/* the paths are cfg->runbooks */
	const char *verify_text;	/* "restore verified 3d ago" (verify_status_header), or NULL */
};

/*
 * Open the console; returns EXIT_SUCCESS, or EXIT_FAILURE (1, the commands'
 * runtime failure) when the terminal cannot be set up. Needs a terminal on
 * stdin/stdout.
 */
int ui_run(const struct ui_options *opts);

/* ---- layout.c: geometry only, no curses ---- */

enum ui_layout_kind {
	UI_LAYOUT_WIDE,		/* >= 120 columns: panels side by side */
	UI_LAYOUT_TABS,		/* 80x24 up to 119 columns: one panel, tabs */
	UI_LAYOUT_TOO_SMALL,	/* below 80x24 */
};

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24
#define UI_WIDE_COLS 120
#define UI_ONE_LINE_HEADER_COLS 150

struct ui_rect {
	int y, x, h, w;
};

struct ui_layout {
	enum ui_layout_kind kind;
	int cols, lines;
	struct ui_rect header;
	struct ui_rect tabs;		/* h == 0 when side by side */
	struct ui_rect panel[2];	/* in tabs, both the same rect */
	struct ui_rect message;
	struct ui_rect footer;
};

void ui_layout_compute(struct ui_layout *l, int cols, int lines);

/* ---- site_panel.c / host_list.c: rows of a panel, no curses ---- */

enum ui_row_kind {
	UI_ROW_SECTION,		/* "PostgreSQL", "Hosts 3/8 up" */
	UI_ROW_GROUP,		/* a host group inside Hosts */
	UI_ROW_ITEM,		/* selectable */
};

enum ui_section {
	UI_SEC_PG,
	UI_SEC_BACKUPS,
	UI_SEC_COUCH,
	UI_SEC_ES,
	UI_SEC_OTHER,		/* probes the console does not know by name */
	UI_SEC_HOSTS,
	UI_SEC_COUNT,
};

struct ui_row {
	enum ui_row_kind kind;
	enum ui_section section;
	char text[96];				/* section or group title */
	const struct observation *obs;		/* borrowed from the snapshot; may be NULL */
	const struct site_host *host;		/* a host from the site model; may be NULL */
	int backup;				/* enum backup_store from the model, or -1 */
	char key[256];				/* stable id for keeping the selection */
};

struct ui_panel {
	enum site_role role;
	struct ui_row *rows;
	size_t n, cap;
	int sel;			/* index of the selected row (an item), -1 none */
	int top;			/* first row shown */
	char sel_key[256];
	size_t n_items;
};

/*
 * Rebuild the rows of p from snap (observations of p->role) and the site
 * model, keeping only items matching filter (case-insensitive substring of
 * subject, state, probe, group, address or message; NULL or "" = all).
 * The selection follows its key.
 */
void ui_panel_build(struct ui_panel *p, const struct status_snapshot *snap,
		    const struct site *site, const char *filter);
void ui_panel_free(struct ui_panel *p);
/* Move the selection by delta items (clamped), keeping it visible in height rows. */
void ui_panel_move(struct ui_panel *p, int delta, int height);
void ui_panel_home(struct ui_panel *p, bool end, int height);
const char *ui_section_title(enum ui_section s);
enum ui_section ui_section_of_probe(const char *probe);
/* host_list.c: append the Hosts section (observed hosts and model hosts). */
void ui_host_list_build(struct ui_panel *p, const struct status_snapshot *snap,
			const struct site *site, const char *filter);
/* Does the row match the filter? */
bool ui_row_matches(const struct ui_row *r, const char *filter);
/* The site host an observation is about (by subject or key suffix), or NULL. */
const struct site_host *ui_host_of_obs(const struct site *site, const struct observation *o);

/* ---- status words and ages, no curses ---- */

enum ui_shown {
	UI_SHOWN_PENDING,
	UI_SHOWN_OK,
	UI_SHOWN_WARN,
	UI_SHOWN_CRIT,
	UI_SHOWN_UNKNOWN,
	UI_SHOWN_STALE,
	UI_SHOWN_DISABLED,
};

/* What a row shows: STALE when observed more than three intervals ago. */
enum ui_shown ui_shown_of(const struct observation *o, long long now_ms, long long interval_ms);
const char *ui_shown_word(enum ui_shown s);		/* "OK", "STALE", ... */
const char *ui_shown_symbol(enum ui_shown s, bool utf8);
enum ui_elem ui_shown_elem(enum ui_shown s);
/* A value with its unit for display ("0.8s", "12kB", "3ms"); "" when none. */
void ui_format_value(const struct observation *o, char *buf, size_t len);
/* Cells a row's state word may use: its column (state_w), or also the value
 * column after it (value_w + the gap) when that one is empty, so a long
 * word such as "hostkey-CHANGED" is not cut where its meaning is. */
int ui_state_cells(const char *state, int state_w, int value_w, bool value_empty);
/* An age in whole seconds or coarser ("0s", "42s", "6h12m"). */
void ui_format_age(long long ms, char *buf, size_t len);
/*
 * The RPO scenarios of an AWS pair for the header, after the headline's
 * status: which scenario the headline judges and the other's exposure
 * and status: " on region loss · instance loss 58s OK (postgres)".
 */
void ui_rpo_scenarios_text(const struct rpo_result *other, enum rpo_scenario headline, bool utf8,
			   char *buf, size_t len);

#define UI_RECOVERY_LINE 320
/*
 * What an AWS recovery row restores (probe "rds" or "vault"): its ARN, the
 * point in time and its age at now_ms, the size, and the loss scenario it
 * covers, as detail-view lines. Returns how many (0 for other rows).
 */
size_t ui_recovery_summary(const struct observation *o, long long now_ms,
			   char lines[][UI_RECOVERY_LINE], size_t max);

/* Sparkline of values into buf (UTF-8 blocks or ASCII); at most width cells. */
void ui_sparkline(const double *v, size_t n, bool utf8, char *buf, size_t len, int width);

/* ---- tick.c: what a new second changes on the screen, no curses ---- */

enum ui_tick_change {
	UI_TICK_NONE,		/* every visible row reads as it did */
	UI_TICK_AGES,		/* only ages read differently */
	UI_TICK_ROWS,		/* a row changed state (STALE): draw the panel again */
};

/* The visible rows (top .. top + height) of p at now_ms against drawn_ms. */
enum ui_tick_change ui_panel_tick(const struct ui_panel *p, int height, long long drawn_ms,
				  long long now_ms, long long interval_ms);
/* Does the age of something from since_ms read differently at now_ms than at then_ms? */
bool ui_age_changed(long long since_ms, long long then_ms, long long now_ms);

#endif
