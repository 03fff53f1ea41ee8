/*
 * run.c: the run driver (see run.h). One pass over the steps in order; every
 * decision and every start/end is journaled (fsync) before it is acted on,
 * and applied to the engine from the same event, so a resumed run replays
 * to exactly the state the journal records. The operator is reached only
 * through struct run_ui; remote output is sanitised before show() and
 * before it is stored.
 *
 * This file keeps the drive loop and journaling; a step's own work is done
 * by its kind, through the table of step_kind.h, and what the driver and
 * the kinds share is in run_io.h and run_exec.h.
 */
#include "drconsole/runbook/run.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/runbook/backup_pick.h"
#include "drconsole/util/duration.h"
#include "drconsole/runbook/history.h"
#include "drconsole/runbook/notify.h"
#include "drconsole/probe/rpo.h"
#include "drconsole/runbook/rpo_cut.h"
#include "drconsole/runbook/run_lint.h"
#include "drconsole/runbook/site_reload.h"
#include "drconsole/util/state_dir.h"
#include "drconsole/util/strbuf.h"
#include "run_exec.h"
#include "run_io.h"
#include "run_lock.h"

#define EXIT_REFUSED_RC		2	/* refused before anything ran */

/* Tell the UI the state changed (run_ui.progress). */
static void
notify(struct run_state *r, bool finished, int rc)
{
	struct run_progress pg;

	if (r->p->ui->progress == NULL)
		return;
	memset(&pg, 0, sizeof pg);
	pg.run_id = r->run_id;
	pg.rb = r->rb;
	pg.eng = &r->eng;
	pg.mode = r->p->mode;
	pg.current = r->current;
	pg.titles = (const char *const *)r->titles;
	pg.finished = finished;
	pg.rc = rc;
	pg.waiting = r->waiting;
	pg.waiting_until_ms = r->waiting_until_ms;
	r->p->ui->progress(r->p->ui->ud, &pg);
}

/* ---- journal and audit ---- */

/* Journal ev (fsync), then apply it to the engine. false: the journal failed, stop. */
static bool
jlog(struct run_state *r, json_t *ev)
{
	char *err = NULL;

	json_incref(ev);
	if (journal_append(r->j, ev, &err) != 0) {
		run_say(r, "journal: %s: stopping (nothing more will run)", err != NULL ? err : "failed");
		free(err);
		json_decref(ev);
		r->journal_failed = true;
		return false;
	}
	engine_apply(&r->eng, ev);
	notifier_journal_event(r->notifier, ev);
	json_decref(ev);
	notify(r, false, 0);
	return true;
}

/* run_state.changed: the UI hears of a change outside the journal. */
static void
changed(struct run_state *r)
{
	notify(r, false, 0);
}

/*
 * A failed audit write stops the run as a failed journal write does: the
 * journal records why (the run stays open, so it can be resumed once the
 * state filesystem has room), then nothing more is started.
 */
static bool
audit_ok(struct run_state *r)
{
	if (r->audit_failed == NULL)
		return true;
	if (r->j != NULL && !r->journal_failed && !r->audit_failed_journaled) {
		r->audit_failed_journaled = true;
		jlog(r, json_pack("{s:s,s:s}", "event", "audit_failed", "error", r->audit_failed));
	}
	return false;
}

/* ---- steps ---- */

static void
show_rpo(struct run_state *r, json_t **ev_out)
{
	struct run_snap pr;
	struct rpo_result rpo;
	char buf[32];

	run_snap_take(r, &pr);
	rpo_evaluate(pr.snap, probes_rpo_stores(r->sites), (double)r->cfg->rpo_ms / 1000.0,
		     time_wall_ms(), r->cfg->refresh_ms, &rpo);
	run_say(r, "%sData-loss estimate if replication ends now (RPO objective %s):", r->label,
	    duration_format(r->cfg->rpo_ms, buf, sizeof buf));
	if (rpo.n == 0)
		run_say(r, "  no recovery source observed: the exposure is UNKNOWN");
	for (size_t i = 0; i < rpo.n; i++) {
		const struct rpo_store *s = &rpo.stores[i];

		if (s->have_source)
			run_say(r, "  %-9s %-5s %s behind (%s)", s->store, obs_status_word(s->status),
			    duration_format((long long)(s->exposure_s * 1000), buf, sizeof buf), s->source);
		else
			run_say(r, "  %-9s %-5s no usable source", s->store, obs_status_word(s->status));
	}
	*ev_out = NULL;
	for (size_t i = 0; i < rpo.n; i++)
		if (strcmp(rpo.stores[i].store, "postgres") == 0 && rpo.stores[i].have_source)
			*ev_out = json_pack("{s:s,s:s,s:f}", "event", "rpo", "store", "postgres",
					    "exposure_s", rpo.stores[i].exposure_s);
	run_snap_free(&pr);
}

/*
 * The preflight board: every step with a condition (checks) flagged for it.
 * true = go (or overridden).
 */
static bool
preflight(struct run_state *r)
{
	size_t nogo = 0, evaluated_n = 0;

	run_say(r, "%sPreflight: %s", r->label, r->rb->name);
	for (size_t i = 0; i < r->rb->n_steps; i++) {
		const struct rb_step *st = &r->rb->steps[i];
		const struct step_kind *k = step_kind_of(st);
		char *msg = NULL, *err = NULL;
		bool ok, evaluated;

		if (k->evaluate == NULL || !st->preflight)
			continue;
		if (st->when != NULL &&
		    run_eval_when(st->when, run_reachable, r, &r->vars, &err) != 1) {
			run_say(r, "  skip   %-22s when %s is not true", st->id, st->when);
			free(err);
			continue;
		}
		ok = k->evaluate(r, st, r->p->mode != RUN_DRY, &evaluated, &msg);
		if (!evaluated) {
			run_say(r, "  -      %-22s %s (dry-run)", st->id, msg);
		} else {
			evaluated_n++;
			if (!ok && st->on_failure != RB_FAIL_CONTINUE)
				nogo++;
			run_say(r, "  %-6s %-22s %s", ok ? "GO" : st->on_failure == RB_FAIL_CONTINUE ?
			    "WARN" : "NO-GO", st->id, msg);
		}
		free(msg);
	}
	if (!jlog(r, json_pack("{s:s,s:i,s:i}", "event", "preflight", "evaluated", (int)evaluated_n,
			       "nogo", (int)nogo)))
		return false;
	if (nogo == 0) {
		run_say(r, "%sPreflight: GO", r->label);
		return true;
	}
	run_say(r, "%sPreflight: NO-GO (%zu check%s failed)", r->label, nogo, nogo == 1 ? "" : "s");
	if (r->p->mode == RUN_DRY)
		return true;
	if (r->p->yes) {
		run_say(r, "%sA no-go cannot be overridden unattended: stopping.", r->label);
		return false;
	}
	if (!r->p->ui->confirm_typed(r->p->ui->ud, "Preflight is NO-GO. Type 'override' to run anyway",
				     "override")) {
		run_say(r, "Not overridden: stopping.");
		return false;
	}
	run_alog(r, json_pack("{s:s,s:s}", "event", "override", "what", "preflight no-go"));
	if (!audit_ok(r))
		return false;
	return jlog(r, engine_ev_override(r->user, "preflight no-go"));
}

