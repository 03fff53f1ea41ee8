/* Unit tests: YAML documents with positions and strict error reporting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/config/yaml_doc.h"

static struct ydoc *
load(const char *text, struct diag_list *dl)
{
	return ydoc_load_buffer("t.yml", text, strlen(text), dl);
}

static char *
first_diag(const struct diag_list *dl)
{
	assert_true(dl->n > 0);
	return diag_format(&dl->items[0]);
}

static void
test_positions_and_types(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct ydoc *d = load("deploy_env: production\n"
			      "postgres_s3: True\n"
			      "nadir_hour: 16\n"
			      "couch_dbs:\n"
			      "  default:\n"
			      "    host: \"{{ groups.couchdb2.0 }}\"\n"
			      "list: [a, 'b']\n"
			      "nothing: ~\n", &dl);
	struct ynode *host;
	bool b;
	long long i;

	(void)state;
	assert_non_null(d);
	assert_int_equal(dl.n, 0);
	assert_string_equal(ynode_str(ynode_get(d->root, "deploy_env")), "production");
	assert_true(ynode_bool(ynode_get(d->root, "postgres_s3"), &b) && b);
	assert_true(ynode_int(ynode_get(d->root, "nadir_hour"), &i) && i == 16);
	host = ynode_get(ynode_get(ynode_get(d->root, "couch_dbs"), "default"), "host");
	assert_non_null(host);
	assert_int_equal(host->line, 6);
	assert_int_equal(host->col, 11);
	assert_int_equal(host->style, YS_DOUBLE);
	assert_string_equal(ynode_type_name(ynode_get(d->root, "list")), "a list");
	assert_int_equal(ynode_get(d->root, "list")->items[1]->style, YS_SINGLE);
	assert_true(ynode_is_null(ynode_get(d->root, "nothing")));
	assert_null(ynode_str(ynode_get(d->root, "nothing")));
	assert_null(ynode_get(d->root, "missing"));
	ydoc_free(d);
	diag_list_free(&dl);
}

static void
test_duplicate_key(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct ydoc *d = load("a: 1\nb:\n  c: 2\n  c: 3\n", &dl);
	char *msg;

	(void)state;
	assert_non_null(d);
	assert_int_equal(dl.errors, 1);
	msg = first_diag(&dl);
	assert_string_equal(msg, "t.yml:4:3: error: duplicate key 'c' (first defined at line 3)");
	free(msg);
	/* the first value is kept */
	assert_string_equal(ynode_str(ynode_get(ynode_get(d->root, "b"), "c")), "2");
	ydoc_free(d);
	diag_list_free(&dl);
}

static void
test_syntax_errors(void **state)
{
	static const struct {
		const char *text;
		const char *prefix;	/* expected start of the message */
	} cases[] = {
		{ "a: 1\n\tb: 2\n", "t.yml:2:1: error: tab character: YAML indentation must use spaces" },
		{ "a: \"unclosed\nb: 2\n", "t.yml:3:1: error: found unexpected end of stream" },
		{ "a: 1\n---\nb: 2\n", "t.yml:3:1: error: more than one YAML document" },
		{ "a: [1, 2\n", "t.yml:2:1: error: did not find expected ',' or ']'" },
		{ "a: 1\x00zz\n", "t.yml:1:5: error: NUL byte" },
		{ "a: \xff\xfe\n", "t.yml:1:4: error: invalid " },
		{ "? [a]\n: 1\n", "t.yml:1:3: error: a key must be a plain value" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		const char *text = cases[i].text;
		size_t len = strlen(text) + (strstr(cases[i].prefix, "NUL") ? 3 : 0);
		struct ydoc *d = ydoc_load_buffer("t.yml", text, len, &dl);
		char *msg = first_diag(&dl);

		if (strncmp(msg, cases[i].prefix, strlen(cases[i].prefix)) != 0)
			fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, msg, cases[i].prefix);
		assert_true(dl.errors >= 1);
		free(msg);
		ydoc_free(d);
		diag_list_free(&dl);
	}
}

static void
test_alias_bomb_and_merge(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct ydoc *d;

	(void)state;
	strbuf_puts(&sb, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (char c = 'b'; c <= 'j'; c++)
		strbuf_printf(&sb, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
			      c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	d = load(strbuf_str(&sb), &dl);
	assert_true(dl.errors >= 1);
	assert_non_null(strstr(dl.items[0].message, "too large after expanding aliases"));
	ydoc_free(d);
	diag_list_free(&dl);
	strbuf_free(&sb);

	d = load("base: &b {user: ansible, port: 22}\n"
		 "host:\n  <<: *b\n  port: 2222\n", &dl);
	assert_int_equal(dl.n, 0);
	assert_string_equal(ynode_str(ynode_get(ynode_get(d->root, "host"), "user")), "ansible");
	assert_string_equal(ynode_str(ynode_get(ynode_get(d->root, "host"), "port")), "2222");
	ydoc_free(d);
	diag_list_free(&dl);
}

static void
test_empty_and_bools(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct ydoc *d = load("", &dl);
	struct ynode n = { .type = YN_SCALAR, .style = YS_PLAIN, .value = (char *)"yes", .len = 3 };
	bool b = false;

	(void)state;
	assert_non_null(d);
	assert_null(d->root);
	ydoc_free(d);
	assert_true(ynode_bool(&n, &b) && b);
	n.value = (char *)"Off";
	assert_true(ynode_bool(&n, &b) && !b);
	n.value = (char *)"yess";
	assert_false(ynode_bool(&n, &b));
	n.style = YS_DOUBLE;
	n.value = (char *)"yes";
	assert_false(ynode_bool(&n, &b));
	diag_list_free(&dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions_and_types),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_alias_bomb_and_merge),
		cmocka_unit_test(test_empty_and_bools),
	};

	return cmocka_run_group_tests_name("yaml_doc", tests, NULL, NULL);
}
