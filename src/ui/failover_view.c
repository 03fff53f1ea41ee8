/*
 * failover_view.c: the open failover in the console (failover_state.h).
 * The header says "failed over 12m ago, uncommitted" (warning colour, and
 * the words); C commits it and U rolls it back, each after the operator
 * types the secondary env's name, as for a destructive step. The console's
 * mode picks the state: drill mode judges drill runs, the other modes live
 * ones. The commit (failover_commit.h) takes the run lock over SSH, so it
 * runs on a worker thread; the main loop's tick collects its outcome. A
 * rollback starts the configured fail-back runbook in its rollback form in
 * the checklist view, like any run from the console. The state is read from
 * the journals once before the console starts, then again every 15 s and
 * after a run or a commit ends, on a reader thread: a state directory with
 * years of journals takes its time to read, and keys do not wait for it.
 * The same reads bring the drills, the last verified restore and what runs
 * left undone (undone.h), which the header shows after the failover.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_internal.h"

#include "drconsole/runbook/audit.h"
#include "drconsole/runbook/failover_commit.h"
#include "drconsole/runbook/history.h"
#include "drconsole/runbook/undone.h"
#include "drconsole/runbook/verify_status.h"

#define FAILOVER_REREAD_MS 15000

struct ui_failover {
	struct failover_state st;	/* UI thread only */
	long long read_ms;		/* now_ms of the last read */
	bool run_end_seen;		/* the console's finished run was taken into account */
	char input[64];			/* the typed confirmation so far */
	/* the commit in flight (worker thread) */
	pthread_t thread;
	bool busy;			/* a worker was started and not joined */
	pthread_mutex_t mu;
	bool done;			/* under mu */
	int rc;				/* under mu */
	char *msg;			/* under mu */
	struct failover_commit_params params;
	char *run;			/* params.run's storage */
	char *user;			/* params.user's: getpwuid is not for two threads at once */
	/* the journals read again (reader thread) */
	pthread_t reader;
	bool reading;			/* a reader was started and not joined */
	bool read_again;		/* asked for while one was reading: once more after it */
	bool read_drill;		/* the reader's argument */
	bool read_done;			/* under mu */
	struct failover_state next;	/* under mu: what the reader found */
	struct drill_history next_drills;	/* under mu: the same for drills */
	char *next_verify;		/* under mu: verify_status_header's words */
	bool next_have_drill;		/* under mu: the last drill's RTO */
	double next_rto_s;
	char *next_undone;		/* under mu: the header's words on what runs left undone, or NULL */
	struct drill_history drills;	/* UI thread: the last ones read again */
	char *verify_text;
	bool have_drills;
	char *undone;			/* UI thread: next_undone, once read */
};

/*
 * "LEFT UNDONE: pause-retention (resume-retention not run)", or NULL when
 * nothing is: short, the header is crowded; status names the run.
 */
static char *
undone_header(const char *state_dir)
{
	struct undone *u;
	size_t n = undone_find(state_dir, &u);
	char *text = NULL;

	if (n == 1)
		text = xasprintf("LEFT UNDONE: %s (%s %s)", u[0].step, u[0].undo_step, u[0].undo_state);
	else if (n > 1)
		text = xasprintf("LEFT UNDONE: %zu steps (see status)", n);
	undone_free(u, n);
	return text;
}

static bool
drill_console(const struct ui *ui)
{
	return ui->opts->mode == RUN_DRILL;
}

struct reader_arg {
	struct ui_failover *f;
	const struct config *cfg;	/* the console's: it outlives the reader, and nobody writes it */
};

static void *
reader_main(void *arg)
{
	struct reader_arg *a = arg;
	const struct config *cfg = a->cfg;
	struct failover_state st;
	struct drill_history d;
	struct report_summary sum;
	char *verify, *undone;
	bool have_drill;

	memset(&st, 0, sizeof st);
	failover_state_read(cfg->state_dir, a->f->read_drill, &st);
	/* what another console or line mode ran shows here too */
	drill_history_read(cfg->state_dir, &d);
	have_drill = history_last_drill(cfg->state_dir, (double)cfg->rpo_ms / 1000.0,
					(double)cfg->rto_ms / 1000.0, &sum, NULL) == 0;
	verify = verify_status_header(cfg, time_wall_ms());
	undone = undone_header(cfg->state_dir);
	pthread_mutex_lock(&a->f->mu);
	failover_state_clear(&a->f->next);
	a->f->next = st;
	a->f->next_drills = d;
	free(a->f->next_verify);
	a->f->next_verify = verify;
	free(a->f->next_undone);
	a->f->next_undone = undone;
	a->f->next_have_drill = have_drill;
	a->f->next_rto_s = have_drill ? sum.rto_s : 0;
	a->f->read_done = true;
	pthread_mutex_unlock(&a->f->mu);
	free(a);
	return NULL;
}

