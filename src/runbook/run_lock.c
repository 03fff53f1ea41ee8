/*
 * run_lock.c: a run's hold on the run lock (lock.h) on the secondary's
 * control host, over its own session pool, so the keeper refreshes it while
 * a step's command holds the step's session: taking it (a stale one is
 * broken only after the operator types 'break'; a crashed run's own lock is
 * taken over by its resume), passing it from an abandoned run to the new
 * one, and checking before each step that it is still this run's.
 */
#include "run_lock.h"

#include <stdlib.h>
#include <string.h>

#define HEARTBEAT_MS		30000	/* keeper refresh (a quarter of a short stale limit) */

/* Does a holder line name this user and run? */
static bool
holder_is(const char *holder, const char *user, const char *run_id)
{
	char *u = xasprintf("user=%s ", user), *id = xasprintf(" run=%s", run_id);
	bool yes = holder != NULL && str_starts_with(holder, u) && str_ends_with(holder, id);

	free(u);
	free(id);
	return yes;
}

/* The stale limit in seconds (config lock_stale_after). */
static long long
lock_stale_s(const struct run_state *r)
{
	return r->cfg->lock_stale_ms > 0 ? (r->cfg->lock_stale_ms + 999) / 1000 : 600;
}

/*
 * The lock on the secondary's control host, over its own session pool: the
 * keeper refreshes it while a step's command holds the step's session.
 */
static bool
lock_setup(struct run_state *r)
{
	const struct site *s = r->sites[SITE_SECONDARY];
	struct run_target *t = NULL;
	struct exec_request where;
	struct ssh_options o;
	char *err = NULL, *path;
	size_t n;

	if (r->lock.path != NULL)
		return true;
	n = run_resolve_targets(r->cfg, s, NULL, &t, &err);
	if (n == 0) {
		run_say(r, "run lock: %s", err);
		free(err);
		return false;
	}
	memset(&where, 0, sizeof where);
	where.host = t[0].host;
	where.address = t[0].address;
	where.port = t[0].port;
	where.user = t[0].user;
	where.timeout_ms = 30000;
	path = lock_path(r->cfg->lock_dir != NULL ? r->cfg->lock_dir : "/var/tmp",
			 s->deploy_env != NULL ? s->deploy_env : s->env_name);
	if (r->lock_ex == NULL) {
		ssh_options_for_site(r->cfg, r->sites[SITE_SECONDARY], &o);
		r->lock_pool = ssh_pool_create(&o);
		r->lock_ex = executor_ssh_create(r->lock_pool);
	}
	lock_init(&r->lock, r->lock_ex, &where, path, r->run_id);
	free(path);
	run_targets_free(r->lock_t, r->lock_n);
	r->lock_t = t;
	r->lock_n = n;
	return true;
}

static void
lock_taken(struct run_state *r)
{
	long long every = lock_stale_s(r) * 1000 / 4;

	r->have_lock = true;
	lock_keep_alive(&r->lock, every < HEARTBEAT_MS ? every : HEARTBEAT_MS);
	run_say(r, "run lock %s taken on %s", r->lock.path, r->lock.where.host);
	run_alog(r, json_pack("{s:s,s:s,s:s}", "event", "lock", "path", r->lock.path,
			  "host", r->lock.where.host));
}

/* May the lock a crashed run left (held) be taken over by its resume or abandon? */
static bool
may_take_over(struct run_state *r, const struct lock_info *li)
{
	long long stale = lock_stale_s(r);

	switch (lock_holder_liveness(li->holder)) {
	case LOCK_HOLDER_GONE:
		return true;
	case LOCK_HOLDER_ALIVE:
		run_say(r, "Its process is still running on this machine (%s): not taking its lock.",
		    li->holder);
		return false;
	case LOCK_HOLDER_ELSEWHERE:
		break;
	}
	if (li->age_s >= stale)
		return true;
	run_say(r, "Its lock was refreshed %llds ago from another machine (%s): it may still be running "
	    "there. Not taking its lock (it goes stale %llds after its last heartbeat).",
	    li->age_s, li->holder, stale);
	return false;
}

