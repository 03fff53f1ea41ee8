/* Unit tests: the run lock's path, holder liveness, keeper thread, guarded break and takeover. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drconsole/runbook/lock.h"
#include "drconsole/util/util.h"

static void
assert_one_component(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	assert_true(strncmp(path, dir, n) == 0);
	assert_true(strncmp(path + n, "/drconsole-", 11) == 0);
	assert_null(strchr(path + n + 1, '/'));
	assert_true(strlen(path + n + 1) < 255);
	for (const char *p = path; *p != '\0'; p++)
		assert_true(*p > 0x20 && *p < 0x7f);
}

static void
test_lock_path_one_component(void **state)
{
	const char *odd[] = {
		"a/../../etc/x", "..", "/", "x\ny", "\x1b]52;c;aGk=\x07", "sp ace", "a%2Fb",
	};
	char *a, *b, *c, *longa, *longb, *la, *lb;

	(void)state;
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		char *p = lock_path("/srv/locks", odd[i]), *d = lock_default_path(odd[i]);

		assert_one_component("/srv/locks", p);
		assert_one_component("/var/tmp", d);
		free(p);
		free(d);
	}
	/* plain names keep their old path */
	a = lock_default_path("backup-production");
	assert_string_equal(a, "/var/tmp/drconsole-backup-production.lock");
	free(a);
	/* still one lock per env: distinct names never share a path */
	a = lock_path("/l", "a/b");
	b = lock_path("/l", "a_b");
	c = lock_path("/l", "a%2Fb");
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(b, c);
	free(a);
	free(b);
	free(c);
	longa = xcalloc(1, 400);
	memset(longa, 'e', 399);
	longb = xstrdup(longa);
	longb[398] = 'f';
	la = lock_path("/l", longa);
	lb = lock_path("/l", longb);
	assert_one_component("/l", la);
	assert_string_not_equal(la, lb);
	free(la);
	free(lb);
	free(longa);
	free(longb);
}

/* A pid that no longer runs: a child that exited and was reaped. */
static long long
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (long long)pid;
}

/* Our holder line with one field replaced. */
static char *
with_field(const char *line, const char *key, const char *value)
{
	char *k = xasprintf(" %s=", key), *at = strstr(line, k), *end, *out;

	assert_non_null(at);
	end = strchr(at + 1, ' ');
	out = xasprintf("%.*s%s%s%s", (int)(at - line), line, k, value, end != NULL ? end : "");
	free(k);
	return out;
}

static void
test_holder_liveness(void **state)
{
	char *me = lock_holder_line("alice"), *line, *pid, *other;

	(void)state;
	assert_true(str_starts_with(me, "user=alice host="));
	assert_non_null(strstr(me, " boot="));
	assert_non_null(strstr(me, " since="));
	pid = xasprintf(" pid=%lld ", (long long)getpid());
	assert_non_null(strstr(me, pid));
	free(pid);
	/* this process: alive, whatever the heartbeat says */
	line = xasprintf("%s run=r1", me);
	assert_int_equal(lock_holder_liveness(line), LOCK_HOLDER_ALIVE);
	{
		struct lock_info li = { .state = LOCK_HELD, .holder = line, .age_s = 99999 };

		assert_int_equal(lock_judge(&li, 600), LOCK_IN_USE);
	}
	free(line);
	/* a process of this machine that is gone */
	pid = xasprintf("%lld", dead_pid());
	line = with_field(me, "pid", pid);
	assert_int_equal(lock_holder_liveness(line), LOCK_HOLDER_GONE);
	{
		struct lock_info li = { .state = LOCK_HELD, .holder = line, .age_s = 5 };

		/* gone, but its heartbeat is fresh: still not breakable */
		assert_int_equal(lock_judge(&li, 600), LOCK_FRESH);
		li.age_s = 600;
		assert_int_equal(lock_judge(&li, 600), LOCK_STALE);
	}
	free(line);
	free(pid);
	/* our pid, reused: another start time */
	line = with_field(me, "pstart", "1");
	assert_int_equal(lock_holder_liveness(line), LOCK_HOLDER_GONE);
	free(line);
	/* another machine, another boot, or a line without pid: the heartbeat decides */
	other = with_field(me, "host", "elsewhere.example");
	assert_int_equal(lock_holder_liveness(other), LOCK_HOLDER_ELSEWHERE);
	{
		struct lock_info li = { .state = LOCK_HELD, .holder = other, .age_s = 599 };

		assert_int_equal(lock_judge(&li, 600), LOCK_FRESH);
		li.age_s = -1;
		assert_int_equal(lock_judge(&li, 600), LOCK_FRESH);
		li.age_s = 7200;
		assert_int_equal(lock_judge(&li, 600), LOCK_STALE);
	}
	free(other);
	other = with_field(me, "boot", "0000000000");
	assert_int_equal(lock_holder_liveness(other), LOCK_HOLDER_ELSEWHERE);
	free(other);
	assert_int_equal(lock_holder_liveness("user=someone host=gone since=yesterday run=old"),
			 LOCK_HOLDER_ELSEWHERE);
	line = lock_holder_run("user=a host=b pid=1 run=2026-x-failover");
	assert_string_equal(line, "2026-x-failover");
	free(line);
	assert_null(lock_holder_run("user=a host=b"));
	free(me);
}

struct fixture {
	char dir[64];
	char *path;
	char *holder_file;
	struct executor *ex;
	struct exec_request where;
};

static void
fixture_init(struct fixture *f)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/drconsole-lock-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = lock_path(f->dir, "backup/../prod");
	f->holder_file = xasprintf("%s/holder", f->path);
	f->ex = executor_local_create();
	memset(&f->where, 0, sizeof f->where);
	f->where.host = "control";
	f->where.timeout_ms = 5000;
}