/*
 * The preflight of a resumed run: the journaled result stands when it was GO
 * or an overridden NO-GO; when the run stopped before the board finished, or
 * at its override prompt, the board runs again and a NO-GO needs 'override'
 * as in a new run. true = go on.
 */
static bool
resume_preflight(struct run_state *r)
{
	if (r->eng.preflight_seen && (r->eng.preflight_nogo == 0 || r->eng.overridden)) {
		run_say(r, "%sPreflight: %s (journaled when the run started)", r->label,
		    r->eng.preflight_nogo == 0 ? "GO" : "NO-GO, overridden");
		return true;
	}
	run_say(r, "%s", r->eng.preflight_seen ?
	    "The run's preflight was NO-GO and was not overridden: preflight again." :
	    "The run stopped before its preflight was complete: preflight again.");
	return preflight(r);
}

static bool
cancel_requested(const struct run_state *r)
{
	return r->p->cancel != NULL && __atomic_load_n(r->p->cancel, __ATOMIC_RELAXED) != 0;
}

/* Is rem's command still running on its host? 1 yes, 0 gone, -1 could not tell (*msg). */
static int
remote_alive(struct run_state *r, const struct rb_step *st, const struct step_remote *rem,
	     char **msg)
{
	struct run_target *t = NULL;
	struct exec_request req;
	struct exec_result res;
	char *err = NULL, *cmd, *out = NULL;
	size_t n = run_resolve_targets(r->cfg, r->sites[st->on_site], rem->host, &t, &err);
	int alive = -1;

	*msg = NULL;
	if (n == 0) {
		*msg = err;
		return -1;
	}
	cmd = exec_alive_command(rem->pid);
	memset(&req, 0, sizeof req);
	req.host = t[0].host;
	req.address = t[0].address;
	req.port = t[0].port;
	req.user = t[0].user;
	req.command = cmd;
	req.timeout_ms = (r->cfg->ssh.connect_timeout_ms > 0 ? r->cfg->ssh.connect_timeout_ms : 5000) +
			 5000;
	if (executor_capture(run_site_executor(r, st->on_site), &req, 64, &out, &res) == 0 &&
	    !res.timed_out && res.exit_status == 0 && strstr(out, "running") != NULL)
		alive = 1;
	else if (res.error == NULL && !res.timed_out && res.exit_status == 0 &&
		 strstr(out, "gone") != NULL)
		alive = 0;
	else
		*msg = xstrdup(res.error != NULL ? res.error : res.timed_out ? "timed out"
			       : "unexpected answer");
	exec_result_clear(&res);
	free(out);
	free(cmd);
	free(err);
	run_targets_free(t, n);
	return alive;
}

/*
 * An UNKNOWN step: look on each host whether its command still runs, every
 * 2 s until none does, for at most the step's timeout (10 minutes at
 * least), or until the operator cancels; journal what was found. false: the
 * journal failed.
 */
static bool
check_remote(struct run_state *r, int i)
{
	const struct rb_step *st = &r->rb->steps[i];
	const struct step_status *ss = &r->eng.steps[i];
	long long wait_ms = st->timeout_ms > 600000 ? st->timeout_ms : 600000;
	long long t0 = time_mono_ms(), next_note = t0 + 30000;
	int *state = xcalloc(ss->n_remote + 1, sizeof *state);	/* 1 running, 0 gone, -1 ? */
	char buf[32];
	bool running = true, checkable = false, ok;

	if (r->p->cancel != NULL)
		__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
	for (size_t k = 0; k < ss->n_remote; k++) {
		state[k] = -1;
		if (ss->remote[k].pid > 0)
			checkable = true;
		else
			run_say(r, "  %s: the remote pid is not known: check the host by hand", ss->remote[k].host);
	}
	if (checkable)
		run_say(r, "%sChecking every 2s, for at most %s, whether the command of %s still runs "
		    "(cancel stops waiting)", r->label, duration_format(wait_ms, buf, sizeof buf), st->id);
	while (checkable) {
		running = false;
		for (size_t k = 0; k < ss->n_remote; k++) {
			char *msg = NULL;

			if (ss->remote[k].pid <= 0) {
				running = true;
				continue;
			}
			if (state[k] == 0)
				continue;
			state[k] = remote_alive(r, st, &ss->remote[k], &msg);
			if (state[k] != 0)
				running = true;
			if (state[k] < 0 && time_mono_ms() >= next_note)
				run_say(r, "  %s: could not check remote pid %ld: %s", ss->remote[k].host,
				    ss->remote[k].pid, msg);
			free(msg);
		}
		if (!running || time_mono_ms() - t0 >= wait_ms || cancel_requested(r))
			break;
		if (time_mono_ms() >= next_note) {
			run_say(r, "  still running (or not reachable) after %s",
			    duration_format(time_mono_ms() - t0, buf, sizeof buf));
			next_note = time_mono_ms() + 30000;
		}
		for (int w = 0; w < 20 && !cancel_requested(r); w++)
			usleep(100 * 1000);
	}
	if (r->p->cancel != NULL)
		__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
	for (size_t k = 0; k < ss->n_remote; k++)
		if (ss->remote[k].pid > 0)
			run_say(r, "  %s: remote pid %ld %s", ss->remote[k].host, ss->remote[k].pid,
			    state[k] == 0 ? "is gone" : state[k] > 0 ? "is STILL RUNNING"
			    : "could not be checked (host not reachable?)");
	free(state);
	run_alog(r, json_pack("{s:s,s:s,s:b}", "event", "remote_check", "step", st->id,
			  "running", running));
	ok = jlog(r, engine_ev_remote_check(st, running, r->user));
	if (!running)
		run_say(r, "%sThe command of %s is no longer running; its exit status was not seen.",
		    r->label, st->id);
	return ok;
}

