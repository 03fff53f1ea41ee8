/*
 * dialog.c: small dialogs over the dashboard.
 *
 *   - the runbook picker (F, R, B): the configured runbooks, the one of the
 *     key's model preselected, and the mode of the run (live, drill,
 *     dry-run; `m` cycles, starting from the console's own mode); Enter
 *     starts the run in the checklist view;
 *   - the resume dialog, offered once at start when the state dir holds
 *     runs that never ended (a crash, kill -9, a dropped terminal): Enter
 *     resumes the selected one, whose interrupted step then asks for a
 *     decision in the checklist; Esc leaves them for later;
 *   - the quit confirmation, asked only while a run is active.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

#include "drconsole/util/duration.h"

void
ui_dialog_open(struct ui *ui, enum ui_dialog_kind kind, const char *title)
{
	ui->dialog_return = ui->view == UI_VIEW_RUN ? UI_VIEW_RUN : UI_VIEW_DASH;
	ui->dialog = kind;
	ui->dialog_sel = 0;
	snprintf(ui->dialog_title, sizeof ui->dialog_title, "%s", title);
	ui->view = UI_VIEW_DIALOG;
	ui->dirty |= UI_DIRTY_OVERLAY;
}

static void
close_dialog(struct ui *ui)
{
	ui->dialog = UI_DLG_NONE;
	ui_overlay_close(ui, ui->dialog_return == UI_VIEW_RUN && ui->run != NULL ? UI_VIEW_RUN
										  : UI_VIEW_DASH);
}

static enum run_mode
mode_of_console(const struct ui *ui)
{
	return ui->opts->mode == RUN_READ_ONLY ? RUN_LIVE : ui->opts->mode;
}

void
ui_runbook_picker(struct ui *ui, const char *title, const char *model)
{
	ui_dialog_open(ui, UI_DLG_RUNBOOK, title);
	ui->pick_mode = mode_of_console(ui);
	for (size_t i = 0; model != NULL && i < ui->opts->n_runbooks; i++)
		if (ui->opts->runbook_models != NULL && str_eq(ui->opts->runbook_models[i], model)) {
			ui->dialog_sel = (int)i;
			break;
		}
}

void
ui_resume_offer(struct ui *ui)
{
	size_t n = 0, keep = 0;
	struct run_info *all = history_list(ui->cfg->state_dir, &n), *runs;

	if (n == 0) {
		history_free(all, n);
		return;
	}
	/* unfinished runs with a runbook to resume (a dry-run has nothing to resume), newest first */
	runs = xcalloc(n, sizeof *runs);
	for (size_t i = n; i-- > 0;) {
		bool open = all[i].outcome == NULL && all[i].error == NULL &&
			    all[i].runbook != NULL && all[i].runbook[0] != '\0' &&
			    run_mode_parse(all[i].mode) != RUN_DRY;

		if (open) {
			runs[keep++] = all[i];
			memset(&all[i], 0, sizeof all[i]);
		}
	}
	history_free(all, n);
	if (keep == 0) {
		history_free(runs, 0);
		return;
	}
	ui->unfinished = runs;
	ui->n_unfinished = keep;
	if (ui->opts->mode == RUN_READ_ONLY) {
		ui_message(ui, UI_warn, "%zu unfinished run%s (newest %s); read-only: %s, it cannot be resumed here",
			   keep, keep == 1 ? "" : "s", runs[0].id, ui->opts->read_only_reason);
		return;
	}
	ui_dialog_open(ui, UI_DLG_RESUME, "Unfinished runs");
}

