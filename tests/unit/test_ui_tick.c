/*
 * Unit tests of the console's tick: what a new second changes on the
 * screen (ages, STALE, the footer's age), so an idle console draws only
 * that, and nothing when nothing it shows reads differently.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/ui/ui.h"
#include "drconsole/util/util.h"

#define T0 1800000000000LL	/* a wall-clock time, ms */

/* A panel of a section row and n item rows, the items observed at the given times (0: pending). */
static void
panel_of(struct ui_panel *p, struct observation **obs, const long long *observed, int n)
{
	memset(p, 0, sizeof *p);
	p->sel = -1;
	p->rows = xcalloc((size_t)n + 1, sizeof *p->rows);
	p->rows[0].kind = UI_ROW_SECTION;
	snprintf(p->rows[0].text, sizeof p->rows[0].text, "Hosts");
	for (int i = 0; i < n; i++) {
		char key[32];

		snprintf(key, sizeof key, "primary/host/h%d", i);
		obs[i] = obs_create(SITE_PRIMARY, "host", key, key + 13);
		if (observed[i] != 0) {
			obs_set(obs[i], OBS_OK, "up", "kept session");
			obs[i]->observed_at_ms = observed[i];
		}
		p->rows[i + 1].kind = UI_ROW_ITEM;
		p->rows[i + 1].obs = obs[i];
		p->rows[i + 1].backup = -1;
	}
	p->n = (size_t)n + 1;
}

static void
panel_done(struct ui_panel *p, struct observation **obs, int n)
{
	for (int i = 0; i < n; i++)
		obs_unref(obs[i]);
	free(p->rows);
}

/* Ages of an hour and more read in minutes: a second later nothing is drawn. */
static void
test_tick_old_values_nothing(void **state)
{
	struct ui_panel p;
	struct observation *obs[2];
	const long long at[2] = { T0 - 2 * 3600000LL - 10000, T0 - 6 * 3600000LL - 12 * 60000LL - 5000 };

	(void)state;
	panel_of(&p, obs, at, 2);
	assert_int_equal(ui_panel_tick(&p, 10, T0, T0 + 1000, 3600000), UI_TICK_NONE);
	/* ... until the minute turns */
	assert_int_equal(ui_panel_tick(&p, 10, T0, T0 + 51000, 3600000), UI_TICK_AGES);
	panel_done(&p, obs, 2);
}

/* A value seconds old reads differently each second: its age cell only. */
static void
test_tick_fresh_ages(void **state)
{
	struct ui_panel p;
	struct observation *obs[2];
	const long long at[2] = { T0 - 2 * 3600000LL, T0 - 4200 };

	(void)state;
	panel_of(&p, obs, at, 2);
	assert_int_equal(ui_panel_tick(&p, 10, T0, T0 + 1000, 5000), UI_TICK_AGES);
	/* within the same second of its age: nothing */
	assert_int_equal(ui_panel_tick(&p, 10, T0, T0 + 700, 5000), UI_TICK_NONE);
	panel_done(&p, obs, 2);
}

/* Past three intervals a value turns STALE: word and colours change, the panel is drawn again. */
static void
test_tick_stale_rows(void **state)
{
	struct ui_panel p;
	struct observation *obs[1];
	const long long at[1] = { T0 - 2500 };

	(void)state;
	panel_of(&p, obs, at, 1);
	assert_int_equal(ui_panel_tick(&p, 10, T0, T0 + 1000, 1000), UI_TICK_ROWS);
	panel_done(&p, obs, 1);
}

/* Rows scrolled out of sight and pending rows (no age) draw nothing. */
static void
test_tick_hidden_and_pending(void **state)
{
	struct ui_panel p;
	struct observation *obs[3];
	const long long at[3] = { 0, T0 - 3 * 3600000LL, T0 - 1000 };

	(void)state;
	panel_of(&p, obs, at, 3);
	/* rows 0..2 visible: the section, the pending one, the 3h one; the fresh one below */
	assert_int_equal(ui_panel_tick(&p, 3, T0, T0 + 1000, 5000), UI_TICK_NONE);
	assert_int_equal(ui_panel_tick(&p, 4, T0, T0 + 1000, 5000), UI_TICK_AGES);
	p.top = 3;
	assert_int_equal(ui_panel_tick(&p, 1, T0, T0 + 1000, 5000), UI_TICK_AGES);
	/* scrolled past it: nothing */
	p.top = 4;
	assert_int_equal(ui_panel_tick(&p, 10, T0, T0 + 1000, 5000), UI_TICK_NONE);
	panel_done(&p, obs, 3);
}

/* The footer's "refreshed N ago": drawn again only when it reads differently. */
static void
test_tick_footer_age(void **state)
{
	(void)state;
	assert_false(ui_age_changed(T0, T0 + 1500, T0 + 1900));
	assert_true(ui_age_changed(T0, T0 + 1500, T0 + 2100));
	assert_false(ui_age_changed(T0, T0 + 2 * 3600000LL + 1000, T0 + 2 * 3600000LL + 2000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tick_old_values_nothing),
		cmocka_unit_test(test_tick_fresh_ages),
		cmocka_unit_test(test_tick_stale_rows),
		cmocka_unit_test(test_tick_hidden_and_pending),
		cmocka_unit_test(test_tick_footer_age),
	};

	return cmocka_run_group_tests_name("ui_tick", tests, NULL, NULL);
}