/* An interrupted, failed or unknown-outcome step: the operator decides. false = stop. */
static bool
decide(struct run_state *r, int i)
{
	const struct rb_step *st = &r->rb->steps[i];
	const struct step_status *ss = &r->eng.steps[i];
	bool interrupted = ss->state == STEP_INTERRUPTED;
	static const char *const opts_int[] = {
		"stop here", "re-run it", "mark it done (I checked it completed)", "skip it",
	};
	static const char *const opts_fail[] = { "stop here", "re-run it", "skip it" };
	static const char *const opts_unknown[] = {
		"stop here", "check whether it still runs, and wait for it to end",
		"mark it done (I checked it completed)", "skip it",
	};
	int c;
	enum step_decision d;

	if (ss->state == STEP_UNKNOWN) {
		struct strbuf where = STRBUF_INIT;

		for (size_t k = 0; k < ss->n_remote; k++) {
			strbuf_printf(&where, "%s%s ", k > 0 ? ", " : "", ss->remote[k].host);
			if (ss->remote[k].pid > 0)
				strbuf_printf(&where, "(remote pid %ld)", ss->remote[k].pid);
			else
				strbuf_puts(&where, "(remote pid not known)");
		}
		if (!ss->remote_gone) {
			run_say(r, "%sStep %s (%s): outcome UNKNOWN. Its command timed out or was cancelled "
			    "and was not confirmed ended: it may still be running on %s. Re-running it "
			    "now could run it twice.", r->label, st->id, r->titles[i], strbuf_str(&where));
			strbuf_free(&where);
			c = run_ask_choose(r, "Decision for the step whose outcome is unknown", opts_unknown,
				       4, 0);
			if (c == 0)
				return false;
			if (c == 1)
				return check_remote(r, i);
			d = c == 2 ? DECIDE_MARK_DONE : DECIDE_SKIP;
		} else {
			run_say(r, "%sStep %s (%s): its command is no longer running on %s, but its exit "
			    "status was not seen. Check on the hosts what it did before deciding.",
			    r->label, st->id, r->titles[i], strbuf_str(&where));
			strbuf_free(&where);
			c = run_ask_choose(r, "Decision for the step whose outcome is unknown", opts_int, 4, 0);
			if (c == 0)
				return false;
			d = c == 1 ? DECIDE_RERUN : c == 2 ? DECIDE_MARK_DONE : DECIDE_SKIP;
		}
	} else if (interrupted) {
		run_say(r, "%sStep %s (%s) was INTERRUPTED: it started and never reported an end. "
		    "Check on the hosts what it did before deciding.", r->label, st->id, r->titles[i]);
		c = run_ask_choose(r, "Decision for the interrupted step", opts_int, 4, 0);
		if (c == 0)
			return false;
		d = c == 1 ? DECIDE_RERUN : c == 2 ? DECIDE_MARK_DONE : DECIDE_SKIP;
	} else {
		c = run_ask_choose(r, "The step failed", opts_fail, 3, 0);
		if (c == 0)
			return false;
		d = c == 1 ? DECIDE_RERUN : DECIDE_SKIP;
	}
	run_alog(r, json_pack("{s:s,s:s,s:s}", "event", "decision", "step", st->id, "decision",
			  d == DECIDE_RERUN ? "rerun" : d == DECIDE_MARK_DONE ? "mark_done" : "skip"));
	if (!audit_ok(r))
		return false;
	return jlog(r, engine_ev_decision(st, d, r->user));
}

enum step_result { STEP_OK, STEP_STOP, STEP_FAILED_RES, STEP_UNKNOWN_RES };

static void
remote_free(struct step_remote *rem, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(rem[k].host);
	free(rem);
}

static bool rpo_check_old(struct run_state *r);

/* Has this run journaled the cut of st (or any estimate, with any_estimate)? */
static bool
cut_recorded(struct run_state *r, const struct rb_step *st, bool any_estimate)
{
	struct journal_read jr;
	char *err = NULL;
	bool rec;

	if (r->j == NULL || journal_read(journal_path(r->j), &jr, &err) != 0) {
		free(err);
		return false;
	}
	rec = rpo_cut_recorded(jr.events, jr.n, st->id, any_estimate);
	journal_read_free(&jr);
	return rec;
}

/*
 * rpo_cut.h, around a step that ends replication: before its command the
 * WAL positions at the cut (once per run: a re-run keeps the first), after
 * it the switch points and the old upstreams. false: the journal failed.
 */
static bool
rpo_cut_hook(struct run_state *r, const struct rb_step *st, const struct run_target *t,
	     size_t n, bool after)
{
	bool ok = true;

	if (r->p->mode == RUN_DRY || (!after && cut_recorded(r, st, false)))
		return true;
	for (size_t k = 0; k < n && ok; k++) {
		char *msg = NULL;
		json_t *ev = after ? rpo_cut_switch(r->cfg, st, t[k].host, t[k].address, &msg) :
			     rpo_cut_measure(r->cfg, r->sites, st, t[k].host, t[k].address, &msg);

		run_say(r, "  RPO %s", msg);
		free(msg);
		ok = jlog(r, ev);
	}
	return ok && (!after || rpo_check_old(r));
}

/* The old upstreams of this run's cuts against their switch points, journaled. */
static bool
rpo_check_old(struct run_state *r)
{
	struct journal_read jr;
	char *err = NULL, *msg = NULL;
	json_t *evs = json_array();
	bool ok = true;
	size_t i;
	json_t *ev;

	if (r->j == NULL || journal_read(journal_path(r->j), &jr, &err) != 0) {
		free(err);
		json_decref(evs);
		return true;
	}
	rpo_cut_check_old(r->cfg, jr.events, jr.n, evs, &msg);
	journal_read_free(&jr);
	if (msg != NULL)
		run_say(r, "%sRPO: %s", r->label, msg);
	free(msg);
	json_array_foreach(evs, i, ev)
		if (ok)
			ok = jlog(r, json_incref(ev));
	json_decref(evs);
	return ok;
}

/* A step may have edited an env dir: the next step sees the edit (site_reload.h). */
static void
reload_sites(struct run_state *r)
{
	for (int i = 0; i < 2; i++) {
		char *err = NULL;
		struct site *s;

		if (r->sites[i] == NULL || r->p->mode == RUN_DRY)
			continue;
		s = site_reload_if_changed(r->cfg, (enum site_role)i, r->sites[i], &r->env_stamp[i], &err);
		if (err != NULL)
			run_say(r, "  environment %s: %s", r->sites[i]->env_name, err);
		free(err);
		if (s == NULL)
			continue;
		run_say(r, "  environment %s changed: re-read (inventory, hosts, databases)", s->env_name);
		run_alog(r, json_pack("{s:s,s:s,s:s}", "event", "env_reread", "site",
				      site_role_name((enum site_role)i), "env_dir", s->env_dir));
		/* sessions follow the new model (known_hosts, users) */
		if (r->ex[i] != NULL)
			r->ex[i]->free(r->ex[i]);
		if (r->pool[i] != NULL)
			ssh_pool_free(r->pool[i]);
		r->ex[i] = NULL;
		r->pool[i] = NULL;
		site_free(r->own_sites[i]);
		r->own_sites[i] = s;
		r->sites[i] = s;
	}
}