static void
draw_quit(struct ui *ui)
{
	WINDOW *win = ui_overlay_window(ui, 6, 60);
	int h, w;

	getmaxyx(win, h, w);
	(void)h;
	ui_put(win, 0, 2, " Quit ", w - 4, ui_theme_attr(UI_title));
	ui_put(win, 2, 2, "A run is active. Quit anyway? (y/N)", w - 4, ui_theme_attr(UI_warn));
	ui_put(win, 3, 2, "Its command is cancelled; the journal offers to resume.", w - 4,
	       ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

static void
draw_resume(struct ui *ui)
{
	WINDOW *win = ui_overlay_window(ui, (int)ui->n_unfinished + 9, 90);
	int h, w, y = 2;
	char line[320], when[32];

	getmaxyx(win, h, w);
	ui_put(win, 0, 2, " Unfinished runs: resume? ", w - 4, ui_theme_attr(UI_title));
	ui_put(win, 1, 2, "These runs never ended (a crash, kill -9 or a dropped terminal).", w - 4,
	       ui_theme_attr(UI_warn));
	for (size_t i = 0; i < ui->n_unfinished && y < h - 4; i++, y++) {
		const struct run_info *ri = &ui->unfinished[i];
		int attr = ui_theme_attr((int)i == ui->dialog_sel ? UI_selection : UI_dialog);

		if (ri->started_ms > 0)
			ui_format_age(ui->now_ms - ri->started_ms, when, sizeof when);
		else
			snprintf(when, sizeof when, "?");
		snprintf(line, sizeof line, "%s  %s  %s  by %s, started %s ago", ri->id, ri->name,
			 ri->mode, ri->user != NULL ? ri->user : "?", when);
		ui_fill(win, y, 1, w - 2, attr);
		ui_put(win, y, 2, line, w - 4, attr);
	}
	y++;
	ui_put(win, y++, 2, "A step that was running is not re-run without your decision.", w - 4,
	       ui_theme_attr(UI_dialog));
	ui_put_right(win, h - 1, w - 2, " Enter resumes   Esc: later (drconsole run offers it too) ",
		     ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

static void
draw_picker(struct ui *ui)
{
	const struct ui_options *o = ui->opts;
	WINDOW *win = ui_overlay_window(ui, (int)o->n_runbooks + 10, 80);
	int h, w, y = 2, x;
	char t[96];
	static const char *const explain[] = {
		[RUN_LIVE] = "runs every command on the real hosts; each step asks first",
		[RUN_DRILL] = "the same steps, timed and labelled DRILL, for a drill target",
		[RUN_DRY] = "shows every command and its host; executes nothing",
	};

	getmaxyx(win, h, w);
	snprintf(t, sizeof t, " %s: choose a runbook ", ui->dialog_title);
	ui_put(win, 0, 2, t, w - 4, ui_theme_attr(UI_title));
	if (o->n_runbooks == 0)
		ui_put(win, y++, 2, "No runbooks configured (runbooks: in drconsole.yml).", w - 4,
		       ui_theme_attr(UI_dim));
	for (size_t i = 0; i < o->n_runbooks && y < h - 5; i++, y++) {
		int attr = ui_theme_attr((int)i == ui->dialog_sel ? UI_selection : UI_dialog);

		ui_fill(win, y, 1, w - 2, attr);
		ui_put(win, y, 2, o->runbook_names[i], w - 4, attr);
	}
	y++;
	x = 2 + ui_put(win, y, 2, "Mode: ", w - 4, ui_theme_attr(UI_dialog));
	snprintf(t, sizeof t, " %s ", run_mode_word(ui->pick_mode));
	x += ui_put(win, y, x, t, w - x - 2,
		    ui_theme_attr(ui_mode_elem(ui->pick_mode)));
	ui_put(win, y, x + 1, explain[ui->pick_mode], w - x - 3, ui_theme_attr(UI_dialog));
	ui_put_right(win, h - 1, w - 2, " Enter starts   m mode   Esc closes ", ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

void
ui_dialog_draw(struct ui *ui)
{
	switch (ui->dialog) {
	case UI_DLG_QUIT:
		draw_quit(ui);
		break;
	case UI_DLG_RESUME:
		draw_resume(ui);
		break;
	case UI_DLG_COMMIT:
	case UI_DLG_ROLLBACK:
		ui_failover_dialog_draw(ui);
		break;
	case UI_DLG_RUNBOOK:
	case UI_DLG_NONE:
		draw_picker(ui);
		break;
	}
}

static enum run_mode
mode_of_name(const char *s)
{
	int m = run_mode_parse(s);

	return m == RUN_DRILL || m == RUN_DRY ? (enum run_mode)m : RUN_LIVE;
}

/* Up/Down over n entries; true when the key moved the selection. */
static bool
move_key(struct ui *ui, int ch, size_t n)
{
	if ((ch == 'j' || ch == KEY_DOWN) && ui->dialog_sel + 1 < (int)n)
		ui->dialog_sel++;
	else if ((ch == 'k' || ch == KEY_UP) && ui->dialog_sel > 0)
		ui->dialog_sel--;
	else if (ch != 'j' && ch != 'k' && ch != KEY_DOWN && ch != KEY_UP)
		return false;
	ui->dirty |= UI_DIRTY_OVERLAY;
	return true;
}

int
ui_dialog_key(struct ui *ui, int ch)
{
	switch (ui->dialog) {
	case UI_DLG_QUIT:
		if (ch == 'y' || ch == 'Y')
			ui->quit = true;
		close_dialog(ui);
		return UI_KEY_HANDLED;
	case UI_DLG_RESUME:
		if (move_key(ui, ch, ui->n_unfinished))
			return UI_KEY_HANDLED;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			const struct run_info *ri = &ui->unfinished[ui->dialog_sel];

			close_dialog(ui);
			ui_run_start(ui, ri->runbook, mode_of_name(ri->mode), ri->path);
			return UI_KEY_HANDLED;
		}
		if (ch == 27 || ch == 'q') {
			ui_message(ui, UI_message, "%zu unfinished run%s left for later; drconsole run offers it too",
				   ui->n_unfinished, ui->n_unfinished == 1 ? "" : "s");
			close_dialog(ui);
			return UI_KEY_HANDLED;
		}
		return UI_KEY_IGNORED;
	case UI_DLG_COMMIT:
	case UI_DLG_ROLLBACK:
		return ui_failover_dialog_key(ui, ch);
	case UI_DLG_RUNBOOK:
	case UI_DLG_NONE:
		break;
	}
	if (move_key(ui, ch, ui->opts->n_runbooks))
		return UI_KEY_HANDLED;
	switch (ch) {
	case 'm':
		ui->pick_mode = ui->pick_mode == RUN_LIVE ? RUN_DRILL : ui->pick_mode == RUN_DRILL ? RUN_DRY
				: RUN_LIVE;
		ui->dirty |= UI_DIRTY_OVERLAY;
		return UI_KEY_HANDLED;
	case '\n': case '\r': case KEY_ENTER:
		close_dialog(ui);
		if (ui->opts->n_runbooks == 0)
			return UI_KEY_HANDLED;
		ui_run_start(ui, ui->cfg->runbooks[ui->dialog_sel], ui->pick_mode, NULL);
		return UI_KEY_HANDLED;
	case 27: case 'q':
		close_dialog(ui);
		return UI_KEY_HANDLED;
	default:
		return UI_KEY_IGNORED;
	}
}
