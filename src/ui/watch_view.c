/*
 * watch_view.c: W on the dashboard: the checklist of another operator's
 * active run, read-only, fed from its journal (watch.h). Once a second the
 * main loop calls ui_watch_tick, which reads the lines appended since (a
 * local file: no network, no wait) and applies them to an engine of the
 * runbook copy the journal keeps; the draw only reads that state. Nothing
 * here can act on the run: the keys scroll and close.
 */
#include <stdlib.h>
#include <string.h>

#include "ui_internal.h"

#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/history.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/watch.h"

#define WATCH_KEEP_LINES 200

struct ui_watch {
	char *run_id;
	struct journal_tail tail;
	struct runbook *rb;		/* the journal's copy; NULL until read */
	struct engine eng;
	char **lines;			/* watch_format_event lines, oldest first */
	size_t n_lines, cap_lines;
	char *error;			/* the journal cannot be read */
};

static void
watch_free(struct ui_watch *w)
{
	if (w == NULL)
		return;
	if (w->rb != NULL) {
		engine_free(&w->eng);
		runbook_free(w->rb);
	}
	str_array_free(w->lines, w->n_lines);
	free(w->tail.path);
	free(w->run_id);
	free(w->error);
	free(w);
}

void
ui_watch_free(struct ui *ui)
{
	watch_free(ui->watch);
	ui->watch = NULL;
}

static void
keep_line(struct ui_watch *w, char *line)
{
	if (w->n_lines == WATCH_KEEP_LINES) {
		free(w->lines[0]);
		memmove(w->lines, w->lines + 1, (w->n_lines - 1) * sizeof *w->lines);
		w->n_lines--;
	}
	grow_array(&w->lines, &w->cap_lines, w->n_lines + 1, sizeof *w->lines);
	w->lines[w->n_lines++] = line;
}

/* The runbook of the run from its run_start (the copy the journal keeps). */
static void
load_runbook(struct ui_watch *w)
{
	struct journal_read jr;
	struct diag_list dl = DIAG_LIST_INIT;
	char *err = NULL;

	if (journal_read(w->tail.path, &jr, &err) != 0) {
		free(err);
		return;
	}
	w->rb = history_runbook(&jr, &dl, NULL);
	if (w->rb != NULL)
		engine_init(&w->eng, w->rb);
	journal_read_free(&jr);
	diag_list_free(&dl);
}

void
ui_watch_tick(struct ui *ui)
{
	struct ui_watch *w = ui->watch;
	json_t **evs;
	size_t n;

	if (w == NULL || w->error != NULL)
		return;
	if (journal_tail_read(&w->tail, &evs, &n, &w->error) != 0) {
		ui->dirty |= UI_DIRTY_OVERLAY;
		return;
	}
	if (n > 0 && w->rb == NULL)
		load_runbook(w);
	for (size_t i = 0; i < n; i++) {
		char *line = watch_format_event(evs[i]);

		if (line != NULL)
			keep_line(w, line);
		if (w->rb != NULL)
			engine_apply(&w->eng, evs[i]);
		json_decref(evs[i]);
	}
	free(evs);
	if (n > 0)
		ui->dirty |= UI_DIRTY_OVERLAY;
}

bool
ui_watch_open(struct ui *ui)
{
	char *id = watch_active_run(ui->cfg->state_dir);

	if (id == NULL)
		return false;
	ui_watch_free(ui);
	ui->watch = xcalloc(1, sizeof *ui->watch);
	ui->watch->run_id = id;
	ui->watch->tail.path = xasprintf("%s/runs/%s.journal", ui->cfg->state_dir, id);
	ui_watch_tick(ui);
	ui->view = UI_VIEW_WATCH;
	ui->dirty |= UI_DIRTY_OVERLAY;
	return true;
}

static enum ui_elem
state_elem(enum step_state s)
{
	switch (s) {
	case STEP_RUNNING: return UI_step_running;
	case STEP_DONE: return UI_step_done;
	case STEP_FAILED: case STEP_INTERRUPTED: case STEP_UNKNOWN: return UI_step_failed;
	default: return UI_normal;
	}
}

void
ui_watch_draw(struct ui *ui)
{
	const struct ui_watch *w = ui->watch;
	int y0 = ui->lay.header.h, h = ui->lay.message.y - y0, cols = ui->lay.cols, y = 1, room;
	char title[256], row[512];
	WINDOW *win;

	if (w == NULL)
		return;
	if (ui->win_overlay != NULL)
		delwin(ui->win_overlay);
	win = ui->win_overlay = newwin(h, cols, y0, 0);
	wbkgd(win, (chtype)ui_theme_attr(UI_normal));
	werase(win);
	ui_border(win, ui->utf8, ui_theme_attr(UI_title));
	snprintf(title, sizeof title, " WATCHING %s (read-only)%s%s ", w->run_id,
		 w->rb != NULL && w->rb->name != NULL ? ": " : "", w->rb != NULL && w->rb->name != NULL
		 ? w->rb->name : "");
	ui_put(win, 0, 2, title, cols - 4, ui_theme_attr(UI_title));
	ui_put_right(win, h - 1, cols - 2, " Esc back ", ui_theme_attr(UI_dim));
	if (w->error != NULL)
		ui_put(win, y++, 2, w->error, cols - 4, ui_theme_attr(UI_crit));
	for (size_t i = 0; w->rb != NULL && i < w->rb->n_steps && y < h - 2; i++) {
		enum step_state s = w->eng.steps[i].state;

		snprintf(row, sizeof row, "%-11s %s%s", ui_step_word(s), w->rb->steps[i].id,
			 w->rb->steps[i].destructive ? " (destructive)" : "");
		ui_put(win, y++, 2, row, cols - 4, ui_theme_attr(state_elem(s)));
	}
	if (w->rb != NULL && w->eng.finished && y < h - 2)
		ui_put(win, y++, 2, "the run has ended", cols - 4, ui_theme_attr(UI_dim));
	y++;
	room = h - 1 - y;
	for (size_t i = w->n_lines > (size_t)(room > 0 ? room : 0) ? w->n_lines - (size_t)room : 0;
	     i < w->n_lines && y < h - 1; i++)
		ui_put(win, y++, 2, w->lines[i], cols - 4, ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

bool
ui_watch_key(struct ui *ui, int ch)
{
	(void)ui;
	return ch == 27 || ch == 'q' || ch == 'W';
}
