/*
 * ui_theme.h: console themes. A theme is data (themes/NAME.yml): for each
 * semantic element (ok, warn, crit, stale, selection, ...) a foreground and
 * background for 8-colour terminals, optionally others for 256-colour ones,
 * and attributes (bold, reverse, underline, dim). The elements come from one
 * X-macro table, so the enum, the names the loader accepts and the help all
 * agree. Meaning never rests on colour alone: every state the console draws
 * also has a word or symbol, so a monochrome theme, NO_COLOR and a serial
 * console all work.
 *
 * Loading does not touch the terminal: a broken theme is reported with
 * file:line:col before curses starts. ui_theme_apply (curses) is separate.
 */
#ifndef DRCONSOLE_UI_THEME_H
#define DRCONSOLE_UI_THEME_H

#include <stdbool.h>

#include "drconsole/util/diag.h"

/* X(id, "what it colours") */
#define UI_ELEMENTS(X) \
	X(normal, "text") \
	X(header, "the header line") \
	X(border, "panel borders") \
	X(title, "panel and dialog titles, the focused panel's border") \
	X(section, "section headings inside a panel") \
	X(tab, "an inactive tab") \
	X(tab_active, "the active tab") \
	X(selection, "the selected row") \
	X(dim, "secondary text: ages, groups, addresses") \
	X(ok, "state OK") \
	X(warn, "state WARN") \
	X(crit, "state CRIT") \
	X(unknown, "state UNKNOWN") \
	X(pending, "no result yet") \
	X(stale, "a value older than three refresh intervals") \
	X(sparkline, "replication lag history") \
	X(badge_live, "LIVE mode badge") \
	X(badge_drill, "DRILL mode badge") \
	X(badge_dryrun, "DRY-RUN mode badge") \
	X(badge_readonly, "READ-ONLY mode badge") \
	X(key, "key names in the footer and help") \
	X(disabled, "keys that cannot be used in this mode") \
	X(message, "the message line") \
	X(filter, "the filter prompt") \
	X(dialog, "dialog boxes") \
	X(step_pending, "runbook step not started") \
	X(step_running, "runbook step running") \
	X(step_done, "runbook step done") \
	X(step_failed, "runbook step failed")

enum ui_elem {
#define UI_ELEM_ENUM(id, help) UI_##id,
	UI_ELEMENTS(UI_ELEM_ENUM)
#undef UI_ELEM_ENUM
	UI_ELEM_COUNT
};

enum {
	UI_COLOR_DEFAULT = -1,	/* the terminal's own foreground/background */
	UI_COLOR_UNSET = -2,
};

enum ui_attr {
	UI_A_BOLD = 1 << 0,
	UI_A_REVERSE = 1 << 1,
	UI_A_UNDERLINE = 1 << 2,
	UI_A_DIM = 1 << 3,
};

struct ui_style {
	short fg, bg;		/* 8-colour: 0..7, UI_COLOR_DEFAULT, UI_COLOR_UNSET */
	short fg256, bg256;	/* 256-colour: 0..255, or UNSET to use fg/bg */
	unsigned attrs;		/* UI_A_* */
	bool attrs_set;
};

struct ui_theme {
	char *name;
	char *path;		/* the file it came from */
	struct ui_style elems[UI_ELEM_COUNT];
};

const char *ui_elem_name(enum ui_elem e);
/* The element called name, or -1. */
int ui_elem_find(const char *name);

/*
 * Where a theme lives. A value with '/' or ending in ".yml" is a path;
 * otherwise NAME.yml is searched in ./themes, $XDG_DATA_HOME/drconsole/themes
 * (default ~/.local/share), then $DRCONSOLE_DATADIR/themes (default: the
 * installed data directory). Returns a malloc'd
 * path, or NULL with *err (malloc'd) listing where it looked.
 */
char *ui_theme_find(const char *name_or_path, char **err);
/* Load and validate one file; NULL with diagnostics (file:line:col) in dl. */
struct ui_theme *ui_theme_load(const char *path, struct diag_list *dl);
/* The built-in fallback (used only when no theme file can be found). */
struct ui_theme *ui_theme_builtin(void);
void ui_theme_free(struct ui_theme *t);

/*
 * Curses side. Set up colour pairs for t: with use_color false (NO_COLOR,
 * a terminal without colours) only attributes are used.
 */
void ui_theme_apply(const struct ui_theme *t, bool use_color);
/* The curses attributes (colour pair included) of an element. */
int ui_theme_attr(enum ui_elem e);
/* A state element as a badge on the header line (black on the state's colour). */
int ui_theme_attr_over_header(enum ui_elem e);

#endif
