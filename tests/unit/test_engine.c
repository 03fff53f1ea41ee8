/* Unit tests: the runbook step state machine, driven by journal events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/engine.h"
#include "drconsole/util/util.h"

static struct runbook *
three_steps(void)
{
	static const char *const ids[] = { "check-standby", "promote", "dns" };
	struct runbook *rb = xcalloc(1, sizeof *rb);

	rb->name = xstrdup("test");
	rb->n_steps = 3;
	rb->steps = xcalloc(3, sizeof *rb->steps);
	for (size_t i = 0; i < 3; i++) {
		rb->steps[i].id = xstrdup(ids[i]);
		rb->steps[i].title = xstrdup(ids[i]);
	}
	rb->steps[1].destructive = true;
	rb->steps[2].restores_service = true;
	return rb;
}

/* Apply an event the way a run does (with a time stamp), dropping our reference. */
static void
apply(struct engine *e, json_t *ev, long long t)
{
	json_object_set_new(ev, "t", json_integer(t));
	engine_apply(e, ev);
	json_decref(ev);
}

static void
test_order_rule(void **state)
{
	struct runbook *rb = three_steps();
	struct engine e;
	const char *why;

	(void)state;
	engine_init(&e, rb);
	assert_int_equal(engine_current(&e), 0);
	assert_true(engine_can_start(&e, 0, &why));
	assert_false(engine_can_start(&e, 1, &why));
	assert_non_null(strstr(why, "earlier step"));
	apply(&e, engine_ev_run_start(rb, "drill", "op"), 1000);
	apply(&e, engine_ev_step_start(&rb->steps[0], "op", NULL), 1000);
	assert_false(engine_can_start(&e, 0, &why));
	apply(&e, engine_ev_step_end(&rb->steps[0], 1, false, 5), 1005);
	assert_int_equal(e.steps[0].state, STEP_FAILED);
	assert_false(engine_can_start(&e, 0, &why));
	assert_non_null(strstr(why, "failed"));
	assert_false(engine_can_start(&e, 1, &why));
	/* failed → explicit skip → the next step may start */
	apply(&e, engine_ev_decision(&rb->steps[0], DECIDE_SKIP, "op"), 1010);
	assert_int_equal(engine_current(&e), 1);
	assert_true(engine_can_start(&e, 1, &why));
	apply(&e, engine_ev_step_start(&rb->steps[1], "op", "db"), 2000);
	apply(&e, engine_ev_step_end(&rb->steps[1], 0, true, 50), 2050);
	apply(&e, engine_ev_step_start(&rb->steps[2], "op", NULL), 3000);
	apply(&e, engine_ev_step_end(&rb->steps[2], 0, true, 10), 4000);
	assert_int_equal(engine_current(&e), -1);
	assert_int_equal(e.service_restored_ms, 4000);
	assert_int_equal(e.run_started_ms, 1000);
	assert_string_equal(e.mode, "drill");
	assert_int_equal(e.steps[1].attempts, 1);
	assert_string_equal(e.steps[1].confirmed_by, "op");
	engine_free(&e);
	runbook_free(rb);
}

static void
test_replay_marks_interrupted_and_needs_decision(void **state)
{
	struct runbook *rb = three_steps();
	json_t *events[4];
	struct engine e;
	const char *why;

	(void)state;
	events[0] = engine_ev_run_start(rb, "live", "op");
	events[1] = engine_ev_step_start(&rb->steps[0], "op", NULL);
	events[2] = engine_ev_step_end(&rb->steps[0], 0, true, 3);
	events[3] = engine_ev_step_start(&rb->steps[1], "op", "db");	/* then kill -9 */
	engine_init(&e, rb);
	engine_replay(&e, events, 4);
	assert_int_equal(e.steps[0].state, STEP_DONE);
	assert_int_equal(e.steps[1].state, STEP_INTERRUPTED);
	assert_int_equal(engine_current(&e), 1);
	/* never re-run silently */
	assert_false(engine_can_start(&e, 1, &why));
	assert_non_null(strstr(why, "interrupted"));
	/* the operator checked the promotion happened */
	{
		json_t *d = engine_ev_decision(&rb->steps[1], DECIDE_MARK_DONE, "op");

		engine_apply(&e, d);
		json_decref(d);
	}
	assert_int_equal(e.steps[1].state, STEP_DONE);
	assert_true(engine_can_start(&e, 2, &why));
	/* an explicit re-run decision makes an interrupted step startable again */
	engine_free(&e);
	engine_init(&e, rb);
	engine_replay(&e, events, 4);
	{
		json_t *d = engine_ev_decision(&rb->steps[1], DECIDE_RERUN, "op");

		engine_apply(&e, d);
		json_decref(d);
	}
	assert_true(engine_can_start(&e, 1, &why));
	engine_free(&e);
	for (int i = 0; i < 4; i++)
		json_decref(events[i]);
	runbook_free(rb);
}

static void
test_unknown_steps_and_events_ignored(void **state)
{
	struct runbook *rb = three_steps();
	struct engine e;
	json_t *ev;

	(void)state;
	engine_init(&e, rb);
	ev = json_pack("{s:s,s:s}", "event", "step_start", "step", "gone");
	engine_apply(&e, ev);
	json_decref(ev);
	ev = json_pack("{s:s}", "event", "future_event");
	engine_apply(&e, ev);
	json_decref(ev);
	ev = json_pack("{s:i}", "noevent", 1);
	engine_apply(&e, ev);
	json_decref(ev);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(e.steps[i].state, STEP_PENDING);
	assert_string_equal(step_state_name(STEP_INTERRUPTED), "interrupted");
	engine_free(&e);
	runbook_free(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_rule),
		cmocka_unit_test(test_replay_marks_interrupted_and_needs_decision),
		cmocka_unit_test(test_unknown_steps_and_events_ignored),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
