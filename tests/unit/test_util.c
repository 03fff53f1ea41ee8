/* Unit tests: util, strbuf, diag. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/diag.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

static void
test_str_trim(void **state)
{
	char a[] = "  hello \t\n", b[] = "", c[] = "   ", d[] = "x";

	(void)state;
	assert_string_equal(str_trim(a), "hello");
	assert_string_equal(str_trim(b), "");
	assert_string_equal(str_trim(c), "");
	assert_string_equal(str_trim(d), "x");
}

static void
test_str_affixes(void **state)
{
	(void)state;
	assert_true(str_starts_with("postgres_daily_x", "postgres_"));
	assert_false(str_starts_with("post", "postgres"));
	assert_true(str_ends_with("a.tar.gz", ".tar.gz"));
	assert_false(str_ends_with("gz", ".tar.gz"));
	assert_true(str_eq(NULL, NULL));
	assert_false(str_eq("a", NULL));
}

static void
test_strbuf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		strbuf_printf(&sb, "%d,", i);
	assert_true(str_starts_with(strbuf_str(&sb), "0,1,2,"));
	assert_true(str_ends_with(strbuf_str(&sb), "998,999,"));
	strbuf_reset(&sb);
	strbuf_putc(&sb, 'x');
	strbuf_add(&sb, "yz", 2);
	s = strbuf_detach(&sb);
	assert_string_equal(s, "xyz");
	assert_null(sb.buf);
	free(s);
}

static void
test_diag_format(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char *s;

	(void)state;
	diag_error(&dl, "env/inventory.ini", 12, 3, "undefined child group '%s'", "pg");
	diag_warning(&dl, "drconsole.yml", 0, 0, "no %s", "theme");
	diag_add(&dl, DIAG_NOTE, NULL, 0, 0, "plain");
	assert_int_equal(dl.n, 3);
	assert_int_equal(dl.errors, 1);
	assert_int_equal(dl.warnings, 1);
	s = diag_format(&dl.items[0]);
	assert_string_equal(s, "env/inventory.ini:12:3: error: undefined child group 'pg'");
	free(s);
	s = diag_format(&dl.items[1]);
	assert_string_equal(s, "drconsole.yml: warning: no theme");
	free(s);
	s = diag_format(&dl.items[2]);
	assert_string_equal(s, "note: plain");
	free(s);
	diag_list_free(&dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_trim),
		cmocka_unit_test(test_str_affixes),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_diag_format),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
