/*
 * Unit tests: the step-kind table and the table-driven step keys. Every
 * key in the tables is accepted with a value of its type; an unknown key
 * is an error at its line:col, naming the known key it is a slip away from;
 * the kind table and enum rb_kind agree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/runbook.h"
#include "drconsole/runbook/step_kind.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

static struct runbook *
load(const char *text, struct diag_list *dl)
{
	return runbook_load_buffer("t.yml", text, strlen(text), dl);
}

static bool
has_diag(const struct diag_list *dl, unsigned line, unsigned col, const char *needle)
{
	for (size_t i = 0; i < dl->n; i++)
		if (dl->items[i].line == line && dl->items[i].col == col &&
		    strstr(dl->items[i].message, needle) != NULL)
			return true;
	return false;
}

static void
print_diags(const struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++) {
		char *m = diag_format(&dl->items[i]);

		print_message("  %s\n", m);
		free(m);
	}
}

/* A valid value for a row, as YAML. */
static const char *
sample(const struct step_key *k)
{
	switch (k->type) {
	case SKEY_STRING:
	case SKEY_TEMPLATE:
		return "x";
	case SKEY_BOOL:
		return "true";
	case SKEY_DURATION:
		return "90s";
	case SKEY_EXIT:
		return "3";
	case SKEY_ENUM:
		return k->choices[0];
	case SKEY_KIND:
		return str_eq(k->name, "check") ? "{ probe: hosts_up }" : "x";
	case SKEY_CUSTOM:
		if (str_eq(k->name, "on"))
			return "primary:control";
		if (str_eq(k->name, "verify"))
			return "{ command: 'true', expect_exit: 0 }";
		if (str_eq(k->name, "timeout"))
			return "15m";
		break;
	}
	fail_msg("no sample value for step key '%s'", k->name);
	return NULL;
}

static void
test_every_step_key_is_accepted(void **state)
{
	size_t n = 0;

	(void)state;
	for (const struct step_key *k = runbook_step_keys; k->name != NULL; k++, n++) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct strbuf sb = STRBUF_INIT;
		struct runbook *rb;

		strbuf_puts(&sb, "name: T\nsteps:\n  - ");
		if (!str_eq(k->name, "id"))
			strbuf_puts(&sb, "id: s\n    ");
		if (k->type != SKEY_KIND)
			strbuf_puts(&sb, "manual: m\n    ");
		strbuf_printf(&sb, "%s: %s\n", k->name, sample(k));
		if (str_eq(k->name, "undone_by"))	/* names a later step */
			strbuf_puts(&sb, "  - id: x\n    manual: m\n");
		rb = load(strbuf_str(&sb), &dl);
		if (dl.n != 0) {
			print_message("%s", strbuf_str(&sb));
			print_diags(&dl);
		}
		assert_non_null(rb);
		assert_int_equal(dl.n, 0);
		assert_int_equal(rb->n_steps, str_eq(k->name, "undone_by") ? 2 : 1);
		if (k->type == SKEY_KIND)
			assert_int_equal(rb->steps[0].kind, (int)k->offset);
		runbook_free(rb);
		diag_list_free(&dl);
		strbuf_free(&sb);
	}
	assert_true(n >= 17);
}

/* The keys of every kind whose value is a mapping (check:), each beside a valid rest. */
static void
test_every_kind_key_is_accepted(void **state)
{
	(void)state;
	for (int kind = 0; kind < RB_N_KINDS; kind++) {
		const struct step_kind *sk = step_kinds[kind];

		for (const struct step_key *k = sk->keys; k != NULL && k->name != NULL; k++) {
			struct diag_list dl = DIAG_LIST_INIT;
			char *text;
			struct runbook *rb;
			/* a check needs exactly one of probe: and command: */
			const char *rest = str_eq(k->name, "probe") || str_eq(k->name, "command") ? ""
					   : ", probe: hosts_up";

			text = xasprintf("name: T\nsteps:\n  - id: s\n    %s: { %s: %s%s }\n", sk->name,
					 k->name, sample(k), rest);
			rb = load(text, &dl);
			if (dl.n != 0) {
				print_message("%s", text);
				print_diags(&dl);
			}
			assert_non_null(rb);
			assert_int_equal(dl.n, 0);
			assert_int_equal(rb->steps[0].kind, kind);
			runbook_free(rb);
			diag_list_free(&dl);
			free(text);
		}
	}
}

