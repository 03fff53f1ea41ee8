/*
 * keys.c: the console's key tables. One row per action: the keys that do
 * it, its label and text in the help overlay, its handler, and when it is
 * unavailable (a function saying why, shown instead of acting). The
 * dashboard and the checklist dispatch through these tables and help.c
 * lists them, so a key cannot work without being in the help or be in the
 * help without working. A row without a handler documents a key taken by
 * a modal part of its view (the checklist's question bar).
 *
 * A new key on the dashboard: a handler here and a row in ui_dash_keys.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

static struct ui_panel *
focused(struct ui *ui)
{
	return &ui->panels[ui->focus];
}

/* ---- the dashboard ---- */

static void
dash_line(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	ui_panel_move(focused(ui), ch == 'j' || ch == KEY_DOWN ? 1 : -1, ui_panel_body_height(ui));
}

static void
dash_page(struct ui *ui, const struct ui_key *k, int ch)
{
	int body = ui_panel_body_height(ui), step = body > 2 ? body - 1 : 1;

	(void)k;
	ui_panel_move(focused(ui), ch == KEY_PPAGE ? -step : step, body);
}

static void
dash_home(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	ui_panel_home(focused(ui), ch == 'G' || ch == KEY_END, ui_panel_body_height(ui));
}

/* Tab and Back-Tab toggle; h, Left and 1 the primary; l, Right and 2 the secondary. */
static void
dash_panel(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	if (ch == '\t' || ch == KEY_BTAB)
		ui->focus = 1 - ui->focus;
	else
		ui->focus = ch == 'h' || ch == KEY_LEFT || ch == '1' ? 0 : 1;
	ui->dirty |= UI_DIRTY_PANELS | UI_DIRTY_HEADER;
}

static void
dash_detail(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	ui_detail_open(ui);
}

static void
dash_filter(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	ui->filter_edit = true;
	ui->filter[0] = '\0';
	ui_rows_rebuild(ui);
	ui->dirty |= UI_DIRTY_FOOTER;
}

static void
dash_escape(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	if (ui->filter[0] != '\0') {
		ui->filter[0] = '\0';
		ui_rows_rebuild(ui);
	}
	ui->dirty |= UI_DIRTY_FOOTER;
}

static void
dash_drift(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	ui_drift_open(ui);
}

static void
dash_refresh(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	scheduler_refresh(ui->sched);
	ui_message(ui, UI_message, "refreshing every probe now");
}

/* F / R / B: the picker preselecting the runbook of the row's model; the active run's checklist while one runs. */
static void
dash_runbook(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)ch;
	if (ui->run != NULL) {
		ui_run_show(ui);
		return;
	}
	ui_runbook_picker(ui, k->name, k->arg);
}

static bool
runbooks_refused(const struct ui *ui, char *why, size_t len)
{
	if (ui->opts->mode != RUN_READ_ONLY)
		return false;
	snprintf(why, len, "read-only: %s", ui->opts->read_only_reason);
	return true;
}

static void
dash_mouse(struct ui *ui, const struct ui_key *k, int ch)
{
	MEVENT ev;

	(void)k;
	(void)ch;
	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED)
		ui_panel_move(focused(ui), -3, ui_panel_body_height(ui));
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		ui_panel_move(focused(ui), 3, ui_panel_body_height(ui));
#endif
	ui->dirty |= UI_DIRTY_PANELS;
}

static void
any_help(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	ui_help_open(ui);
}

/* W: the read-only checklist of another operator's run (watch_view.c). */
static void
dash_watch(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	if (!ui_watch_open(ui))
		ui_message(ui, UI_message, "no run in progress to watch (the journals under %s/runs)",
			   ui->cfg->state_dir);
}

/* A: approve the step another operator's run waits on (approve_view.c). */
static void
dash_approve(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	if (!ui_approve_open(ui))
		ui_message(ui, UI_message, "no run waits for your approval (%s/approvals)",
			   ui->cfg->state_dir);
}

static bool
approve_refused(const struct ui *ui, char *why, size_t len)
{
	if (ui->opts->mode != RUN_READ_ONLY)
		return false;
	snprintf(why, len, "read-only mode can never approve: %s", ui->opts->read_only_reason);
	return true;
}

/* C / U: commit or roll back the open failover (failover_view.c). */
static void
dash_failover(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	if (ch == 'C')
		ui_failover_commit_key(ui);
	else
		ui_failover_rollback_key(ui);
}

