/* Unit tests: the local executor and the run lock (through a real shell). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/runbook/lock.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

struct sink {
	struct strbuf out;
	struct strbuf err;
};

static void
to_sink(void *ud, enum exec_stream stream, const char *data, size_t len)
{
	struct sink *s = ud;

	strbuf_add(stream == EXEC_STDOUT ? &s->out : &s->err, data, len);
}

static void
test_local_exec_streams_and_status(void **state)
{
	struct executor *ex = executor_local_create();
	struct sink s = { STRBUF_INIT, STRBUF_INIT };
	struct exec_request req = {
		.host = "local", .command = "echo out; echo err >&2; read x; echo \"got $x\"; exit 3",
		.stdin_data = "secret-value\n", .timeout_ms = 5000, .on_output = to_sink, .ud = &s,
	};
	struct exec_result res;

	(void)state;
	assert_int_equal(ex->run(ex, &req, &res), 0);
	assert_int_equal(res.exit_status, 3);
	assert_false(res.timed_out);
	assert_string_equal(strbuf_str(&s.out), "out\ngot secret-value\n");
	assert_string_equal(strbuf_str(&s.err), "err\n");
	exec_result_clear(&res);
	strbuf_free(&s.out);
	strbuf_free(&s.err);
	ex->free(ex);
}

static void
test_local_exec_timeout_kills_group(void **state)
{
	struct executor *ex = executor_local_create();
	struct exec_request req = {
		.host = "local", .command = "sleep 30 & sleep 30; echo never", .timeout_ms = 300,
	};
	struct exec_result res;
	long long start = time_mono_ms();
	char *out = NULL;

	(void)state;
	assert_int_equal(executor_capture(ex, &req, 1024, &out, &res), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.exit_status, -1);
	assert_int_equal(res.exit_signal, 15);
	/* the background sleep was in the group too, or the pipe would stay open for 30 s */
	assert_true(time_mono_ms() - start < 5000);
	assert_string_equal(out, "");
	free(out);
	exec_result_clear(&res);
	ex->free(ex);
}

struct canceller {
	int *flag;
};

static void *
cancel_soon(void *arg)
{
	struct canceller *c = arg;

	usleep(200000);
	__atomic_store_n(c->flag, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void
test_local_exec_cancel(void **state)
{
	struct executor *ex = executor_local_create();
	int flag = 0;
	struct canceller c = { &flag };
	struct exec_request req = {
		.host = "local", .command = "sleep 30", .timeout_ms = 60000, .cancel = &flag,
	};
	struct exec_result res;
	pthread_t t;

	(void)state;
	pthread_create(&t, NULL, cancel_soon, &c);
	assert_int_equal(ex->run(ex, &req, &res), 0);
	pthread_join(t, NULL);
	assert_true(res.cancelled);
	assert_false(res.timed_out);
	assert_true(res.duration_ms < 5000);
	exec_result_clear(&res);
	ex->free(ex);
}

static void
test_lock_acquire_held_release_break(void **state)
{
	char dir[] = "/tmp/drconsole-lock-XXXXXX";
	struct executor *ex = executor_local_create();
	struct exec_request where = { .host = "control", .timeout_ms = 5000 };
	struct run_lock a, b;
	struct lock_info info;
	char *path;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/site's lock", dir);	/* a quote in the path must not matter */
	lock_init(&a, ex, &where, path, "run-a");
	lock_init(&b, ex, &where, path, "run-b");
	lock_acquire(&a, "alice@laptop 2026-11-24T03:00:00Z", &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	assert_true(lock_heartbeat(&a));
	/* a second operator cannot take it and sees who holds it */
	lock_acquire(&b, "bob@jump", &info);
	assert_int_equal(info.state, LOCK_HELD);
	assert_non_null(strstr(info.holder, "alice@laptop"));
	assert_non_null(strstr(info.holder, "run=run-a"));
	assert_true(info.age_s >= 0 && info.age_s < 60);
	lock_info_clear(&info);
	assert_false(lock_heartbeat(&b));
	assert_false(lock_release(&b));
	/* breaking (after the caller's typed confirmation) hands it over */
	lock_break_and_acquire(&b, "bob@jump", &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	assert_false(lock_release(&a));
	assert_true(lock_release(&b));
	lock_acquire(&a, "alice@laptop", &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	assert_true(lock_release(&a));
	assert_int_equal(access(path, F_OK), -1);
	lock_fini(&a);
	lock_fini(&b);
	free(path);
	rmdir(dir);
	ex->free(ex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_exec_streams_and_status),
		cmocka_unit_test(test_local_exec_timeout_kills_group),
		cmocka_unit_test(test_local_exec_cancel),
		cmocka_unit_test(test_lock_acquire_held_release_break),
	};

	return cmocka_run_group_tests_name("lock_exec", tests, NULL, NULL);
}
