/* Unit tests: what runs left undone, in words and in status --json (undone.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/undone.h"
#include "drconsole/runbook/watch.h"
#include "drconsole/util/util.h"

static struct undone
one(const char *state, const char *reason)
{
	struct undone u = { .run = (char *)"20261204T021500Z-restore", .runbook = (char *)"Restore",
			    .mode = (char *)"live", .step = (char *)"pause-retention",
			    .undo_step = (char *)"resume-retention", .undo_state = state,
			    .skip_reason = (char *)reason };
	return u;
}

static void
test_text_says_what_became_of_the_undo_step(void **state)
{
	struct undone u = one("not run", NULL);
	char *t;

	(void)state;
	t = undone_text(&u);
	assert_string_equal(t, "run 20261204T021500Z-restore (Restore, live) started step pause-retention, "
			    "and resume-retention, which puts it back, has not run");
	free(t);
	u = one("skipped", "condition false");
	t = undone_text(&u);
	assert_non_null(strstr(t, "which puts it back, was skipped (condition false)"));
	free(t);
	u = one("failed", NULL);
	t = undone_text(&u);
	assert_true(strlen(t) > 6 && strcmp(t + strlen(t) - 6, "failed") == 0);
	free(t);
}

static void
test_json_carries_the_state(void **state)
{
	struct undone u = one("skipped", "condition false");
	json_t *a = undone_json(&u, 1);
	char *s = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);

	(void)state;
	assert_string_equal(s, "[{\"mode\":\"live\",\"run\":\"20261204T021500Z-restore\",\"runbook\":\"Restore\","
			    "\"step\":\"pause-retention\",\"undone_by\":\"resume-retention\","
			    "\"undone_by_state\":\"skipped\"}]");
	free(s);
	json_decref(a);
	a = undone_json(NULL, 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

/* a watcher sees the put_back event */
static void
test_watch_line(void **state)
{
	json_t *ev = json_pack("{s:s,s:s,s:s,s:I}", "event", "put_back", "step", "pause-retention",
			       "user", "bob", "t", (json_int_t)3600000);
	char *line = watch_format_event(ev);

	(void)state;
	assert_non_null(line);
	assert_string_equal(line, "01:00:00Z  what step pause-retention changed was put back by hand, says bob");
	free(line);
	json_decref(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_says_what_became_of_the_undo_step),
		cmocka_unit_test(test_json_carries_the_state),
		cmocka_unit_test(test_watch_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