static void
dash_quit(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	if (ui_run_active(ui))
		ui_dialog_open(ui, UI_DLG_QUIT, "Quit");
	else
		ui->quit = true;
}

const struct ui_key ui_dash_keys[] = {
	{ .codes = { 'j', KEY_DOWN, 'k', KEY_UP }, .label = "Up/Down  k/j",
	  .help = "move the selection", .run = dash_line },
	{ .codes = { KEY_NPAGE, ' ', KEY_PPAGE }, .label = "PgUp/PgDn", .help = "move a page",
	  .run = dash_page },
	{ .codes = { 'g', KEY_HOME, 'G', KEY_END }, .label = "g / G  Home/End",
	  .help = "first / last row", .run = dash_home },
	{ .codes = { '\t', KEY_BTAB, 'h', KEY_LEFT, 'l', KEY_RIGHT },
	  .label = "Tab  Left/Right  h/l",
	  .help = "switch between the primary and secondary panel", .run = dash_panel },
	{ .codes = { '1', '2' }, .label = "1 / 2", .help = "primary / secondary panel",
	  .run = dash_panel },
	{ .codes = { '\n', '\r', KEY_ENTER }, .label = "Enter",
	  .help = "detail of the selected host, database or backup", .run = dash_detail },
	{ .codes = { '/' }, .label = "/",
	  .help = "filter hosts and rows (Enter keeps, Esc clears)", .run = dash_filter },
	{ .codes = { 27 }, .label = "Esc", .help = "clear the filter; close a view or dialog",
	  .run = dash_escape },
	{ .codes = { 'r' }, .label = "r", .help = "refresh every probe now", .run = dash_refresh },
	{ .codes = { 'F' }, .label = "F", .name = "Failover",
	  .help = "failover runbook (the active run's checklist while one runs)",
	  .run = dash_runbook, .unavailable = runbooks_refused, .arg = "replicated" },
	{ .codes = { 'R' }, .label = "R", .name = "Restore",
	  .help = "restore-from-backups runbook", .run = dash_runbook,
	  .unavailable = runbooks_refused, .arg = "restore" },
	{ .codes = { 'B' }, .label = "B", .name = "Fail-back", .help = "fail-back runbook",
	  .run = dash_runbook, .unavailable = runbooks_refused, .arg = "failback" },
	{ .codes = { 'D' }, .label = "D", .help = "configuration drift between the env dirs (suspicious first)",
	  .run = dash_drift },
	{ .codes = { 'W' }, .label = "W", .help = "watch another operator's run (read-only)",
	  .run = dash_watch },
	{ .codes = { 'A' }, .label = "A", .name = "Approve",
	  .help = "approve the destructive step another operator's run waits on (four eyes)",
	  .run = dash_approve, .unavailable = approve_refused },
	{ .codes = { 'C' }, .label = "C", .name = "Commit", .help = "commit the uncommitted failover (type the secondary's name)",
	  .run = dash_failover, .unavailable = runbooks_refused },
	{ .codes = { 'U' }, .label = "U", .name = "Rollback",
	  .help = "roll the uncommitted failover back: fail-back in its rollback form (typed)",
	  .run = dash_failover, .unavailable = runbooks_refused },
	{ .codes = { KEY_MOUSE }, .label = "mouse wheel", .help = "scroll", .run = dash_mouse },
	{ .codes = { '?' }, .label = "?", .help = "this help", .run = any_help },
	{ .codes = { 'q' }, .label = "q", .help = "quit (asks first while a run is active)",
	  .run = dash_quit },
	{ .label = NULL },
};

/* ---- the checklist of a run (outside its question bar) ---- */

static int
output_page(const struct ui *ui)
{
	int page = ui->lay.message.y - ui->lay.header.h - 6;

	return page < 1 ? 1 : page;
}

static void
run_line(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	if (ch == KEY_UP || ch == 'k')
		ui->out_scroll++;
	else if (ui->out_scroll > 0)
		ui->out_scroll--;
}

static void
run_page(struct ui *ui, const struct ui_key *k, int ch)
{
	int page = output_page(ui);

	(void)k;
	if (ch == KEY_PPAGE)
		ui->out_scroll += page;
	else
		ui->out_scroll = ui->out_scroll > page ? ui->out_scroll - page : 0;
}

