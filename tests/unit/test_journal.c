/*
 * Unit tests: the journal and audit files: a torn last line is cut off (and
 * the cut journaled) on reopen, a failed write leaves no fragment, symlinks
 * planted in the state directory are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/runbook/audit.h"
#include "drconsole/util/digest.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/util/state_dir.h"
#include "drconsole/util/util.h"
#include <pwd.h>

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/drconsole-journal-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
ev_name(const json_t *ev)
{
	return json_string_value(json_object_get(ev, "event"));
}

static void
append_raw(const char *path, const char *text)
{
	FILE *fp = fopen(path, "a");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_torn_line_cut_on_reopen(void **state)
{
	struct journal_read jr;
	struct journal *j;
	char *err = NULL, *path;
	const char *frag = "{\"event\":\"step_start\",\"st";

	(void)state;
	j = journal_create(dir, "torn", &err);
	assert_non_null(j);
	path = xstrdup(journal_path(j));
	assert_int_equal(journal_append(j, json_pack("{s:s}", "event", "run_start"), &err), 0);
	assert_int_equal(journal_append(j, json_pack("{s:s,s:s}", "event", "step_end", "step", "a"),
					&err), 0);
	journal_close(j);
	append_raw(path, frag);	/* the process died inside write() */

	j = journal_open(path, &err);
	assert_non_null(j);
	assert_int_equal(journal_append(j, json_pack("{s:s,s:s}", "event", "resume", "user", "bob"),
					&err), 0);
	journal_close(j);

	assert_int_equal(journal_read(path, &jr, &err), 0);
	assert_int_equal(jr.torn, 0);
	assert_int_equal(jr.bad, 0);
	assert_int_equal(jr.n, 4);
	assert_string_equal(ev_name(jr.events[2]), "torn_line_removed");
	assert_int_equal(json_integer_value(json_object_get(jr.events[2], "bytes")), strlen(frag));
	assert_int_equal(json_integer_value(json_object_get(jr.events[2], "seq")), 3);
	assert_string_equal(ev_name(jr.events[3]), "resume");
	assert_int_equal(json_integer_value(json_object_get(jr.events[3], "seq")), 4);
	journal_read_free(&jr);

	/* a whole journal is left as it is: nothing cut, nothing recorded */
	j = journal_open(path, &err);
	assert_non_null(j);
	journal_close(j);
	assert_int_equal(journal_read(path, &jr, &err), 0);
	assert_int_equal(jr.n, 4);
	journal_read_free(&jr);
	free(path);
}

static void
test_torn_only_line(void **state)
{
	struct journal_read jr;
	struct journal *j;
	char *err = NULL, *path = xasprintf("%s/only.journal", dir);

	(void)state;
	append_raw(path, "{\"event\":\"run_st");
	j = journal_open(path, &err);
	assert_non_null(j);
	assert_int_equal(journal_append(j, json_pack("{s:s}", "event", "run_end"), &err), 0);
	journal_close(j);
	assert_int_equal(journal_read(path, &jr, &err), 0);
	assert_int_equal(jr.n, 2);
	assert_int_equal(jr.torn + jr.bad, 0);
	assert_string_equal(ev_name(jr.events[0]), "torn_line_removed");
	assert_int_equal(json_integer_value(json_object_get(jr.events[0], "offset")), 0);
	assert_string_equal(ev_name(jr.events[1]), "run_end");
	journal_read_free(&jr);
	free(path);
}

static void
test_journal_symlink_refused(void **state)
{
	char *target = xasprintf("%s/target", dir), *link = xasprintf("%s/runs/x.journal", dir);
	char *runs = xasprintf("%s/runs", dir), *err = NULL;
	struct stat st;

	(void)state;
	append_raw(target, "{\"event\":\"run_start\"}\n");
	assert_int_equal(mkdir(runs, 0700), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_null(journal_open(link, &err));
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_null(journal_create(runs, "x", &err));
	free(err);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, strlen("{\"event\":\"run_start\"}\n"));
	free(target);
	free(link);
	free(runs);
}

static void
test_audit_symlink_refused(void **state)
{
	char *target = xasprintf("%s/elsewhere", dir), *link = xasprintf("%s/audit.log", dir);
	char *err = NULL;
	struct audit *a;
	struct stat st;

	(void)state;
	append_raw(target, "precious\n");
	assert_int_equal(symlink(target, link), 0);
	a = audit_open(dir, &err);
	if (a != NULL)
		audit_write(a, json_pack("{s:s}", "event", "planted"), &err);
	audit_close(a);
	assert_null(a);
	assert_non_null(strstr(err, "audit.log"));
	free(err);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, strlen("precious\n"));
	free(target);
	free(link);
}

