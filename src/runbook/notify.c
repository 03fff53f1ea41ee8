/*
 * notify.c: run notifications (notify.h). DESIGN: one lane per target,
 * each a bounded FIFO of prepared events between the run thread and the
 * lane's own worker, redis bio.c style. The run thread turns a journal
 * event into a small JSON event (what, run, runbook, mode, step, a one-line
 * text) and enqueues it on every lane under that lane's mutex; a full lane
 * drops it with a log line. A worker pops one event at a time and POSTs it
 * to its target, each request bounded by notify.timeout (CURLOPT_NOSIGNAL:
 * safe on a thread). Lanes never wait for each other, so a hanging target
 * delays neither the run nor the other target. Closing sets a deadline of
 * notify.timeout from then: events still queued after it are dropped and
 * counted, and a request in flight was started with at most one timeout,
 * so a hanging receiver costs the end of a run at most one timeout. Target
 * URLs stay in this file's memory: errors name the target by its kind and
 * variable, never by URL.
 */
#include "drconsole/runbook/notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/httpget.h"
#include "drconsole/util/log.h"
#include "drconsole/util/util.h"

struct notify_target {
	const char *kind;	/* "slack" or "json" */
	char *env;		/* the variable the URL came from (for messages) */
	char *url;
};

/* one target, its queue and its worker */
struct lane {
	struct notify_target target;
	long long timeout_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t worker;
	bool have_worker;
	json_t **queue;			/* ring of cap events */
	size_t cap, head, len;
	bool closing;
	long long close_deadline;	/* monotonic ms, once closing */
	size_t dropped;
};

struct notifier {
	struct lane lanes[2];
	size_t n_lanes;
	struct runbook_info {
		char *name;
		char *run_id;
		enum run_mode mode;
		char *user;
	} run;
	const struct runbook *rb;	/* borrowed: the steps' ids and flags */
	json_t *titles;			/* step id -> rendered title (notifier_set_titles) */
	bool started, ended;		/* run thread only: a run_start/resume, a run_end seen */
};

static void
add_target(struct notifier *n, const char *kind, const char *env)
{
	const char *url;

	if (env == NULL || *env == '\0')
		return;
	url = getenv(env);
	if (url == NULL || *url == '\0') {
		log_msg(LOG_WARN, "notify: %s target: $%s is not set; no %s notifications", kind, env, kind);
		return;
	}
	n->lanes[n->n_lanes].target.kind = kind;
	n->lanes[n->n_lanes].target.env = xstrdup(env);
	n->lanes[n->n_lanes].target.url = xstrdup(url);
	n->n_lanes++;
}

static size_t
discard_body(char *data, size_t size, size_t nmemb, void *ud)
{
	(void)data;
	(void)ud;
	return size * nmemb;
}

static void
post(const struct notify_target *t, const json_t *ev, long long timeout_ms)
{
	json_t *body = notify_body(t->kind, ev);
	char *text = json_dumps(body, JSON_COMPACT);
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	long status = 0;
	CURLcode rc = CURLE_FAILED_INIT;
	long long t0 = time_mono_ms();

	if (c != NULL && text != NULL) {
		curl_easy_setopt(c, CURLOPT_URL, t->url);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_USERAGENT, "drconsole/" DRCONSOLE_VERSION);
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	}
	/* never the URL: it holds the webhook's secret */
	if (rc != CURLE_OK)
		log_msg(LOG_WARN, "notify: POST to the %s target ($%s): %s after %lld ms; %s not delivered",
			t->kind, t->env, curl_easy_strerror(rc), time_mono_ms() - t0,
			json_string_value(json_object_get(ev, "event")));
	else if (status < 200 || status > 299)
		log_msg(LOG_WARN, "notify: POST to the %s target ($%s): HTTP %ld; %s not delivered",
			t->kind, t->env, status, json_string_value(json_object_get(ev, "event")));
	else
		log_msg(LOG_DEBUG, "notify: %s sent to the %s target in %lld ms",
			json_string_value(json_object_get(ev, "event")), t->kind, time_mono_ms() - t0);
	curl_slist_free_all(hdr);
	if (c != NULL)
		curl_easy_cleanup(c);
	free(text);
	json_decref(body);
}