static void
run_home(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	ui->out_scroll = ch == 'g' || ch == KEY_HOME ? RUN_ASYNC_MAX_LINES : 0;
}

static void
run_cancel(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	if (ui_run_active(ui))
		ui->cancel_asked = true;
}

static void
run_back(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	ui_overlay_close(ui, UI_VIEW_DASH);
	if (!ui_run_active(ui)) {
		run_async_free(ui->run);
		ui->run = NULL;
	} else {
		ui_message(ui, UI_message, "the run goes on: F, R or B shows it again");
	}
}

static void
run_quit(struct ui *ui, const struct ui_key *k, int ch)
{
	(void)k;
	(void)ch;
	if (ui_run_active(ui))
		ui_dialog_open(ui, UI_DLG_QUIT, "Quit");
	else
		ui->quit = true;
}

static void
run_mouse(struct ui *ui, const struct ui_key *k, int ch)
{
	MEVENT ev;

	(void)k;
	(void)ch;
	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED)
		ui->out_scroll += 3;
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		ui->out_scroll = ui->out_scroll > 3 ? ui->out_scroll - 3 : 0;
#endif
}

const struct ui_key ui_run_keys[] = {
	/* taken by the question bar (checklist.c) while the run asks */
	{ .codes = { 0 }, .label = "y / n",
	  .help = "answer a confirmation (Enter and Esc answer no)" },
	{ .codes = { 0 }, .label = "text, Enter",
	  .help = "a typed confirmation: exactly the word it asks for" },
	{ .codes = { 0 }, .label = "Up/Down  1-9, Enter",
	  .help = "pick an answer of a choice (Esc: its default)" },
	/* the rest of the time */
	{ .codes = { KEY_UP, 'k', KEY_DOWN, 'j' }, .label = "Up/Down  k/j",
	  .help = "scroll the output", .run = run_line },
	{ .codes = { KEY_PPAGE, KEY_NPAGE, ' ' }, .label = "PgUp/PgDn", .help = "scroll a page",
	  .run = run_page },
	{ .codes = { 'g', KEY_HOME, 'G', KEY_END }, .label = "g / G  Home/End",
	  .help = "oldest output / follow the end again", .run = run_home },
	{ .codes = { 'c' }, .label = "c",
	  .help = "cancel the running command (asks; killed on its host)", .run = run_cancel },
	{ .codes = { 27, 'd', '\t' }, .label = "Esc  Tab  d",
	  .help = "back to the dashboard; the run goes on (F/R/B returns)", .run = run_back },
	{ .codes = { 0 }, .label = "Tab (asked)",
	  .help = "look at the dashboard first; the question waits" },
	{ .codes = { KEY_MOUSE }, .label = "mouse wheel", .help = "scroll the output",
	  .run = run_mouse },
	{ .codes = { '?' }, .label = "?", .help = "this help", .run = any_help },
	{ .codes = { 'q' }, .label = "q", .help = "quit (asks first while the run is active)",
	  .run = run_quit },
	{ .label = NULL },
};

/* ---- dispatch ---- */

const struct ui_key *
ui_key_find(const struct ui_key *table, int ch)
{
	if (ch == 0)
		return NULL;
	for (const struct ui_key *k = table; k->label != NULL; k++)
		for (size_t i = 0; i < ARRAY_LEN(k->codes) && k->codes[i] != 0; i++)
			if (k->codes[i] == ch && k->run != NULL)
				return k;
	return NULL;
}

int
ui_key_dispatch(struct ui *ui, const struct ui_key *table, int ch)
{
	const struct ui_key *k = ui_key_find(table, ch);
	char why[256];

	if (k == NULL)
		return UI_KEY_IGNORED;
	if (k->unavailable != NULL && k->unavailable(ui, why, sizeof why)) {
		ui_message(ui, UI_warn, "%s (%s refused)", why, k->name != NULL ? k->name : k->label);
		return UI_KEY_HANDLED;
	}
	k->run(ui, k, ch);
	return UI_KEY_HANDLED;
}

void
ui_help_open(struct ui *ui)
{
	ui->help_return = ui->view == UI_VIEW_RUN ? UI_VIEW_RUN : UI_VIEW_DASH;
	ui->view = UI_VIEW_HELP;
	ui->dirty |= UI_DIRTY_OVERLAY;
}
