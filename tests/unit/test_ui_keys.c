/*
 * Unit tests: the console's key tables. A key acts through the same row the
 * help overlay lists; no key is bound twice in a view; F/R/B carry their
 * runbook model and are refused in read-only mode with the reason (the
 * same text as before the table); ?, q, 1/2 and Tab act through the table.
 * No terminal: the handlers tested here change struct ui only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/ui/ui_internal.h"

static void
check_table(const struct ui_key *table, size_t want_rows)
{
	size_t rows = 0;

	for (const struct ui_key *k = table; k->label != NULL; k++, rows++) {
		assert_non_null(k->help);
		/* a row acts on its keys, or documents a modal key and binds none */
		assert_true((k->run != NULL) == (k->codes[0] != 0));
		for (size_t i = 0; i < UI_KEY_CODES && k->codes[i] != 0; i++) {
			assert_ptr_equal(ui_key_find(table, k->codes[i]), k);
			for (size_t j = i + 1; j < UI_KEY_CODES && k->codes[j] != 0; j++)
				assert_int_not_equal(k->codes[i], k->codes[j]);
		}
	}
	assert_int_equal(rows, want_rows);
}

static void
test_tables(void **state)
{
	(void)state;
	check_table(ui_dash_keys, 20);	/* with D (drift), W (watch another operator's run), A (approve), C and U (commit, roll back) */
	check_table(ui_run_keys, 12);
	assert_string_equal(ui_key_find(ui_dash_keys, 'F')->arg, "replicated");
	assert_string_equal(ui_key_find(ui_dash_keys, 'R')->arg, "restore");
	assert_string_equal(ui_key_find(ui_dash_keys, 'B')->arg, "failback");
	assert_string_equal(ui_key_find(ui_dash_keys, 'D')->label, "D");
	assert_string_equal(ui_key_find(ui_dash_keys, KEY_DOWN)->label, "Up/Down  k/j");
	assert_null(ui_key_find(ui_dash_keys, 'x'));
	assert_null(ui_key_find(ui_dash_keys, 0));
	/* answers belong to the question bar, not to the table */
	assert_null(ui_key_find(ui_run_keys, 'y'));
	assert_null(ui_key_find(ui_run_keys, 'F'));
}

static void
ui_init(struct ui *ui, struct ui_options *o, enum run_mode mode)
{
	memset(ui, 0, sizeof *ui);
	memset(o, 0, sizeof *o);
	o->mode = mode;
	o->read_only_reason = "started with --read-only";
	ui->opts = o;
	ui->view = UI_VIEW_DASH;
}

static void
test_read_only_refuses_runbooks(void **state)
{
	struct ui ui;
	struct ui_options o;

	(void)state;
	ui_init(&ui, &o, RUN_READ_ONLY);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'F'), UI_KEY_HANDLED);
	assert_string_equal(ui.message, "read-only: started with --read-only (Failover refused)");
	assert_int_equal(ui.message_elem, UI_warn);
	assert_int_equal(ui.view, UI_VIEW_DASH);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'B'), UI_KEY_HANDLED);
	assert_string_equal(ui.message, "read-only: started with --read-only (Fail-back refused)");
	assert_int_equal(ui.dialog, UI_DLG_NONE);
	/* four eyes: a read-only console never approves another operator's step */
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'A'), UI_KEY_HANDLED);
	assert_string_equal(ui.message, "read-only mode can never approve: started with --read-only (Approve refused)");
	assert_int_equal(ui.view, UI_VIEW_DASH);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'C'), UI_KEY_HANDLED);
	assert_string_equal(ui.message, "read-only: started with --read-only (Commit refused)");
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'U'), UI_KEY_HANDLED);
	assert_string_equal(ui.message, "read-only: started with --read-only (Rollback refused)");
	assert_int_equal(ui.dialog, UI_DLG_NONE);
}

static void
test_dashboard_keys_act(void **state)
{
	struct ui ui;
	struct ui_options o;

	(void)state;
	ui_init(&ui, &o, RUN_LIVE);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'x'), UI_KEY_IGNORED);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, '2'), UI_KEY_HANDLED);
	assert_int_equal(ui.focus, 1);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, KEY_LEFT), UI_KEY_HANDLED);
	assert_int_equal(ui.focus, 0);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, '\t'), UI_KEY_HANDLED);
	assert_int_equal(ui.focus, 1);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, '?'), UI_KEY_HANDLED);
	assert_int_equal(ui.view, UI_VIEW_HELP);
	assert_int_equal(ui.help_return, UI_VIEW_DASH);
	ui.view = UI_VIEW_DASH;
	assert_false(ui.quit);
	/* nothing to commit or roll back: said on the message line, no dialog */
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'C'), UI_KEY_HANDLED);
	assert_string_equal(ui.message, "no uncommitted failover (a completed live failover opens one)");
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'U'), UI_KEY_HANDLED);
	assert_int_equal(ui.dialog, UI_DLG_NONE);
	assert_int_equal(ui_key_dispatch(&ui, ui_dash_keys, 'q'), UI_KEY_HANDLED);
	assert_true(ui.quit);	/* no run: no question */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_read_only_refuses_runbooks),
		cmocka_unit_test(test_dashboard_keys_act),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