static enum step_result
do_step(struct run_state *r, int i)
{
	const struct rb_step *st = &r->rb->steps[i];
	const struct step_kind *kind = step_kind_of(st);
	const struct site *site = r->sites[st->on_site];
	char *err = NULL, *title, *cmd = NULL, *verify = NULL;
	struct run_target *t = NULL;
	struct step_exec sx;
	size_t n = 0;
	char buf[32];
	long long t0;
	bool ok = true, needs_targets;
	enum step_result result = STEP_OK;
	json_t *rpo_ev = NULL;

	memset(&sx, 0, sizeof sx);

	r->current = i;
	notify(r, false, 0);
	if (r->vars.backup != NULL && backup_choice_sign(&r->backup, r->cfg, r->p->sites[SITE_PRIMARY], &err) != 0) {
		run_say(r, "  %s", err);	/* backup.url stays unknown: a step using it stops */
		free(err);
		err = NULL;
	}
	title = run_render(r, st->title, false, st, &err);
	if (title == NULL)
		title = xstrdup(st->id);
	free(err);
	err = NULL;
	run_say(r, "%sStep %d/%zu %s: %s%s", r->label, i + 1, r->rb->n_steps, st->id, title,
	    st->destructive ? "  [DESTRUCTIVE]" : "");
	if (st->when != NULL) {
		int w = run_eval_when(st->when, run_reachable, r, &r->vars, &err);

		if (w < 0) {
			run_say(r, "  %s", err);
			result = STEP_STOP;
			goto out;
		}
		if (w == 0) {
			run_say(r, "  skipped: when %s is not true", st->when);
			if (!jlog(r, engine_ev_skip(st, r->user, "condition false")))
				result = STEP_STOP;
			goto out;
		}
	}
	needs_targets = kind->needs_targets(st) ||
			(kind->verifies && (st->verify_command != NULL || st->verify_sql != NULL));
	if (needs_targets) {
		n = run_resolve_targets(r->cfg, site, st->on_target, &t, &err);
		if (n == 0 && r->p->mode == RUN_DRY) {
			/* an earlier step (a manual inventory edit) may give it hosts: walk on */
			run_say(r, "  no host to run on now: %s (a live run stops here unless an earlier "
				"step changes the inventory)", err);
			free(err);
			err = NULL;
		} else if (n == 0) {
			run_say(r, "  %s", err);
			result = STEP_STOP;
			goto out;
		}
	}
	cmd = run_render(r, kind->command != NULL ? kind->command(st) : NULL, true, st, &err);
	verify = run_render(r, st->verify_command, true, st, &err);
	sx.r = r;
	sx.st = st;
	sx.t = t;
	sx.n = n;
	sx.cmd = cmd;
	if (err != NULL || !kind->describe(&sx, &err)) {
		run_say(r, "  %s", err);
		result = STEP_STOP;
		goto out;
	}
	if (verify != NULL)
		run_say(r, "  verify: %s", verify);
	if (st->verify_sql != NULL)
		run_say(r, "  verify (SQL on the target): %s", st->verify_sql);

	if (r->p->mode == RUN_DRY) {
		/* what the live run sends: become wraps each command for the host's login user */
		for (size_t k = 0; k < n && st->become != NULL; k++) {
			const char *cmds[2] = { cmd, verify };

			for (int w = 0; w < 2; w++) {
				char *sent = cmds[w] != NULL ? run_wrap_become(cmds[w], st->become, t[k].user) : NULL;

				if (sent != NULL && strcmp(sent, cmds[w]) != 0)
					run_say(r, "  %s %s (%s): %s", w == 0 ? "sends on" : "verify sends on",
					    t[k].host, t[k].address, sent);
				free(sent);
			}
		}
		if (kind->preview != NULL)
			kind->preview(&sx);
		run_say(r, "  (dry-run: not executed)");
		if (!jlog(r, json_pack("{s:s,s:s,s:s?,s:s}", "event", "skip", "step", st->id,
				       "command", cmd, "reason", "dry-run: not executed")))
			result = STEP_STOP;
		goto out;
	}

	/* confirmation */
	if (st->ends_replication && cut_recorded(r, st, true))
		run_say(r, "  RPO: the exposure when replication ended is already journaled: it stands");
	else if (st->ends_replication)
		show_rpo(r, &rpo_ev);
	if (st->destructive) {
		char *what = xasprintf("DESTRUCTIVE step %s on %s. Type the environment name '%s' to "
				       "proceed (anything else cancels)", st->id,
				       site != NULL ? site->env_name : "?",
				       site != NULL ? site->env_name : "?");

		ok = run_ask_typed(r, what, site != NULL ? site->env_name : "?");
		free(what);
	} else {
		ok = run_ask_confirm(r, kind->confirm);
	}
	run_alog(r, json_pack("{s:s,s:s,s:s,s:b,s:b}", "event", "confirm", "step", st->id,
			  "kind", st->destructive ? "typed" : "plain", "answer", ok,
			  "unattended", r->p->yes));
	if (!audit_ok(r)) {
		result = STEP_STOP;
		goto out;
	}
	if (!ok) {
		run_say(r, "%sNot confirmed: stopping before %s. Nothing was run.", r->label, st->id);
		jlog(r, json_pack("{s:s,s:s,s:s}", "event", "declined", "step", st->id, "user", r->user));
		result = STEP_STOP;
		goto out;
	}
	if (st->destructive && !approval_gate(r, st, title, cmd, t, n, rpo_ev)) {
		result = STEP_STOP;
		goto out;
	}
	{
		json_t *ev = engine_ev_step_start(st, r->user, n > 0 ? t[0].host : NULL);

		if (cmd != NULL)	/* what ran, as rendered (a report does not re-render) */
			json_object_set_new(ev, "command", json_string(cmd));
		json_object_set_new(ev, "title", json_string(title));
		if (!jlog(r, ev)) {
			result = STEP_STOP;
			goto out;
		}
	}
	if (rpo_ev != NULL && !jlog(r, rpo_ev)) {
		rpo_ev = NULL;
		result = STEP_STOP;
		goto out;
	}
	rpo_ev = NULL;
	if (st->ends_replication && st->kind == RB_RUN && !rpo_cut_hook(r, st, t, n, false)) {
		result = STEP_STOP;
		goto out;
	}
	t0 = time_mono_ms();
	ok = kind->execute(&sx);
	if (sx.n_unknown > 0) {
		json_t *ev = engine_ev_step_unknown(st, sx.unknown, sx.n_unknown, time_mono_ms() - t0);

		if (sx.output != NULL)
			json_object_set_new(ev, "output", json_string(sx.output));
		if (!jlog(r, ev)) {
			result = STEP_STOP;
			goto out;
		}
		run_say(r, "%s%s: outcome UNKNOWN after %s: the command was not confirmed ended and may "
		    "still be running on its host; re-running it now could run it twice", r->label,
		    st->id, duration_format(time_mono_ms() - t0, buf, sizeof buf));
		result = STEP_UNKNOWN_RES;
		goto out;
	}
	if (ok && kind->verifies && verify != NULL) {
		int vx = 0;
		char *vout = NULL;

		run_say(r, "  verifying: %s", verify);
		ok = run_exec_targets(r, st, st->on_site, verify, NULL, t, n, st->parallel,
				      st->verify_expect_exit, st->verify_expect_output, &vx, &vout,
				      NULL, NULL);
		free(vout);
		if (!ok)
			run_say(r, "  verification FAILED");
	}
	if (ok && kind->verifies && st->verify_sql != NULL) {
		for (size_t k = 0; k < n && ok; k++) {
			char *msg = NULL;

			ok = run_verify_sql(r, &t[k], st->verify_sql, &msg);
			run_say(r, "  verify: %s", msg);
			run_alog(r, json_pack("{s:s,s:s,s:s,s:s,s:b}", "event", "verify_sql", "step", st->id,
					  "host", t[k].host, "sql", st->verify_sql, "ok", ok));
			free(msg);
		}
	}
	{
		json_t *ev = engine_ev_step_end(st, sx.exit_status, ok, time_mono_ms() - t0);

		if (sx.output != NULL)
			json_object_set_new(ev, "output", json_string(sx.output));
		if (!jlog(r, ev)) {
			result = STEP_STOP;
			goto out;
		}
	}
	run_say(r, "%s%s %s in %s", r->label, st->id, ok ? "done" : "FAILED",
	    duration_format(time_mono_ms() - t0, buf, sizeof buf));
	if (ok && st->ends_replication && st->kind == RB_RUN && !rpo_cut_hook(r, st, t, n, true)) {
		result = STEP_STOP;
		goto out;
	}
	if (!ok)
		result = STEP_FAILED_RES;
out:
	json_decref(rpo_ev);
	remote_free(sx.unknown, sx.n_unknown);
	free(err);
	free(title);
	free(cmd);
	free(verify);
	free(sx.output);
	run_targets_free(t, n);
	return result;
}

