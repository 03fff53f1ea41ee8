/*
 * failover_state.c: the open failover, from the journals (failover_state.h).
 * Every run of the judged mode is read once: its model (run_start, else the
 * runbook copy the journal keeps), its run_end, the failover it rolls back
 * (run_start's rollback_of) and any commit appended after its end. The
 * newest completed failover is the one judged; the commit in its journal or
 * a fail-back that completed after it decides its state.
 */
#include "drconsole/runbook/failover_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/runbook/drills.h"
#include "drconsole/runbook/history.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/util.h"

static const char *const phase_names[] = {
	[FAILOVER_NONE] = "none",
	[FAILOVER_UNCOMMITTED] = "uncommitted",
	[FAILOVER_COMMITTED] = "committed",
	[FAILOVER_ROLLED_BACK] = "rolled_back",
};

const char *
failover_phase_name(enum failover_phase p)
{
	return (unsigned)p < ARRAY_LEN(phase_names) ? phase_names[p] : "?";
}

/* What one completed run says about failovers. */
struct run_facts {
	int model;			/* drill_model; -1 unknown */
	long long ended_ms;
	char *rollback_of;		/* run_start's, or NULL */
	long long commit_ms;		/* the first failover_commit, 0 none */
	char *commit_by;
};

static void
facts_read(const struct run_info *ri, struct run_facts *f)
{
	struct journal_read jr;
	char *err = NULL;

	memset(f, 0, sizeof *f);
	f->model = -1;
	if (journal_read(ri->path, &jr, &err) != 0) {
		free(err);
		return;
	}
	for (size_t i = 0; i < jr.n; i++) {
		const json_t *e = jr.events[i];
		const char *ev = json_string_value(json_object_get(e, "event"));
		long long t = (long long)json_integer_value(json_object_get(e, "t"));

		if (str_eq(ev, "run_start") && f->model < 0) {
			const char *of = json_string_value(json_object_get(e, "rollback_of"));

			f->model = drill_model_of(json_string_value(json_object_get(e, "model")));
			if (of != NULL && f->rollback_of == NULL)
				f->rollback_of = xstrdup(of);
		} else if (str_eq(ev, "run_end")) {
			f->ended_ms = t;
		} else if (str_eq(ev, "failover_commit") && f->commit_ms == 0) {
			const char *by = json_string_value(json_object_get(e, "user"));

			f->commit_ms = t > 0 ? t : 1;
			f->commit_by = xstrdup(by != NULL ? by : "?");
		}
	}
	if (f->model < 0) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct runbook *rb = history_runbook(&jr, &dl, NULL);

		if (rb != NULL)
			f->model = drill_model_of(rb_model_name(rb->model));
		runbook_free(rb);
		diag_list_free(&dl);
	}
	journal_read_free(&jr);
}

static void
facts_free(struct run_facts *f)
{
	free(f->rollback_of);
	free(f->commit_by);
}

void
failover_state_clear(struct failover_state *s)
{
	free(s->run);
	free(s->journal);
	free(s->by);
	free(s->rollback_run);
	memset(s, 0, sizeof *s);
}

void
failover_state_read(const char *state_dir, bool drill, struct failover_state *out)
{
	size_t n;
	struct run_info *runs = history_list(state_dir, &n);
	struct run_facts *facts = n > 0 ? xcalloc(n, sizeof *facts) : NULL;
	long long newest = 0;
	size_t fo = 0;

	memset(out, 0, sizeof *out);
	out->drill = drill;
	for (size_t i = 0; i < n; i++) {
		facts[i].model = -1;
		if (!str_eq(runs[i].outcome, "completed") ||
		    !str_eq(runs[i].mode, drill ? "drill" : "live"))
			continue;
		facts_read(&runs[i], &facts[i]);
		if (facts[i].model == DRILL_FAILOVER && facts[i].ended_ms > newest) {
			newest = facts[i].ended_ms;
			fo = i;
		}
	}
	if (newest > 0) {
		const struct run_facts *f = &facts[fo];

		out->phase = f->commit_ms > 0 ? FAILOVER_COMMITTED : FAILOVER_UNCOMMITTED;
		out->run = xstrdup(runs[fo].id);
		out->journal = xstrdup(runs[fo].path);
		out->completed_ms = f->ended_ms;
		out->decided_ms = f->commit_ms;
		out->by = f->commit_by != NULL ? xstrdup(f->commit_by) : NULL;
		/* the first fail-back that completed after it closes it */
		size_t best = n;

		for (size_t i = 0; i < n; i++)
			if (facts[i].model == DRILL_FAILBACK && facts[i].ended_ms > newest &&
			    (best == n || facts[i].ended_ms < facts[best].ended_ms))
				best = i;
		if (best < n && facts[best].rollback_of != NULL &&
		    str_eq(facts[best].rollback_of, out->run) && out->phase == FAILOVER_UNCOMMITTED) {
			out->phase = FAILOVER_ROLLED_BACK;
			out->decided_ms = facts[best].ended_ms;
			free(out->by);
			out->by = xstrdup(runs[best].user);
			out->rollback_run = xstrdup(runs[best].id);
		} else if (best < n) {
			/* failed back: nothing is open */
			failover_state_clear(out);
			out->drill = drill;
		}
	}
	for (size_t i = 0; i < n; i++)
		facts_free(&facts[i]);
	free(facts);
	history_free(runs, n);
}

static json_t *
iso_time(long long ms)
{
	char buf[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

json_t *
failover_state_json(const struct failover_state *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "state", json_string(failover_phase_name(s->phase)));
	json_object_set_new(o, "mode", json_string(s->drill ? "drill" : "live"));
	json_object_set_new(o, "run", s->run != NULL ? json_string(s->run) : json_null());
	json_object_set_new(o, "completed_at", iso_time(s->completed_ms));
	json_object_set_new(o, "committed_at", s->phase == FAILOVER_COMMITTED ?
			    iso_time(s->decided_ms) : json_null());
	json_object_set_new(o, "rolled_back_at", s->phase == FAILOVER_ROLLED_BACK ?
			    iso_time(s->decided_ms) : json_null());
	json_object_set_new(o, "by", s->by != NULL ? json_string(s->by) : json_null());
	json_object_set_new(o, "rollback_run", s->rollback_run != NULL ?
			    json_string(s->rollback_run) : json_null());
	return o;
}

bool
failover_state_text(const struct failover_state *s, long long now_ms, char *buf, size_t len)
{
	char ago[32];

	if (len > 0)
		buf[0] = '\0';
	if (s->phase != FAILOVER_UNCOMMITTED)
		return false;
	/* whole minutes: the header redraws every second, the age need not */
	duration_format(now_ms > s->completed_ms ? (now_ms - s->completed_ms) / 60000 * 60000 : 0,
			ago, sizeof ago);
	snprintf(buf, len, "%sfailed over %s ago, uncommitted", s->drill ? "drill " : "",
		 now_ms - s->completed_ms < 60000 ? "<1m" : ago);
	return true;
}

json_t *
failover_commit_event(const char *run, const char *user)
{
	return json_pack("{s:s,s:s,s:s}", "event", "failover_commit", "run", run, "user", user);
}
