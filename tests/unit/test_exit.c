/*
 * Unit tests: exit_leaving_threads, the console's exit while probe workers
 * (or a run's command) still run. Exit-time handlers must not run then:
 * they tear down library state that a worker still uses (under TSan, a
 * data race between libgssapi's destructors and a worker inside libpq).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/util/util.h"

static int at_exit_fd = -1;
static int shared_state;	/* a library's state: used by the worker, torn down at exit */
static pthread_mutex_t started_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started_cv = PTHREAD_COND_INITIALIZER;
static int started;
static int sink;

static void
tear_down_at_exit(void)
{
	shared_state = -1;
	if (write(at_exit_fd, "x", 1) != 1)
		_exit(99);
}

/* A worker stuck inside a library call: it keeps using shared_state. */
static void *
worker(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	pthread_mutex_lock(&started_lock);
	sink = shared_state;
	started = 1;
	pthread_cond_signal(&started_cv);
	pthread_mutex_unlock(&started_lock);
	for (;;) {
		sink += shared_state;
		nanosleep(&ms, NULL);
	}
	return NULL;
}

static void
test_exit_leaving_threads(void **state)
{
	int hook[2], out[2], wstatus;
	char buf[64];
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(hook), 0);
	assert_int_equal(pipe(out), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_t t;
		FILE *f;

		close(hook[0]);
		close(out[0]);
		at_exit_fd = hook[1];
		atexit(tear_down_at_exit);
		f = fdopen(out[1], "w");
		if (f == NULL || pthread_create(&t, NULL, worker, NULL) != 0)
			_exit(98);
		pthread_mutex_lock(&started_lock);
		while (!started)
			pthread_cond_wait(&started_cv, &started_lock);
		pthread_mutex_unlock(&started_lock);
		fputs("buffered", f);	/* still in the stream's buffer */
		exit_leaving_threads(7);
	}
	close(hook[1]);
	close(out[1]);
	while ((n = read(out[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_true(WIFEXITED(wstatus));
	/* 66: a ThreadSanitizer report (the exit handler raced the worker) */
	assert_int_equal(WEXITSTATUS(wstatus), 7);
	assert_string_equal(buf, "buffered");
	assert_int_equal(read(hook[0], buf, 1), 0);	/* no exit handler ran */
	close(hook[0]);
	close(out[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_leaving_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
