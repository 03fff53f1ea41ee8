/* Unit tests: the failover state (uncommitted, committed, rolled back) derived from the journals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/runbook/failover_state.h"
#include "drconsole/runbook/run_vars.h"
#include "drconsole/util/util.h"

#define T0 1796000000000LL	/* 2026-11-30T00:53:20Z */
#define MIN (60LL * 1000)

struct dir {
	char path[64];
	char *runs;
};

static void
dir_make(struct dir *d)
{
	snprintf(d->path, sizeof d->path, "/tmp/drconsole-failover-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	d->runs = xasprintf("%s/runs", d->path);
	assert_int_equal(mkdir(d->runs, 0700), 0);
}

static void
dir_remove(struct dir *d)
{
	char *cmd = xasprintf("rm -rf '%s'", d->path);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(d->runs);
}

/*
 * One journal: run_start at t, then run_end (outcome; NULL: unfinished) at
 * t + 10 min, then extra lines as given (a commit, say).
 */
static void
journal(struct dir *d, const char *id, const char *model, const char *mode, long long t,
	const char *outcome, const char *rollback_of, const char *extra)
{
	char *p = xasprintf("%s/%s.journal", d->runs, id);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	fprintf(fp, "{\"event\":\"run_start\",\"seq\":1,\"t\":%lld,\"model\":\"%s\",\"mode\":\"%s\","
		"\"user\":\"alice\",\"runbook\":\"/rb/%s.yml\"%s%s%s}\n", t, model, mode, model,
		rollback_of != NULL ? ",\"rollback_of\":\"" : "", rollback_of != NULL ? rollback_of : "",
		rollback_of != NULL ? "\"" : "");
	if (outcome != NULL)
		fprintf(fp, "{\"event\":\"run_end\",\"seq\":2,\"t\":%lld,\"outcome\":\"%s\"}\n", t + 10 * MIN,
			outcome);
	if (extra != NULL)
		fputs(extra, fp);
	fclose(fp);
	free(p);
}

static void
test_no_runs(void **state)
{
	struct dir d;
	struct failover_state s;
	char text[128];

	(void)state;
	dir_make(&d);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_NONE);
	assert_null(s.run);
	assert_false(failover_state_text(&s, T0, text, sizeof text));
	assert_string_equal(text, "");
	failover_state_clear(&s);
	dir_remove(&d);
}

/* A completed live failover is uncommitted; its age is in the header text. */
static void
test_completed_is_uncommitted(void **state)
{
	struct dir d;
	struct failover_state s;
	char text[128];
	json_t *o;

	(void)state;
	dir_make(&d);
	journal(&d, "20261129T000000Z-failover", "replicated", "live", T0, "completed", NULL, NULL);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_UNCOMMITTED);
	assert_string_equal(s.run, "20261129T000000Z-failover");
	assert_true(s.completed_ms == T0 + 10 * MIN);
	assert_true(failover_state_text(&s, T0 + 22 * MIN + 5000, text, sizeof text));
	assert_string_equal(text, "failed over 12m ago, uncommitted");
	assert_true(failover_state_text(&s, T0 + 10 * MIN + 5000, text, sizeof text));
	assert_string_equal(text, "failed over <1m ago, uncommitted");
	o = failover_state_json(&s);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "uncommitted");
	assert_string_equal(json_string_value(json_object_get(o, "run")), "20261129T000000Z-failover");
	assert_string_equal(json_string_value(json_object_get(o, "completed_at")), "2026-11-30T01:03:20Z");
	assert_true(json_is_null(json_object_get(o, "committed_at")));
	assert_true(json_is_null(json_object_get(o, "by")));
	assert_string_equal(json_string_value(json_object_get(o, "mode")), "live");
	json_decref(o);
	failover_state_clear(&s);
	/* the drill state does not see a live failover */
	failover_state_read(d.path, true, &s);
	assert_int_equal(s.phase, FAILOVER_NONE);
	failover_state_clear(&s);
	dir_remove(&d);
}

/* A commit appended to the failover's journal commits it: who and when. */
static void
test_commit(void **state)
{
	struct dir d;
	struct failover_state s;
	char text[128], *line;
	json_t *ev, *o;

	(void)state;
	dir_make(&d);
	ev = failover_commit_event("F1", "bob");
	json_object_set_new(ev, "t", json_integer(T0 + 30 * MIN));
	line = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	journal(&d, "F1", "replicated", "live", T0, "completed", NULL, NULL);
	{
		char *p = xasprintf("%s/F1.journal", d.runs);
		FILE *fp = fopen(p, "a");

		fprintf(fp, "%s\n", line);
		fclose(fp);
		free(p);
	}
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_COMMITTED);
	assert_string_equal(s.by, "bob");
	assert_true(s.decided_ms == T0 + 30 * MIN);
	assert_false(failover_state_text(&s, T0 + 40 * MIN, text, sizeof text));
	o = failover_state_json(&s);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "committed");
	assert_string_equal(json_string_value(json_object_get(o, "by")), "bob");
	assert_string_equal(json_string_value(json_object_get(o, "committed_at")), "2026-11-30T01:23:20Z");
	json_decref(o);
	failover_state_clear(&s);
	free(line);
	dir_remove(&d);
}

