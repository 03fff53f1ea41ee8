/* Unit tests: past runs from journals (`runs`) and the last drill's RTO (console header). */
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

#include "drconsole/util/digest.h"
#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/history.h"
#include "drconsole/util/util.h"

static char dir[64];
static char *rb_path;

static int
setup(void **state)
{
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/drconsole-hist-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	rb_path = xasprintf("%s/fo.yml", dir);
	fp = fopen(rb_path, "w");
	fputs("name: Failover drill\n"
	      "model: replicated\n"
	      "steps:\n"
	      "  - id: promote\n"
	      "    run: 'true'\n"
	      "  - id: dns\n"
	      "    manual: Point DNS at the secondary\n"
	      "    restores_service: true\n", fp);
	fclose(fp);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	free(rb_path);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *
at(json_t *ev, long long t)
{
	json_object_set_new(ev, "t", json_integer(t));
	return ev;
}

/*
 * A journal of one run, written line by line as journal_append writes it
 * but with the times given (journal_append stamps the current time):
 * steps done at t0 + 60 s and t0 + 600 s; ended unless !finish.
 */
static void
write_run(const struct runbook *rb, const char *id, const char *mode, long long t0, bool finish)
{
	char *runs = xasprintf("%s/runs", dir), *path = xasprintf("%s/%s.journal", runs, id);
	json_t *evs[6];
	size_t n = 0;
	FILE *fp;

	mkdir(runs, 0700);
	fp = fopen(path, "w");
	assert_non_null(fp);
	evs[n++] = at(engine_ev_run_start(rb, mode, "alice"), t0);
	evs[n++] = at(engine_ev_step_start(&rb->steps[0], "alice", "db"), t0);
	evs[n++] = at(engine_ev_step_end(&rb->steps[0], 0, true, 60000), t0 + 60000);
	evs[n++] = at(engine_ev_step_start(&rb->steps[1], "alice", NULL), t0 + 60000);
	evs[n++] = at(engine_ev_step_end(&rb->steps[1], 0, true, 540000), t0 + 600000);
	if (finish)
		evs[n++] = at(engine_ev_run_end("completed"), t0 + 601000);
	for (size_t i = 0; i < n; i++) {
		char *line = json_dumps(evs[i], JSON_COMPACT);

		fprintf(fp, "%s\n", line);
		free(line);
		json_decref(evs[i]);
	}
	fclose(fp);
	free(path);
	free(runs);
}

static void
test_list_and_last_drill(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb = runbook_load(rb_path, &dl);
	const long long t0 = 1795000000000LL;
	struct report_summary sum;
	struct run_info *runs;
	char *id = NULL;
	size_t n;

	(void)state;
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	assert_int_equal(history_last_drill(dir, 900, 7200, &sum, &id), -1);	/* no runs yet */
	write_run(rb, "a-older-drill", "drill", t0, true);
	write_run(rb, "b-live", "live", t0 + 7200000, true);
	write_run(rb, "c-unfinished-drill", "drill", t0 + 9000000, false);

	runs = history_list(dir, &n);
	assert_int_equal(n, 3);
	assert_string_equal(runs[0].id, "a-older-drill");
	assert_string_equal(runs[0].mode, "drill");
	assert_string_equal(runs[0].name, "Failover drill");
	assert_string_equal(runs[0].outcome, "completed");
	assert_true(runs[0].started_ms == t0);
	assert_string_equal(runs[1].mode, "live");
	assert_null(runs[2].outcome);	/* unfinished */
	history_free(runs, n);

	/* the newest FINISHED drill: not the live run, not the unfinished drill */
	assert_int_equal(history_last_drill(dir, 900, 7200, &sum, &id), 0);
	assert_string_equal(id, "a-older-drill");
	assert_true(sum.rto_s > 599.0 && sum.rto_s < 601.0);
	free(id);
	runbook_free(rb);
	diag_list_free(&dl);
}

/* A finished drill whose run_start keeps a copy of the runbook file as it was. */
static void
write_run_with_copy(const struct runbook *rb, const char *id, long long t0, const char *sum_override)
{
	char *runs = xasprintf("%s/runs", dir), *path = xasprintf("%s/%s.journal", runs, id);
	size_t len;
	char *text = file_read_all(rb_path, &len), sum[DIGEST_SHA256_HEX_LEN + 1];
	json_t *evs[6];
	FILE *fp;

	assert_non_null(text);
	digest_sha256_hex(text, len, sum);
	mkdir(runs, 0700);
	fp = fopen(path, "w");
	assert_non_null(fp);
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), t0);
	json_object_set_new(evs[0], "runbook_text", json_stringn(text, len));
	json_object_set_new(evs[0], "runbook_sha256", json_string(sum_override != NULL ? sum_override : sum));
	evs[1] = at(engine_ev_step_start(&rb->steps[0], "alice", "db"), t0);
	evs[2] = at(engine_ev_step_end(&rb->steps[0], 0, true, 60000), t0 + 60000);
	evs[3] = at(engine_ev_step_start(&rb->steps[1], "alice", NULL), t0 + 60000);
	evs[4] = at(engine_ev_step_end(&rb->steps[1], 0, true, 540000), t0 + 300000);
	evs[5] = at(engine_ev_run_end("completed"), t0 + 301000);
	for (size_t i = 0; i < 6; i++) {
		char *line = json_dumps(evs[i], JSON_COMPACT);

		fprintf(fp, "%s\n", line);
		free(line);
		json_decref(evs[i]);
	}
	fclose(fp);
	free(text);
	free(path);
	free(runs);
}