static void
test_audit_mode(void **state)
{
	char *path = xasprintf("%s/audit.log", dir), *err = NULL;
	mode_t old = umask(0);
	struct audit *a = audit_open(dir, &err);
	struct stat st;

	(void)state;
	umask(old);
	assert_non_null(a);
	audit_close(a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(path);
}

/* The shared setup (setgid dir): audit.USER.log, readable by the group. */
static void
test_audit_shared_per_user(void **state)
{
	struct passwd *pw = getpwuid(geteuid());
	char *path, *err = NULL, *log;
	struct audit *a;
	struct stat st;

	(void)state;
	assert_non_null(pw);
	assert_int_equal(chmod(dir, 02770), 0);
	path = xasprintf("%s/audit.%s.log", dir, pw->pw_name);
	a = audit_open(dir, &err);
	assert_non_null(a);
	audit_close(a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	log = state_dir_user_file(dir, "drconsole", "log");
	assert_true(strstr(log, pw->pw_name) != NULL);
	free(log);
	assert_int_equal(chmod(dir, 0700), 0);
	log = state_dir_user_file(dir, "drconsole", "log");
	assert_true(strstr(log, "/drconsole.log") != NULL);
	free(log);
	free(path);
}

/* A teammate's commit note: read after the journal's events, owner as the user; junk ignored. */
static void
test_commit_note(void **state)
{
	char *jpath = xasprintf("%s/r1.journal", dir), *err = NULL, *note;
	struct passwd *pw = getpwuid(geteuid());
	struct journal_read jr;

	(void)state;
	append_raw(jpath, "{\"event\":\"run_start\",\"seq\":1,\"t\":5}\n");
	note = journal_commit_note_path(jpath);
	assert_string_equal(note + strlen(note) - strlen("/r1.commit"), "/r1.commit");
	assert_int_equal(journal_write_commit_note(jpath, json_pack("{s:s,s:s,s:s}", "event",
				"failover_commit", "run", "r1", "user", "forged"), &err), 0);
	assert_int_equal(journal_read(jpath, &jr, &err), 0);
	assert_int_equal(jr.n, 2);
	assert_string_equal(ev_name(jr.events[1]), "failover_commit");
	assert_string_equal(json_string_value(json_object_get(jr.events[1], "user")), pw->pw_name);
	journal_read_free(&jr);
	/* a second note is refused (O_EXCL) */
	assert_int_equal(journal_write_commit_note(jpath, json_pack("{s:s}", "event", "failover_commit"),
						   &err), -1);
	assert_non_null(strstr(err, "already committed"));
	free(err);
	err = NULL;
	/* the journal's own commit wins over a note */
	append_raw(jpath, "{\"event\":\"failover_commit\",\"user\":\"alice\",\"seq\":2,\"t\":9}\n");
	assert_int_equal(journal_read(jpath, &jr, &err), 0);
	assert_int_equal(jr.n, 2);
	assert_string_equal(json_string_value(json_object_get(jr.events[1], "user")), "alice");
	journal_read_free(&jr);
	/* a note that is not one commit event is ignored */
	unlink(note);
	append_raw(note, "not json\n");
	truncate(jpath, 0);
	append_raw(jpath, "{\"event\":\"run_start\",\"seq\":1,\"t\":5}\n");
	assert_int_equal(journal_read(jpath, &jr, &err), 0);
	assert_int_equal(jr.n, 1);
	journal_read_free(&jr);
	free(note);
	free(jpath);
}

/* EFBIG part-way through a line (RLIMIT_FSIZE): the fragment is cut back off. */
static void
test_failed_write_leaves_no_fragment(void **state)
{
	char *path = xasprintf("%s/audit.log", dir), *err = NULL;
	struct rlimit old, lim;
	struct audit *a;
	struct stat st;
	char filler[1000];
	size_t before;

	(void)state;
	memset(filler, 'x', sizeof filler - 1);
	filler[sizeof filler - 2] = '\n';
	filler[sizeof filler - 1] = '\0';
	append_raw(path, filler);
	before = strlen(filler);
	a = audit_open(dir, &err);
	assert_non_null(a);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = before + 20;	/* room for 20 bytes of the next record */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_not_equal(audit_write(a, json_pack("{s:s}", "event", "command"), &err), 0);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	assert_non_null(strstr(err, "File too large"));
	free(err);
	err = NULL;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, before);
	/* and the next record is a whole line of its own */
	assert_int_equal(audit_write(a, json_pack("{s:s}", "event", "next"), &err), 0);
	audit_close(a);
	{
		size_t len;
		char *text = file_read_all(path, &len);

		assert_non_null(text);
		assert_true(strncmp(text + before, "{\"event\":\"next\"", 15) == 0);
		free(text);
	}
	free(path);
}

/*
 * The one writer of journal and audit lines: compact ASCII JSON, keys sorted
 * when asked, one newline, a presigned URL's signature redacted; the event
 * is consumed.
 */
static void
test_write_json_one_writer(void **state)
{
	char *path = xasprintf("%s/lines", dir), *err = NULL, *text;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(journal_write_json(fd, json_pack("{s:s,s:s}", "z", "1", "a", "\u00e9"),
					    JSON_SORT_KEYS, path, &err), 0);
	assert_int_equal(journal_write_json(fd, json_pack("{s:s,s:s}", "z", "2",
					    "url", "https://b.s3/k?X-Amz-Signature=deadbeef&x=1"),
					    0, path, &err), 0);
	close(fd);
	text = file_read_all(path, NULL);
	assert_non_null(text);
	assert_string_equal(text, "{\"a\":\"\\u00E9\",\"z\":\"1\"}\n"
			    "{\"z\":\"2\",\"url\":\"https://b.s3/k?X-Amz-Signature=REDACTED&x=1\"}\n");
	free(text);
	free(path);
}

/* FIPS 180-2 test vectors */
static void
test_sha256(void **state)
{
	char hex[DIGEST_SHA256_HEX_LEN + 1];

	(void)state;
	digest_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_torn_line_cut_on_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_only_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_shared_per_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_leaves_no_fragment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_json_one_writer, setup, teardown),
		cmocka_unit_test(test_sha256),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
