/*
 * Unit tests: a step whose command timed out or was cancelled is "killed"
 * only when the kill is confirmed; otherwise its outcome is UNKNOWN (engine
 * state, journal events, replay) and a check can find the command gone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/executor.h"
#include "drconsole/util/util.h"

static struct runbook *
two_steps(void)
{
	struct runbook *rb = xcalloc(1, sizeof *rb);

	rb->name = xstrdup("test");
	rb->n_steps = 2;
	rb->steps = xcalloc(2, sizeof *rb->steps);
	rb->steps[0].id = xstrdup("long");
	rb->steps[0].title = xstrdup("long");
	rb->steps[1].id = xstrdup("after");
	rb->steps[1].title = xstrdup("after");
	return rb;
}

static void
apply(struct engine *e, json_t *ev, long long t)
{
	json_object_set_new(ev, "t", json_integer(t));
	engine_apply(e, ev);
	json_decref(ev);
}

static void
test_unknown_outcome_state(void **state)
{
	struct runbook *rb = two_steps();
	struct step_remote rem[2] = { { "web-a0", 4242 }, { "web-a1", 0 } };
	json_t *evs[4];
	struct engine e;
	const char *why;

	(void)state;
	evs[0] = engine_ev_run_start(rb, "live", "op");
	evs[1] = engine_ev_step_start(&rb->steps[0], "op", "web-a0");
	evs[2] = engine_ev_step_unknown(&rb->steps[0], rem, 2, 2000);
	assert_string_equal(json_string_value(json_object_get(evs[2], "event")), "step_end");
	assert_string_equal(json_string_value(json_object_get(evs[2], "outcome")), "unknown");
	assert_true(json_is_false(json_object_get(evs[2], "ok")));
	for (int k = 0; k < 3; k++)
		json_object_set_new(evs[k], "t", json_integer(1000 + k));
	/* replayed after a crash: still UNKNOWN (not INTERRUPTED, not FAILED), with its hosts */
	engine_init(&e, rb);
	engine_replay(&e, evs, 3);
	assert_int_equal(e.steps[0].state, STEP_UNKNOWN);
	assert_string_equal(step_state_name(STEP_UNKNOWN), "outcome unknown");
	assert_int_equal(e.steps[0].exit_status, -1);
	assert_int_equal(e.steps[0].n_remote, 2);
	assert_string_equal(e.steps[0].remote[0].host, "web-a0");
	assert_int_equal(e.steps[0].remote[0].pid, 4242);
	assert_int_equal(e.steps[0].remote[1].pid, 0);
	assert_false(e.steps[0].remote_gone);
	assert_int_equal(engine_current(&e), 0);
	assert_false(engine_can_start(&e, 0, &why));
	assert_non_null(strstr(why, "may still be running"));
	assert_false(engine_can_start(&e, 1, &why));
	/* a check that found it still running changes nothing */
	apply(&e, engine_ev_remote_check(&rb->steps[0], true, "op"), 1100);
	assert_int_equal(e.steps[0].state, STEP_UNKNOWN);
	assert_false(e.steps[0].remote_gone);
	/* one that found it gone: still UNKNOWN (no exit status), but gone */
	evs[3] = engine_ev_remote_check(&rb->steps[0], false, "op");
	apply(&e, json_incref(evs[3]), 1200);
	assert_int_equal(e.steps[0].state, STEP_UNKNOWN);
	assert_true(e.steps[0].remote_gone);
	/* a re-run clears it all */
	apply(&e, engine_ev_decision(&rb->steps[0], DECIDE_RERUN, "op"), 1300);
	assert_int_equal(e.steps[0].state, STEP_PENDING);
	apply(&e, engine_ev_step_start(&rb->steps[0], "op", "web-a0"), 1400);
	assert_int_equal(e.steps[0].n_remote, 0);
	assert_false(e.steps[0].remote_gone);
	apply(&e, engine_ev_step_end(&rb->steps[0], 0, true, 5), 1500);
	assert_int_equal(e.steps[0].state, STEP_DONE);
	engine_free(&e);
	/* mark done after the check */
	engine_init(&e, rb);
	engine_replay(&e, evs, 4);
	assert_true(e.steps[0].remote_gone);
	apply(&e, engine_ev_decision(&rb->steps[0], DECIDE_MARK_DONE, "op"), 1300);
	assert_int_equal(e.steps[0].state, STEP_DONE);
	assert_true(engine_can_start(&e, 1, &why));
	engine_free(&e);
	for (int k = 0; k < 4; k++)
		json_decref(evs[k]);
	runbook_free(rb);
}

/* A plain failure is still FAILED: only an unconfirmed kill is UNKNOWN. */
static void
test_plain_failure_not_unknown(void **state)
{
	struct runbook *rb = two_steps();
	struct engine e;

	(void)state;
	engine_init(&e, rb);
	apply(&e, engine_ev_step_start(&rb->steps[0], "op", NULL), 1000);
	apply(&e, engine_ev_step_end(&rb->steps[0], -1, false, 5), 1005);
	assert_int_equal(e.steps[0].state, STEP_FAILED);
	assert_int_equal(e.steps[0].n_remote, 0);
	engine_free(&e);
	runbook_free(rb);
}

/* The local executor confirms its kill: nothing of the group is left. */
static void
test_local_timeout_kill_confirmed(void **state)
{
	struct executor *ex = executor_local_create();
	struct exec_request req = {
		.host = "local", .command = "trap '' TERM; sleep 30 & sleep 30", .timeout_ms = 300,
	};
	struct exec_result res;
	char *out = NULL;

	(void)state;
	assert_int_equal(executor_capture(ex, &req, 1024, &out, &res), 0);
	assert_true(res.timed_out);
	assert_true(res.pid > 1);
	assert_true(res.kill_confirmed);
	free(out);
	exec_result_clear(&res);
	/* a command that ends by itself has nothing to confirm */
	req.command = "true";
	req.timeout_ms = 5000;
	assert_int_equal(ex->run(ex, &req, &res), 0);
	assert_false(res.kill_confirmed);
	assert_int_equal(res.exit_status, 0);
	exec_result_clear(&res);
	ex->free(ex);
}

static char *
alive(struct executor *ex, long pid)
{
	char *cmd = exec_alive_command(pid), *out = NULL;
	struct exec_request req = { .host = "local", .command = cmd, .timeout_ms = 5000 };
	struct exec_result res;

	assert_int_equal(executor_capture(ex, &req, 64, &out, &res), 0);
	assert_int_equal(res.exit_status, 0);
	exec_result_clear(&res);
	free(cmd);
	return out;
}

/* The check an UNKNOWN step offers: is anything of that process group left? */
static void
test_alive_command(void **state)
{
	struct executor *ex = executor_local_create();
	pid_t child;
	char *out;
	int st;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		setpgid(0, 0);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	setpgid(child, child);
	out = alive(ex, child);
	assert_string_equal(out, "running\n");
	free(out);
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	out = alive(ex, child);
	assert_string_equal(out, "gone\n");
	free(out);
	ex->free(ex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_outcome_state),
		cmocka_unit_test(test_plain_failure_not_unknown),
		cmocka_unit_test(test_local_timeout_kill_confirmed),
		cmocka_unit_test(test_alive_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
