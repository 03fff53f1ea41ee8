/*
 * run_control.c: the console's run, whatever view is shown: start it on
 * its own thread through the run_async bridge (the driver decides on
 * read-only and says why), bring its checklist back, take its state and
 * questions when its fd is readable, and stop it when the console quits or
 * the terminal goes away. The checklist (checklist.c) draws it and takes
 * its keys; the dialogs and the dashboard ask it whether it is active.
 */
#include "ui_internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/log.h"

/* how long quitting waits for the run thread, beyond the SSH connect bound */
#define UI_RUN_STOP_WAIT_MS 3000

void
ui_block_signals(sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, old);
}

bool
ui_run_active(const struct ui *ui)
{
	bool active;

	if (ui->run == NULL)
		return false;
	active = !run_async_lock(ui->run)->finished;
	run_async_unlock(ui->run);
	return active;
}

void
ui_run_show(struct ui *ui)
{
	if (ui->run == NULL)
		return;
	ui->view = UI_VIEW_RUN;
	/* back to a pending question: type-ahead and a held key cannot answer it */
	ui->q_shown_ms = time_mono_ms();
	flushinp();
	ui->dirty |= UI_DIRTY_ALL & ~UI_DIRTY_LAYOUT;
}

static void
start_run(struct ui *ui, const char *runbook_path, enum run_mode mode, const char *resume_journal,
	  const char *rollback_of)
{
	struct run_params p;
	char *err = NULL;
	sigset_t old;
	bool started;

	if (ui->run != NULL) {
		if (ui_run_active(ui)) {
			ui_run_show(ui);
			return;
		}
		run_async_free(ui->run);
		ui->run = NULL;
	}
	memset(&p, 0, sizeof p);
	p.cfg = ui->cfg;
	p.sites[0] = ui->sites[0];
	p.sites[1] = ui->sites[1];
	p.runbook_path = runbook_path;
	/* the driver decides: a read-only console's run is refused there, with the reason */
	p.mode = ui->opts->mode == RUN_READ_ONLY ? RUN_READ_ONLY : mode;
	p.read_only_reason = ui->opts->mode == RUN_READ_ONLY ? ui->opts->read_only_reason : NULL;
	p.resume_journal = resume_journal;
	p.rollback_of = rollback_of;
	ui->run = run_async_create();
	/* the run thread and its probe workers inherit this mask: signals stay with the UI thread */
	ui_block_signals(&old);
	started = run_async_start(ui->run, &p, &err) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		ui_message(ui, UI_crit, "cannot start the run: %s", err);
		free(err);
		run_async_free(ui->run);
		ui->run = NULL;
		return;
	}
	log_msg(LOG_INFO, "run started from the console: %s (%s)%s%s", runbook_path,
		run_mode_name(p.mode), resume_journal != NULL ? ", resuming " : "",
		resume_journal != NULL ? resume_journal : "");
	ui->run_mode = p.mode;
	ui->run_gen = 0;
	ui->q_id = 0;
	ui->out_scroll = 0;
	ui->cancel_asked = false;
	ui->run_finished_seen = false;
	ui->view = UI_VIEW_RUN;
	ui->dirty |= UI_DIRTY_ALL & ~UI_DIRTY_LAYOUT;
}

void
ui_run_start(struct ui *ui, const char *runbook_path, enum run_mode mode, const char *resume_journal)
{
	start_run(ui, runbook_path, mode, resume_journal, NULL);
}

void
ui_run_start_rollback(struct ui *ui, const char *runbook_path, enum run_mode mode,
		      const char *rollback_of)
{
	start_run(ui, runbook_path, mode, NULL, rollback_of);
}

void
ui_run_poll(struct ui *ui)
{
	const struct run_async_state *st;
	enum run_mode mode = RUN_LIVE;
	bool finished;

	if (ui->run == NULL)
		return;
	run_async_drain(ui->run);
	st = run_async_lock(ui->run);
	if (st->gen != ui->run_gen) {
		ui->run_gen = st->gen;
		ui->dirty |= UI_DIRTY_HEADER | UI_DIRTY_FOOTER | UI_DIRTY_OVERLAY;
	}
	if (st->q.kind != RUN_Q_NONE && st->q.id != ui->q_id) {
		/* a new question: nothing typed before it may answer it */
		ui->q_id = st->q.id;
		ui->q_shown_ms = time_mono_ms();
		ui->q_input[0] = '\0';
		ui->q_sel = st->q.dflt;
		ui->out_scroll = 0;
		ui->cancel_asked = false;
		flushinp();
		if (ui->view != UI_VIEW_RUN)
			ui_overlay_close(ui, UI_VIEW_RUN);
	} else if (st->q.kind == RUN_Q_NONE) {
		ui->q_id = 0;
	}
	finished = st->finished && !ui->run_finished_seen;
	if (finished) {
		ui->run_finished_seen = true;
		ui->cancel_asked = false;
		mode = st->mode;
		ui_message(ui, st->rc == 0 ? UI_ok : UI_warn, "run %s %s (exit %d): drconsole report %s",
			   st->run_id != NULL ? st->run_id : "", st->rc == 0 ? "finished" : "stopped", st->rc,
			   st->run_id != NULL ? st->run_id : "RUN");
	}
	run_async_unlock(ui->run);
	if (finished && mode == RUN_DRILL) {
		struct report_summary sum;

		/* the header's last drill: this one, if it restored service */
		if (history_last_drill(ui->cfg->state_dir, (double)ui->cfg->rpo_ms / 1000.0,
				       (double)ui->cfg->rto_ms / 1000.0, &sum, NULL) == 0) {
			ui->have_drill = true;
			ui->last_drill_rto_s = sum.rto_s;
			ui->dirty |= UI_DIRTY_HEADER;
		}
	}
}

bool
ui_run_stop(struct ui *ui, bool hangup)
{
	long long wait_ms = UI_RUN_STOP_WAIT_MS + ui->cfg->ssh.connect_timeout_ms;

	if (ui->run == NULL)
		return true;
	if (hangup && ui_run_active(ui)) {
		/*
		 * The operator's terminal is gone, not their decision: the running
		 * step finishes (bounded by its own timeout) and is journaled; the
		 * next question gets its safe default, so the run stops there.
		 */
		log_msg(LOG_WARN, "terminal hung up with a run active: letting the running step finish");
		run_async_abort(ui->run, false);
		while (!run_async_wait(ui->run, 60000))
			log_msg(LOG_INFO, "still waiting for the running step to finish");
		run_async_free(ui->run);
		ui->run = NULL;
		return true;
	}
	run_async_abort(ui->run, true);
	/* a cancelled command is ended on its host over a fresh session: give that its bound */
	if (!run_async_wait(ui->run, (int)wait_ms)) {
		/* its command did not stop in time: the journal shows the step as started */
		log_msg(LOG_WARN, "the run did not stop within %lld ms; leaving it (resume offers it)",
			wait_ms);
		ui->run = NULL;		/* the thread still uses it: the caller must exit now */
		return false;
	}
	run_async_free(ui->run);
	ui->run = NULL;
	return true;
}
