/* Unit tests: the achieved RPO from the WAL positions journaled at the cut. */
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
#include "drconsole/runbook/rpo_cut.h"
#include "drconsole/util/util.h"

#define T0 1795000000000LL

/* fence-primary, catch-up, promote (ends replication), dns */
static struct runbook *
failover_rb(enum rb_model model)
{
	static const char *const ids[] = { "fence-primary", "catch-up", "promote", "dns" };
	struct runbook *rb = xcalloc(1, sizeof *rb);

	rb->name = xstrdup("Failover");
	rb->path = xstrdup("runbooks/failover.yml");
	rb->model = model;
	rb->n_steps = 4;
	rb->steps = xcalloc(4, sizeof *rb->steps);
	for (size_t i = 0; i < 4; i++)
		rb->steps[i].id = xstrdup(ids[i]);
	rb->steps[0].fences = true;
	rb->steps[2].ends_replication = true;
	rb->steps[2].destructive = true;
	rb->steps[3].restores_service = true;
	return rb;
}

static json_t *
at(json_t *ev, long long t)
{
	json_object_set_new(ev, "t", json_integer(t));
	return ev;
}

static json_t *
cut(const char *standby_lsn, const char *upstream_lsn, long long gap, long long t)
{
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s}", "event", "rpo_cut", "step", "promote",
			       "host", "db-a0", "address", "127.0.30.20", "upstream", "127.0.20.20");

	if (standby_lsn != NULL)
		json_object_set_new(ev, "standby_lsn", json_string(standby_lsn));
	if (upstream_lsn != NULL)
		json_object_set_new(ev, "upstream_lsn", json_string(upstream_lsn));
	if (gap >= 0)
		json_object_set_new(ev, "gap_bytes", json_integer(gap));
	return at(ev, t);
}

static json_t *
diverged(const char *lsn, long long lost, long long t)
{
	return at(json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:I}", "event", "rpo_diverged", "upstream",
			    "127.0.20.20", "host", "db-a0", "switch_lsn", "0/3000148", "reachable", 1,
			    "lsn", lsn, "lost_bytes", (json_int_t)lost), t);
}

static json_t *
estimate(double s, long long t)
{
	return at(json_pack("{s:s,s:s,s:f}", "event", "rpo", "store", "postgres", "exposure_s", s), t);
}

static void
free_evs(json_t **evs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(evs[i]);
}

static char *
report_of(struct runbook *rb, json_t **evs, size_t n)
{
	struct journal_read jr = { evs, n, 0, 0 };
	struct report_input in = { rb, &jr, "r", 900, 7200 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_int_equal(report_write(fp, &in), 0);
	fclose(fp);
	return buf;
}

static double
rpo_of(struct runbook *rb, json_t **evs, size_t n)
{
	struct journal_read jr = { evs, n, 0, 0 };
	struct report_input in = { rb, &jr, "r", 900, 7200 };
	struct report_summary sum;

	report_summarise(&in, &sum);
	return sum.rpo_s;
}

static void
test_lsn_parse(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(rpo_lsn_parse("0/3000148", &v));
	assert_true(v == 0x3000148ULL);
	assert_true(rpo_lsn_parse("16/B374D848", &v));
	assert_true(v == ((uint64_t)0x16 << 32 | 0xB374D848ULL));
	assert_false(rpo_lsn_parse("", &v));
	assert_false(rpo_lsn_parse(NULL, &v));
	assert_false(rpo_lsn_parse("0/", &v));
	assert_false(rpo_lsn_parse("1/2/3", &v));
	assert_false(rpo_lsn_parse("x/1", &v));
	assert_false(rpo_lsn_parse("100000000/0", &v));
}

/* The exposure measured when replication ended stands: a re-run's later estimate does not replace it. */
static void
test_first_estimate_stands(void **state)
{
	struct runbook *rb = failover_rb(RB_MODEL_REPLICATED);
	json_t *evs[5];

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), T0);
	evs[1] = estimate(1.5, T0 + 1000);
	evs[2] = at(engine_ev_step_start(&rb->steps[2], "alice", "db-a0"), T0 + 1000);
	/* the promote failed after the cut and was re-run: by then the standby is a primary */
	evs[3] = estimate(199.0, T0 + 60000);
	evs[4] = at(engine_ev_step_start(&rb->steps[2], "alice", "db-a0"), T0 + 60000);
	assert_true(rpo_of(rb, evs, 5) == 1.5);
	free_evs(evs, 5);
	runbook_free(rb);
}