/* Read the journals again on the reader thread (once more after it, if one is reading). */
static void
reread(struct ui *ui)
{
	struct ui_failover *f = ui->failover;
	struct reader_arg *a;
	sigset_t old;
	int e;

	f->read_ms = ui->now_ms;
	if (f->reading) {
		f->read_again = true;
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->f = f;
	a->cfg = ui->cfg;
	f->read_drill = drill_console(ui);
	f->read_again = false;
	ui_block_signals(&old);
	e = pthread_create(&f->reader, NULL, reader_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		free(a);
		ui_message(ui, UI_warn, "failover state: pthread_create: %s (read again in 15 s)", strerror(e));
		return;
	}
	f->reading = true;
}

/* The reader's result, when it has one: it becomes the state shown. */
static void
collect_read(struct ui *ui)
{
	struct ui_failover *f = ui->failover;
	bool done;

	if (!f->reading)
		return;
	pthread_mutex_lock(&f->mu);
	done = f->read_done;
	if (done) {
		failover_state_clear(&f->st);
		f->st = f->next;
		memset(&f->next, 0, sizeof f->next);
		f->drills = f->next_drills;
		f->have_drills = true;
		free(f->verify_text);
		f->verify_text = f->next_verify;
		f->next_verify = NULL;
		free(f->undone);
		f->undone = f->next_undone;
		f->next_undone = NULL;
		if (f->next_have_drill) {
			ui->have_drill = true;
			ui->last_drill_rto_s = f->next_rto_s;
		}
		f->read_done = false;
	}
	pthread_mutex_unlock(&f->mu);
	if (!done)
		return;
	pthread_join(f->reader, NULL);
	f->reading = false;
	ui->dirty |= UI_DIRTY_HEADER;
	if (f->read_again)
		reread(ui);
}

void
ui_failover_load(struct ui *ui)
{
	struct ui_failover *f = xcalloc(1, sizeof *ui->failover);

	ui->failover = f;
	pthread_mutex_init(&f->mu, NULL);
	ui->now_ms = time_wall_ms();
	/* before the console starts: read here, the header is right from its first frame */
	failover_state_read(ui->cfg->state_dir, drill_console(ui), &f->st);
	f->undone = undone_header(ui->cfg->state_dir);
	f->read_ms = ui->now_ms;
}

static void
join_commit(struct ui *ui)
{
	struct ui_failover *f = ui->failover;

	if (!f->busy)
		return;
	pthread_join(f->thread, NULL);
	f->busy = false;
	free(f->run);
	free(f->user);
	f->run = f->user = NULL;
}

void
ui_failover_tick(struct ui *ui)
{
	struct ui_failover *f = ui->failover;
	bool done;
	int rc = 0;
	char *msg = NULL;

	if (f == NULL)
		return;
	collect_read(ui);
	pthread_mutex_lock(&f->mu);
	done = f->done;
	if (done) {
		rc = f->rc;
		msg = f->msg;
		f->msg = NULL;
		f->done = false;
	}
	pthread_mutex_unlock(&f->mu);
	if (done) {
		join_commit(ui);
		ui_message(ui, rc == 0 ? UI_ok : UI_crit, "%s", msg != NULL ? msg : "?");
		free(msg);
		reread(ui);
		return;
	}
	/* a run the console ran has ended: a failover, a rollback or a fail-back changes the state */
	if (ui->run != NULL && ui->run_finished_seen && !f->run_end_seen) {
		f->run_end_seen = true;
		reread(ui);
	} else if (ui->run == NULL || !ui->run_finished_seen) {
		f->run_end_seen = false;
	}
	if (ui->now_ms - f->read_ms >= FAILOVER_REREAD_MS)
		reread(ui);
}

void
ui_failover_free(struct ui *ui)
{
	struct ui_failover *f = ui->failover;

	if (f == NULL)
		return;
	join_commit(ui);	/* bounded: the lock's SSH commands have their timeouts */
	if (f->reading)
		pthread_join(f->reader, NULL);	/* local files only */
	failover_state_clear(&f->st);
	failover_state_clear(&f->next);
	free(f->verify_text);
	free(f->next_verify);
	free(f->undone);
	free(f->next_undone);
	free(f->msg);
	pthread_mutex_destroy(&f->mu);
	free(f);
	ui->failover = NULL;
}

const struct drill_history *
ui_failover_drills(const struct ui *ui)
{
	return ui->failover != NULL && ui->failover->have_drills ? &ui->failover->drills : NULL;
}

const char *
ui_verify_text(const struct ui *ui)
{
	return ui->failover != NULL && ui->failover->have_drills ? ui->failover->verify_text
								 : ui->verify_text;
}

int
ui_draw_failover(const struct ui *ui, WINDOW *w, int y, int x, int width)
{
	char text[128];

	if (width <= 0 || ui->failover == NULL ||
	    !failover_state_text(&ui->failover->st, ui->now_ms, text, sizeof text))
		return 0;
	return ui_put(w, y, x, text, width,
		      (int)(ui_theme_attr_over_header(ui_shown_elem(UI_SHOWN_WARN)) | A_BOLD));
}

int
ui_draw_undone(const struct ui *ui, WINDOW *w, int y, int x, int width)
{
	if (width <= 0 || ui->failover == NULL || ui->failover->undone == NULL)
		return 0;
	return ui_put(w, y, x, ui->failover->undone, width,
		      (int)(ui_theme_attr_over_header(ui_shown_elem(UI_SHOWN_WARN)) | A_BOLD));
}

static void *
commit_main(void *arg)
{
	struct ui_failover *f = arg;
	char *msg = NULL;
	int rc = failover_commit(&f->params, &msg);

	pthread_mutex_lock(&f->mu);
	f->rc = rc;
	f->msg = msg;
	f->done = true;
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static void
start_commit(struct ui *ui)
{
	struct ui_failover *f = ui->failover;
	int e;

	memset(&f->params, 0, sizeof f->params);
	f->run = xstrdup(f->st.run);
	f->params.cfg = ui->cfg;
	f->params.sites[0] = ui->sites[0];
	f->params.sites[1] = ui->sites[1];
	f->params.drill = drill_console(ui);
	f->params.read_only = ui->opts->mode == RUN_READ_ONLY;
	f->params.read_only_reason = ui->opts->mode == RUN_READ_ONLY ? ui->opts->read_only_reason : NULL;
	f->params.run = f->run;
	f->user = audit_whoami();
	f->params.user = f->user;
	{
		sigset_t old;

		ui_block_signals(&old);
		e = pthread_create(&f->thread, NULL, commit_main, f);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (e != 0) {
		free(f->run);
		free(f->user);
		f->run = f->user = NULL;
		ui_message(ui, UI_crit, "cannot commit: pthread_create: %s", strerror(e));
		return;
	}
	f->busy = true;
	ui_message(ui, UI_message, "committing failover %s (taking the run lock)...", f->st.run);
}

static const char *
secondary_name(const struct ui *ui)
{
	const struct site *s = ui->sites[SITE_SECONDARY];

	return s != NULL && s->env_name != NULL ? s->env_name : "secondary";
}

/* Why C or U cannot act now, or NULL. */
static const char *
refused(const struct ui *ui)
{
	const struct ui_failover *f = ui->failover;

	if (ui->opts->mode == RUN_READ_ONLY)
		return "read-only mode: a failover cannot be committed or rolled back here";
	if (f == NULL || f->st.phase != FAILOVER_UNCOMMITTED)
		return drill_console(ui) ? "no uncommitted drill failover (a completed failover drill opens one)"
					 : "no uncommitted failover (a completed live failover opens one)";
	if (f->busy)
		return "a commit is in progress";
	if (ui_run_active(ui))
		return "a run is active: wait for it to end";
	return NULL;
}

static void
open_dialog(struct ui *ui, enum ui_dialog_kind kind)
{
	const char *why = refused(ui);

	if (why != NULL) {
		ui_message(ui, UI_warn, "%s", why);
		return;
	}
	ui->failover->input[0] = '\0';
	/* as ui_dialog_open does (dialog.c draws and dispatches these kinds through this file) */
	ui->dialog_return = UI_VIEW_DASH;
	ui->dialog = kind;
	ui->dialog_sel = 0;
	snprintf(ui->dialog_title, sizeof ui->dialog_title, "%s",
		 kind == UI_DLG_COMMIT ? "Commit the failover" : "Roll back the failover");
	ui->view = UI_VIEW_DIALOG;
	ui->dirty |= UI_DIRTY_OVERLAY;
	flushinp();	/* type-ahead cannot confirm */
}

void
ui_failover_commit_key(struct ui *ui)
{
	open_dialog(ui, UI_DLG_COMMIT);
}

void
ui_failover_rollback_key(struct ui *ui)
{
	open_dialog(ui, UI_DLG_ROLLBACK);
}

void
ui_failover_dialog_draw(struct ui *ui)
{
	struct ui_failover *f = ui->failover;
	WINDOW *win = ui_overlay_window(ui, 10, 78);
	int h, w;
	char line[256], ago[128];
	bool commit = ui->dialog == UI_DLG_COMMIT;

	getmaxyx(win, h, w);
	snprintf(line, sizeof line, " %s ", ui->dialog_title);
	ui_put(win, 0, 2, line, w - 4, ui_theme_attr(UI_title));
	failover_state_text(&f->st, ui->now_ms, ago, sizeof ago);
	snprintf(line, sizeof line, "Run %s: %s.", f->st.run != NULL ? f->st.run : "?", ago);
	ui_put(win, 2, 2, line, w - 4, ui_theme_attr(UI_dialog));
	ui_put(win, 3, 2, commit ? "Committing makes it final: the fail-back runbook is then the way back."
			     : "Starts the fail-back runbook in its rollback form: the primary is kept,",
	       w - 4, ui_theme_attr(UI_warn));
	if (!commit)
		ui_put(win, 4, 2, "and what the secondary took since the failover is discarded.", w - 4,
		       ui_theme_attr(UI_warn));
	snprintf(line, sizeof line, "Type %s to confirm: %s", secondary_name(ui), f->input);
	ui_put(win, 6, 2, line, w - 4, ui_theme_attr(UI_dialog));
	ui_put_right(win, h - 1, w - 2, " Enter confirms   Esc cancels ", ui_theme_attr(UI_dim));
	wnoutrefresh(win);
}

/* The configured fail-back runbook (model failback), or NULL. */
static const char *
failback_runbook(const struct ui *ui)
{
	for (size_t i = 0; i < ui->opts->n_runbooks; i++)
		if (ui->opts->runbook_models != NULL && str_eq(ui->opts->runbook_models[i], "failback"))
			return ui->cfg->runbooks[i];
	return NULL;
}

static void
confirmed(struct ui *ui, enum ui_dialog_kind kind)
{
	const char *why = refused(ui), *rb;

	if (why != NULL) {
		ui_message(ui, UI_warn, "%s", why);
		return;
	}
	if (kind == UI_DLG_COMMIT) {
		start_commit(ui);
		return;
	}
	if ((rb = failback_runbook(ui)) == NULL) {
		ui_message(ui, UI_warn, "no fail-back runbook (model: failback) is configured: cannot roll back");
		return;
	}
	ui_run_start_rollback(ui, rb, ui->opts->mode, ui->failover->st.run);
}

int
ui_failover_dialog_key(struct ui *ui, int ch)
{
	struct ui_failover *f = ui->failover;
	enum ui_dialog_kind kind = ui->dialog;
	size_t n = strlen(f->input);

	if (ch == 27) {
		ui->dialog = UI_DLG_NONE;
		ui_overlay_close(ui, UI_VIEW_DASH);
		ui_message(ui, UI_message, "cancelled");
		return UI_KEY_HANDLED;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		bool match = strcmp(f->input, secondary_name(ui)) == 0;

		ui->dialog = UI_DLG_NONE;
		ui_overlay_close(ui, UI_VIEW_DASH);
		if (!match)
			ui_message(ui, UI_warn, "does not match %s: cancelled", secondary_name(ui));
		else
			confirmed(ui, kind);
		return UI_KEY_HANDLED;
	}
	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0)
		f->input[n - 1] = '\0';
	else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof f->input)
		f->input[n] = (char)ch, f->input[n + 1] = '\0';
	else
		return UI_KEY_IGNORED;
	ui->dirty |= UI_DIRTY_OVERLAY;
	return UI_KEY_HANDLED;
}