/* drop what is left in the ring; l->mu held or the worker gone */
static size_t
lane_drain(struct lane *l)
{
	size_t n = l->len;

	while (l->len > 0) {
		json_decref(l->queue[l->head]);
		l->head = (l->head + 1) % l->cap;
		l->len--;
	}
	return n;
}

static void *
worker_main(void *arg)
{
	struct lane *l = arg;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		json_t *ev;
		long long timeout = l->timeout_ms;

		while (l->len == 0 && !l->closing)
			pthread_cond_wait(&l->cv, &l->mu);
		if (l->len == 0)
			break;
		if (l->closing) {
			long long left = l->close_deadline - time_mono_ms();

			if (left <= 0) {
				l->dropped += lane_drain(l);
				break;
			}
			if (left < timeout)
				timeout = left;
		}
		ev = l->queue[l->head];
		l->head = (l->head + 1) % l->cap;
		l->len--;
		pthread_mutex_unlock(&l->mu);
		post(&l->target, ev, timeout);
		json_decref(ev);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* rb may be NULL (an event about a run, not from one: a commit) */
static struct notifier *
create(const struct config *cfg, const char *name, const struct runbook *rb, const char *run_id,
       enum run_mode mode, const char *user)
{
	struct notifier *n;

	if (!run_mode_executes(mode))
		return NULL;
	n = xcalloc(1, sizeof *n);
	add_target(n, "slack", cfg->notify.slack_url_env);
	add_target(n, "json", cfg->notify.webhook_url_env);
	if (n->n_lanes == 0) {
		free(n);
		return NULL;
	}
	httpget_global_init();
	n->rb = rb;
	n->run.name = xstrdup(name != NULL ? name : "?");
	n->run.run_id = xstrdup(run_id);
	n->run.mode = mode;
	n->run.user = xstrdup(user != NULL ? user : "?");
	for (size_t i = 0; i < n->n_lanes; i++) {
		struct lane *l = &n->lanes[i];

		l->timeout_ms = cfg->notify.timeout_ms > 0 ? cfg->notify.timeout_ms : 5000;
		l->cap = cfg->notify.queue > 0 ? (size_t)cfg->notify.queue : 64;
		l->queue = xcalloc(l->cap, sizeof *l->queue);
		pthread_mutex_init(&l->mu, NULL);
		pthread_cond_init(&l->cv, NULL);
		if (pthread_create(&l->worker, NULL, worker_main, l) == 0)
			l->have_worker = true;
		else
			log_msg(LOG_WARN, "notify: cannot start the %s target's worker thread; no %s "
				"notifications", l->target.kind, l->target.kind);
	}
	return n;
}

struct notifier *
notifier_create(const struct config *cfg, const struct runbook *rb, const char *run_id,
		enum run_mode mode, const char *user)
{
	return create(cfg, rb->name, rb, run_id, mode, user);
}

/*
 * Hand ev to every lane, each its own copy: jansson's reference count is
 * not safe to share between threads (its decrement has release order only,
 * so the thread that frees has not acquired the others' reads). Takes ev.
 */
static void
enqueue(struct notifier *n, json_t *ev)
{
	for (size_t i = 0; i < n->n_lanes; i++) {
		struct lane *l = &n->lanes[i];
		json_t *copy = json_deep_copy(ev);

		pthread_mutex_lock(&l->mu);
		if (l->len == l->cap || l->closing || !l->have_worker || copy == NULL) {
			l->dropped++;
			pthread_mutex_unlock(&l->mu);
			if (l->have_worker)
				log_msg(LOG_WARN, "notify: %s target's queue full (%zu events): %s dropped",
					l->target.kind, l->cap, json_string_value(json_object_get(ev, "event")));
			json_decref(copy);
			continue;
		}
		l->queue[(l->head + l->len) % l->cap] = copy;
		l->len++;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
	}
	json_decref(ev);
}

/* A new event with the run's identity and a text line "[DRILL] drconsole: <run>: <what>". */
static json_t *
event_new(const struct notifier *n, const char *what, long long t, const char *fmt, ...) PRINTF_LIKE(4, 5);

static json_t *
event_new(const struct notifier *n, const char *what, long long t, const char *fmt, ...)
{
	va_list ap;
	char *msg, *text;
	json_t *ev;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	text = xasprintf("%sdrconsole: %s (%s, %s): %s", run_mode_label(n->run.mode), n->run.name,
			 n->run.run_id, run_mode_name(n->run.mode), msg);
	ev = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:I,s:s}", "event", what, "run", n->run.run_id,
		       "runbook", n->run.name, "mode", run_mode_name(n->run.mode),
		       "drill", n->run.mode == RUN_DRILL,
		       "user", n->run.user, "t", (json_int_t)t, "text", text);
	free(msg);
	free(text);
	return ev;
}