/* ---- journals of earlier runs ---- */

/* A resumed run is a rollback exactly when its run_start says so, whatever this start asked. */
static void
run_rollback_from_journal(struct run_state *r, const struct journal_read *jr)
{
	const char *of = NULL;

	for (size_t i = 0; i < jr->n; i++)
		if (str_eq(json_string_value(json_object_get(jr->events[i], "event")), "run_start")) {
			of = json_string_value(json_object_get(jr->events[i], "rollback_of"));
			break;
		}
	if (!str_eq(of, r->rollback_of))
		run_say(r, "The run resumed %s: it continues as %s%s.", of != NULL ? "is a rollback" :
		    "is not a rollback", of != NULL ? "the rollback of failover " : "a plain fail-back",
		    of != NULL ? of : "");
	free(r->rollback_of);
	r->rollback_of = of != NULL ? xstrdup(of) : NULL;
	r->vars.rollback_of = r->rollback_of;
}

/* The newest unfinished journal of this runbook under runs_dir (caller frees), or NULL. */
static char *
find_unfinished(const char *runs_dir, const char *rb_path)
{
	DIR *d = opendir(runs_dir);
	struct dirent *de;
	char *best = NULL, *best_name = NULL;

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		struct journal_read jr;
		char *path, *err = NULL;
		bool match = false, ended = false;

		if (!str_ends_with(de->d_name, ".journal"))
			continue;
		path = xasprintf("%s/%s", runs_dir, de->d_name);
		if (journal_read(path, &jr, &err) == 0) {
			for (size_t i = 0; i < jr.n; i++) {
				const char *ev = json_string_value(json_object_get(jr.events[i], "event"));

				if (str_eq(ev, "run_start"))
					match = str_eq(json_string_value(json_object_get(jr.events[i],
								"runbook")), rb_path);
				if (str_eq(ev, "run_end"))
					ended = true;
			}
			journal_read_free(&jr);
		}
		free(err);
		if (match && !ended && (best_name == NULL || strcmp(de->d_name, best_name) > 0)) {
			free(best);
			free(best_name);
			best = path;
			best_name = xstrdup(de->d_name);
		} else {
			free(path);
		}
	}
	closedir(d);
	free(best_name);
	return best;
}

/* The run id of a journal path ("DIR/ID.journal"). */
static char *
id_of_path(const char *path)
{
	const char *b = strrchr(path, '/');
	char *id = xstrdup(b != NULL ? b + 1 : path);

	if (str_ends_with(id, ".journal"))
		id[strlen(id) - 8] = '\0';
	return id;
}

/* ---- the runbook a run runs ---- */

/* Render every step title of r->rb into r->titles (notifications name steps by them). */
static void
render_titles(struct run_state *r)
{
	r->titles = xcalloc(r->rb->n_steps + 1, sizeof *r->titles);
	for (size_t i = 0; i < r->rb->n_steps; i++) {
		char *terr = NULL;

		r->titles[i] = run_render(r, r->rb->steps[i].title, false, &r->rb->steps[i], &terr);
		if (r->titles[i] == NULL)
			r->titles[i] = xstrdup(r->rb->steps[i].title != NULL ? r->rb->steps[i].title
					       : r->rb->steps[i].id);
		free(terr);
	}
	notifier_set_titles(r->notifier, r->rb, r->titles);
}

/* The rendered titles, by step id (the report shows them without re-rendering). */
static json_t *
run_titles_json(const struct run_state *r)
{
	json_t *o = json_object();

	for (size_t i = 0; i < r->rb->n_steps; i++)
		json_object_set_new(o, r->rb->steps[i].id, json_string(r->titles[i]));
	return o;
}

/* Run rb instead of r->rb (titles and a fresh engine follow); returns the old one. */
static struct runbook *
swap_runbook(struct run_state *r, struct runbook *rb)
{
	struct runbook *old = r->rb;

	str_array_free(r->titles, old->n_steps);
	engine_free(&r->eng);
	run_vars_free(&r->vars);
	r->rb = rb;
	r->vars.rb = rb;
	render_titles(r);
	engine_init(&r->eng, rb);
	return old;
}

/*
 * An earlier run resumes with the runbook it ran, not today's file: when the
 * file's sha256 differs from the one its journal recorded, the journal's copy
 * is adopted (and the operator told). *file_rb gets the file's runbook back
 * (NULL when nothing was swapped). false: the copy cannot be used, stop.
 */