/* Zero lag confirmed at the cut is an RPO of 0, whatever the backup-based estimate said. */
static void
test_zero_gap_is_zero(void **state)
{
	struct runbook *rb = failover_rb(RB_MODEL_FAILBACK);
	json_t *evs[3];
	char *rep;

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), T0);
	evs[1] = estimate(199.0, T0 + 1000);	/* "3m19s via daily backup" */
	evs[2] = cut("0/3000148", "0/3000148", 0, T0 + 2000);
	assert_true(rpo_of(rb, evs, 3) == 0.0);
	rep = report_of(rb, evs, 3);
	assert_non_null(strstr(rep, "| RPO (data-loss exposure when replication ended) | 0s | 15m00s | **met** |"));
	assert_non_null(strstr(rep, "zero lag confirmed at the cut"));
	free(rep);
	free_evs(evs, 3);
	runbook_free(rb);
}

/* A fail-back without a lag read at the switchover is not measured (no backup-age stand-in). */
static void
test_failback_without_cut(void **state)
{
	struct runbook *rb = failover_rb(RB_MODEL_FAILBACK);
	json_t *evs[2];

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), T0);
	evs[1] = estimate(199.0, T0 + 1000);
	assert_true(rpo_of(rb, evs, 2) < 0);
	free_evs(evs, 2);
	runbook_free(rb);
}

/* A failed fence step and an old primary never checked: not RPO 0. */
static void
test_failed_fence_not_zero(void **state)
{
	struct runbook *rb = failover_rb(RB_MODEL_REPLICATED);
	json_t *evs[6];
	char *rep;

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), T0);
	evs[1] = at(engine_ev_step_start(&rb->steps[0], "alice", NULL), T0 + 1000);
	evs[2] = at(engine_ev_step_end(&rb->steps[0], 1, false, 10), T0 + 1010);
	evs[3] = at(engine_ev_skip(&rb->steps[0], "alice", "failed; on_failure: continue"), T0 + 1020);
	evs[4] = estimate(0.0, T0 + 2000);
	evs[5] = cut("0/3000148", NULL, -1, T0 + 2100);	/* the old primary did not answer */
	assert_true(rpo_of(rb, evs, 6) < 0);
	rep = report_of(rb, evs, 6);
	assert_non_null(strstr(rep, "| RPO (data-loss exposure when replication ended) | - | 15m00s | not measured |"));
	assert_non_null(strstr(rep, "fence step fence-primary did not succeed"));
	free(rep);
	/* a fence step skipped because the primary was unreachable is not a failure */
	json_decref(evs[2]);
	json_decref(evs[3]);
	evs[2] = at(json_pack("{s:s}", "event", "noop"), T0 + 1010);
	evs[3] = at(engine_ev_skip(&rb->steps[0], "alice", "condition false"), T0 + 1020);
	assert_true(rpo_of(rb, evs, 6) == 0.0);
	free_evs(evs, 6);
	runbook_free(rb);
}

/* Writes to the old primary after the cut are reported, and the RPO is not 0. */
static void
test_writes_after_cut(void **state)
{
	struct runbook *rb = failover_rb(RB_MODEL_REPLICATED);
	json_t *evs[6];
	char *rep;

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), T0);
	evs[1] = estimate(0.0, T0 + 1000);
	evs[2] = cut("0/3000148", "0/3000148", 0, T0 + 2000);
	evs[3] = diverged("0/3000148", 0, T0 + 5000);	/* right after the promote: nothing yet */
	evs[4] = diverged("0/3042A10", 0x3042A10 - 0x3000148, T0 + 42000);	/* end of the run */
	evs[5] = diverged("0/3042A10", 0x3042A10 - 0x3000148, T0 + 50000);
	assert_true(rpo_of(rb, evs, 6) == 40.0);
	rep = report_of(rb, evs, 6);
	assert_non_null(strstr(rep, "| at most 40s | 15m00s |"));
	assert_non_null(strstr(rep, "**Data that did not make it:** the old primary 127.0.20.20 wrote 272584 bytes"));
	assert_non_null(strstr(rep, "its position 0/3042A10, the promoted server's switch point 0/3000148"));
	free(rep);
	/* checked and clean: the measured exposure stands, even with a failed fence step */
	json_decref(evs[4]);
	json_decref(evs[5]);
	evs[4] = at(engine_ev_step_start(&rb->steps[0], "alice", NULL), T0 + 500);
	evs[5] = at(engine_ev_step_end(&rb->steps[0], 1, false, 10), T0 + 600);
	assert_true(rpo_of(rb, evs, 6) == 0.0);
	free_evs(evs, 6);
	runbook_free(rb);
}

