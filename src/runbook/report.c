/*
 * report.c: Markdown from a replayed journal. Every figure is derived from
 * journal events (times, users, exit statuses), never from the clock at
 * report time, so a report written a week later says the same.
 */
#include "drconsole/runbook/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/runbook/approval.h"
#include "drconsole/runbook/backup_pick.h"
#include "drconsole/runbook/recovery_pick.h"
#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/runbook/rpo_cut.h"
#include "drconsole/util/util.h"

static void
fmt_time(char *buf, size_t len, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void
fmt_dur(char *buf, size_t len, double s)
{
	long long v = (long long)(s + 0.5);

	if (s < 0)
		snprintf(buf, len, "-");
	else if (v < 60)
		snprintf(buf, len, "%llds", v);
	else if (v < 3600)
		snprintf(buf, len, "%lldm%02llds", v / 60, v % 60);
	else
		snprintf(buf, len, "%lldh%02lldm", v / 3600, (v % 3600) / 60);
}

static const char *
ev_str(const json_t *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev, key));

	return s != NULL ? s : "";
}

/* A rollback says which failover it undoes; a committed failover who committed it (failover_state.h). */
static void
report_failover_decision(FILE *fp, const struct journal_read *jr)
{
	char t[32];

	for (size_t i = 0; i < jr->n; i++) {
		const json_t *ev = jr->events[i];

		if (strcmp(ev_str(ev, "event"), "run_start") == 0 && *ev_str(ev, "rollback_of") != '\0')
			fprintf(fp, "- Rollback of failover `%s`: what the secondary took since it is "
				"discarded; steps for a committed failover skipped\n", ev_str(ev, "rollback_of"));
		if (strcmp(ev_str(ev, "event"), "failover_commit") == 0) {
			fmt_time(t, sizeof t, (long long)json_integer_value(json_object_get(ev, "t")));
			fprintf(fp, "- Committed by %s at %s\n", ev_str(ev, "user"), t);
		}
	}
}

void
report_summarise(const struct report_input *in, struct report_summary *out)
{
	struct engine e;

	memset(out, 0, sizeof *out);
	out->rto_s = -1;
	out->rpo_s = -1;
	engine_init(&e, in->rb);
	engine_replay(&e, in->journal->events, in->journal->n);
	out->started_ms = e.run_started_ms;
	out->restored_ms = e.service_restored_ms;
	if (out->started_ms > 0 && out->restored_ms > 0)
		out->rto_s = (double)(out->restored_ms - out->started_ms) / 1000.0;
	{
		struct rpo_cut_summary rc;	/* measured at the cut, and after it */

		rpo_cut_summarise(in->rb, in->journal->events, in->journal->n, &rc);
		out->rpo_s = rc.rpo_s;
	}
	out->steps_total = (int)in->rb->n_steps;
	for (size_t i = 0; i < in->rb->n_steps; i++) {
		switch (e.steps[i].state) {
		case STEP_DONE:
			out->steps_done++;
			break;
		case STEP_FAILED:
			out->steps_failed++;
			break;
		case STEP_SKIPPED:
			out->steps_skipped++;
			break;
		case STEP_INTERRUPTED:
			out->steps_interrupted++;
			break;
		case STEP_UNKNOWN:
			out->steps_unknown++;
			break;
		case STEP_PENDING:
		case STEP_RUNNING:
			break;
		}
	}
	engine_free(&e);
}

/*
 * A step's title as the run rendered it: from its last step_start, else the
 * run_start's titles; NULL when the journal has none.
 */
static const char *
step_title(const struct journal_read *jr, const char *id)
{
	const char *t = NULL;

	for (size_t i = 0; i < jr->n; i++) {
		const json_t *ev = jr->events[i];
		const char *name = ev_str(ev, "event");
		const char *v;

		if (strcmp(name, "run_start") == 0 && t == NULL)
			v = json_string_value(json_object_get(json_object_get(ev, "titles"), id));
		else if (strcmp(name, "step_start") == 0 && strcmp(ev_str(ev, "step"), id) == 0)
			v = json_string_value(json_object_get(ev, "title"));
		else
			continue;
		if (v != NULL)
			t = v;
	}
	return t;
}