static bool
adopt_journal_copy(struct run_state *r, const struct journal_read *jr, struct runbook **file_rb)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *copy;
	const char *sum = NULL;
	bool from_copy = false;

	*file_rb = NULL;
	for (size_t i = 0; i < jr->n && sum == NULL; i++)
		if (str_eq(json_string_value(json_object_get(jr->events[i], "event")), "run_start"))
			sum = json_string_value(json_object_get(jr->events[i], "runbook_sha256"));
	if (sum == NULL) {
		run_say(r, "  (this journal keeps no copy of its runbook: the file as it is now is used)");
		return true;
	}
	if (strcmp(sum, r->rb_sha256) == 0)
		return true;
	copy = history_runbook(jr, &dl, &from_copy);
	if (copy != NULL && from_copy && dl.errors == 0)
		run_lint_runbook(copy, r->cfg, r->sites, &dl);
	if (copy == NULL || !from_copy || dl.errors > 0) {
		for (size_t i = 0; i < dl.n; i++) {
			char *m = diag_format(&dl.items[i]);

			run_say(r, "%s", m);
			free(m);
		}
		run_say(r, "The runbook changed since this run started and the journal's copy of it "
		    "cannot be used: not resuming.");
		runbook_free(copy);
		diag_list_free(&dl);
		return false;
	}
	diag_list_free(&dl);
	run_say(r, "The runbook %s changed since this run started (sha256 %.12s, now %.12s): "
	    "the run goes on with the copy in its journal, as it was started.", r->rb->path,
	    sum, r->rb_sha256);
	*file_rb = swap_runbook(r, copy);
	return true;
}

/* ---- the whole run ---- */

static bool
yes_allowed(const struct run_params *p, const char **why)
{
	if (!p->yes)
		return true;
	if (p->mode != RUN_DRILL) {
		*why = "--yes is only for drills (--drill)";
		return false;
	}
	if (!p->cfg->sites[SITE_SECONDARY].drill_target) {
		*why = "--yes needs the secondary site marked drill_target: true in the configuration";
		return false;
	}
	return true;
}

static int
finish(struct run_state *r, const char *outcome, int rc)
{
	/* a stopped run stays open in the journal, so it can be resumed */
	if (r->j != NULL && !r->journal_failed && r->p->mode != RUN_DRY)
		(void)rpo_check_old(r);	/* writes to the old primary since the cut */
	if (r->j != NULL && !r->journal_failed && strcmp(outcome, "stopped") != 0)
		jlog(r, engine_ev_run_end(outcome));
	run_alog(r, json_pack("{s:s,s:s}", "event", "run_end", "outcome", outcome));
	if (r->have_lock) {
		if (!lock_release(&r->lock))
			run_say(r, "run lock: could not release it (remove it by hand if the run is over)");
		lock_fini(&r->lock);
		r->have_lock = false;
	}
	return rc;
}

/* The same for an AWS-hosted primary's recovery points, from its remote vault. */
static bool
use_recovery(struct run_state *r)
{
	char *why = NULL, *d;
	bool fresh = r->recovery.n == 0;

	if (fresh) {
		struct run_snap pr;
		int rc;

		run_snap_take(r, &pr);
		rc = recovery_pick(pr.snap, r->sites[SITE_PRIMARY], r->sites[SITE_SECONDARY],
				   time_wall_ms() / 1000, &r->recovery, &why);
		run_snap_free(&pr);
		if (rc != 0) {
			run_say(r, "%sNo recovery point to restore: %s", r->label, why);
			free(why);
			return false;
		}
	}
	r->vars.recovery = &r->recovery;
	str_array_free(r->titles, r->rb->n_steps);
	run_vars_free(&r->vars);
	render_titles(r);
	d = recovery_choice_describe(&r->recovery);
	for (char *line = d, *nl; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)	/* one line each, as every view draws them */
			*nl = '\0';
		run_say(r, "%s%s", r->label, line);
	}
	free(d);
	if (!fresh)
		return true;
	if (!jlog(r, recovery_choice_event(&r->recovery)) ||
	    !jlog(r, json_pack("{s:s,s:s,s:I,s:s}", "event", "rpo", "store", "postgres", "exposure_s",
			       (json_int_t)(r->recovery.chosen_at - r->recovery.oldest_s), "source",
			       "recovery_point")))
		return false;
	if (!run_ask_confirm(r, "Restore these recovery points?")) {
		run_say(r, "%sNot confirmed: nothing was run.", r->label);
		return false;
	}
	return true;
}

/*
 * A restore's backup: the one the journal recorded (a resume), else chosen
 * now from a fresh S3 observation, journaled with the RPO it means and
 * confirmed; shown either way. False stops the run before any step. An
 * AWS-hosted primary restores from its remote vault (recovery_pick.h).
 */
static bool
use_backup(struct run_state *r)
{
	char *why = NULL, *d;
	bool fresh = r->backup.key == NULL;

	if (recovery_wanted(r->sites[SITE_PRIMARY]))
		return use_recovery(r);
	if (fresh) {
		struct run_snap pr;
		int rc;

		run_snap_take(r, &pr);
		rc = r->p->backup_key != NULL ?
		     backup_pick_named(pr.snap, SITE_PRIMARY, "postgres", r->p->backup_key,
				       time_wall_ms() / 1000, &r->backup, &why) :
		     backup_pick(pr.snap, SITE_PRIMARY, "postgres", time_wall_ms() / 1000, &r->backup, &why);
		run_snap_free(&pr);
		if (rc != 0) {
			run_say(r, "%sNo backup to restore: %s", r->label, why);
			free(why);
			return false;
		}
	}
	r->vars.backup = &r->backup;
	str_array_free(r->titles, r->rb->n_steps);
	run_vars_free(&r->vars);
	render_titles(r);
	d = backup_choice_describe(&r->backup);
	run_say(r, "%s%s", r->label, d);
	free(d);
	if (!fresh)
		return true;
	if (!jlog(r, backup_choice_event(&r->backup)) ||
	    !jlog(r, json_pack("{s:s,s:s,s:I,s:s}", "event", "rpo", "store", "postgres", "exposure_s",
			       (json_int_t)(r->backup.chosen_at - r->backup.taken_at), "source", "backup")))
		return false;
	if (!run_ask_confirm(r, "Restore this backup?")) {
		run_say(r, "%sNot confirmed: nothing was run.", r->label);
		return false;
	}
	return true;
}