/* WAL without a completed transaction (a checkpoint) is not data that did not make it. */
static void
test_wal_without_transactions(void **state)
{
	struct runbook *rb = failover_rb(RB_MODEL_REPLICATED);
	json_t *evs[4];
	char *rep;

	(void)state;
	evs[0] = at(engine_ev_run_start(rb, "drill", "alice"), T0);
	/* 120 bytes not replayed at the cut, but the same newest transaction on both ends */
	evs[1] = cut("0/3000148", "0/30001C0", 120, T0 + 2000);
	json_object_set_new(evs[1], "standby_xmax", json_integer(745));
	json_object_set_new(evs[1], "upstream_xmax", json_integer(745));
	evs[2] = diverged("0/3000238", 0xF0, T0 + 30000);
	json_object_set_new(evs[2], "lost_xacts", json_integer(0));
	evs[3] = at(json_pack("{s:s}", "event", "noop"), T0 + 31000);
	assert_true(rpo_of(rb, evs, 4) == 0.0);
	rep = report_of(rb, evs, 4);
	assert_non_null(strstr(rep, "| RPO (data-loss exposure when replication ended) | 0s |"));
	assert_non_null(strstr(rep, "replayed every transaction its upstream completed"));
	assert_non_null(strstr(rep, "wrote 240 bytes of WAL after the cut but completed no transaction"));
	assert_null(strstr(rep, "Data that did not make it"));
	free(rep);
	/* one transaction completed there after the cut: lost, and counted */
	json_object_set_new(evs[2], "lost_xacts", json_integer(1));
	rep = report_of(rb, evs, 4);
	assert_non_null(strstr(rep, "wrote 240 bytes of WAL after the cut (its position 0/3000238"));
	assert_non_null(strstr(rep, "1 completed transaction(s). Those writes are not on the promoted database."));
	free(rep);
	/* a transaction not replayed at the cut: the lag is not zero */
	json_object_set_new(evs[1], "upstream_xmax", json_integer(746));
	json_object_set_new(evs[2], "lost_xacts", json_integer(0));
	assert_true(rpo_of(rb, evs, 4) < 0);	/* no lag time read, no estimate */
	free_evs(evs, 4);
	runbook_free(rb);
}

/* A re-run of the promote measures nothing new: the first cut of a host counts. */
static void
test_recorded(void **state)
{
	json_t *evs[2];

	(void)state;
	evs[0] = estimate(3.0, T0);
	evs[1] = cut("0/1", "0/1", 0, T0);
	assert_true(rpo_cut_recorded(evs, 2, "promote", false));
	assert_false(rpo_cut_recorded(evs, 2, "other", false));
	assert_true(rpo_cut_recorded(evs, 1, "other", true));
	assert_false(rpo_cut_recorded(evs, 1, "other", false));
	free_evs(evs, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lsn_parse),
		cmocka_unit_test(test_first_estimate_stands),
		cmocka_unit_test(test_zero_gap_is_zero),
		cmocka_unit_test(test_failback_without_cut),
		cmocka_unit_test(test_failed_fence_not_zero),
		cmocka_unit_test(test_writes_after_cut),
		cmocka_unit_test(test_wal_without_transactions),
		cmocka_unit_test(test_recorded),
	};

	return cmocka_run_group_tests_name("rpo_cut", tests, NULL, NULL);
}
