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

#include "drconsole/engine.h"
#include "drconsole/history.h"
#include "drconsole/util.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_and_last_drill, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