static struct runbook *
runbook_of(const char *id, struct diag_list *dl, bool *from_copy)
{
	char *path = xasprintf("%s/runs/%s.journal", dir, id), *err = NULL;
	struct journal_read jr;
	struct runbook *rb;

	assert_int_equal(journal_read(path, &jr, &err), 0);
	rb = history_runbook(&jr, dl, from_copy);
	journal_read_free(&jr);
	free(path);
	return rb;
}

/* A report and the last drill come from the journal's copy, whatever became of the file. */
static void
test_runbook_copy_outlives_the_file(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb = runbook_load(rb_path, &dl), *got;
	const long long t0 = 1795000000000LL;
	struct report_summary sum;
	bool from_copy = false;
	char *id = NULL;
	FILE *fp;

	(void)state;
	assert_non_null(rb);
	write_run_with_copy(rb, "a-drill", t0, NULL);
	write_run(rb, "b-legacy", "live", t0 + 1000, true);	/* no copy kept */
	write_run_with_copy(rb, "c-tampered", t0 - 5000, "0000000000000000000000000000000000000000000000000000000000000000");

	/* the file is edited: the restoring step renamed */
	fp = fopen(rb_path, "w");
	assert_non_null(fp);
	fputs("name: Edited\nmodel: replicated\nsteps:\n  - id: promote-now\n    run: 'true'\n", fp);
	fclose(fp);
	got = runbook_of("a-drill", &dl, &from_copy);
	assert_non_null(got);
	assert_true(from_copy);
	assert_string_equal(got->name, "Failover drill");
	assert_int_equal(got->n_steps, 2);
	assert_string_equal(got->steps[1].id, "dns");
	assert_true(got->steps[1].restores_service);
	runbook_free(got);
	got = runbook_of("b-legacy", &dl, &from_copy);	/* no copy: the file as it is */
	assert_non_null(got);
	assert_false(from_copy);
	assert_string_equal(got->name, "Edited");
	runbook_free(got);
	assert_int_equal(dl.errors, 0);
	assert_null(runbook_of("c-tampered", &dl, &from_copy));
	assert_int_equal(dl.errors, 1);
	assert_non_null(strstr(dl.items[0].message, "does not match its sha256"));

	/* and deleted: the drill's RTO is still measured from the copy */
	assert_int_equal(unlink(rb_path), 0);
	assert_int_equal(history_last_drill(dir, 900, 7200, &sum, &id), 0);
	assert_string_equal(id, "a-drill");
	assert_true(sum.rto_s > 299.0 && sum.rto_s < 301.0);
	assert_int_equal(sum.steps_done, 2);
	free(id);
	runbook_free(rb);
	diag_list_free(&dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_and_last_drill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runbook_copy_outlives_the_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
