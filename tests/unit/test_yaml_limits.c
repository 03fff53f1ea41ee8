/*
 * Unit tests: the YAML loader's limits while parsing: nesting depth counted
 * on libyaml's events (a 100k-deep document is refused where it crosses the
 * limit, before anything is loaded), and duplicate keys found through a
 * hash of each mapping's keys (a large mapping is not quadratic).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/strmap.h"
#include "drconsole/util/util.h"
#include "drconsole/config/yaml_doc.h"

static void
expect_too_deep(const char *text, unsigned line, unsigned col)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct ydoc *d = ydoc_load_buffer("deep.yml", text, strlen(text), &dl);

	assert_null(d);
	assert_int_equal(dl.errors, 1);
	assert_non_null(strstr(dl.items[0].message, "nested too deeply (over 128 levels)"));
	assert_int_equal(dl.items[0].line, line);
	assert_int_equal(dl.items[0].col, col);
	diag_list_free(&dl);
}

static void
test_deep_flow(void **state)
{
	size_t n = 100000;
	char *text = xmalloc(2 * n + 8);

	(void)state;
	memcpy(text, "x: ", 3);
	memset(text + 3, '[', n);
	memset(text + 3 + n, ']', n);
	text[3 + 2 * n] = '\0';
	/* the root mapping is level 1; the 128th '[' (column 131) is level 129 */
	expect_too_deep(text, 1, 131);
	/* unclosed: still refused at the limit, not at the end of the stream */
	text[3 + n] = '\0';
	expect_too_deep(text, 1, 131);
	free(text);
}

static void
test_deep_block(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (int i = 0; i < 200; i++)
		strbuf_puts(&sb, "- ");
	strbuf_puts(&sb, "x\n");
	expect_too_deep(strbuf_str(&sb), 1, 257);
	strbuf_free(&sb);
}

static void
test_depth_at_limit(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char text[300];
	struct ydoc *d;

	(void)state;
	/* 128 levels of lists holding a scalar load */
	memset(text, '[', 128);
	text[128] = 'x';
	memset(text + 129, ']', 128);
	text[257] = '\0';
	d = ydoc_load_buffer("ok.yml", text, strlen(text), &dl);
	assert_non_null(d);
	assert_int_equal(dl.errors, 0);
	ydoc_free(d);
	diag_list_free(&dl);
}

static void
test_large_mapping(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct diag_list dl = DIAG_LIST_INIT;
	struct ydoc *d;

	(void)state;
	for (int i = 0; i < 60000; i++)
		strbuf_printf(&sb, "k%d: %d\n", i, i);
	strbuf_puts(&sb, "k41234: again\n");
	d = ydoc_load_buffer("big.yml", strbuf_str(&sb), sb.len, &dl);
	assert_non_null(d);
	assert_int_equal(d->root->n, 60000);
	assert_string_equal(ynode_str(ynode_get(d->root, "k41234")), "41234");
	assert_int_equal(dl.errors, 1);
	assert_string_equal(dl.items[0].message, "duplicate key 'k41234' (first defined at line 41235)");
	assert_int_equal(dl.items[0].line, 60001);
	ydoc_free(d);
	diag_list_free(&dl);
	strbuf_free(&sb);
}

static void
test_merge_keeps_explicit(void **state)
{
	static const char text[] =
		"base: &b {a: 1, b: 2}\n"
		"m:\n  <<: *b\n  b: 3\n  c: 4\n";
	struct diag_list dl = DIAG_LIST_INIT;
	struct ydoc *d = ydoc_load_buffer("m.yml", text, strlen(text), &dl);
	const struct ynode *m;

	(void)state;
	assert_non_null(d);
	assert_int_equal(dl.errors, 0);
	m = ynode_get(d->root, "m");
	assert_int_equal(m->n, 3);
	assert_string_equal(ynode_str(ynode_get(m, "a")), "1");
	assert_string_equal(ynode_str(ynode_get(m, "b")), "3");
	ydoc_free(d);
	diag_list_free(&dl);
}

static void
test_strmap(void **state)
{
	struct strmap m = STRMAP_INIT;
	size_t v = 0;
	char key[32];

	(void)state;
	assert_false(strmap_get(&m, "a", 1, &v));
	for (size_t i = 0; i < 50000; i++) {
		int n = snprintf(key, sizeof key, "host%zu", i);

		strmap_put(&m, key, (size_t)n, i);
	}
	assert_int_equal(m.n, 50000);
	assert_true(strmap_get(&m, "host0", 5, &v));
	assert_int_equal(v, 0);
	assert_true(strmap_get(&m, "host49999", 9, &v));
	assert_int_equal(v, 49999);
	assert_false(strmap_get(&m, "host50000", 9, &v));
	strmap_put(&m, "host7", 5, 99);
	assert_int_equal(m.n, 50000);
	assert_true(strmap_get(&m, "host7", 5, &v));
	assert_int_equal(v, 99);
	/* keys are bytes: a NUL inside is part of the key */
	strmap_put(&m, "a\0b", 3, 1);
	assert_false(strmap_get(&m, "a", 1, &v));
	assert_true(strmap_get(&m, "a\0b", 3, &v));
	strmap_free(&m);
	assert_false(strmap_get(&m, "host7", 5, &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_flow),
		cmocka_unit_test(test_deep_block),
		cmocka_unit_test(test_depth_at_limit),
		cmocka_unit_test(test_large_mapping),
		cmocka_unit_test(test_merge_keeps_explicit),
		cmocka_unit_test(test_strmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