static void
fixture_fini(struct fixture *f)
{
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->holder_file);
	free(f->path);
	f->ex->free(f->ex);
}

static long long
age_of(const char *file)
{
	struct stat st;

	if (stat(file, &st) != 0)
		return -1;
	return (long long)(time(NULL) - st.st_mtime);
}

static void
make_old(const char *file, long long seconds)
{
	struct timeval tv[2];

	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= (time_t)seconds;
	tv[1] = tv[0];
	assert_int_equal(utimes(file, tv), 0);
}

/* The keeper refreshes the heartbeat on its own, and a fresh lock cannot be broken. */
static void
test_keeper_refreshes_and_fresh_lock_is_not_broken(void **state)
{
	struct fixture f;
	struct run_lock a, b;
	struct lock_info info;
	char *me = lock_holder_line("alice");
	long long last = 0;
	DIR *d;
	struct dirent *e;
	int entries = 0;

	(void)state;
	fixture_init(&f);
	lock_init(&a, f.ex, &f.where, f.path, "run-a");
	lock_init(&b, f.ex, &f.where, f.path, "run-b");
	lock_acquire(&a, me, &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	/* the odd deploy_env made one directory right in the lock directory */
	d = opendir(f.dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			entries++, assert_true(str_starts_with(e->d_name, "drconsole-backup%2F..%2Fprod"));
	closedir(d);
	assert_int_equal(entries, 1);

	lock_keep_alive(&a, 100);
	make_old(f.holder_file, 3600);
	assert_true(age_of(f.holder_file) >= 3600);
	usleep(600 * 1000);
	assert_true(age_of(f.holder_file) < 5);
	assert_true(lock_kept(&a, &last));
	assert_true(time_mono_ms() - last < 2000);

	/* however it is asked, a fresh lock stays with its holder */
	lock_break_stale(&b, "bob@jump", 60, &info);
	assert_int_equal(info.state, LOCK_HELD);
	assert_non_null(strstr(info.holder, "run=run-a"));
	lock_info_clear(&info);
	lock_take_over(&b, "run-x", "bob@jump", &info);
	assert_int_equal(info.state, LOCK_HELD);
	lock_info_clear(&info);
	assert_true(lock_kept(&a, NULL));

	assert_true(lock_release(&a));
	assert_int_equal(access(f.path, F_OK), -1);
	lock_fini(&a);
	lock_fini(&b);
	free(me);
	fixture_fini(&f);
}

/* The keeper stops and says so when the lock is no longer ours. */
static void
test_keeper_notices_a_lost_lock(void **state)
{
	struct fixture f;
	struct run_lock a;
	struct lock_info info;
	char *cmd;

	(void)state;
	fixture_init(&f);
	lock_init(&a, f.ex, &f.where, f.path, "run-a");
	lock_acquire(&a, "alice", &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	lock_keep_alive(&a, 100);
	cmd = xasprintf("rm -rf '%s'", f.path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	for (int i = 0; i < 50 && lock_kept(&a, NULL); i++)
		usleep(100 * 1000);
	assert_false(lock_kept(&a, NULL));
	assert_false(lock_heartbeat(&a));
	lock_fini(&a);
	fixture_fini(&f);
}

/* A stale heartbeat is broken by lock_break_stale; takeover only of the named run. */
static void
test_break_stale_and_take_over(void **state)
{
	struct fixture f;
	struct run_lock a, b, c;
	struct lock_info info;
	FILE *fp;

	(void)state;
	fixture_init(&f);
	lock_init(&a, f.ex, &f.where, f.path, "run-a");
	lock_init(&b, f.ex, &f.where, f.path, "run-b");
	lock_init(&c, f.ex, &f.where, f.path, "run-a-2");
	lock_acquire(&a, "alice", &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	make_old(f.holder_file, 120);
	lock_break_stale(&b, "bob", 600, &info);
	assert_int_equal(info.state, LOCK_HELD);
	assert_true(info.age_s >= 120);
	lock_info_clear(&info);
	lock_break_stale(&b, "bob", 60, &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	assert_false(lock_heartbeat(&a));

	/* run-a-2 does not take over run-a's lock, nor run-a run-b's */
	lock_take_over(&c, "run-a", "carol", &info);
	assert_int_equal(info.state, LOCK_HELD);
	lock_info_clear(&info);
	/* the lock of run-b passes to run-a-2 in place */
	make_old(f.holder_file, 30);
	lock_take_over(&c, "run-b", "carol", &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	assert_true(age_of(f.holder_file) < 5);
	fp = fopen(f.holder_file, "r");
	assert_non_null(fp);
	{
		char buf[256] = "";

		assert_non_null(fgets(buf, sizeof buf, fp));
		assert_string_equal(buf, "carol run=run-a-2\n");
	}
	fclose(fp);
	assert_false(lock_release(&b));
	assert_false(lock_release(&a));
	assert_true(lock_heartbeat(&c));
	assert_true(lock_release(&c));
	/* a free lock: takeover is a plain acquire */
	lock_take_over(&b, "run-a", "bob", &info);
	assert_int_equal(info.state, LOCK_ACQUIRED);
	lock_info_clear(&info);
	assert_true(lock_release(&b));
	lock_fini(&a);
	lock_fini(&b);
	lock_fini(&c);
	fixture_fini(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_path_one_component),
		cmocka_unit_test(test_holder_liveness),
		cmocka_unit_test(test_keeper_refreshes_and_fresh_lock_is_not_broken),
		cmocka_unit_test(test_keeper_notices_a_lost_lock),
		cmocka_unit_test(test_break_stale_and_take_over),
	};

	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