static int
drive(struct run_state *r)
{
	const char *why = NULL;
	char *runs_dir, *err = NULL, *resume_path = NULL;
	bool resumed = false;
	long long t0 = time_mono_ms();
	char buf[32];
	int rc = 0;

	if (!yes_allowed(r->p, &why)) {
		run_say(r, "refused: %s", why);
		return EXIT_REFUSED_RC;
	}
	runs_dir = xasprintf("%s/runs", r->cfg->state_dir);
	resume_path = find_unfinished(runs_dir, r->rb->path);
	if (r->p->resume_journal != NULL) {
		/* chosen in the console's resume dialog: it must still be this runbook's open run */
		if (resume_path == NULL || strcmp(resume_path, r->p->resume_journal) != 0) {
			run_say(r, "%s is no longer the unfinished run of %s: not resuming it",
			    r->p->resume_journal, r->rb->path);
			free(runs_dir);
			free(resume_path);
			return 1;
		}
	}
	if (resume_path != NULL && r->p->mode != RUN_DRY) {
		struct journal_read jr;
		struct runbook *file_rb = NULL;
		static const char *const opts[] = {
			"cancel", "resume it", "abandon it (record it as ended) and start a new run",
		};
		int c;

		run_say(r, "An unfinished run of this runbook exists: %s", resume_path);
		if (journal_read(resume_path, &jr, &err) != 0) {
			run_say(r, "%s", err);
			free(err);
			free(runs_dir);
			free(resume_path);
			return 1;
		}
		if (!adopt_journal_copy(r, &jr, &file_rb)) {
			journal_read_free(&jr);
			free(runs_dir);
			free(resume_path);
			return 1;
		}
		engine_replay(&r->eng, jr.events, jr.n);
		for (size_t i = 0; i < r->rb->n_steps; i++)
			run_say(r, "  %-12s %s", step_state_name(r->eng.steps[i].state), r->rb->steps[i].id);
		if (!str_eq(r->eng.mode, run_mode_name(r->p->mode))) {
			run_say(r, "It was started in %s mode; this is %s mode.", r->eng.mode != NULL ?
			    r->eng.mode : "?", run_mode_name(r->p->mode));
			c = run_ask_choose(r, "The earlier run", (const char *const[]){ opts[0], opts[2] }, 2, 0);
			c = c == 1 ? 2 : 0;
		} else if (r->p->resume_journal != NULL) {
			c = 1;
		} else {
			c = run_ask_choose(r, "The earlier run", opts, 3, r->p->yes ? 1 : 0);
		}
		if (r->rb->model == RB_MODEL_RESTORE) {
			(void)backup_choice_from_journal(&jr, &r->backup);
			(void)recovery_choice_from_journal(&jr, &r->recovery);
		}
		if (c == 1)
			run_rollback_from_journal(r, &jr);
		journal_read_free(&jr);
		if (file_rb != NULL && c != 1)	/* a new run (or none) uses the file */
			runbook_free(swap_runbook(r, file_rb));
		else
			runbook_free(file_rb);
		if (c == 0) {
			run_say(r, "Cancelled.");
			free(runs_dir);
			free(resume_path);
			return 1;
		}
		if (c == 1) {
			resumed = true;
			free(r->run_id);
			r->run_id = id_of_path(resume_path);
			r->vars.run_id = r->run_id;
			notifier_set_run_id(r->notifier, r->run_id);
		} else {
			char *old_id = id_of_path(resume_path);
			bool passed = false;
			struct journal *old;

			if (r->p->mode != RUN_DRY && !run_abandon_lock(r, old_id, &passed)) {
				run_say(r, "Not abandoning run %s.", old_id);
				free(old_id);
				free(runs_dir);
				free(resume_path);
				return 1;
			}
			free(old_id);
			old = journal_open(resume_path, &err);
			if (old != NULL) {
				json_t *ev = engine_ev_run_end("abandoned");
				char *e2 = NULL;

				if (passed)	/* its lock went to this run with it */
					json_object_set_new(ev, "lock_released", json_true());
				journal_append(old, ev, &e2);
				free(e2);
				journal_close(old);
			}
			free(err);
			err = NULL;
			engine_free(&r->eng);
			engine_init(&r->eng, r->rb);
		}
	}
	if (r->p->mode != RUN_DRY && !run_take_lock(r, resumed)) {
		/* refused: nothing ran */
		free(runs_dir);
		free(resume_path);
		return EXIT_REFUSED_RC;
	}
	if (!audit_ok(r)) {
		free(runs_dir);
		free(resume_path);
		return finish(r, "stopped", 1);
	}
	if (!resumed) {
		/* two runs of one runbook within a second: suffix the id */
		char *base = xstrdup(r->run_id);

		for (int k = 2; k < 100; k++) {
			char *p = xasprintf("%s/%s.journal", runs_dir, r->run_id);
			bool taken = access(p, F_OK) == 0;

			free(p);
			if (!taken)
				break;
			free(r->run_id);
			r->run_id = xasprintf("%s-%d", base, k);
			r->vars.run_id = r->run_id;
		}
		free(base);
	}
	r->j = resumed ? journal_open(resume_path, &err) : journal_create(runs_dir, r->run_id, &err);
	free(runs_dir);
	free(resume_path);
	if (r->j == NULL) {
		run_say(r, "journal: %s", err);
		free(err);
		return finish(r, "failed", 1);
	}
	run_say(r, "%sRun %s (%s) journal %s", r->label, r->run_id, run_mode_name(r->p->mode),
	    journal_path(r->j));
	if (!resumed) {
		json_t *ev = engine_ev_run_start(r->rb, run_mode_name(r->p->mode), r->user);
		const char *sc = getenv("SSH_CLIENT");
		json_t *text = json_stringn(r->rb_text, r->rb_len);	/* the copy a resume and a report use */

		if (text == NULL) {
			json_decref(ev);
			run_say(r, "journal: the runbook is not UTF-8 text: cannot keep a copy of it");
			return finish(r, "failed", 1);
		}
		json_object_set_new(ev, "run_id", json_string(r->run_id));
		json_object_set_new(ev, "runbook_sha256", json_string(r->rb_sha256));
		json_object_set_new(ev, "runbook_text", text);
		json_object_set_new(ev, "titles", run_titles_json(r));
		if (sc != NULL)
			json_object_set_new(ev, "ssh_client", json_string(sc));
		if (r->rollback_of != NULL) {
			json_object_set_new(ev, "rollback_of", json_string(r->rollback_of));
			run_say(r, "%sRollback of failover %s: the steps for a committed failover are skipped",
			    r->label, r->rollback_of);
		}
		run_alog(r, json_pack("{s:s,s:s}", "event", "run_start", "runbook", r->rb->path));
		if (!jlog(r, ev))
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		if (r->rb->model == RB_MODEL_RESTORE && !use_backup(r))
			return finish(r, r->journal_failed ? "failed" : "stopped", 1);
		/* a no-go ends the run: resuming must not bypass the board */
		if (!preflight(r))
			return finish(r, r->journal_failed ? "failed" : r->audit_failed != NULL ?
				      "stopped" : "no-go", 1);
	} else {
		run_alog(r, json_pack("{s:s,s:s}", "event", "run_resume", "runbook", r->rb->path));
		if (!jlog(r, json_pack("{s:s,s:s}", "event", "resume", "user", r->user)))
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		if (r->rb->model == RB_MODEL_RESTORE && !use_backup(r))
			return finish(r, "stopped", 1);
		if (!resume_preflight(r))
			return finish(r, r->journal_failed ? "failed" : r->audit_failed != NULL ?
				      "stopped" : "no-go", 1);
	}
	for (;;) {
		int i = engine_current(&r->eng);
		enum step_result sr;

		if (i < 0)
			break;
		if (r->journal_failed)
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		if (r->eng.steps[i].state == STEP_INTERRUPTED || r->eng.steps[i].state == STEP_FAILED ||
		    r->eng.steps[i].state == STEP_UNKNOWN) {
			if (!decide(r, i))
				return finish(r, "stopped", 1);
			continue;
		}
		if (!engine_can_start(&r->eng, i, &why)) {
			run_say(r, "step %s cannot start: %s", r->rb->steps[i].id, why);
			return finish(r, "stopped", 1);
		}
		if (r->have_lock && !run_lock_still_ours(r))
			return finish(r, "stopped", 1);
		if (r->p->cancel != NULL)
			__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
		sr = do_step(r, i);
		if (r->p->cancel != NULL)
			__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
		reload_sites(r);
		if (r->journal_failed)
			return finish(r, "failed", 1);
		if (!audit_ok(r))
			return finish(r, "stopped", 1);
		if (sr == STEP_STOP)
			return finish(r, "stopped", 1);
		/* the command may still be running: never continue past it unasked */
		if (sr == STEP_UNKNOWN_RES && r->rb->steps[i].on_failure == RB_FAIL_STOP)
			return finish(r, "stopped", 1);
		if (sr == STEP_FAILED_RES) {
			const struct rb_step *st = &r->rb->steps[i];

			if (st->on_failure == RB_FAIL_CONTINUE) {
				run_say(r, "  on_failure: continue");
				if (!jlog(r, engine_ev_skip(st, r->user, "failed; on_failure: continue")))
					return finish(r, "failed", 1);
			} else if (st->on_failure == RB_FAIL_STOP) {
				return finish(r, "failed", 1);
			}
			/* ask: decide() on the next turn */
		}
	}
	run_say(r, "%sRun %s complete in %s", r->label, r->run_id,
	    duration_format(time_mono_ms() - t0, buf, sizeof buf));
	rc = finish(r, r->p->mode == RUN_DRY ? "dry-run" : "completed", 0);
	return rc;
}

