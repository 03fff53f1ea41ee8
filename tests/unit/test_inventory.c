/* Unit tests: Python literals and the INI inventory parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/config/inventory.h"

static struct value *
lit(const char *s)
{
	return pyliteral_eval(s, strlen(s));
}

static void
test_pyliteral(void **state)
{
	struct value *v;

	(void)state;
	v = lit("5");
	assert_int_equal(v->type, VAL_INT);
	assert_int_equal(v->i, 5);
	value_free(v);
	v = lit("  -0x1F  # comment");
	assert_int_equal(v->i, -31);
	value_free(v);
	v = lit("1_000");
	assert_int_equal(v->i, 1000);
	value_free(v);
	v = lit("1e3");
	assert_int_equal(v->type, VAL_FLOAT);
	assert_true(v->f == 1000.0);
	value_free(v);
	v = lit("'a' \"b\" r'\\n'");
	assert_string_equal(v->s, "ab\\n");
	value_free(v);
	v = lit("'\\x41\\u00e9\\n'");
	assert_string_equal(v->s, "A\xc3\xa9\n");
	value_free(v);
	v = lit("['standby', \"spare\", (1, 2), {'k': None, 3: True}]");
	assert_int_equal(v->type, VAL_LIST);
	assert_int_equal(v->n, 4);
	assert_int_equal(v->items[2]->type, VAL_LIST);
	assert_string_equal(v->items[3]->keys[1], "3");
	assert_int_equal(v->items[3]->items[0]->type, VAL_NULL);
	value_free(v);
	v = lit("(5)");
	assert_int_equal(v->type, VAL_INT);
	value_free(v);
	v = lit("(5,)");
	assert_int_equal(v->type, VAL_LIST);
	value_free(v);
	/* what literal_eval rejects, or what has no JSON form: the raw string is kept by the caller */
	static const char *const not_literals[] = {
		"yes", "abc # c", "", "01", "--5", "-'x'", "1+2j", "{1, 2}", "b'x'", "f'x'",
		"'unterminated", "[1, 2", "x = y", "99999999999999999999", "5abc", "...", "\\N",
		"'\\N{DASH}'", "1__0", "0x", "1 2",
	};
	for (size_t i = 0; i < sizeof not_literals / sizeof not_literals[0]; i++) {
		v = lit(not_literals[i]);
		if (v != NULL)
			fail_msg("'%s' should not be a literal", not_literals[i]);
	}
}

static const char inv_text[] =
	"[all:vars]\n"
	"ansible_user=ansible\n"
	"[postgresql]\n"
	"10.0.0.2 hostname=db0\n"
	"[postgresql:vars]\n"
	"postgresql_replication_slots=\"['standby1']\"\n"
	"hot_standby_server = \"10.0.0.3\"\n"
	"[pg_standby]\n"
	"10.0.0.3 hot_standby_master=10.0.0.2 replication_slot=standby1 ansible_port=2222\n"
	"[db:children]\n"
	"postgresql\n"
	"pg_standby\n"
	"[db:vars]\n"
	"hostname=from-db\n"
	"[control]\n"
	"ctl.example.org:2200\n";