static void
test_unknown_key_near_a_known_one(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb = load(
		"name: T\n"
		"steps:\n"
		"  - id: a\n"
		"    run: x\n"
		"    tiemout: 5m\n"
		"  - id: b\n"
		"    manul: do it\n"
		"  - id: c\n"
		"    check: { probe: pg_standby, max_lga: 90s }\n"
		"  - id: d\n"
		"    manual: y\n"
		"    flavour: x\n"
		"  - id: e\n"
		"    check: { probe: hosts_up, colour: red }\n", &dl);

	(void)state;
	assert_non_null(rb);
	print_diags(&dl);
	assert_true(has_diag(&dl, 5, 5, "step: unknown key 'tiemout' (did you mean 'timeout'?)"));
	assert_true(has_diag(&dl, 7, 5, "step: unknown key 'manul' (did you mean 'manual'?)"));
	/* the step has no kind then */
	assert_true(has_diag(&dl, 6, 5, "give exactly one of run:, check: and manual:"));
	assert_true(has_diag(&dl, 9, 33,
			     "check: unknown key 'max_lga' (did you mean 'max_lag'?)"));
	/* nothing near: no guess; a step lists no keys, a check lists its own */
	assert_true(has_diag(&dl, 12, 5, "step: unknown key 'flavour'"));
	assert_false(has_diag(&dl, 12, 5, "did you mean"));
	assert_true(has_diag(&dl, 14, 31, "check: unknown key 'colour' (probe, max_lag, site, "
			     "store, command, expect_exit, expect_output)"));
	assert_int_equal(dl.errors, 6);
	runbook_free(rb);
	diag_list_free(&dl);
}

static void
test_nearest(void **state)
{
	(void)state;
	assert_string_equal(step_key_nearest(runbook_step_keys, "tmeout"), "timeout");
	assert_string_equal(step_key_nearest(runbook_step_keys, "ends_replicaton"), "ends_replication");
	assert_string_equal(step_key_nearest(runbook_step_keys, "prallel"), "parallel");	/* a swap */
	assert_string_equal(step_key_nearest(runbook_step_keys, "chek"), "check");
	assert_null(step_key_nearest(runbook_step_keys, "flavour"));
	assert_string_equal(step_key_nearest(runbook_step_keys, "ox"), "on");
	assert_null(step_key_nearest(runbook_step_keys, "xy"));	/* short names: one slip only */
	assert_null(step_key_nearest(runbook_step_keys, "a_key_far_longer_than_any_known_key_is"));
}

static void
test_kind_table(void **state)
{
	(void)state;
	assert_string_equal(rb_kind_name(RB_RUN), "run");
	assert_string_equal(rb_kind_name(RB_CHECK), "check");
	assert_string_equal(rb_kind_name(RB_MANUAL), "manual");
	for (int k = 0; k < RB_N_KINDS; k++) {
		const struct step_kind *sk = step_kinds[k];
		const struct step_key *row;
		enum rb_kind found = RB_N_KINDS;

		assert_non_null(sk);
		assert_non_null(sk->name);
		assert_non_null(sk->parse);
		assert_non_null(sk->lint);
		assert_non_null(sk->needs_targets);
		assert_non_null(sk->describe);
		assert_non_null(sk->execute);
		assert_non_null(sk->confirm);
		assert_ptr_equal(step_kind_find(sk->name, &found), sk);
		assert_int_equal(found, k);
		/* its step key is a row of the step's keys, naming it */
		row = step_key_find(runbook_step_keys, sk->name);
		assert_non_null(row);
		assert_int_equal(row->type, SKEY_KIND);
		assert_int_equal(row->offset, (size_t)k);
	}
	assert_null(step_kind_find("wait", NULL));
	/* checks are on the preflight board and are their own verification */
	assert_non_null(step_kinds[RB_CHECK]->evaluate);
	assert_false(step_kinds[RB_CHECK]->verifies);
	assert_null(step_kinds[RB_RUN]->evaluate);
	assert_true(step_kinds[RB_RUN]->verifies);
	assert_string_equal(step_kinds[RB_MANUAL]->confirm, "Done?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_step_key_is_accepted),
		cmocka_unit_test(test_every_kind_key_is_accepted),
		cmocka_unit_test(test_unknown_key_near_a_known_one),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_kind_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
