/*
 * run_async.c: the run driver on its own thread, its questions and output
 * turned into shared state for a UI thread (see run_async.h).
 *
 * DESIGN: one mutex guards the state; one condition variable wakes the run
 * thread when a question is answered (or the bridge is aborted) and the UI
 * when the thread finished. A non-blocking self-pipe tells the UI's poll()
 * that something changed; a full pipe already says so, so a failed write
 * is fine.
 */
#include "drconsole/runbook/run_async.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/util/util.h"

struct run_async {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct run_async_state st;
	struct run_ui ui;
	struct run_params params;
	char *runbook_path;		/* owned copies of the params' strings */
	char *resume_journal;
	char *rollback_of;
	int pipe[2];
	int cancel;			/* run_params.cancel: atomic */
	unsigned next_qid;
	bool answered;			/* the pending question got its answer */
	bool ans_yes;
	char *ans_typed;
	int ans_choice;
	bool aborted;
	bool started, joined;
	pthread_t thread;
};

static void
poke(struct run_async *ra)
{
	char b = 1;
	ssize_t r = write(ra->pipe[1], &b, 1);

	(void)r;	/* a full pipe already means "changed" */
}

/* Under the lock: the state changed. */
static void
changed(struct run_async *ra)
{
	ra->st.gen++;
	poke(ra);
}

static void
push_line(struct run_async_state *st, const char *s, size_t len)
{
	size_t at;

	if (st->n_lines == RUN_ASYNC_MAX_LINES) {
		free(st->lines[st->first]);
		st->lines[st->first] = NULL;
		st->first = (st->first + 1) % RUN_ASYNC_MAX_LINES;
		st->n_lines--;
		st->dropped++;
	}
	at = (st->first + st->n_lines) % RUN_ASYNC_MAX_LINES;
	st->lines[at] = xstrndup(s, len);
	st->n_lines++;
}