bool
run_take_lock(struct run_state *r, bool resuming)
{
	struct lock_info li;
	const char *host;
	char *holder;
	long long stale = lock_stale_s(r);
	bool ok = false;

	if (r->have_lock)
		return true;	/* passed on by the run just abandoned */
	if (!lock_setup(r))
		return false;
	host = r->lock.where.host;
	holder = lock_holder_line(r->user);
	lock_acquire(&r->lock, holder, &li);
	if (li.state == LOCK_HELD && resuming && holder_is(li.holder, r->user, r->run_id)) {
		/* the run being resumed died holding it (crash, kill -9, dropped terminal) */
		run_say(r, "run lock %s on %s is still held by this run (%s)", r->lock.path, host, li.holder);
		if (may_take_over(r, &li)) {
			run_say(r, "taking it over");
			run_alog(r, json_pack("{s:s,s:s,s:s}", "event", "lock_takeover", "path", r->lock.path,
					  "holder", li.holder));
			lock_info_clear(&li);
			lock_take_over(&r->lock, r->run_id, holder, &li);
		} else {
			lock_info_clear(&li);
			li.state = LOCK_ERROR;
			li.error = xstrdup("not resuming a run that may still be running");
		}
	}
	if (li.state == LOCK_HELD) {
		enum lock_verdict v = lock_judge(&li, stale);

		run_say(r, "run lock %s on %s is held by %s (last heartbeat %llds ago)", r->lock.path, host,
		    li.holder, li.age_s);
		if (v == LOCK_STALE && !r->p->yes) {
			run_say(r, "The lock looks stale (no heartbeat for over %llds, its holder not seen running).",
			    stale);
			if (r->p->ui->confirm_typed(r->p->ui->ud, "Type 'break' to break the stale lock "
						    "(make sure its holder is gone)", "break")) {
				char *old = xstrdup(li.holder);

				lock_info_clear(&li);
				lock_break_stale(&r->lock, holder, stale, &li);
				if (li.state == LOCK_ACQUIRED)
					run_alog(r, json_pack("{s:s,s:s,s:s}", "event", "lock_broken", "path",
							  r->lock.path, "holder", old));
				else if (li.state == LOCK_HELD)
					run_say(r, "The lock was refreshed meanwhile (%llds ago): not breaking it.",
					    li.age_s);
				free(old);
			}
		} else {
			if (v == LOCK_IN_USE)
				run_say(r, "Its process is running on this machine: the lock cannot be broken.");
			else if (v == LOCK_FRESH)
				run_say(r, "Its heartbeat is fresh (a lock may be broken only %llds after the last "
				    "one, when its holder is not seen running).", stale);
			run_say(r, "Another run holds the lock: not starting. Ask its holder, or wait.");
		}
	}
	if (li.state == LOCK_ACQUIRED) {
		ok = true;
		lock_taken(r);
	} else if (li.state == LOCK_ERROR) {
		run_say(r, "run lock: %s", li.error != NULL ? li.error : "error");
	}
	if (!ok)
		lock_fini(&r->lock);
	lock_info_clear(&li);
	free(holder);
	return ok;
}

/*
 * Abandoning run old_id passes its lock, when it holds one, to this run in
 * the same action, so the new run is not refused by it. Refused (false)
 * while the old run may still be running. *passed: the lock was its.
 */
bool
run_abandon_lock(struct run_state *r, const char *old_id, bool *passed)
{
	struct lock_info li;
	char *holder, *hrun;
	bool ok = true;

	*passed = false;
	if (!lock_setup(r))
		return false;
	holder = lock_holder_line(r->user);
	lock_acquire(&r->lock, holder, &li);
	hrun = li.state == LOCK_HELD ? lock_holder_run(li.holder) : NULL;
	if (hrun != NULL && str_eq(hrun, old_id)) {
		run_say(r, "run lock %s on %s is held by the run being abandoned (%s, last heartbeat %llds ago)",
		    r->lock.path, r->lock.where.host, li.holder, li.age_s);
		if (may_take_over(r, &li)) {
			run_alog(r, json_pack("{s:s,s:s,s:s,s:s}", "event", "lock_takeover", "path", r->lock.path,
					  "holder", li.holder, "abandoned", old_id));
			lock_info_clear(&li);
			lock_take_over(&r->lock, old_id, holder, &li);
			*passed = li.state == LOCK_ACQUIRED;
		} else {
			ok = false;
		}
	}
	if (li.state == LOCK_ACQUIRED) {
		lock_taken(r);
	} else if (li.state == LOCK_ERROR) {
		run_say(r, "run lock: %s", li.error != NULL ? li.error : "error");
		ok = false;
	}
	/* held by another run: run_take_lock says so */
	if (!r->have_lock)
		lock_fini(&r->lock);
	free(hrun);
	lock_info_clear(&li);
	free(holder);
	return ok;
}

/*
 * Before a step: the keeper has not lost the lock, and has refreshed it
 * within half the stale limit (else one refresh now must work).
 */
bool
run_lock_still_ours(struct run_state *r)
{
	long long last = 0;

	if (lock_kept(&r->lock, &last) &&
	    (time_mono_ms() - last < lock_stale_s(r) * 500 || lock_heartbeat(&r->lock)))
		return true;
	run_say(r, "run lock: it is no longer ours, or cannot be refreshed (broken by someone else? "
	    "%s unreachable?): stopping", r->lock.where.host);
	lock_release(&r->lock);	/* only if it is still ours */
	lock_fini(&r->lock);
	r->have_lock = false;
	return false;
}
