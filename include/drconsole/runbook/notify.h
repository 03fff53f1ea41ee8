/*
 * notify.h: run notifications to the team's chat or incident tooling. The
 * targets (config notify.*): a Slack-compatible incoming webhook and a
 * generic JSON POST, each URL read from the environment variable the
 * config names (the URL carries a secret token: it is never in the config
 * file, the journal or the log). Events: run start and resume, each
 * destructive step's start, a failed step, run end (or stopped unfinished),
 * approval requests, and a failover's commit (a rollback is a fail-back run
 * whose start says so);
 * every message of a drill says DRILL. Dry-runs send nothing.
 *
 * The run thread only formats and enqueues (never blocks, never does I/O);
 * each target has its own queue and worker thread, which POSTs the events
 * in order with libcurl, each request bounded by notify.timeout, so a slow
 * target never delays the other. A full queue drops the event and logs it;
 * a failing or slow target is logged and never delays the run.
 * notifier_free gives the queues at most notify.timeout in all to drain.
 */
#ifndef DRCONSOLE_NOTIFY_H
#define DRCONSOLE_NOTIFY_H

#include <jansson.h>

#include "drconsole/config/config.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/runbook/runbook.h"

struct notifier;

/*
 * NULL when no target is configured or set in the environment (a target
 * whose variable is unset is logged), or for a mode that executes nothing
 * (dry-run, read-only). run_id, user and rb's name are copied; rb itself is
 * borrowed until notifier_set_titles gives another.
 */
struct notifier *notifier_create(const struct config *cfg, const struct runbook *rb,
				 const char *run_id, enum run_mode mode, const char *user);
/*
 * The runbook the run runs now (borrowed) and its steps' rendered titles
 * (titles[i] for rb->steps[i], copied): events name a step by them. Until
 * it is called a step is named by its id. n may be NULL.
 */
void notifier_set_titles(struct notifier *n, const struct runbook *rb, char *const *titles);
/* The run resumes an earlier journal: its id from now on. n may be NULL. */
void notifier_set_run_id(struct notifier *n, const char *run_id);
/* A journal event (journal.h) as it was appended: notifies those listed above. n may be NULL. */
void notifier_journal_event(struct notifier *n, const json_t *ev);
/* An approval request for a step (four eyes). n may be NULL. */
void notifier_approval_request(struct notifier *n, const struct rb_step *st, const char *command);
/*
 * A failover run committed by user at t (wall ms): sent at once, waiting
 * at most notify.timeout; nothing when no target is set.
 */
void notify_failover_commit(const struct config *cfg, const char *run, bool drill, const char *user,
			    long long t);
/* Deliver what is queued within notify.timeout, stop the workers, free. n may be NULL. */
void notifier_free(struct notifier *n);

/* ---- pure parts, exposed for tests ---- */

/* The JSON body of one event for a target kind: "slack" or "json". Caller decrefs. */
json_t *notify_body(const char *kind, const json_t *event);

#endif
