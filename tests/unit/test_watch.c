/* Unit tests: following a run from its journal (watch.c) and the shared state dir's journal modes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/runbook/journal.h"
#include "drconsole/util/util.h"
#include "drconsole/runbook/watch.h"

static void
append(const char *path, const char *text)
{
	FILE *fp = fopen(path, "a");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Complete lines only: a line still being written is read once it ends. */
static void
test_tail_reads_complete_lines(void **state)
{
	char dir[] = "/tmp/drconsole-watch-XXXXXX";
	struct journal_tail t = { 0 };
	json_t **evs;
	size_t n;
	char *err = NULL, *line;

	(void)state;
	assert_non_null(mkdtemp(dir));
	t.path = xasprintf("%s/r.journal", dir);
	append(t.path, "{\"event\":\"run_start\",\"name\":\"Fo\",\"mode\":\"drill\",\"user\":\"alice\",\"t\":0}\n"
		       "{\"event\":\"step_start\",\"step\":\"promote\",\"user\":\"alice\",\"target\":\"pg1\",\"t\":3600000}\n"
		       "{\"event\":\"step_end\",\"step\":\"pro");
	assert_int_equal(journal_tail_read(&t, &evs, &n, &err), 0);
	assert_int_equal(n, 2);
	line = watch_format_event(evs[0]);
	assert_string_equal(line, "00:00:00Z  run started: Fo (drill) by alice");
	free(line);
	line = watch_format_event(evs[1]);
	assert_string_equal(line, "01:00:00Z  step promote started by alice on pg1");
	free(line);
	for (size_t i = 0; i < n; i++)
		json_decref(evs[i]);
	free(evs);
	assert_int_equal(journal_tail_read(&t, &evs, &n, &err), 0);
	assert_int_equal(n, 0);		/* the torn line waits */
	free(evs);
	append(t.path, "mote\",\"exit\":1,\"ok\":false,\"t\":3660000}\n{\"event\":\"run_end\",\"outcome\":\"failed\",\"t\":3661000}\n");
	assert_int_equal(journal_tail_read(&t, &evs, &n, &err), 0);
	assert_int_equal(n, 2);
	line = watch_format_event(evs[0]);
	assert_string_equal(line, "01:01:00Z  step promote FAILED (exit 1)");
	free(line);
	line = watch_format_event(evs[1]);
	assert_string_equal(line, "01:01:01Z  run ended: failed");
	free(line);
	for (size_t i = 0; i < n; i++)
		json_decref(evs[i]);
	free(evs);
	unlink(t.path);
	free(t.path);
	rmdir(dir);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A setgid state dir (the shared setup): runs/ is setgid+sticky, journals group-readable; otherwise 0600. */
static void
test_shared_state_dir_modes(void **state)
{
	char dir[] = "/tmp/drconsole-shared-XXXXXX", cmd[96];
	char *runs, *err = NULL, *p;
	struct journal *j;

	(void)state;
	assert_non_null(mkdtemp(dir));
	runs = xasprintf("%s/runs", dir);
	j = journal_create(runs, "private", &err);
	assert_non_null(j);
	journal_close(j);
	p = xasprintf("%s/private.journal", runs);
	assert_int_equal(mode_of(p), 0600);
	free(p);
	snprintf(cmd, sizeof cmd, "rm -rf %s", runs);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(chmod(dir, 02770), 0);
	j = journal_create(runs, "shared", &err);
	assert_non_null(j);
	journal_close(j);
	p = xasprintf("%s/shared.journal", runs);
	assert_int_equal(mode_of(p), 0640);
	assert_int_equal(mode_of(runs), 03770);
	free(p);
	free(runs);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_reads_complete_lines),
		cmocka_unit_test(test_shared_state_dir_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
