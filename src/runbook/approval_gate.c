/*
 * approval_gate.c: four eyes in the run (approval.h). After the operator's
 * typed confirmation of a destructive step, when approvals.destructive (or
 * approvals.drill for a drill) is 2, the run publishes a request, tells the
 * notifiers, and its own thread polls for an approval file until one is
 * accepted, the request expires, or the operator cancels; the console's UI
 * thread never waits (it draws the countdown from run_progress.waiting).
 * An expired request runs nothing: the operator chooses to stop (the
 * default, and what an unattended run does) or to ask again with a new
 * request. Requests, refusals, expiries and the approval (both identities,
 * times, the exact command) are journaled; the approval is audited too.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/runbook/approval.h"
#include "drconsole/runbook/notify.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/strbuf.h"
#include "run_io.h"

#define APPROVAL_POLL_MS 250
#define APPROVAL_SAY_EVERY_MS (60 * 1000)

static bool
cancelled(const struct run_state *r)
{
	return r->p->cancel != NULL && __atomic_load_n(r->p->cancel, __ATOMIC_RELAXED) != 0;
}

static char *
hosts_of(const struct run_target *t, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	if (n == 0)
		return xstrdup("-");
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&sb, "%s%s (%s)", i > 0 ? ", " : "", t[i].host, t[i].address);
	return strbuf_detach(&sb);
}

static char *
estimate_of(const struct run_state *r, const struct rb_step *st, const json_t *rpo_ev)
{
	char buf[32];

	if (!st->ends_replication)
		return xstrdup("none: this step does not end replication");
	if (rpo_ev == NULL)
		return xstrdup("UNKNOWN: no recovery source observed");
	return xasprintf("postgres %s behind (RPO objective %s)",
			 duration_format((long long)(json_real_value(json_object_get(rpo_ev, "exposure_s"))
						     * 1000), buf, sizeof buf),
			 duration_format(r->cfg->rpo_ms, buf + 16, 16));
}

struct refusal_ctx {
	struct run_state *r;
	const struct rb_step *st;
};

static void
on_refused(void *ud, const char *path, const char *why)
{
	struct refusal_ctx *c = ud;

	run_say(c->r, "  approval refused: %s", why);
	c->r->journal(c->r, json_pack("{s:s,s:s,s:s,s:s}", "event", "approval_refused", "step", c->st->id,
				    "file", path, "reason", why));
}

static void
set_waiting(struct run_state *r, const char *text, long long until_ms)
{
	free(r->waiting);
	r->waiting = text != NULL ? xstrdup(text) : NULL;
	r->waiting_until_ms = until_ms;
	r->changed(r);
}

/* One request: 1 approved (*g), 0 expired, -1 stopped (cancel, journal, publish failed). */
static int
wait_once(struct run_state *r, const struct rb_step *st, struct approval_request *rq,
	  struct approval_grant *g)
{
	struct refusal_ctx ctx = { r, st };
	long long timeout = r->cfg->approvals.timeout_ms, last_say;
	char *err = NULL, buf[32], *waiting;
	int rc = 0;

	approval_request_init(rq, time_wall_ms(), timeout);
	if (approval_request_publish(r->cfg->state_dir, rq, &err) != 0) {
		run_say(r, "%sapproval: %s: the step cannot be approved and is not run", r->label, err);
		free(err);
		return -1;
	}
	if (!r->journal(r, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "event",
				      "approval_request", "step", st->id, "command", rq->command,
				      "command_sha256", rq->cmd_sha256, "hosts", rq->hosts,
				      "estimate", rq->estimate, "operator", rq->operator_user,
				      "operator_uid", (json_int_t)rq->operator_uid,
				      "expires", (json_int_t)rq->expires_ms))) {
		approval_request_withdraw(r->cfg->state_dir, rq->run_id);
		return -1;
	}
	notifier_approval_request(r->notifier, st, rq->command);
	waiting = xasprintf("waiting for approval by a second operator (drconsole approve %s)", r->run_id);
	run_say(r, "%s%s %s; the request expires in %s", r->label, st->id, waiting,
	    duration_format(timeout, buf, sizeof buf));
	set_waiting(r, waiting, rq->expires_ms);
	last_say = time_mono_ms();
	for (;;) {
		long long now = time_wall_ms(), left = rq->expires_ms - now;
		struct timespec ts = { 0, APPROVAL_POLL_MS * 1000000L };

		if (approval_poll(r->cfg->state_dir, rq, geteuid(), now, g, on_refused, &ctx) == 1) {
			rc = 1;
			break;
		}
		if (left <= 0)
			break;
		if (cancelled(r)) {
			__atomic_store_n(r->p->cancel, 0, __ATOMIC_RELAXED);
			run_say(r, "%sstopped waiting for approval of %s (cancelled); nothing was run", r->label,
			    st->id);
			rc = -1;
			break;
		}
		if (time_mono_ms() - last_say >= APPROVAL_SAY_EVERY_MS) {
			run_say(r, "  still waiting for a second operator: %s left",
			    duration_format(left, buf, sizeof buf));
			last_say = time_mono_ms();
		}
		nanosleep(&ts, NULL);
	}
	approval_request_withdraw(r->cfg->state_dir, rq->run_id);
	set_waiting(r, NULL, 0);
	free(waiting);
	return rc;
}

