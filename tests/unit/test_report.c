/* Unit tests: the Markdown run report and its RTO/RPO summary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/report.h"
#include "drconsole/util/util.h"

static struct runbook *
runbook3(void)
{
	static const char *const ids[] = { "standby-healthy", "promote", "dns" };
	struct runbook *rb = xcalloc(1, sizeof *rb);

	rb->name = xstrdup("Failover drill");
	rb->path = xstrdup("runbooks/failover.yml");
	rb->n_steps = 3;
	rb->steps = xcalloc(3, sizeof *rb->steps);
	for (size_t i = 0; i < 3; i++)
		rb->steps[i].id = xstrdup(ids[i]);
	rb->steps[1].destructive = true;
	rb->steps[2].restores_service = true;
	return rb;
}

static json_t *
at(json_t *ev, long long t)
{
	json_object_set_new(ev, "t", json_integer(t));
	return ev;
}

static void
test_report_drill(void **state)
{
	const long long t0 = 1795000000000LL;	/* 2026-11-18 */
	struct runbook *rb = runbook3();
	json_t *evs[9];
	struct journal_read jr = { evs, 9, 0, 0 };
	struct report_input in = { rb, &jr, "20261118-0300-abcd", 900, 7200 };
	struct report_summary sum;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), t0);
	evs[1] = at(engine_ev_step_start(&rb->steps[0], "alice", NULL), t0);
	evs[2] = at(engine_ev_step_end(&rb->steps[0], 0, true, 2000), t0 + 2000);
	evs[3] = at(json_pack("{s:s,s:f}", "event", "rpo", "exposure_s", 1.5), t0 + 60000);
	evs[4] = at(engine_ev_step_start(&rb->steps[1], "alice", "pgstandby0"), t0 + 60000);
	evs[5] = at(engine_ev_step_end(&rb->steps[1], 0, true, 3000), t0 + 63000);
	evs[6] = at(engine_ev_skip(&rb->steps[2], "bob", "DNS is manual in drills"), t0 + 90000);
	evs[7] = at(engine_ev_decision(&rb->steps[2], DECIDE_MARK_DONE, "bob"), t0 + 91000);
	evs[8] = at(engine_ev_run_end("completed"), t0 + 95000);

	report_summarise(&in, &sum);
	assert_int_equal(sum.steps_done, 3);
	/* dns was skipped, then marked done: service restored only counts a done step_end */
	assert_int_equal(sum.restored_ms, 0);
	assert_true(sum.rto_s < 0);
	assert_true(sum.rpo_s == 1.5);

	fp = open_memstream(&buf, &len);
	assert_int_equal(report_write(fp, &in), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "# Drill report: Failover drill"));
	assert_non_null(strstr(buf, "| RTO (first step to service restored) | - | 2h00m | not measured |"));
	assert_non_null(strstr(buf, "| RPO (data-loss exposure when replication ended) | 2s | 15m00s | **met** |"));
	assert_non_null(strstr(buf, "| 2 | promote (destructive) | done | 2026-11-18 "));
	assert_non_null(strstr(buf, "| 3s | 1 | alice | 0 |"));
	assert_non_null(strstr(buf, "skip: dns by bob: DNS is manual in drills"));
	free(buf);
	for (int i = 0; i < 9; i++)
		json_decref(evs[i]);
	runbook_free(rb);
}

static void
test_report_rto_met_and_missed(void **state)
{
	const long long t0 = 1795000000000LL;
	struct runbook *rb = runbook3();
	json_t *evs[6];
	struct journal_read jr = { evs, 6, 1, 0 };
	struct report_input in = { rb, &jr, "r", 900, 60 };
	struct report_summary sum;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "live", "alice"), t0);
	evs[1] = at(engine_ev_decision(&rb->steps[0], DECIDE_SKIP, "alice"), t0 + 1000);
	evs[2] = at(engine_ev_decision(&rb->steps[1], DECIDE_SKIP, "alice"), t0 + 2000);
	evs[3] = at(engine_ev_step_start(&rb->steps[2], "alice", NULL), t0 + 3000);
	evs[4] = at(engine_ev_step_end(&rb->steps[2], 0, true, 1), t0 + 125000);
	evs[5] = at(engine_ev_run_end("completed"), t0 + 126000);
	report_summarise(&in, &sum);
	assert_true(sum.rto_s == 125.0);
	fp = open_memstream(&buf, &len);
	assert_int_equal(report_write(fp, &in), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "# Run report"));
	assert_non_null(strstr(buf, "| 2m05s | 1m00s | **missed** |"));
	assert_non_null(strstr(buf, "1 incomplete and 0 unreadable line(s) ignored"));
	free(buf);
	for (int i = 0; i < 6; i++)
		json_decref(evs[i]);
	runbook_free(rb);
}

/* Steps carry the titles the run rendered (journaled), never the raw templates. */
static void
test_report_rendered_titles(void **state)
{
	const long long t0 = 1795000000000LL;
	struct runbook *rb = runbook3();
	json_t *evs[5];
	struct journal_read jr = { evs, 5, 0, 0 };
	struct report_input in = { rb, &jr, "r", 900, 7200 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		rb->steps[i].title = xstrdup("Step on {{ secondary.env }}");
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), t0);
	json_object_set_new(evs[0], "titles",
			    json_pack("{s:s,s:s,s:s}", "standby-healthy", "Standbys of backup-labprod stream",
				      "promote", "Promote (first db0 | db1)", "dns", "Point DNS at backup-labprod"));
	evs[1] = at(engine_ev_step_start(&rb->steps[0], "alice", NULL), t0);
	json_object_set_new(evs[1], "title", json_string("Every standby of backup-labprod streams"));
	evs[2] = at(engine_ev_step_end(&rb->steps[0], 0, true, 2000), t0 + 2000);
	evs[3] = at(engine_ev_skip(&rb->steps[1], "bob", "not now"), t0 + 3000);
	evs[4] = at(engine_ev_run_end("stopped"), t0 + 4000);
	fp = open_memstream(&buf, &len);
	assert_int_equal(report_write(fp, &in), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "| 0 | Every standby of backup-labprod streams |\n"));
	assert_non_null(strstr(buf, "| Promote (first db0 \\| db1) |\n"));
	assert_non_null(strstr(buf, "| Point DNS at backup-labprod |\n"));
	assert_null(strstr(buf, "{{"));
	free(buf);
	for (int i = 0; i < 5; i++)
		json_decref(evs[i]);
	runbook_free(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_drill),
		cmocka_unit_test(test_report_rto_met_and_missed),
		cmocka_unit_test(test_report_rendered_titles),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
