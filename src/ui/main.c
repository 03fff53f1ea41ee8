/*
 * main.c: the console's main loop and terminal safety.
 *
 * DESIGN: one thread owns the terminal. It starts the probe scheduler
 * (workers never touch curses; the signals the loop cares about are blocked
 * in them, so they interrupt this thread's poll) and then poll()s stdin, the
 * status store's self-pipe, a signal self-pipe and a timer at the next
 * second boundary (the clock; tick.c marks what else reads differently). A
 * store wake-up takes a snapshot and rebuilds the panel rows; drawing
 * happens once per loop for whatever is dirty, each window wnoutrefresh'd
 * and one doupdate.
 *
 * While curses is active nothing may write to the terminal behind its back:
 * the log goes to its file and fd 2 itself is pointed at the log, so even a
 * library's stray fprintf(stderr) lands there. fatal() and crash signals
 * restore the terminal (endwin, fd 2 back) before printing; SIGTERM, SIGHUP
 * and SIGINT quit cleanly through the signal pipe.
 */
#include "ui_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/util/log.h"
#include "drconsole/probe/probes.h"

/* Probe worker threads: a hanging host holds one for at most its timeout. */
#define UI_WORKERS 16
/* How long quitting waits for running probes before it stops waiting. */
#define UI_QUIT_WAIT_MS 1500

static volatile sig_atomic_t curses_active;
static int saved_stderr = -1;
static int sig_pipe[2] = { -1, -1 };