/* A fail-back run that rolls back the failover and completed: rolled_back; one that failed: still open. */
static void
test_rollback(void **state)
{
	struct dir d;
	struct failover_state s;

	(void)state;
	dir_make(&d);
	journal(&d, "F1", "replicated", "live", T0, "completed", NULL, NULL);
	journal(&d, "R1", "failback", "live", T0 + 20 * MIN, "failed", "F1", NULL);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_UNCOMMITTED);
	failover_state_clear(&s);
	journal(&d, "R2", "failback", "live", T0 + 40 * MIN, NULL, "F1", NULL);	/* still running */
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_UNCOMMITTED);
	failover_state_clear(&s);
	journal(&d, "R3", "failback", "live", T0 + 60 * MIN, "completed", "F1", NULL);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_ROLLED_BACK);
	assert_string_equal(s.run, "F1");
	assert_string_equal(s.rollback_run, "R3");
	assert_string_equal(s.by, "alice");
	assert_true(s.decided_ms == T0 + 70 * MIN);
	failover_state_clear(&s);
	dir_remove(&d);
}

/* Failed, stopped, unfinished and dry failovers never count; drills count in the drill state only. */
static void
test_what_does_not_count(void **state)
{
	struct dir d;
	struct failover_state s;
	char text[128];

	(void)state;
	dir_make(&d);
	journal(&d, "A", "replicated", "live", T0, "failed", NULL, NULL);
	journal(&d, "B", "replicated", "live", T0 + MIN, "stopped", NULL, NULL);
	journal(&d, "C", "replicated", "live", T0 + 2 * MIN, NULL, NULL, NULL);
	journal(&d, "D", "replicated", "dry-run", T0 + 3 * MIN, "completed", NULL, NULL);
	journal(&d, "E", "restore", "live", T0 + 4 * MIN, "completed", NULL, NULL);
	journal(&d, "G", "replicated", "drill", T0 + 5 * MIN, "completed", NULL, NULL);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_NONE);
	failover_state_clear(&s);
	failover_state_read(d.path, true, &s);
	assert_int_equal(s.phase, FAILOVER_UNCOMMITTED);
	assert_string_equal(s.run, "G");
	assert_true(failover_state_text(&s, T0 + 20 * MIN, text, sizeof text));
	assert_string_equal(text, "drill failed over 5m ago, uncommitted");
	failover_state_clear(&s);
	dir_remove(&d);
}

/*
 * A plain fail-back after the failover closes it (none); a newer failover
 * opens a new one; a rollback of another run does not roll this one back.
 */
static void
test_failback_and_newer(void **state)
{
	struct dir d;
	struct failover_state s;

	(void)state;
	dir_make(&d);
	journal(&d, "F1", "replicated", "live", T0, "completed", NULL,
		"{\"event\":\"failover_commit\",\"seq\":3,\"t\":1796000900000,\"user\":\"bob\"}\n");
	journal(&d, "B1", "failback", "live", T0 + 60 * MIN, "completed", NULL, NULL);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_NONE);
	assert_null(s.run);
	failover_state_clear(&s);
	journal(&d, "F2", "replicated", "live", T0 + 120 * MIN, "completed", NULL, NULL);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_UNCOMMITTED);
	assert_string_equal(s.run, "F2");
	failover_state_clear(&s);
	journal(&d, "R9", "failback", "live", T0 + 140 * MIN, "completed", "F1", NULL);
	failover_state_read(d.path, false, &s);
	assert_int_equal(s.phase, FAILOVER_NONE);
	failover_state_clear(&s);
	dir_remove(&d);
}

/* The rollback form of a fail-back: `when: not rollback` skips, `rollback_of` names the failover. */
static void
test_rollback_condition(void **state)
{
	struct run_vars v;
	char *err = NULL;

	(void)state;
	memset(&v, 0, sizeof v);
	assert_int_equal(run_eval_when("rollback", NULL, NULL, &v, &err), 0);
	assert_int_equal(run_eval_when("not rollback", NULL, NULL, &v, &err), 1);
	assert_string_equal(run_vars_lookup(&v, "rollback"), "false");
	v.rollback_of = "F1";
	assert_int_equal(run_eval_when("rollback", NULL, NULL, &v, &err), 1);
	assert_int_equal(run_eval_when("not rollback", NULL, NULL, &v, &err), 0);
	assert_string_equal(run_vars_lookup(&v, "rollback"), "true");
	assert_string_equal(run_vars_lookup(&v, "rollback_of"), "F1");
	assert_null(err);
	run_vars_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_runs),
		cmocka_unit_test(test_completed_is_uncommitted),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_what_does_not_count),
		cmocka_unit_test(test_failback_and_newer),
		cmocka_unit_test(test_rollback_condition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
