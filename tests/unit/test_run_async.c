/*
 * Unit tests: the bridge between a run on its own thread and the console
 * (run_async.h): scrollback with stable line numbers, questions answered
 * only by their own id, typed confirmations compared exactly, safe defaults
 * once aborted, the self-pipe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/runbook/run_async.h"
#include "drconsole/util/util.h"

/* A question asked from another thread, as the run thread asks it. */
struct asker {
	struct run_async *ra;
	enum run_question_kind kind;
	const char *expected;
	int dflt;
	bool yes;
	int choice;
};

static void *
asker_main(void *arg)
{
	struct asker *a = arg;
	const struct run_ui *ui = run_async_ui(a->ra);
	static const char *const opts[] = { "stop", "re-run", "skip" };

	switch (a->kind) {
	case RUN_Q_CONFIRM:
		a->yes = ui->confirm(ui->ud, "Run step 1?");
		break;
	case RUN_Q_TYPED:
		a->yes = ui->confirm_typed(ui->ud, "Type the environment's name", a->expected);
		break;
	case RUN_Q_CHOOSE:
		a->choice = ui->choose(ui->ud, "Step failed", opts, 3, a->dflt);
		break;
	case RUN_Q_NONE:
		break;
	}
	return NULL;
}

/* The id of the pending question once it is posted (waits for it). */
static unsigned
pending_id(struct run_async *ra, enum run_question_kind kind)
{
	for (int i = 0; i < 2000; i++) {
		const struct run_async_state *st = run_async_lock(ra);
		unsigned id = st->q.kind == kind ? st->q.id : 0;

		run_async_unlock(ra);
		if (id != 0)
			return id;
		usleep(1000);
	}
	fail_msg("no question of kind %d was posted", kind);
	return 0;
}

static void
test_scrollback_keeps_numbers(void **state)
{
	struct run_async *ra = run_async_create();
	const struct run_ui *ui = run_async_ui(ra);
	const struct run_async_state *st;
	char buf[32];
	struct pollfd pfd = { .fd = run_async_fd(ra), .events = POLLIN };

	(void)state;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	ui->show(ui->ud, "one\ntwo");
	assert_int_equal(poll(&pfd, 1, 0), 1);	/* the UI is woken */
	run_async_drain(ra);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	for (int i = 0; i < RUN_ASYNC_MAX_LINES; i++) {
		snprintf(buf, sizeof buf, "line %d", i);
		ui->show(ui->ud, buf);
	}
	st = run_async_lock(ra);
	assert_int_equal(st->n_lines, RUN_ASYNC_MAX_LINES);
	assert_int_equal(st->dropped, 2);	/* "one" and "two" went first */
	assert_null(run_async_line(st, 0));
	assert_null(run_async_line(st, 1));
	assert_string_equal(run_async_line(st, 2), "line 0");
	assert_string_equal(run_async_line(st, 2 + RUN_ASYNC_MAX_LINES - 1), "line 4999");
	assert_null(run_async_line(st, 2 + RUN_ASYNC_MAX_LINES));
	run_async_unlock(ra);
	run_async_free(ra);
}

static void
test_confirm_only_by_its_id(void **state)
{
	struct run_async *ra = run_async_create();
	struct asker a = { .ra = ra, .kind = RUN_Q_CONFIRM };
	pthread_t t;
	unsigned id;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, asker_main, &a), 0);
	id = pending_id(ra, RUN_Q_CONFIRM);
	assert_false(run_async_answer(ra, id + 1, true, NULL, 0));	/* a stale or future id */
	assert_true(run_async_answer(ra, id, true, NULL, 0));
	assert_false(run_async_answer(ra, id, true, NULL, 0));		/* answered once */
	pthread_join(t, NULL);
	assert_true(a.yes);

	a.yes = true;
	assert_int_equal(pthread_create(&t, NULL, asker_main, &a), 0);
	assert_false(run_async_answer(ra, id, true, NULL, 0));		/* the old question's id */
	id = pending_id(ra, RUN_Q_CONFIRM);
	assert_true(run_async_answer(ra, id, false, NULL, 0));
	pthread_join(t, NULL);
	assert_false(a.yes);
	assert_int_equal(run_async_lock(ra)->q.kind, RUN_Q_NONE);
	run_async_unlock(ra);
	run_async_free(ra);
}

