/*
 * checklist.c: a runbook run in the console. The run itself (run.h) works
 * on its own thread through the run_async bridge, started and stopped by
 * run_control.c; this file draws its state and passes the operator's
 * answers back:
 *
 *   - a title line: runbook, run id, mode, steps done, elapsed time against
 *     the runbook's estimate, a progress bar;
 *   - the steps: state symbol and word, title, elapsed (running steps count
 *     up live) or the estimate of steps not started;
 *   - the live output with scrollback (it follows the end until scrolled);
 *   - the question bar while the run waits for the operator.
 *
 * Questions are safe by construction: keys typed before a question shows
 * are flushed (flushinp) and keys within UI_Q_GUARD_MS of it are dropped,
 * so neither type-ahead nor a held key answers it; Enter never confirms a
 * plain question (only 'y' does) and a typed confirmation is compared by
 * the bridge, not here. Every answer's default is the safe one.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/duration.h"

/* keys arriving this soon after a question appeared are dropped */
#define UI_Q_GUARD_MS 250

/* ---- drawing ---- */

static const char *
step_symbol(enum step_state s, bool utf8)
{
	switch (s) {
	case STEP_PENDING: return utf8 ? "·" : ".";
	case STEP_RUNNING: return utf8 ? "▶" : ">";
	case STEP_DONE: return utf8 ? "✓" : "+";
	case STEP_FAILED: return utf8 ? "✗" : "x";
	case STEP_SKIPPED: return "-";
	case STEP_INTERRUPTED: return "!";
	case STEP_UNKNOWN: return "?";
	}
	return "?";
}

static enum ui_elem
step_elem(enum step_state s)
{
	switch (s) {
	case STEP_PENDING: return UI_step_pending;
	case STEP_RUNNING: return UI_step_running;
	case STEP_DONE: return UI_step_done;
	case STEP_FAILED: return UI_step_failed;
	case STEP_SKIPPED: return UI_dim;
	case STEP_INTERRUPTED: return UI_warn;
	case STEP_UNKNOWN: return UI_warn;
	}
	return UI_normal;
}

/* Word-wrap s into at most max lines of width cells; returns the count. */
static int
wrap_words(const char *s, int width, char out[][256], int max)
{
	int n = 0;

	while (*s != '\0' && n < max) {
		size_t len = strlen(s), cut = len;

		if (width < 8)
			width = 8;
		if (len > (size_t)width) {
			cut = (size_t)width;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = (size_t)width;
			while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
		}
		if (cut > 255)
			cut = 255;
		memcpy(out[n], s, cut);
		out[n][cut] = '\0';
		n++;
		s += cut;
		while (*s == ' ')
			s++;
	}
	return n;
}

static void
draw_box(WINDOW *w, int y, int x, int h, int width, const char *title, bool utf8, int attr)
{
	WINDOW *sub;

	if (h < 2 || width < 4)
		return;
	sub = derwin(w, h, width, y, x);
	if (sub == NULL)
		return;
	ui_border(sub, utf8, attr);
	if (title != NULL)
		ui_put(sub, 0, 2, title, width - 4, ui_theme_attr(UI_title));
	delwin(sub);
}

/* Fraction of the estimate covered by finished steps (steps without one count equally). */
static double
progress_of(const struct run_async_state *st, long long *est_total)
{
	long long total = 0, done = 0;
	size_t n_est = 0, n_done = 0;

	for (size_t i = 0; i < st->n_steps; i++) {
		bool fin = st->steps[i].state == STEP_DONE || st->steps[i].state == STEP_SKIPPED;

		if (st->steps[i].estimate_ms > 0) {
			total += st->steps[i].estimate_ms;
			n_est++;
			if (fin)
				done += st->steps[i].estimate_ms;
		}
		if (fin)
			n_done++;
	}
	*est_total = total;
	if (n_est == st->n_steps && total > 0)
		return (double)done / (double)total;
	return st->n_steps > 0 ? (double)n_done / (double)st->n_steps : 0.0;
}

