/* Unit tests: run notifications (notify.c): bodies, when there is no notifier, and a target that never answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drconsole/runbook/engine.h"
#include "drconsole/util/log.h"
#include "drconsole/runbook/notify.h"
#include "drconsole/util/util.h"

static struct runbook *
runbook(void)
{
	static const char text[] = "name: Nb\nmodel: replicated\nsteps:\n  - id: a\n    run: 'true'\n"
				   "  - id: wipe\n    run: 'true'\n    destructive: true\n";
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb = runbook_load_buffer("nb.yml", text, sizeof text - 1, &dl);

	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	diag_list_free(&dl);
	return rb;
}

static void
test_bodies(void **state)
{
	json_t *ev = json_pack("{s:s,s:s,s:b}", "event", "run_start", "text", "[DRILL] drconsole: x", "drill", 1);
	json_t *slack = notify_body("slack", ev), *js = notify_body("json", ev);

	(void)state;
	assert_int_equal(json_object_size(slack), 1);
	assert_string_equal(json_string_value(json_object_get(slack, "text")), "[DRILL] drconsole: x");
	assert_string_equal(json_string_value(json_object_get(js, "source")), "drconsole");
	assert_string_equal(json_string_value(json_object_get(js, "event")), "run_start");
	assert_true(json_is_true(json_object_get(js, "drill")));
	json_decref(slack);
	json_decref(js);
	json_decref(ev);
}

static void
test_no_notifier(void **state)
{
	struct config cfg = { 0 };
	struct runbook *rb = runbook();

	(void)state;
	assert_null(notifier_create(&cfg, rb, "r1", RUN_LIVE, "alice"));	/* no target configured */
	cfg.notify.webhook_url_env = (char *)"DRC_UNIT_NOTIFY_UNSET";
	unsetenv("DRC_UNIT_NOTIFY_UNSET");
	assert_null(notifier_create(&cfg, rb, "r1", RUN_LIVE, "alice"));	/* its variable is unset */
	setenv("DRC_UNIT_NOTIFY_UNSET", "http://127.0.0.1:9/", 1);
	assert_null(notifier_create(&cfg, rb, "r1", RUN_DRY, "alice"));	/* a dry-run sends nothing */
	unsetenv("DRC_UNIT_NOTIFY_UNSET");
	notifier_journal_event(NULL, NULL);	/* no notifier: every call is a no-op */
	notifier_free(NULL);
	runbook_free(rb);
}