static const struct rb_step *
find_step(const struct notifier *n, const char *id)
{
	for (size_t i = 0; id != NULL && n->rb != NULL && i < n->rb->n_steps; i++)
		if (strcmp(n->rb->steps[i].id, id) == 0)
			return &n->rb->steps[i];
	return NULL;
}

static void
set_step(const struct notifier *n, json_t *ev, const struct rb_step *st)
{
	const char *title = json_string_value(json_object_get(n->titles, st->id));

	json_object_set_new(ev, "step", json_string(st->id));
	json_object_set_new(ev, "title", json_string(title != NULL ? title : st->id));
	json_object_set_new(ev, "destructive", json_boolean(st->destructive));
}

void
notifier_journal_event(struct notifier *n, const json_t *jev)
{
	const char *what = json_string_value(json_object_get(jev, "event"));
	long long t = (long long)json_integer_value(json_object_get(jev, "t"));
	const char *user = json_string_value(json_object_get(jev, "user"));
	const struct rb_step *st;
	json_t *ev = NULL;

	if (n == NULL || what == NULL)
		return;
	st = find_step(n, json_string_value(json_object_get(jev, "step")));
	if (strcmp(what, "run_start") == 0) {
		const char *of = json_string_value(json_object_get(jev, "rollback_of"));

		if (of != NULL) {
			ev = event_new(n, "run_start", t, "started by %s: the ROLLBACK of failover %s "
				       "(what was written on the secondary since is discarded)",
				       user != NULL ? user : n->run.user, of);
			json_object_set_new(ev, "rollback_of", json_string(of));
		} else {
			ev = event_new(n, "run_start", t, "started by %s", user != NULL ? user : n->run.user);
		}
	} else if (strcmp(what, "resume") == 0) {
		ev = event_new(n, "run_resume", t, "resumed by %s", user != NULL ? user : n->run.user);
	} else if (strcmp(what, "step_start") == 0 && st != NULL && st->destructive) {
		const char *target = json_string_value(json_object_get(jev, "target"));

		ev = event_new(n, "step_destructive", t, "destructive step %s started by %s%s%s",
			       st->id, user != NULL ? user : "?", target != NULL ? " on " : "",
			       target != NULL ? target : "");
		set_step(n, ev, st);
		if (target != NULL)
			json_object_set_new(ev, "target", json_string(target));
	} else if (strcmp(what, "step_end") == 0 && st != NULL &&
		   json_is_false(json_object_get(jev, "ok"))) {
		json_int_t ex = json_integer_value(json_object_get(jev, "exit"));

		ev = event_new(n, "step_failed", t, "step %s FAILED (exit %lld)", st->id, (long long)ex);
		set_step(n, ev, st);
		json_object_set_new(ev, "exit", json_integer(ex));
	} else if (strcmp(what, "run_end") == 0) {
		const char *outcome = json_string_value(json_object_get(jev, "outcome"));

		ev = event_new(n, "run_end", t, "ended: %s", outcome != NULL ? outcome : "?");
		json_object_set_new(ev, "outcome", json_string(outcome != NULL ? outcome : "?"));
	}
	if (ev != NULL) {
		n->started |= strcmp(what, "run_start") == 0 || strcmp(what, "resume") == 0;
		n->ended |= strcmp(what, "run_end") == 0;
		enqueue(n, ev);
	}
}