/* s in a Markdown table cell: pipes escaped, one line. */
static void
put_cell(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else
			fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
	}
}

static const char *
verdict(double achieved, double objective)
{
	if (achieved < 0)
		return "not measured";
	if (objective <= 0)
		return "no objective set";
	return achieved <= objective ? "**met**" : "**missed**";
}

int
report_write(FILE *fp, const struct report_input *in)
{
	struct report_summary sum;
	struct engine e;
	char t1[32], t2[32], d1[32], d2[32];
	int mode;

	report_summarise(in, &sum);
	engine_init(&e, in->rb);
	engine_replay(&e, in->journal->events, in->journal->n);

	mode = run_mode_parse(e.mode);
	fprintf(fp, "# %s report: %s\n\n", mode == RUN_DRILL ? "Drill" : mode == RUN_DRY ? "Dry-run" : "Run",
		in->rb->name != NULL ? in->rb->name : "(unnamed runbook)");
	fmt_time(t1, sizeof t1, sum.started_ms);
	fprintf(fp, "- Run: `%s`, mode %s\n", in->run_id != NULL ? in->run_id : "?",
		e.mode != NULL ? e.mode : "?");
	fprintf(fp, "- Runbook: `%s` (%s)", in->rb->path != NULL ? in->rb->path : "?",
		rb_model_name(in->rb->model));
	for (size_t i = 0; i < in->journal->n; i++) {
		const json_t *ev = in->journal->events[i];

		if (strcmp(ev_str(ev, "event"), "run_start") == 0) {
			if (*ev_str(ev, "runbook_sha256") != '\0')
				fprintf(fp, ", sha256 `%.16s`, as run", ev_str(ev, "runbook_sha256"));
			break;
		}
	}
	fputc('\n', fp);
	report_failover_decision(fp, in->journal);
	fprintf(fp, "- Started: %s\n", t1);
	fprintf(fp, "- Steps: %d done, %d skipped, %d failed, %d interrupted, of %d\n",
		sum.steps_done, sum.steps_skipped, sum.steps_failed,
		sum.steps_interrupted, sum.steps_total);
	if (sum.steps_unknown > 0)
		fprintf(fp, "- Outcome unknown: %d step(s) timed out or were cancelled and their "
			"command was not confirmed ended on its host\n", sum.steps_unknown);
	if (in->journal->torn > 0 || in->journal->bad > 0)
		fprintf(fp, "- Journal: %zu incomplete and %zu unreadable line(s) ignored\n",
			in->journal->torn, in->journal->bad);
	for (size_t i = 0; i < in->journal->n; i++) {
		const json_t *ev = in->journal->events[i];

		if (strcmp(ev_str(ev, "event"), "torn_line_removed") == 0)
			fprintf(fp, "- Journal: an incomplete last line (%lld bytes, never acted on) "
				"was cut off when the journal was reopened\n",
				(long long)json_integer_value(json_object_get(ev, "bytes")));
	}
	fprintf(fp, "\n## Objectives\n\n| | achieved | objective | |\n|---|---|---|---|\n");
	fmt_dur(d1, sizeof d1, sum.rto_s);
	fmt_dur(d2, sizeof d2, in->rto_objective_s > 0 ? in->rto_objective_s : -1);
	fprintf(fp, "| RTO (first step to service restored) | %s | %s | %s |\n", d1, d2,
		verdict(sum.rto_s, in->rto_objective_s));
	fmt_dur(d1, sizeof d1, sum.rpo_s);
	fmt_dur(d2, sizeof d2, in->rpo_objective_s > 0 ? in->rpo_objective_s : -1);
	{
		struct rpo_cut_summary rc;

		rpo_cut_summarise(in->rb, in->journal->events, in->journal->n, &rc);
		fprintf(fp, "| RPO (data-loss exposure when replication ended) | %s%s | %s | %s |\n",
			rc.rpo_upper_bound ? "at most " : "", d1, d2,
			verdict(sum.rpo_s, in->rpo_objective_s));
		if (rc.cut_ms > 0 || rc.estimate_s >= 0)
			fprintf(fp, "\nRPO basis: %s.\n", rc.basis);
		if (rc.lost_bytes > 0) {
			fmt_time(t2, sizeof t2, rc.lost_seen_ms);
			fprintf(fp, "\n**Data that did not make it:** the old primary %s wrote %llu bytes "
				"of WAL after the cut (its position %s, the promoted server's switch point "
				"%s; seen %s)", rc.old_host, (unsigned long long)rc.lost_bytes, rc.old_lsn,
				rc.switch_lsn, t2);
			if (rc.lost_xacts > 0)
				fprintf(fp, ", %lld completed transaction(s)", rc.lost_xacts);
			fprintf(fp, ". Those writes are not on the promoted database.\n");
		} else if (rc.wal_only_bytes > 0) {
			fprintf(fp, "\nThe old primary wrote %llu bytes of WAL after the cut but completed "
				"no transaction (a checkpoint or housekeeping records): no data lost.\n",
				(unsigned long long)rc.wal_only_bytes);
		}
		if (rc.fence_failed[0] != '\0')
			fprintf(fp, "\nFence step %s did not succeed: the old primary %s.\n",
				rc.fence_failed, rc.old_checked ? "was checked after the cut" :
				"could not be checked after the cut");
	}
	backup_report_write(fp, in->journal);
	approval_report_write(fp, in->journal);
	recovery_report_write(fp, in->journal);

	fprintf(fp, "\n## Steps\n\n| # | step | state | started | duration | attempts | confirmed by | exit | title |\n"
		"|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < in->rb->n_steps; i++) {
		const struct step_status *s = &e.steps[i];

		fmt_time(t1, sizeof t1, s->started_ms);
		fmt_dur(d1, sizeof d1, s->ended_ms > 0 && s->started_ms > 0 ?
			(double)(s->ended_ms - s->started_ms) / 1000.0 : -1);
		if (s->exit_status >= 0)
			snprintf(t2, sizeof t2, "%d", s->exit_status);
		else
			snprintf(t2, sizeof t2, "-");
		const char *title = step_title(in->journal, in->rb->steps[i].id);

		fprintf(fp, "| %zu | %s%s | %s | %s | %s | %u | %s | %s | ", i + 1,
			in->rb->steps[i].id, in->rb->steps[i].destructive ? " (destructive)" : "",
			step_state_name(s->state), t1, d1, s->attempts,
			s->confirmed_by != NULL ? s->confirmed_by : "-", t2);
		put_cell(fp, title != NULL ? title : "-");
		fputs(" |\n", fp);
	}

	fprintf(fp, "\n## Decisions, skips and overrides\n\n");
	{
		int any = 0;

		for (size_t i = 0; i < in->journal->n; i++) {
			const json_t *ev = in->journal->events[i];
			const char *name = ev_str(ev, "event");

			if (strcmp(name, "decision") != 0 && strcmp(name, "skip") != 0 &&
			    strcmp(name, "override") != 0 && strcmp(name, "put_back") != 0)
				continue;
			fmt_time(t1, sizeof t1, json_integer_value(json_object_get(ev, "t")));
			fprintf(fp, "- %s %s: %s%s%s by %s%s%s\n", t1, name, ev_str(ev, "step"),
				*ev_str(ev, "decision") ? " → " : "", ev_str(ev, "decision"),
				ev_str(ev, "user"), *ev_str(ev, "reason") ? ": " : "",
				ev_str(ev, "reason"));
			any = 1;
		}
		if (!any)
			fprintf(fp, "None.\n");
	}
	engine_free(&e);
	return ferror(fp) ? -1 : 0;
}