static void
test_inventory_model(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct inventory *inv = inventory_parse("inv.ini", inv_text, strlen(inv_text), &dl);
	const struct inv_group *db = inventory_group(inv, "db");
	const struct inv_host *h2 = inventory_host(inv, "10.0.0.2");
	const struct inv_host *h3 = inventory_host(inv, "10.0.0.3");
	const struct inv_host *ctl = inventory_host(inv, "ctl.example.org");
	size_t n, *hosts;

	(void)state;
	assert_int_equal(dl.n, 0);
	assert_non_null(db);
	hosts = inventory_group_hosts(inv, db, &n);
	assert_int_equal(n, 2);
	assert_string_equal(inv->hosts[hosts[0]].name, "10.0.0.2");
	free(hosts);
	assert_true(inventory_host_in_group(inv, h3, "db"));
	assert_false(inventory_host_in_group(inv, h3, "postgresql"));
	/* host var beats the deeper group's var, which beats the parent's */
	assert_string_equal(value_str(inventory_host_var(inv, h2, "hostname")), "db0");
	assert_string_equal(value_str(inventory_host_var(inv, h3, "hostname")), "from-db");
	assert_string_equal(value_str(inventory_host_var(inv, h3, "ansible_user")), "ansible");
	/* a quoted list in :vars stays a string, as Ansible reads it */
	assert_string_equal(value_str(inventory_host_var(inv, h2, "postgresql_replication_slots")),
			    "['standby1']");
	assert_int_equal(inventory_host_var(inv, h3, "ansible_port")->i, 2222);
	assert_int_equal(inventory_host_var(inv, ctl, "ansible_port")->i, 2200);
	assert_null(inventory_host_var(inv, h2, "nope"));
	inventory_free(inv);
	diag_list_free(&dl);
}

static void
test_inventory_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[a:children]\nb\n[b:children]\na\n",
		  "i.ini:4:1: error: adding group 'a' as a child of 'b' creates a cycle" },
		{ "[p:children]\n  missing\n", "i.ini:2:1: error: [p:children] includes undefined group 'missing'" },
		{ "[x:vars]\na=1\n", "i.ini:1:1: error: [x:vars] is not valid for undefined group 'x'" },
		{ "[g]\nhost  novalue\n", "i.ini:2:7: error: expected key=value host variable, got 'novalue'" },
		{ "[g]\n  host x=\"open\n", "i.ini:2:3: error: cannot parse host definition" },
		{ "[bad name]\n", "i.ini:1:1: error: invalid section entry '[bad name]'" },
		{ "[g:vars]\nnoequals\n", "i.ini:2:1: error: expected key=value, got 'noequals'" },
		{ "[g]\nweb[5:]\n", "i.ini:2:1: error: invalid host range 'web[5:]': host range must specify end value" },
		{ "[g]\nok\n\x01\x02\x00garbage\n", "i.ini:3:1: error: NUL byte" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		size_t len = strlen(cases[i].text);
		struct inventory *inv;
		char *msg;

		if (strstr(cases[i].want, "NUL") != NULL)
			len += 9;
		inv = inventory_parse("i.ini", cases[i].text, len, &dl);
		assert_non_null(inv);
		assert_true(dl.errors >= 1);
		msg = diag_format(&dl.items[0]);
		if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu:\n got: %s\nwant: %s", i, msg, cases[i].want);
		free(msg);
		inventory_free(inv);
		diag_list_free(&dl);
	}
}

static void
test_ranges_and_json(void **state)
{
	static const char text[] = "[web]\nweb[01:03].x\ndb-[a:c]\nn[0:10:5]\n";
	struct diag_list dl = DIAG_LIST_INIT;
	struct inventory *inv = inventory_parse("r.ini", text, strlen(text), &dl);
	json_t *j = inventory_to_ansible_json(inv, false), *hosts;

	(void)state;
	assert_int_equal(dl.n, 0);
	hosts = json_object_get(json_object_get(j, "web"), "hosts");
	assert_int_equal(json_array_size(hosts), 9);
	assert_string_equal(json_string_value(json_array_get(hosts, 0)), "web01.x");
	assert_string_equal(json_string_value(json_array_get(hosts, 5)), "db-c");
	assert_string_equal(json_string_value(json_array_get(hosts, 8)), "n10");
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(json_object_get(j, "all"), "children"), 0)), "ungrouped");
	json_decref(j);
	inventory_free(inv);
	diag_list_free(&dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pyliteral),
		cmocka_unit_test(test_inventory_model),
		cmocka_unit_test(test_inventory_errors),
		cmocka_unit_test(test_ranges_and_json),
	};

	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