void
notify_failover_commit(const struct config *cfg, const char *run, bool drill, const char *user,
		       long long t)
{
	struct notifier *n = create(cfg, "failover", NULL, run, drill ? RUN_DRILL : RUN_LIVE, user);

	if (n == NULL)
		return;
	enqueue(n, event_new(n, "failover_commit", t, "failover committed by %s: the fail-back "
			     "runbook is now the way back", user != NULL ? user : "?"));
	notifier_free(n);
}

void
notifier_set_run_id(struct notifier *n, const char *run_id)
{
	if (n == NULL)
		return;
	free(n->run.run_id);
	n->run.run_id = xstrdup(run_id);
}

void
notifier_approval_request(struct notifier *n, const struct rb_step *st, const char *command)
{
	json_t *ev;

	if (n == NULL || st == NULL)
		return;
	ev = event_new(n, "approval_request", time_wall_ms(), "step %s waits for a second operator's "
		       "approval (drconsole approve %s)", st->id, n->run.run_id);
	set_step(n, ev, st);
	if (command != NULL)
		json_object_set_new(ev, "command", json_string(command));
	enqueue(n, ev);
}

void
notifier_set_titles(struct notifier *n, const struct runbook *rb, char *const *titles)
{
	if (n == NULL)
		return;
	json_decref(n->titles);
	n->titles = json_object();
	n->rb = rb;
	for (size_t i = 0; titles != NULL && i < rb->n_steps; i++)
		if (titles[i] != NULL)
			json_object_set_new(n->titles, rb->steps[i].id, json_string(titles[i]));
}

void
notifier_free(struct notifier *n)
{
	if (n == NULL)
		return;
	/* a stopped run has no run_end in its journal (it can be resumed): say it stopped */
	if (n->started && !n->ended)
		enqueue(n, event_new(n, "run_stopped", time_wall_ms(), "stopped unfinished; it can be "
				     "resumed"));
	/* all lanes close at once: the end of a run waits one timeout, not one per target */
	for (size_t i = 0; i < n->n_lanes; i++) {
		struct lane *l = &n->lanes[i];

		pthread_mutex_lock(&l->mu);
		l->closing = true;
		l->close_deadline = time_mono_ms() + l->timeout_ms;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
	}
	for (size_t i = 0; i < n->n_lanes; i++) {
		struct lane *l = &n->lanes[i];

		if (l->have_worker)
			pthread_join(l->worker, NULL);
		l->dropped += lane_drain(l);
		if (l->dropped > 0)
			log_msg(LOG_WARN, "notify: %zu event%s not sent to the %s target (queue full, or "
				"not delivered before the run ended plus notify.timeout)", l->dropped,
				l->dropped == 1 ? "" : "s", l->target.kind);
		pthread_mutex_destroy(&l->mu);
		pthread_cond_destroy(&l->cv);
		free(l->target.env);
		free(l->target.url);
		free(l->queue);
	}
	json_decref(n->titles);
	free(n->run.name);
	free(n->run.run_id);
	free(n->run.user);
	free(n);
}

json_t *
notify_body(const char *kind, const json_t *event)
{
	if (str_eq(kind, "slack"))
		return json_pack("{s:s}", "text", json_string_value(json_object_get(event, "text")));
	{
		json_t *b = json_deep_copy(event);

		json_object_set_new(b, "source", json_string("drconsole"));
		return b;
	}
}