bool
approval_gate(struct run_state *r, const struct rb_step *st, const char *title, const char *cmd,
	      const struct run_target *t, size_t n, const json_t *rpo_ev)
{
	static const char *const opts[] = { "stop here (nothing of this step was run)",
					    "ask again (a new request)" };
	long long need = r->p->mode == RUN_DRILL ? r->cfg->approvals.drill : r->cfg->approvals.destructive;
	struct approval_request rq;
	struct approval_grant g;
	char when[32];
	bool ok = false;

	if (need < 2 || r->p->mode == RUN_DRY)
		return true;
	memset(&rq, 0, sizeof rq);
	rq.run_id = xstrdup(r->run_id);
	rq.step_id = xstrdup(st->id);
	rq.title = xstrdup(title != NULL ? title : st->id);
	if (cmd != NULL) {
		rq.command = xstrdup(cmd);
	} else if (st->manual != NULL) {	/* a manual step: what the operator is to do, rendered */
		char *err = NULL;

		rq.command = run_render(r, st->manual, false, st, &err);
		if (rq.command == NULL)
			rq.command = xstrdup(st->manual);
		free(err);
	} else {
		rq.command = xstrdup("");
	}
	rq.hosts = hosts_of(t, n);
	rq.estimate = estimate_of(r, st, rpo_ev);
	rq.mode = xstrdup(r->p->mode == RUN_DRILL ? "drill" : "live");	/* dry-runs never wait */
	rq.operator_user = xstrdup(r->user);
	rq.operator_uid = (long)geteuid();
	for (;;) {
		int w = wait_once(r, st, &rq, &g);

		if (w < 0)
			break;
		if (w == 1) {
			time_t tt = (time_t)(g.approved_ms / 1000);
			struct tm tm;

			gmtime_r(&tt, &tm);
			strftime(when, sizeof when, "%H:%M:%SZ", &tm);
			run_say(r, "%s%s approved by %s (uid %ld) at %s: the second operator approved: %s",
			    r->label, st->id, g.user, g.uid, when, rq.command);
			ok = r->journal(r, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:I}",
						      "event", "approval", "step", st->id,
						      "command", rq.command, "command_sha256", rq.cmd_sha256,
						      "operator", rq.operator_user,
						      "operator_uid", (json_int_t)rq.operator_uid,
						      "approver", g.user, "approver_uid", (json_int_t)g.uid,
						      "requested", (json_int_t)rq.requested_ms,
						      "approved", (json_int_t)g.approved_ms));
			run_alog(r, json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I}", "event", "approval",
					      "step", st->id, "command", rq.command,
					      "approver", g.user, "approver_uid", (json_int_t)g.uid,
					      "operator", rq.operator_user,
					      "operator_uid", (json_int_t)rq.operator_uid));
			ok = ok && r->audit_failed == NULL;
			approval_grant_clear(&g);
			break;
		}
		run_say(r, "%sThe request for approval of %s expired: the step was not run", r->label, st->id);
		if (!r->journal(r, json_pack("{s:s,s:s,s:s}", "event", "approval_expired", "step", st->id,
					      "reason", "no second operator approved in time")))
			break;
		if (run_ask_choose(r, "No second operator approved in time.", opts, 2, 0) != 1)
			break;
	}
	if (!ok)
		run_say(r, "%sStopping before %s: it was not approved. Nothing was run.", r->label, st->id);
	approval_request_clear(&rq);
	return ok;
}