static void
cb_show(void *ud, const char *text)
{
	struct run_async *ra = ud;

	pthread_mutex_lock(&ra->mu);
	for (const char *p = text;;) {
		const char *nl = strchr(p, '\n');

		push_line(&ra->st, p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	changed(ra);
	pthread_mutex_unlock(&ra->mu);
}

static void
free_steps(struct run_async_state *st)
{
	for (size_t i = 0; i < st->n_steps; i++) {
		free(st->steps[i].id);
		free(st->steps[i].title);
	}
	free(st->steps);
	st->steps = NULL;
	st->n_steps = 0;
}

static void
cb_progress(void *ud, const struct run_progress *pg)
{
	struct run_async *ra = ud;
	struct run_async_state *st = &ra->st;

	pthread_mutex_lock(&ra->mu);
	if (pg->run_id != NULL && !str_eq(st->run_id, pg->run_id)) {
		free(st->run_id);
		st->run_id = xstrdup(pg->run_id);
	}
	st->mode = pg->mode;
	st->current = pg->current;
	if (pg->rb != NULL) {
		if (st->runbook_name == NULL)
			st->runbook_name = xstrdup(pg->rb->name != NULL ? pg->rb->name : pg->rb->path);
		if (st->n_steps != pg->rb->n_steps) {
			free_steps(st);
			st->steps = xcalloc(pg->rb->n_steps ? pg->rb->n_steps : 1, sizeof *st->steps);
			st->n_steps = pg->rb->n_steps;
			for (size_t i = 0; i < st->n_steps; i++) {
				const struct rb_step *s = &pg->rb->steps[i];

				st->steps[i].id = xstrdup(s->id);
				st->steps[i].title = xstrdup(pg->titles != NULL && pg->titles[i] != NULL
							     ? pg->titles[i]
							     : s->title != NULL ? s->title : s->id);
				st->steps[i].estimate_ms = s->estimate_ms;
				st->steps[i].destructive = s->destructive;
			}
		}
	}
	if (pg->eng != NULL && pg->eng->steps != NULL) {
		for (size_t i = 0; i < st->n_steps; i++) {
			const struct step_status *ss = &pg->eng->steps[i];

			st->steps[i].state = ss->state;
			st->steps[i].started_ms = ss->started_ms;
			st->steps[i].ended_ms = ss->ended_ms;
			st->steps[i].attempts = ss->attempts;
		}
		if (pg->eng->run_started_ms > 0)
			st->run_started_ms = pg->eng->run_started_ms;
	}
	if (!str_eq(st->waiting, pg->waiting)) {
		free(st->waiting);
		st->waiting = xstrdup_opt(pg->waiting);
	}
	st->waiting_until_ms = pg->waiting_until_ms;
	changed(ra);
	pthread_mutex_unlock(&ra->mu);
}

static void
clear_question(struct run_question *q)
{
	free(q->prompt);
	free(q->expected);
	str_array_free(q->options, q->n_options);
	memset(q, 0, sizeof *q);
}

/*
 * Post a question and wait for its answer. Returns false when the bridge
 * is aborted (the caller then takes the safe default).
 */
static bool
ask(struct run_async *ra, enum run_question_kind kind, const char *prompt, const char *expected,
    const char *const *options, size_t n, int dflt)
{
	struct run_question *q = &ra->st.q;
	bool ok;

	pthread_mutex_lock(&ra->mu);
	if (ra->aborted) {
		pthread_mutex_unlock(&ra->mu);
		return false;
	}
	clear_question(q);
	q->kind = kind;
	q->id = ++ra->next_qid;
	q->prompt = xstrdup(prompt);
	q->expected = expected != NULL ? xstrdup(expected) : NULL;
	if (n > 0) {
		q->options = xcalloc(n, sizeof *q->options);
		for (size_t i = 0; i < n; i++)
			q->options[i] = xstrdup(options[i]);
		q->n_options = n;
	}
	q->dflt = dflt;
	q->asked_at_line = ra->st.dropped + ra->st.n_lines;
	ra->answered = false;
	free(ra->ans_typed);
	ra->ans_typed = NULL;
	changed(ra);
	while (!ra->answered && !ra->aborted)
		pthread_cond_wait(&ra->cv, &ra->mu);
	ok = ra->answered;
	clear_question(q);
	changed(ra);
	pthread_mutex_unlock(&ra->mu);
	return ok;
}

static bool
cb_confirm(void *ud, const char *prompt)
{
	struct run_async *ra = ud;
	bool yes;

	if (!ask(ra, RUN_Q_CONFIRM, prompt, NULL, NULL, 0, 0))
		return false;
	pthread_mutex_lock(&ra->mu);
	yes = ra->ans_yes;
	pthread_mutex_unlock(&ra->mu);
	return yes;
}

static bool
cb_confirm_typed(void *ud, const char *prompt, const char *expected)
{
	struct run_async *ra = ud;
	bool yes;

	if (!ask(ra, RUN_Q_TYPED, prompt, expected, NULL, 0, 0))
		return false;
	pthread_mutex_lock(&ra->mu);
	yes = ra->ans_typed != NULL && strcmp(ra->ans_typed, expected) == 0;
	pthread_mutex_unlock(&ra->mu);
	cb_show(ra, yes ? "  (typed confirmation accepted)"
		: "  (typed confirmation does not match: cancelled)");
	return yes;
}

static int
cb_choose(void *ud, const char *prompt, const char *const *options, size_t n, int dflt)
{
	struct run_async *ra = ud;
	int c;

	if (!ask(ra, RUN_Q_CHOOSE, prompt, NULL, options, n, dflt))
		return dflt;
	pthread_mutex_lock(&ra->mu);
	c = ra->ans_choice >= 0 && (size_t)ra->ans_choice < n ? ra->ans_choice : dflt;
	pthread_mutex_unlock(&ra->mu);
	return c;
}

struct run_async *
run_async_create(void)
{
	struct run_async *ra = xcalloc(1, sizeof *ra);

	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	ra->st.lines = xcalloc(RUN_ASYNC_MAX_LINES, sizeof *ra->st.lines);
	ra->st.current = -1;
	ra->pipe[0] = ra->pipe[1] = -1;
	if (pipe(ra->pipe) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(ra->pipe[i], F_SETFL, fcntl(ra->pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(ra->pipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	ra->ui.confirm = cb_confirm;
	ra->ui.confirm_typed = cb_confirm_typed;
	ra->ui.choose = cb_choose;
	ra->ui.show = cb_show;
	ra->ui.progress = cb_progress;
	ra->ui.ud = ra;
	return ra;
}

const struct run_ui *
run_async_ui(struct run_async *ra)
{
	return &ra->ui;
}

static void *
run_main(void *arg)
{
	struct run_async *ra = arg;
	int rc = run_execute(&ra->params);

	pthread_mutex_lock(&ra->mu);
	ra->st.finished = true;
	ra->st.rc = rc;
	ra->st.current = -1;
	changed(ra);
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

int
run_async_start(struct run_async *ra, const struct run_params *p, char **err)
{
	int e;

	if (ra->started) {
		*err = xstrdup("run_async_start: a run was already started on this bridge");
		return -1;
	}
	if (ra->pipe[0] < 0) {
		*err = xstrdup("run_async_start: pipe failed");
		return -1;
	}
	ra->params = *p;
	ra->runbook_path = xstrdup(p->runbook_path);
	ra->resume_journal = p->resume_journal != NULL ? xstrdup(p->resume_journal) : NULL;
	ra->params.runbook_path = ra->runbook_path;
	ra->params.resume_journal = ra->resume_journal;
	ra->rollback_of = p->rollback_of != NULL ? xstrdup(p->rollback_of) : NULL;
	ra->params.rollback_of = ra->rollback_of;
	ra->params.ui = &ra->ui;
	ra->params.cancel = &ra->cancel;
	ra->params.yes = false;		/* the console never answers for the operator */
	ra->st.mode = p->mode;
	e = pthread_create(&ra->thread, NULL, run_main, ra);
	if (e != 0) {
		*err = xasprintf("pthread_create: %s", strerror(e));
		return -1;
	}
	ra->started = true;
	return 0;
}

int
run_async_fd(const struct run_async *ra)
{
	return ra->pipe[0];
}

void
run_async_drain(struct run_async *ra)
{
	char buf[256];

	while (read(ra->pipe[0], buf, sizeof buf) > 0)
		;
}

const struct run_async_state *
run_async_lock(struct run_async *ra)
{
	pthread_mutex_lock(&ra->mu);
	return &ra->st;
}

void
run_async_unlock(struct run_async *ra)
{
	pthread_mutex_unlock(&ra->mu);
}

const char *
run_async_line(const struct run_async_state *st, size_t k)
{
	if (k < st->dropped || k >= st->dropped + st->n_lines)
		return NULL;
	return st->lines[(st->first + (k - st->dropped)) % RUN_ASYNC_MAX_LINES];
}

bool
run_async_answer(struct run_async *ra, unsigned qid, bool yes, const char *typed, int choice)
{
	bool ok;

	pthread_mutex_lock(&ra->mu);
	ok = ra->st.q.kind != RUN_Q_NONE && ra->st.q.id == qid && !ra->answered;
	if (ok) {
		ra->answered = true;
		ra->ans_yes = yes;
		free(ra->ans_typed);
		ra->ans_typed = typed != NULL ? xstrdup(typed) : NULL;
		ra->ans_choice = choice;
		pthread_cond_broadcast(&ra->cv);
	}
	pthread_mutex_unlock(&ra->mu);
	return ok;
}

void
run_async_cancel(struct run_async *ra)
{
	__atomic_store_n(&ra->cancel, 1, __ATOMIC_RELAXED);
}

void
run_async_abort(struct run_async *ra, bool cancel_command)
{
	pthread_mutex_lock(&ra->mu);
	ra->aborted = true;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	if (cancel_command)
		run_async_cancel(ra);
}

bool
run_async_wait(struct run_async *ra, int ms)
{
	struct timespec until;
	bool done;

	if (!ra->started || ra->joined)
		return true;
	time_deadline_after(&until, ms);
	pthread_mutex_lock(&ra->mu);
	while (!ra->st.finished && pthread_cond_timedwait(&ra->cv, &ra->mu, &until) == 0)
		;
	done = ra->st.finished;
	pthread_mutex_unlock(&ra->mu);
	if (done) {
		pthread_join(ra->thread, NULL);
		ra->joined = true;
	}
	return done;
}

void
run_async_free(struct run_async *ra)
{
	if (ra == NULL)
		return;
	if (ra->started && !ra->joined)
		pthread_join(ra->thread, NULL);
	for (size_t k = 0; k < ra->st.n_lines; k++)
		free(ra->st.lines[(ra->st.first + k) % RUN_ASYNC_MAX_LINES]);
	free(ra->st.lines);
	free_steps(&ra->st);
	clear_question(&ra->st.q);
	free(ra->st.run_id);
	free(ra->st.runbook_name);
	free(ra->st.waiting);
	free(ra->ans_typed);
	free(ra->runbook_path);
	free(ra->resume_journal);
	free(ra->rollback_of);
	for (int i = 0; i < 2; i++)
		if (ra->pipe[i] >= 0)
			close(ra->pipe[i]);
	pthread_cond_destroy(&ra->cv);
	pthread_mutex_destroy(&ra->mu);
	free(ra);
}