static void
draw_title(struct ui *ui, WINDOW *w, const struct run_async_state *st, int cols)
{
	char line[64], status[256], el[32], est[32], bar[64];
	long long est_total = 0, now = ui->now_ms;
	double frac = progress_of(st, &est_total);
	size_t n_fin = 0;
	int bw = 20, filled, x, status_w, id_w, name_w;
	const char *sep = ui->utf8 ? "·" : "-";

	for (size_t i = 0; i < st->n_steps; i++)
		if (st->steps[i].state == STEP_DONE || st->steps[i].state == STEP_SKIPPED)
			n_fin++;
	if (st->run_started_ms > 0)
		duration_format(now - st->run_started_ms, el, sizeof el);
	else
		snprintf(el, sizeof el, "-");
	if (est_total > 0)
		duration_format(est_total, est, sizeof est);
	else
		snprintf(est, sizeof est, "none");
	filled = (int)(frac * bw + 0.5);
	if (filled > bw)
		filled = bw;
	for (int i = 0; i < bw; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[bw] = '\0';
	ui_fill(w, 0, 0, cols, ui_theme_attr(UI_section));
	/* the mode first, then the progress, the runbook's name in what is left, the run id if it fits */
	x = ui_put(w, 0, 0, ui->utf8 ? " ▌ " : " | ", cols, ui_theme_attr(UI_section) | (int)A_BOLD);
	snprintf(line, sizeof line, " %s ", run_mode_word(st->mode));
	x += ui_put(w, 0, x, line, cols - x,
		    ui_theme_attr(ui_mode_elem(st->mode)));
	if (st->finished)
		snprintf(status, sizeof status, "%s (exit %d) %s %zu/%zu steps %s took %s",
			 st->rc == 0 ? "FINISHED" : "STOPPED", st->rc, sep, n_fin, st->n_steps, sep, el);
	else if (cols >= UI_WIDE_COLS)
		snprintf(status, sizeof status, "%zu/%zu steps %s elapsed %s of estimated %s [%s] %d%%",
			 n_fin, st->n_steps, sep, el, est, bar, (int)(frac * 100 + 0.5));
	else
		snprintf(status, sizeof status, "%zu/%zu steps %s %s of ~%s %d%%", n_fin, st->n_steps, sep,
			 el, est, (int)(frac * 100 + 0.5));
	status_w = ui_text_width(status);
	id_w = st->run_id != NULL ? ui_text_width(st->run_id) + 2 : 0;
	name_w = cols - x - 2 - status_w - 2 - id_w;
	if (name_w < 16) {
		id_w = 0;	/* no room for the run id (the footer names it when the run ends) */
		name_w = cols - x - 2 - status_w - 2;
	}
	if (name_w < 8)
		name_w = 8;
	x += 2;
	x += ui_put(w, 0, x, st->runbook_name != NULL ? st->runbook_name : "(loading runbook)", name_w,
		    ui_theme_attr(UI_section) | (int)A_BOLD);
	x += 2;
	x += ui_put(w, 0, x, status, cols - x, ui_theme_attr(st->finished ? (st->rc == 0 ? UI_ok : UI_warn)
								: UI_section));
	if (id_w > 0 && x + id_w <= cols)
		ui_put_right(w, 0, cols - 1, st->run_id, ui_theme_attr(UI_dim));
}

static void
draw_steps(struct ui *ui, WINDOW *w, const struct run_async_state *st, int y0, int x0, int h,
	   int width)
{
	int inner = h - 2, top = 0, cur = st->current;
	char title[32];

	snprintf(title, sizeof title, " Steps %zu ", st->n_steps);
	draw_box(w, y0, x0, h, width, title, ui->utf8, ui_theme_attr(UI_border));
	if (inner <= 0)
		return;
	if (cur < 0)
		for (size_t i = 0; i < st->n_steps; i++)
			if (st->steps[i].state != STEP_DONE && st->steps[i].state != STEP_SKIPPED) {
				cur = (int)i;
				break;
			}
	if (cur >= inner)
		top = cur - inner / 2;
	if (top > (int)st->n_steps - inner)
		top = (int)st->n_steps - inner;
	if (top < 0)
		top = 0;
	for (int r = 0; r < inner && top + r < (int)st->n_steps; r++) {
		const struct run_async_step *s = &st->steps[top + r];
		int y = y0 + 1 + r, x = x0 + 2, right = x0 + width - 2, attr = ui_theme_attr(step_elem(s->state));
		char t[32] = "", head[64];

		if (s->state == STEP_RUNNING && s->started_ms > 0)
			duration_format(ui->now_ms - s->started_ms, t, sizeof t);
		else if ((s->state == STEP_DONE || s->state == STEP_FAILED) && s->started_ms > 0 &&
			 s->ended_ms >= s->started_ms)
			duration_format(s->ended_ms - s->started_ms, t, sizeof t);
		else if (s->state == STEP_PENDING && s->estimate_ms > 0) {
			char e[24];

			snprintf(t, sizeof t, "~%s", duration_format(s->estimate_ms, e, sizeof e));
		}
		if (top + r == st->current)
			ui_fill(w, y, x0 + 1, width - 2, ui_theme_attr(UI_selection));
		if (top + r == st->current && s->state == STEP_PENDING && st->q.kind != RUN_Q_NONE)
			snprintf(head, sizeof head, "%s %-11s", "?", "ASKING");	/* waits for the operator */
		else if (top + r == st->current && s->state == STEP_PENDING && st->waiting != NULL) {
			char left[24];

			snprintf(head, sizeof head, "%s %-11s", "?", "APPROVAL");	/* a second operator */
			snprintf(t, sizeof t, "%s left", duration_format(st->waiting_until_ms > ui->now_ms ?
				 st->waiting_until_ms - ui->now_ms : 0, left, sizeof left));
		} else
			snprintf(head, sizeof head, "%s %-11s", step_symbol(s->state, ui->utf8),
				 ui_step_word(s->state));
		x += ui_put(w, y, x, head, right - x,
			    top + r == st->current ? ui_theme_attr(UI_selection) | (int)A_BOLD : attr);
		x += 1;
		{
			char line[320];
			int tw = ui_text_width(t);

			snprintf(line, sizeof line, "%s%s", s->destructive ? (ui->utf8 ? "⚠ " : "! ") : "", s->title);
			ui_put(w, y, x, line, right - x - tw - 1,
			       top + r == st->current ? ui_theme_attr(UI_selection) : ui_theme_attr(UI_normal));
			if (tw > 0)
				ui_put_right(w, y, right, t, top + r == st->current ? ui_theme_attr(UI_selection)
					     : ui_theme_attr(UI_dim));
		}
	}
}

/*
 * Split s into display rows of at most width cells (a cell per UTF-8
 * character), breaking at the last space of a row when there is one in its
 * second half. Fills start/len up to max rows; returns the count (>= 1).
 */
static int
wrap_line(const char *s, int width, const char **start, int *len, int max)
{
	int n = 0;

	if (width < 1)
		width = 1;
	do {
		int cells = 0, brk = -1;
		size_t i = 0;

		while (s[i] != '\0' && cells < width) {
			if (s[i] == ' ')
				brk = (int)i;
			i++;
			while (((unsigned char)s[i] & 0xc0) == 0x80)
				i++;
			cells++;
		}
		if (s[i] != '\0' && brk > width / 2)
			i = (size_t)brk + 1;	/* the space ends this row */
		start[n] = s;
		len[n] = (int)i;
		n++;
		s += i;
	} while (*s != '\0' && n < max);
	return n;
}

static int
output_attr(const char *line)
{
	if (strstr(line, "FAILED") != NULL || strstr(line, "NO-GO") != NULL)
		return ui_theme_attr(UI_crit);
	if (strncmp(line, "[DRILL] Step ", 13) == 0 || strncmp(line, "[DRY-RUN] Step ", 15) == 0 ||
	    strncmp(line, "Step ", 5) == 0)
		return ui_theme_attr(UI_title) | (int)A_BOLD;
	return ui_theme_attr(UI_normal);
}

/*
 * The output pane: the newest lines, long ones wrapped (a manual step's
 * instructions are read in full). out_scroll counts display rows up from
 * the end; 0 follows new output.
 */
static void
draw_output(struct ui *ui, WINDOW *w, const struct run_async_state *st, int y0, int x0, int h,
	    int width)
{
	enum { ROWS_PER_LINE = 64 };
	int inner = h - 2, tw = width - 4, need, got = 0;
	struct orow { const char *s; int len, attr; } *rows;
	char title[96];

	if (inner <= 0 || tw < 1)
		return;
	if (ui->out_scroll < 0)
		ui->out_scroll = 0;
	need = inner + ui->out_scroll;
	rows = xcalloc((size_t)need, sizeof *rows);	/* rows[0] is the last display row */
	for (size_t k = st->dropped + st->n_lines; k-- > st->dropped && got < need;) {
		const char *line = run_async_line(st, k), *start[ROWS_PER_LINE];
		int len[ROWS_PER_LINE], n, attr;

		if (line == NULL)
			continue;
		attr = output_attr(line);
		n = wrap_line(line, tw, start, len, ROWS_PER_LINE);
		for (int i = n - 1; i >= 0 && got < need; i--)
			rows[got++] = (struct orow){ start[i], len[i], attr };
	}
	if (got < need)		/* scrolled past the oldest line */
		ui->out_scroll = got > inner ? got - inner : 0;
	if (ui->out_scroll > 0)
		snprintf(title, sizeof title, " Output (scrolled: %d row%s below; End follows) ",
			 ui->out_scroll, ui->out_scroll == 1 ? "" : "s");
	else
		snprintf(title, sizeof title, " Output ");
	draw_box(w, y0, x0, h, width, title, ui->utf8, ui_theme_attr(UI_border));
	for (int r = 0; r < inner; r++) {
		/* fewer rows than the pane: from its top */
		int idx = got < inner ? got - 1 - r : ui->out_scroll + (inner - 1 - r);
		char buf[1024];

		if (idx < 0 || idx >= got)
			continue;
		snprintf(buf, sizeof buf, "%.*s", rows[idx].len, rows[idx].s);
		ui_put(w, y0 + 1 + r, x0 + 2, buf, tw, rows[idx].attr);
	}
	free(rows);
}

/* Lines the question bar needs at this width. */
static int
question_height(const struct run_async_state *st, int width)
{
	char tmp[8][256];
	int n = wrap_words(st->q.prompt != NULL ? st->q.prompt : "", width - 4, tmp, 8);

	if (st->q.kind == RUN_Q_CHOOSE)
		n += (int)st->q.n_options;
	else if (st->q.kind == RUN_Q_TYPED)
		n += 1;
	return n + 4;	/* borders, a gap, the hint */
}

static void
draw_question(struct ui *ui, WINDOW *w, const struct run_async_state *st, int y0, int h, int width)
{
	char lines[8][256], buf[320];
	int n, y = y0 + 1, dattr = ui_theme_attr(UI_dialog);
	const char *title = st->q.kind == RUN_Q_TYPED ? " Type to confirm "
			    : st->q.kind == RUN_Q_CHOOSE ? " Choose " : " Confirm ";

	for (int r = 0; r < h; r++)
		ui_fill(w, y0 + r, 0, width, dattr);
	draw_box(w, y0, 0, h, width, title, ui->utf8, ui_theme_attr(UI_title));
	n = wrap_words(st->q.prompt != NULL ? st->q.prompt : "", width - 4, lines, 8);
	for (int i = 0; i < n && y < y0 + h - 1; i++)
		ui_put(w, y++, 2, lines[i], width - 4,
		       (st->q.kind == RUN_Q_TYPED ? ui_theme_attr(UI_warn) : dattr) | A_BOLD);
	if (st->q.kind == RUN_Q_CHOOSE) {
		for (size_t i = 0; i < st->q.n_options && y < y0 + h - 1; i++, y++) {
			int attr = (int)i == ui->q_sel ? ui_theme_attr(UI_selection) : dattr;

			snprintf(buf, sizeof buf, "%zu) %s%s", i + 1, st->q.options[i],
				 (int)i == st->q.dflt ? "  (default)" : "");
			ui_fill(w, y, 2, width - 4, attr);
			ui_put(w, y, 3, buf, width - 6, attr);
		}
	} else if (st->q.kind == RUN_Q_TYPED && y < y0 + h - 1) {
		snprintf(buf, sizeof buf, "> %s_", ui->q_input);
		ui_put(w, y++, 2, buf, width - 4, ui_theme_attr(UI_filter));
	}
	y = y0 + h - 2;
	ui_put(w, y, 2, st->q.kind == RUN_Q_CONFIRM
	       ? "y confirms   n, Esc or Enter: no (the default)"
	       : st->q.kind == RUN_Q_TYPED
	       ? "type it exactly, then Enter   Esc cancels (the default)"
	       : "Up/Down or 1-9 select   Enter chooses   Esc: the default",
	       width - 4, ui_theme_attr(UI_dim));
}

/* The body of the view: everything between the header and the message line. */
void
ui_checklist_draw(struct ui *ui)
{
	const struct run_async_state *st;
	int y0 = ui->lay.header.h, h = ui->lay.message.y - y0, cols = ui->lay.cols, body, qh = 0;
	WINDOW *w;

	if (ui->run == NULL || h < 6)
		return;
	if (ui->win_overlay != NULL)
		delwin(ui->win_overlay);
	ui->win_overlay = w = newwin(h, cols, y0, 0);
	if (w == NULL)
		return;
	wbkgd(w, (chtype)ui_theme_attr(UI_normal));
	werase(w);
	st = run_async_lock(ui->run);
	draw_title(ui, w, st, cols);
	if (st->q.kind != RUN_Q_NONE) {
		qh = question_height(st, cols);
		if (qh > h - 5)
			qh = h - 5;
	}
	body = h - 1 - qh;
	if (cols >= UI_WIDE_COLS) {
		int sw = cols * 2 / 5;

		if (sw > 64)
			sw = 64;
		draw_steps(ui, w, st, 1, 0, body, sw);
		draw_output(ui, w, st, 1, sw, body, cols - sw);
	} else {
		int sh = (int)st->n_steps + 2;

		if (sh > body / 2)
			sh = body / 2;
		draw_steps(ui, w, st, 1, 0, sh, cols);
		draw_output(ui, w, st, 1 + sh, 0, body - sh, cols);
	}
	if (qh > 0)
		draw_question(ui, w, st, h - qh, qh, cols);
	run_async_unlock(ui->run);
	wnoutrefresh(w);
}

/* The footer's keys in this view. */
void
ui_checklist_footer(struct ui *ui, WINDOW *w)
{
	const struct run_async_state *st = run_async_lock(ui->run);
	bool q = st->q.kind != RUN_Q_NONE, fin = st->finished;
	char buf[256];

	if (q)
		snprintf(buf, sizeof buf, "the run waits for your answer above   Tab: look at the dashboard first");
	else if (fin)
		snprintf(buf, sizeof buf, "Esc back to the dashboard   drconsole report %s   Up/Down scroll   q quit",
			 st->run_id != NULL ? st->run_id : "RUN");
	else if (st->waiting != NULL && !ui->cancel_asked)
		snprintf(buf, sizeof buf, "%s   c stop waiting   Esc/Tab dashboard", st->waiting);
	else if (ui->cancel_asked)
		snprintf(buf, sizeof buf, "Cancel the running command? y cancels it (killed on its host), any other key keeps it");
	else
		snprintf(buf, sizeof buf, "Up/Down PgUp/PgDn scroll   End follow   c cancel the command   "
			 "Esc/Tab dashboard (the run goes on)   ? help   q quit");
	run_async_unlock(ui->run);
	ui_put(w, 0, 1, buf, ui->lay.cols - 2, ui_theme_attr(ui->cancel_asked ? UI_warn : UI_key));
}

/* ---- keys ---- */

static void
answer_key(struct ui *ui, const struct run_question *q, int ch)
{
	size_t len = strlen(ui->q_input);
	unsigned id = q->id;
	enum run_question_kind kind = q->kind;
	int n = (int)q->n_options, dflt = q->dflt;
	char typed[sizeof ui->q_input];

	/* answered below, after the lock is released */
	run_async_unlock(ui->run);
	switch (kind) {
	case RUN_Q_CONFIRM:
		if (ch == 'y' || ch == 'Y')
			run_async_answer(ui->run, id, true, NULL, 0);
		else if (ch == 'n' || ch == 'N' || ch == 27 || ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			run_async_answer(ui->run, id, false, NULL, 0);
		break;
	case RUN_Q_TYPED:
		if (ch == 27) {
			run_async_answer(ui->run, id, false, NULL, 0);
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			memcpy(typed, ui->q_input, sizeof typed);
			run_async_answer(ui->run, id, false, typed, 0);
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (len > 0)
				ui->q_input[len - 1] = '\0';
		} else if (ch == 21) {	/* Ctrl-U */
			ui->q_input[0] = '\0';
		} else if (ch >= 32 && ch < 127 && len + 1 < sizeof ui->q_input) {
			ui->q_input[len] = (char)ch;
			ui->q_input[len + 1] = '\0';
		}
		break;
	case RUN_Q_CHOOSE:
		if (ch == KEY_UP || ch == 'k') {
			if (ui->q_sel > 0)
				ui->q_sel--;
		} else if (ch == KEY_DOWN || ch == 'j') {
			if (ui->q_sel + 1 < n)
				ui->q_sel++;
		} else if (ch >= '1' && ch <= '9' && ch - '1' < n) {
			ui->q_sel = ch - '1';
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			run_async_answer(ui->run, id, false, NULL, ui->q_sel);
		} else if (ch == 27) {
			run_async_answer(ui->run, id, false, NULL, dflt);
		}
		break;
	case RUN_Q_NONE:
		break;
	}
	ui->dirty |= UI_DIRTY_OVERLAY | UI_DIRTY_FOOTER;
}

/* The keys of the run view; any key comes back here. */
int
ui_checklist_key(struct ui *ui, int ch)
{
	const struct run_async_state *st;
	bool fin;

	if (ui->run == NULL) {
		ui->view = UI_VIEW_DASH;
		return UI_KEY_HANDLED;
	}
	st = run_async_lock(ui->run);
	if (st->q.kind != RUN_Q_NONE && st->q.id == ui->q_id) {
		if (time_mono_ms() - ui->q_shown_ms < UI_Q_GUARD_MS) {
			run_async_unlock(ui->run);
			return UI_KEY_HANDLED;	/* a held key: dropped */
		}
		if (st->q.kind != RUN_Q_TYPED && (ch == 'q' || ch == '?')) {
			/* not answers (a typed confirmation takes them as text) */
			run_async_unlock(ui->run);
			if (ch == 'q')
				ui_dialog_open(ui, UI_DLG_QUIT, "Quit");
			else
				ui_help_open(ui);
			return UI_KEY_HANDLED;
		}
		if (ch == '\t') {
			/* look at the dashboard first; the question waits (F/R/B comes back) */
			run_async_unlock(ui->run);
			ui_overlay_close(ui, UI_VIEW_DASH);
			ui_message(ui, UI_warn, "the run waits for your answer: F, R or B shows it again");
			return UI_KEY_HANDLED;
		}
		answer_key(ui, &st->q, ch);	/* releases the lock */
		return UI_KEY_HANDLED;
	}
	fin = st->finished;
	run_async_unlock(ui->run);
	if (ui->cancel_asked) {
		ui->cancel_asked = false;
		if ((ch == 'y' || ch == 'Y') && !fin) {
			run_async_cancel(ui->run);
			ui_message(ui, UI_warn, "cancelling the running command (the step will fail)");
		}
		ui->dirty |= UI_DIRTY_FOOTER;
		return UI_KEY_HANDLED;
	}
	if (ui_key_dispatch(ui, ui_run_keys, ch) != UI_KEY_HANDLED)
		return UI_KEY_IGNORED;
	ui->dirty |= UI_DIRTY_OVERLAY | UI_DIRTY_FOOTER;
	return UI_KEY_HANDLED;
}