static void
test_typed_must_match_exactly(void **state)
{
	static const char *const typed[] = { "", "backup-labprod ", "BACKUP-LABPROD", "backup-lab", NULL };
	struct run_async *ra = run_async_create();
	struct asker a = { .ra = ra, .kind = RUN_Q_TYPED, .expected = "backup-labprod" };
	pthread_t t;
	unsigned id;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(typed); i++) {
		a.yes = true;
		assert_int_equal(pthread_create(&t, NULL, asker_main, &a), 0);
		id = pending_id(ra, RUN_Q_TYPED);
		/* "yes" without the right text is still no: the bridge compares */
		assert_true(run_async_answer(ra, id, true, typed[i], 0));
		pthread_join(t, NULL);
		assert_false(a.yes);
	}
	assert_int_equal(pthread_create(&t, NULL, asker_main, &a), 0);
	id = pending_id(ra, RUN_Q_TYPED);
	{
		const struct run_async_state *st = run_async_lock(ra);

		assert_string_equal(st->q.expected, "backup-labprod");
		assert_string_equal(st->q.prompt, "Type the environment's name");
		run_async_unlock(ra);
	}
	assert_true(run_async_answer(ra, id, false, "backup-labprod", 0));
	pthread_join(t, NULL);
	assert_true(a.yes);
	run_async_free(ra);
}

static void
test_choose_range_and_default(void **state)
{
	struct run_async *ra = run_async_create();
	struct asker a = { .ra = ra, .kind = RUN_Q_CHOOSE, .dflt = 0 };
	pthread_t t;
	unsigned id;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, asker_main, &a), 0);
	id = pending_id(ra, RUN_Q_CHOOSE);
	{
		const struct run_async_state *st = run_async_lock(ra);

		assert_int_equal(st->q.n_options, 3);
		assert_string_equal(st->q.options[2], "skip");
		run_async_unlock(ra);
	}
	assert_true(run_async_answer(ra, id, false, NULL, 2));
	pthread_join(t, NULL);
	assert_int_equal(a.choice, 2);

	assert_int_equal(pthread_create(&t, NULL, asker_main, &a), 0);
	id = pending_id(ra, RUN_Q_CHOOSE);
	assert_true(run_async_answer(ra, id, false, NULL, 7));	/* out of range: the default */
	pthread_join(t, NULL);
	assert_int_equal(a.choice, 0);
	run_async_free(ra);
}

static void
test_abort_gives_safe_defaults(void **state)
{
	struct run_async *ra = run_async_create();
	struct asker c = { .ra = ra, .kind = RUN_Q_CONFIRM };
	struct asker ty = { .ra = ra, .kind = RUN_Q_TYPED, .expected = "x", .yes = true };
	struct asker ch = { .ra = ra, .kind = RUN_Q_CHOOSE, .dflt = 0, .choice = 5 };
	pthread_t t;

	(void)state;
	c.yes = true;
	assert_int_equal(pthread_create(&t, NULL, asker_main, &c), 0);
	(void)pending_id(ra, RUN_Q_CONFIRM);
	run_async_abort(ra, true);	/* the console goes away while a question is open */
	pthread_join(t, NULL);
	assert_false(c.yes);
	/* from now on every question gets its default at once */
	asker_main(&ty);
	assert_false(ty.yes);
	asker_main(&ch);
	assert_int_equal(ch.choice, 0);
	run_async_free(ra);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrollback_keeps_numbers),
		cmocka_unit_test(test_confirm_only_by_its_id),
		cmocka_unit_test(test_typed_must_match_exactly),
		cmocka_unit_test(test_choose_range_and_default),
		cmocka_unit_test(test_abort_gives_safe_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
