/* Unit tests: template rendering with shell quoting, the run journal. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/template.h"
#include "drconsole/util/util.h"

static const char *
vars(void *ud, const char *name)
{
	static const char *const table[][2] = {
		{ "primary.env", "production" },
		{ "evil", "x'; rm -rf / #" },
		{ "spaced", "down time" },
		{ "empty", "" },
		{ "cmd", "ls -l" },
		{ "assign", "FOO=bar" },
	};

	(void)ud;
	for (size_t i = 0; i < ARRAY_LEN(table); i++)
		if (strcmp(table[i][0], name) == 0)
			return table[i][1];
	return NULL;
}

/* Run s through /bin/sh printf and return what the shell made of it. */
static char *
shell_echo(const char *cmdline)
{
	char *full = xasprintf("printf '[%%s]' %s", cmdline);
	FILE *p = popen(full, "r");
	char buf[512];
	size_t n;

	assert_non_null(p);
	n = fread(buf, 1, sizeof buf - 1, p);
	buf[n] = '\0';
	pclose(p);
	free(full);
	return xstrdup(buf);
}

static void
test_render_quotes_every_value(void **state)
{
	struct template_error err;
	char *out, *echoed;

	(void)state;
	out = template_render("commcare-cloud {{ primary.env }} downtime start -m {{spaced}}",
			      vars, NULL, true, &err);
	assert_non_null(out);
	assert_string_equal(out, "commcare-cloud production downtime start -m 'down time'");
	free(out);
	/* a hostile value stays one word: the shell sees exactly the value */
	out = template_render("{{ evil }} {{ empty }} {{ assign }}", vars, NULL, true, &err);
	assert_non_null(out);
	echoed = shell_echo(out);
	assert_string_equal(echoed, "[x'; rm -rf / #][][FOO=bar]");
	free(echoed);
	free(out);
	/* raw inserts trusted command text verbatim; unquoted mode for titles */
	out = template_render("sudo {{ cmd | raw }}", vars, NULL, true, &err);
	assert_string_equal(out, "sudo ls -l");
	free(out);
	out = template_render("Point {{ spaced }} at it", vars, NULL, false, &err);
	assert_string_equal(out, "Point down time at it");
	free(out);
}

static void
test_render_errors(void **state)
{
	struct template_error err;

	(void)state;
	assert_null(template_render("a {{ nope }}", vars, NULL, true, &err));
	assert_int_equal(err.offset, 2);
	assert_non_null(strstr(err.message, "unknown variable \"nope\""));
	assert_null(template_render("ab {{ primary.env ", vars, NULL, true, &err));
	assert_int_equal(err.offset, 3);
	assert_non_null(strstr(err.message, "unclosed"));
	assert_null(template_render("{{ cmd | upper }}", vars, NULL, true, &err));
	assert_non_null(strstr(err.message, "unknown filter"));
	assert_null(template_render("{{ a b }}", vars, NULL, true, &err));
	assert_null(template_render("{{ }}", vars, NULL, true, &err));
}

static void
collect(void *ud, const char *name, size_t offset)
{
	struct strbuf_like { char buf[256]; } *b = ud;
	size_t l = strlen(b->buf);

	snprintf(b->buf + l, sizeof b->buf - l, "%s@%zu;", name, offset);
}

static void
test_template_names(void **state)
{
	struct { char buf[256]; } b = { "" };
	struct template_error err;

	(void)state;
	assert_true(template_names("x {{ a.b }} y {{c|raw}}", collect, &b, &err));
	assert_string_equal(b.buf, "a.b@2;c@14;");
}

static void
test_shell_quote(void **state)
{
	char *q;

	(void)state;
	q = shell_quote("plain-word_1.2/x:y@z");
	assert_string_equal(q, "plain-word_1.2/x:y@z");
	free(q);
	q = shell_quote("");
	assert_string_equal(q, "''");
	free(q);
	q = shell_quote("it's");
	assert_string_equal(q, "'it'\\''s'");
	free(q);
	q = shell_quote("$(reboot)`x`~*");
	assert_string_equal(q, "'$(reboot)`x`~*'");
	free(q);
}

static void
test_journal_roundtrip_and_torn_line(void **state)
{
	char dir[] = "/tmp/drconsole-journal-XXXXXX", *err = NULL, *runs;
	struct journal *j;
	struct journal_read r;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	runs = xasprintf("%s/state/runs", dir);
	j = journal_create(runs, "run-1", &err);
	assert_non_null(j);
	assert_int_equal(journal_append(j, json_pack("{s:s}", "event", "run_start"), &err), 0);
	assert_int_equal(journal_append(j, json_pack("{s:s,s:s}", "event", "step_start", "step", "promote"), &err), 0);
	/* a second journal with the same id is refused, never overwritten */
	assert_null(journal_create(runs, "run-1", &err));
	assert_non_null(strstr(err, "File exists"));
	free(err);
	err = NULL;
	/* simulate a crash inside write(): half a line at the end */
	fd = open(journal_path(j), O_WRONLY | O_APPEND);
	assert_true(write(fd, "{\"event\":\"step_e", 16) == 16);
	close(fd);
	assert_int_equal(journal_read(journal_path(j), &r, &err), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.torn, 1);
	assert_string_equal(json_string_value(json_object_get(r.events[1], "step")), "promote");
	assert_int_equal(json_integer_value(json_object_get(r.events[1], "seq")), 2);
	journal_read_free(&r);
	journal_close(j);
	free(runs);
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void
test_journal_survives_kill(void **state)
{
	char dir[] = "/tmp/drconsole-journal-XXXXXX", *err = NULL, *path;
	struct journal_read r;
	struct journal *j;
	pid_t pid;
	int status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		j = journal_create(dir, "killed", &err);
		if (j == NULL)
			_exit(2);
		journal_append(j, json_pack("{s:s,s:s}", "event", "step_start", "step", "s1"), &err);
		kill(getpid(), SIGKILL);	/* no cleanup, no close */
		_exit(3);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
	path = xasprintf("%s/killed.journal", dir);
	j = journal_open(path, &err);
	assert_non_null(j);
	assert_int_equal(journal_append(j, json_pack("{s:s}", "event", "resume"), &err), 0);
	journal_close(j);
	assert_int_equal(journal_read(path, &r, &err), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.torn, 0);
	assert_int_equal(json_integer_value(json_object_get(r.events[1], "seq")), 2);
	journal_read_free(&r);
	unlink(path);
	rmdir(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_quotes_every_value),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_template_names),
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_journal_roundtrip_and_torn_line),
		cmocka_unit_test(test_journal_survives_kill),
	};

	return cmocka_run_group_tests_name("runbook_core", tests, NULL, NULL);
}