int
run_execute(const struct run_params *p)
{
	struct run_state r;
	struct diag_list dl = DIAG_LIST_INIT;
	char *err = NULL;
	int rc;

	memset(&r, 0, sizeof r);
	r.p = p;
	r.journal = jlog;
	r.changed = changed;
	r.cfg = p->cfg;
	/* the gate: read-only is decided here, for every front end */
	if (p->mode == RUN_READ_ONLY) {
		err = run_mode_refusal(p->read_only_reason, "runbooks cannot be run, dry-runs included");
		run_say(&r, "%s", err);
		free(err);
		return EXIT_REFUSED_RC;
	}
	/* journals and the audit log go there: a directory others can write is refused */
	if (state_dir_check(p->cfg->state_dir, &err) != 0) {
		run_say(&r, "%s; refused, not running", err);
		free(err);
		return EXIT_REFUSED_RC;
	}
	r.label = run_mode_label(p->mode);
	/* one read: the bytes parsed are the bytes hashed and journaled */
	r.rb_text = file_read_all(p->runbook_path, &r.rb_len);
	r.rb = r.rb_text != NULL ? runbook_load_buffer(p->runbook_path, r.rb_text, r.rb_len, &dl)
	       : runbook_load(p->runbook_path, &dl);
	if (r.rb != NULL)
		run_lint_runbook(r.rb, p->cfg, p->sites, &dl);
	if (r.rb == NULL || r.rb_text == NULL || dl.errors > 0) {
		for (size_t i = 0; i < dl.n; i++) {
			char *m = diag_format(&dl.items[i]);

			run_say(&r, "%s", m);
			free(m);
		}
		run_say(&r, "the runbook has errors: not running it");
		diag_list_free(&dl);
		runbook_free(r.rb);
		free(r.rb_text);
		return EXIT_REFUSED_RC;
	}
	if (p->rollback_of != NULL && r.rb->model != RB_MODEL_FAILBACK) {
		run_say(&r, "a rollback runs a fail-back runbook; %s is a %s runbook: not running it",
		    p->runbook_path, rb_model_name(r.rb->model));
		diag_list_free(&dl);
		runbook_free(r.rb);
		free(r.rb_text);
		return EXIT_REFUSED_RC;
	}
	digest_sha256_hex(r.rb_text, r.rb_len, r.rb_sha256);
	diag_list_free(&dl);
	r.user = p->user != NULL ? xstrdup(p->user) : audit_whoami();
	r.run_id = run_make_id(time_wall_ms(), p->runbook_path);
	r.vars.cfg = p->cfg;
	for (int i = 0; i < 2; i++) {
		r.sites[i] = p->sites[i];
		r.env_stamp[i] = p->sites[i] != NULL ? site_env_stamp(p->sites[i]->env_dir) : 0;
	}
	r.vars.sites = r.sites;
	r.vars.rb = r.rb;
	r.vars.run_id = r.run_id;
	r.vars.mode = run_mode_name(p->mode);
	r.rollback_of = p->rollback_of != NULL ? xstrdup(p->rollback_of) : NULL;
	r.vars.rollback_of = r.rollback_of;
	engine_init(&r.eng, r.rb);
	r.current = -1;
	r.notifier = notifier_create(p->cfg, r.rb, r.run_id, p->mode, r.user);
	render_titles(&r);
	r.audit = audit_open(p->cfg->state_dir, &err);
	if (r.audit == NULL) {
		run_say(&r, "audit log: %s: not running without it", err);
		free(err);
		rc = 1;
	} else {
		rc = drive(&r);
	}
	r.current = -1;
	notify(&r, true, rc);
	notifier_free(r.notifier);	/* after the UI heard the end: a slow target cannot hold it */
	for (int i = 0; i < 2; i++) {
		if (r.ex[i] != NULL)
			r.ex[i]->free(r.ex[i]);
		if (r.pool[i] != NULL)
			ssh_pool_free(r.pool[i]);
	}
	lock_fini(&r.lock);	/* finish() released it; this stops a keeper on any other path */
	if (r.lock_ex != NULL)
		r.lock_ex->free(r.lock_ex);
	if (r.lock_pool != NULL)
		ssh_pool_free(r.lock_pool);
	if (r.j != NULL)
		journal_close(r.j);
	audit_close(r.audit);
	run_targets_free(r.lock_t, r.lock_n);
	engine_free(&r.eng);
	str_array_free(r.titles, r.rb->n_steps);
	run_vars_free(&r.vars);
	backup_choice_free(&r.backup);
	recovery_choice_free(&r.recovery);
	for (int i = 0; i < 2; i++)
		site_free(r.own_sites[i]);
	runbook_free(r.rb);
	free(r.run_id);
	free(r.rollback_of);
	free(r.user);
	free(r.audit_failed);
	free(r.rb_text);
	return rc;
}