/* A listener that never accepts: connections complete in the backlog, requests are never answered. */
static int
blackhole(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
test_hanging_target_never_blocks(void **state)
{
	struct config cfg = { 0 };
	struct runbook *rb = runbook();
	struct notifier *n;
	char logpath[] = "/tmp/drconsole-notify-log-XXXXXX", *url, *log, *err = NULL;
	int port, fd = blackhole(&port), lfd = mkstemp(logpath);
	long long t0, enq_ms, free_ms;
	const char *sc = getenv("DRC_TIME_SCALE");
	long long scale = sc != NULL && atoi(sc) > 0 ? atoi(sc) : 1;	/* sanitizer builds are slower */

	(void)state;
	assert_true(lfd >= 0);
	close(lfd);
	assert_int_equal(log_open(logpath, LOG_INFO, &err), 0);
	url = xasprintf("http://127.0.0.1:%d/hook/secret-path-token", port);
	setenv("DRC_UNIT_NOTIFY", url, 1);
	cfg.notify.webhook_url_env = (char *)"DRC_UNIT_NOTIFY";
	cfg.notify.timeout_ms = 300;
	cfg.notify.queue = 2;
	n = notifier_create(&cfg, rb, "r1", RUN_DRILL, "alice");
	assert_non_null(n);
	t0 = time_mono_ms();
	for (int i = 0; i < 10; i++) {
		json_t *ev = engine_ev_step_start(&rb->steps[1], "alice", "db");

		json_object_set_new(ev, "t", json_integer(1000 + i));
		notifier_journal_event(n, ev);
		json_decref(ev);
	}
	enq_ms = time_mono_ms() - t0;
	t0 = time_mono_ms();
	notifier_free(n);
	free_ms = time_mono_ms() - t0;
	log_close();
	/* ten events against a target that never answers: the caller never waits */
	assert_true(enq_ms < 100 * scale);
	/* the end waits at most notify.timeout for what is pending (and the request in flight) */
	assert_true(free_ms < 300 + 400 * scale);
	log = file_read_all(logpath, NULL);
	assert_non_null(log);
	assert_non_null(strstr(log, "notify: json target's queue full (2 events): step_destructive dropped"));
	assert_non_null(strstr(log, "notify: POST to the json target ($DRC_UNIT_NOTIFY): Timeout was reached"));
	assert_null(strstr(log, "secret-path-token"));
	free(log);
	unlink(logpath);
	unsetenv("DRC_UNIT_NOTIFY");
	free(url);
	close(fd);
	runbook_free(rb);
}

/*
 * Two targets that never answer: each has its own worker, so the end of
 * the run waits one notify.timeout, not one per target, and every event
 * is tried on both (a hanging Slack never costs the JSON target its turn).
 */
static void
test_targets_do_not_wait_for_each_other(void **state)
{
	struct config cfg = { 0 };
	struct runbook *rb = runbook();
	struct notifier *n;
	char logpath[] = "/tmp/drconsole-notify-log-XXXXXX", *u1, *u2, *log, *err = NULL;
	int p1, p2, fd1 = blackhole(&p1), fd2 = blackhole(&p2), lfd = mkstemp(logpath);
	long long t0, free_ms;
	json_t *ev;

	(void)state;
	assert_true(lfd >= 0);
	close(lfd);
	assert_int_equal(log_open(logpath, LOG_INFO, &err), 0);
	u1 = xasprintf("http://127.0.0.1:%d/services/T0/B0/secret-one", p1);
	u2 = xasprintf("http://127.0.0.1:%d/hook/secret-two", p2);
	setenv("DRC_UNIT_SLACK", u1, 1);
	setenv("DRC_UNIT_NOTIFY", u2, 1);
	cfg.notify.slack_url_env = (char *)"DRC_UNIT_SLACK";
	cfg.notify.webhook_url_env = (char *)"DRC_UNIT_NOTIFY";
	cfg.notify.timeout_ms = 1000;
	n = notifier_create(&cfg, rb, "r2", RUN_DRILL, "alice");
	assert_non_null(n);
	ev = engine_ev_step_start(&rb->steps[1], "alice", "db");
	json_object_set_new(ev, "t", json_integer(1000));
	notifier_journal_event(n, ev);
	json_decref(ev);
	t0 = time_mono_ms();
	notifier_free(n);
	free_ms = time_mono_ms() - t0;
	log_close();
	/* one timeout (1 s) and scheduling slack; in series it would be two */
	assert_true(free_ms < 1900);
	log = file_read_all(logpath, NULL);
	assert_non_null(log);
	assert_non_null(strstr(log, "notify: POST to the slack target ($DRC_UNIT_SLACK): Timeout was reached"));
	assert_non_null(strstr(log, "notify: POST to the json target ($DRC_UNIT_NOTIFY): Timeout was reached"));
	assert_null(strstr(log, "secret-one"));
	assert_null(strstr(log, "secret-two"));
	free(log);
	unlink(logpath);
	unsetenv("DRC_UNIT_SLACK");
	unsetenv("DRC_UNIT_NOTIFY");
	free(u1);
	free(u2);
	close(fd1);
	close(fd2);
	runbook_free(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_no_notifier),
		cmocka_unit_test(test_hanging_target_never_blocks),
		cmocka_unit_test(test_targets_do_not_wait_for_each_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