/* Give the terminal back: endwin and the real stderr. Safe to call twice. */
static void
restore_terminal(void)
{
	if (curses_active) {
		curses_active = 0;
		endwin();
	}
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static void
crash_handler(int sig)
{
	static const char msg[] = "drconsole: crashed (fatal signal); the terminal was restored\n";
	ssize_t r;

	restore_terminal();
	r = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)r;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
quit_handler(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;
	ssize_t r = write(sig_pipe[1], &b, 1);

	(void)r;
	errno = saved;
}

static void
install_signals(void)
{
	static const int crash[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
	static const int quit[] = { SIGTERM, SIGHUP, SIGINT };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < ARRAY_LEN(crash); i++)
		sigaction(crash[i], &sa, NULL);
	sa.sa_handler = quit_handler;
	sa.sa_flags = 0;
	for (size_t i = 0; i < ARRAY_LEN(quit); i++)
		sigaction(quit[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Point fd 2 at the log file (or /dev/null) while curses is active. */
static void
divert_stderr(const char *log_path)
{
	int fd = -1;

	if (log_path != NULL)
		fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void
delete_windows(struct ui *ui)
{
	WINDOW **ws[] = { &ui->win_header, &ui->win_tabs, &ui->win_panel[0], &ui->win_panel[1],
			  &ui->win_msg, &ui->win_footer, &ui->win_overlay };

	for (size_t i = 0; i < ARRAY_LEN(ws); i++) {
		if (*ws[i] != NULL)
			delwin(*ws[i]);
		*ws[i] = NULL;
	}
}

static WINDOW *
make_window(const struct ui_rect *r, enum ui_elem bg)
{
	WINDOW *w;

	if (r->h <= 0 || r->w <= 0)
		return NULL;
	w = newwin(r->h, r->w, r->y, r->x);
	if (w != NULL)
		wbkgd(w, (chtype)ui_theme_attr(bg));
	return w;
}

static void
relayout(struct ui *ui)
{
	int lines, cols;

	getmaxyx(stdscr, lines, cols);
	delete_windows(ui);
	ui_layout_compute(&ui->lay, cols, lines);
	wbkgd(stdscr, (chtype)ui_theme_attr(UI_normal));
	werase(stdscr);
	wnoutrefresh(stdscr);
	if (ui->lay.kind == UI_LAYOUT_TOO_SMALL)
		return;
	ui->win_header = make_window(&ui->lay.header, UI_header);
	ui->win_tabs = make_window(&ui->lay.tabs, UI_normal);
	ui->win_panel[0] = make_window(&ui->lay.panel[0], UI_normal);
	if (ui->lay.kind == UI_LAYOUT_WIDE)
		ui->win_panel[1] = make_window(&ui->lay.panel[1], UI_normal);
	ui->win_msg = make_window(&ui->lay.message, UI_normal);
	ui->win_footer = make_window(&ui->lay.footer, UI_normal);
	for (int i = 0; i < 2; i++)
		ui_panel_move(&ui->panels[i], 0, ui_panel_body_height(ui));
}

/* The RPO headline now: a backup's age and a silent replica's exposure grow with time. */
static void
update_rpo(struct ui *ui)
{
	const struct site *p = ui->sites[SITE_PRIMARY];

	ui->rpo_two = p != NULL && p->aws != NULL && p->aws->n_rds > 0;
	ui->rpo_headline = rpo_headline_scenario(ui->cfg->rpo_headline, ui->rpo_two);
	rpo_evaluate_scenario(&ui->rpo_sources, probes_rpo_stores(ui->sites), (double)ui->cfg->rpo_ms / 1000.0,
			      time_wall_ms(), ui->interval_ms, ui->rpo_headline, &ui->rpo);
	if (ui->rpo_two)
		rpo_evaluate_scenario(&ui->rpo_sources, probes_rpo_stores(ui->sites),
				      (double)ui->cfg->rpo_ms / 1000.0, time_wall_ms(), ui->interval_ms,
				      ui->rpo_headline == RPO_SITE_LOSS ? RPO_INSTANCE_LOSS : RPO_SITE_LOSS,
				      &ui->rpo_other);
}

/* A new snapshot of the store: rows, RPO headline. */
static void
take_snapshot(struct ui *ui)
{
	struct status_snapshot *old = ui->snap;
	bool any_pending = false;

	ui->snap = status_store_snapshot(ui->store);
	ui_rpo_sources(ui);
	update_rpo(ui);
	for (size_t i = 0; i < ui->snap->n; i++) {
		const struct observation *o = ui->snap->items[i];

		if (o->status == OBS_PENDING)
			any_pending = true;
		else if (o->observed_at_ms > ui->last_post_ms)
			ui->last_post_ms = o->observed_at_ms;	/* the newest result */
	}
	ui->rpo_pending = any_pending && ui->rpo.worst >= 0 &&
			  ui->rpo.stores[ui->rpo.worst].sources_seen == 0;
	ui_rows_rebuild(ui);
	status_snapshot_free(old);
}

static void
render(struct ui *ui)
{
	if (ui->dirty & UI_DIRTY_LAYOUT) {
		relayout(ui);
		ui->dirty = UI_DIRTY_ALL & ~UI_DIRTY_LAYOUT;
	}
	if (ui->dirty == 0)
		return;
	if (ui->lay.kind == UI_LAYOUT_TOO_SMALL) {
		ui_too_small_draw(ui);
	} else {
		unsigned d = ui->dirty;

		if (ui->view == UI_VIEW_DETAIL || ui->view == UI_VIEW_RUN ||
		    (ui->view == UI_VIEW_HELP && ui->help_return == UI_VIEW_RUN))
			ui->dirty &= ~(UI_DIRTY_PANELS | UI_DIRTY_AGES);
		ui_dashboard_draw(ui);
		if ((ui->dirty & (UI_DIRTY_PANELS | UI_DIRTY_AGES)) == UI_DIRTY_AGES)
			ui_ages_draw(ui);
		if (ui->dirty & (UI_DIRTY_PANELS | UI_DIRTY_AGES))
			ui->panels_drawn_ms = ui->now_ms;
		if (ui->dirty & UI_DIRTY_FOOTER)
			ui->footer_drawn_ms = ui->now_ms;
		ui->dirty = d;
		if (ui->view == UI_VIEW_DETAIL)
			ui_detail_draw(ui);
		else if (ui->view == UI_VIEW_RUN)
			ui_checklist_draw(ui);
		else if (ui->view == UI_VIEW_HELP)
			ui_help_draw(ui);
		else if (ui->view == UI_VIEW_DIALOG)
			ui_dialog_draw(ui);
		else if (ui->view == UI_VIEW_DRIFT)
			ui_drift_draw(ui);
		else if (ui->view == UI_VIEW_WATCH)
			ui_watch_draw(ui);
		else if (ui->view == UI_VIEW_APPROVE)
			ui_approve_draw(ui);
	}
	doupdate();
	ui->dirty = 0;
}

static void
filter_key(struct ui *ui, int ch)
{
	size_t len = strlen(ui->filter);

	if (ch == 27) {
		ui->filter[0] = '\0';
		ui->filter_edit = false;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		ui->filter_edit = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len > 0)
			ui->filter[len - 1] = '\0';
	} else if (ch >= 32 && ch < 127 && len + 1 < sizeof ui->filter) {
		ui->filter[len] = (char)ch;
		ui->filter[len + 1] = '\0';
	} else {
		return;
	}
	ui_rows_rebuild(ui);
	ui->dirty |= UI_DIRTY_FOOTER;
}

/* The dashboard's keys: through its table (keys.c); any key clears the message. */
static void
dashboard_key(struct ui *ui, int ch)
{
	if (ui->message[0] != '\0') {
		ui->message[0] = '\0';
		ui->dirty |= UI_DIRTY_FOOTER;
	}
	if (ui_key_dispatch(ui, ui_dash_keys, ch) == UI_KEY_HANDLED)
		ui->dirty |= UI_DIRTY_PANELS;
}

static void
handle_key(struct ui *ui, int ch)
{
	if (ch == KEY_RESIZE) {
		ui->dirty |= UI_DIRTY_LAYOUT;
		return;
	}
	if (ui->lay.kind == UI_LAYOUT_TOO_SMALL) {
		/* no dialog fits: with a run active, quitting waits for a bigger terminal */
		if (ch == 'q' && !ui_run_active(ui))
			ui->quit = true;
		return;
	}
	if (ui->filter_edit) {
		filter_key(ui, ch);
		return;
	}
	switch (ui->view) {
	case UI_VIEW_DETAIL:
		ui_detail_key(ui, ch);
		break;
	case UI_VIEW_HELP:
		ui_help_key(ui, ch);
		break;
	case UI_VIEW_DIALOG:
		ui_dialog_key(ui, ch);
		break;
	case UI_VIEW_RUN:
		ui_checklist_key(ui, ch);
		break;
	case UI_VIEW_DRIFT:
		ui_drift_key(ui, ch);
		break;
	case UI_VIEW_WATCH:
		if (ui_watch_key(ui, ch)) {
			ui_overlay_close(ui, UI_VIEW_DASH);
			ui_watch_free(ui);
		}
		break;
	case UI_VIEW_APPROVE:
		ui_approve_key(ui, ch);
		break;
	case UI_VIEW_DASH:
		dashboard_key(ui, ch);
		break;
	}
}

static void
start_curses(struct ui *ui)
{
	initscr();
	curses_active = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
	ui->color = !ui->opts->no_color && has_colors();
	ui_theme_apply(ui->opts->theme, ui->color);
}

/* scheduler_free on a helper thread, so quitting waits at most wait_ms for probes. */
struct closer {
	struct scheduler *sched;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	bool done;
};

static void *
closer_main(void *arg)
{
	struct closer *c = arg;

	scheduler_free(c->sched);
	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* True when the scheduler stopped (and was freed) within wait_ms. */
static bool
stop_scheduler(struct scheduler *sched, int wait_ms)
{
	static struct closer c;		/* outlives this call if the thread does */
	struct timespec until;
	pthread_t t;
	bool done;

	c.sched = sched;
	c.done = false;
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cv, NULL);
	if (pthread_create(&t, NULL, closer_main, &c) != 0) {
		scheduler_free(sched);
		return true;
	}
	time_deadline_after(&until, wait_ms);
	pthread_mutex_lock(&c.lock);
	while (!c.done && pthread_cond_timedwait(&c.cv, &c.lock, &until) == 0)
		;
	done = c.done;
	pthread_mutex_unlock(&c.lock);
	if (done)
		pthread_join(t, NULL);
	else
		pthread_detach(t);
	return done;
}

static void
ui_fatal_hook(void)
{
	restore_terminal();
}

int
ui_run(const struct ui_options *opts)
{
	struct ui ui;
	sigset_t old;
	size_t jobs;
	struct pollfd pfd[4];
	unsigned long long gen = 0;
	bool snap_due = false, hangup = false;
	const char *log_path = opts->cfg->log;

	memset(&ui, 0, sizeof ui);
	ui.cfg = opts->cfg;
	ui.sites = opts->sites;
	ui.opts = opts;
	ui.interval_ms = ui.cfg->refresh_ms > 0 ? ui.cfg->refresh_ms : 10000;
	ui.have_drill = opts->have_drill;
	ui.last_drill_rto_s = opts->last_drill_rto_s;
	ui.verify_text = opts->verify_text;
	ui.panels[0].role = SITE_PRIMARY;
	ui.panels[1].role = SITE_SECONDARY;
	ui.panels[0].sel = ui.panels[1].sel = -1;
	ui_drift_load(&ui);
	ui_failover_load(&ui);
	/* only the character type: numbers keep the C locale's decimal point */
	setlocale(LC_CTYPE, "");
	ui.utf8 = ui_text_width("→") == 1 && MB_CUR_MAX > 1;

	if (pipe(sig_pipe) != 0) {
		fprintf(stderr, "drconsole: pipe: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}

	ui.store = status_store_create(32);
	ui.penv = probe_env_create(ui.cfg, ui.sites);
	ui.sched = scheduler_create(ui.store, ui.penv, UI_WORKERS, ui.interval_ms);
	jobs = probes_add_all(ui.sched, ui.store, ui.cfg, ui.sites);

	/* workers inherit this mask: these signals reach only the UI thread */
	ui_block_signals(&old);
	scheduler_start(ui.sched);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	install_signals();
	fatal_set_hook(ui_fatal_hook);
	if (opts->log_path != NULL)
		log_path = opts->log_path;
	divert_stderr(log_path);
	start_curses(&ui);
	log_msg(LOG_INFO, "console started: %zu probe jobs, %d workers, refresh %lld ms, theme %s%s",
		jobs, UI_WORKERS, ui.interval_ms, opts->theme->name, ui.color ? "" : " (no colour)");

	ui.dirty = UI_DIRTY_ALL;
	gen = status_store_generation(ui.store);
	take_snapshot(&ui);
	pfd[0].fd = STDIN_FILENO;
	pfd[1].fd = status_store_fd(ui.store);
	pfd[2].fd = sig_pipe[0];
	pfd[3].fd = -1;
	for (int i = 0; i < 4; i++)
		pfd[i].events = POLLIN;
	ui_resume_offer(&ui);

	while (!ui.quit) {
		long long now;
		int timeout, rc, ch;

		ui.now_ms = time_wall_ms();
		render(&ui);
		if (!ui.first_frame_done) {
			ui.first_frame_done = true;
			log_msg(LOG_INFO, "first frame drawn %lld ms after start",
				time_mono_ms() - opts->start_mono_ms);
			if (opts->exit_after_first_frame)
				break;
		}
		now = time_wall_ms();
		timeout = (int)(1000 - now % 1000) + 2;
		/* a snapshot is due anyway: results arriving before it need not wake us one by one */
		pfd[1].fd = snap_due ? -1 : status_store_fd(ui.store);
		pfd[1].revents = 0;
		pfd[3].fd = ui.run != NULL ? run_async_fd(ui.run) : -1;
		pfd[3].revents = 0;
		rc = poll(pfd, 4, timeout);
		if (rc < 0 && errno != EINTR) {
			log_msg(LOG_ERROR, "poll: %s", strerror(errno));
			break;
		}
		if (rc > 0 && (pfd[2].revents & POLLIN)) {
			unsigned char b;
			bool quit = false;

			/* Ctrl-C while a run is active asks first, as q does */
			while (read(sig_pipe[0], &b, 1) == 1) {
				if (b == SIGHUP)
					hangup = true;
				log_msg(LOG_INFO, "signal %d%s", b, b == SIGINT && ui_run_active(&ui)
					? ": a run is active, asking" : ": quitting");
				if (b != SIGINT || !ui_run_active(&ui))
					quit = true;
			}
			if (quit)
				ui.quit = true;
			else if (ui.view != UI_VIEW_DIALOG || ui.dialog != UI_DLG_QUIT)
				ui_dialog_open(&ui, UI_DLG_QUIT, "Quit");
		}
		if (rc > 0 && (pfd[1].revents & POLLIN)) {
			unsigned long long g;

			status_store_drain(ui.store);
			g = status_store_generation(ui.store);
			if (g != gen) {
				gen = g;
				snap_due = true;
			}
		}
		if (rc == 0 || time_wall_ms() / 1000 != now / 1000) {
			/*
			 * A new second: the clock, the RPO exposure, what else reads
			 * differently, and the results of the last second in one
			 * rebuild of the rows, drawn in the same frame (results arrive
			 * one by one: at most one frame a second for them).
			 */
			if (snap_due) {
				status_store_drain(ui.store);
				gen = status_store_generation(ui.store);
				snap_due = false;
				take_snapshot(&ui);
				ui.dirty |= UI_DIRTY_FOOTER | UI_DIRTY_OVERLAY;
			}
			update_rpo(&ui);
			ui_watch_tick(&ui);
			ui_approve_tick(&ui);
			ui_failover_tick(&ui);
			ui_tick(&ui);
		}
		/* the run's state changed (a question is shown at once, type-ahead flushed) */
		if (rc > 0 && (pfd[3].revents & POLLIN))
			ui_run_poll(&ui);
		/* keys (and KEY_RESIZE after SIGWINCH interrupted poll) */
		while ((ch = getch()) != ERR && !ui.quit)
			handle_key(&ui, ch);
		if (ui.view != UI_VIEW_DASH && ui.dirty != 0)
			ui.dirty |= UI_DIRTY_OVERLAY;
	}

	delete_windows(&ui);
	restore_terminal();
	fatal_set_hook(NULL);
	if (ui.run != NULL) {
		/* safe answers from now on, its command cancelled; the journal keeps the rest */
		if (ui_run_active(&ui) && !hangup)
			fprintf(stderr, "drconsole: stopping the active run (its journal offers to resume it)\n");
		if (!ui_run_stop(&ui, hangup)) {
			fprintf(stderr, "drconsole: the run's command did not stop; exiting without it "
				"(the next start offers to resume the run)\n");
			log_close();
			exit_leaving_threads(EXIT_FAILURE);
		}
	}
	history_free(ui.unfinished, ui.n_unfinished);
	ui_drift_free(&ui);
	ui_watch_free(&ui);
	ui_approve_free(&ui);
	ui_failover_free(&ui);
	log_msg(LOG_INFO, "console closed");
	if (!stop_scheduler(ui.sched, UI_QUIT_WAIT_MS)) {
		/* a probe is stuck in its timeout: do not make the operator wait for it */
		log_msg(LOG_INFO, "probes still running after %d ms; exiting without waiting",
			UI_QUIT_WAIT_MS);
		log_close();
		exit_leaving_threads(EXIT_SUCCESS);
	}
	probe_env_free(ui.penv);
	for (int i = 0; i < 2; i++)
		ui_panel_free(&ui.panels[i]);
	free(ui.rpo_sources.items);
	status_snapshot_free(ui.snap);
	status_store_free(ui.store);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	return EXIT_SUCCESS;
}
