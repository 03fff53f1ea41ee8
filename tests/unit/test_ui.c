/*
 * Unit tests of the console's pure parts: layout by terminal size, themes
 * (shipped files, errors with file:line:col), panel rows built generically
 * from observations and the site model, filter, selection, status words,
 * STALE, values and sparklines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/ui/ui.h"
#include "drconsole/ui/ui_theme.h"
#include "drconsole/util/util.h"

static void
test_layout(void **state)
{
	struct ui_layout l;

	(void)state;
	ui_layout_compute(&l, 200, 50);
	assert_int_equal(l.kind, UI_LAYOUT_WIDE);
	assert_int_equal(l.header.h, 1);
	assert_int_equal(l.panel[0].w + l.panel[1].w, 200);
	assert_int_equal(l.panel[1].x, l.panel[0].w);
	assert_int_equal(l.panel[0].y + l.panel[0].h, l.message.y);
	assert_int_equal(l.footer.y, 49);

	ui_layout_compute(&l, 120, 30);
	assert_int_equal(l.kind, UI_LAYOUT_WIDE);
	assert_int_equal(l.header.h, 2);
	assert_int_equal(l.panel[0].y, 2);

	ui_layout_compute(&l, 119, 40);
	assert_int_equal(l.kind, UI_LAYOUT_TABS);
	ui_layout_compute(&l, 80, 24);
	assert_int_equal(l.kind, UI_LAYOUT_TABS);
	assert_int_equal(l.tabs.h, 1);
	assert_int_equal(l.panel[0].y, 3);
	assert_int_equal(l.panel[0].h, 24 - 5);
	assert_memory_equal(&l.panel[0], &l.panel[1], sizeof l.panel[0]);

	ui_layout_compute(&l, 79, 24);
	assert_int_equal(l.kind, UI_LAYOUT_TOO_SMALL);
	ui_layout_compute(&l, 80, 23);
	assert_int_equal(l.kind, UI_LAYOUT_TOO_SMALL);
}

static void
test_shipped_themes(void **state)
{
	static const char *const names[] = { "default", "light", "monochrome", "high-contrast" };

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		char *err = NULL, *path = ui_theme_find(names[i], &err);
		struct ui_theme *t;

		assert_non_null(path);
		t = ui_theme_load(path, &dl);
		if (t == NULL)
			diag_print(&dl, stderr);
		assert_non_null(t);
		assert_int_equal(dl.n, 0);
		assert_string_equal(t->name, names[i]);
		ui_theme_free(t);
		diag_list_free(&dl);
		free(path);
	}
}

/* The default theme names every element explicitly (so none is forgotten). */
static void
test_default_theme_complete(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char *text = file_read_all("themes/default.yml", NULL);

	(void)state;
	assert_non_null(text);
	for (int e = 0; e < UI_ELEM_COUNT; e++) {
		char key[64];

		snprintf(key, sizeof key, "\n  %s:", ui_elem_name(e));
		if (strstr(text, key) == NULL)
			fail_msg("themes/default.yml lacks element %s", ui_elem_name(e));
	}
	assert_int_equal(ui_elem_find("selection"), UI_selection);
	assert_int_equal(ui_elem_find("nope"), -1);
	free(text);
	diag_list_free(&dl);
}

static char *
write_tmp(const char *text)
{
	char tmpl[] = "/tmp/drc-theme-XXXXXX";
	int fd = mkstemp(tmpl);
	ssize_t w;

	assert_true(fd >= 0);
	w = write(fd, text, strlen(text));
	assert_int_equal(w, (ssize_t)strlen(text));
	close(fd);
	return xstrdup(tmpl);
}

/* Load text as a theme; expect failure with a diagnostic at line:col containing what. */
static void
expect_theme_error(const char *text, unsigned line, unsigned col, const char *what)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char *path = write_tmp(text);
	struct ui_theme *t = ui_theme_load(path, &dl);
	bool found = false;

	assert_null(t);
	for (size_t i = 0; i < dl.n; i++)
		if (dl.items[i].line == line && dl.items[i].col == col &&
		    strstr(dl.items[i].message, what) != NULL)
			found = true;
	if (!found)
		diag_print(&dl, stderr);
	assert_true(found);
	unlink(path);
	free(path);
	diag_list_free(&dl);
}

static void
test_theme_errors(void **state)
{
	(void)state;
	expect_theme_error("elements:\n  ok: { fg: green }\n  blinky: { fg: red }\n", 3, 3,
			   "unknown theme element 'blinky'");
	expect_theme_error("elements:\n  crit: { fg: scarlet }\n", 2, 15, "bad colour 'scarlet'");
	expect_theme_error("elements:\n  crit: { fg: 9 }\n", 2, 15, "0..7");
	expect_theme_error("elements:\n  crit: { fg256: 300 }\n", 2, 18, "0..255");
	expect_theme_error("elements:\n  crit: { colour: red }\n", 2, 11, "unknown key 'colour'");
	expect_theme_error("elements:\n  crit: { attrs: [bold, blink] }\n", 2, 25, "unknown attribute 'blink'");
	expect_theme_error("name: x\npalette: {}\n", 2, 1, "unknown key 'palette'");
	expect_theme_error("elements: [1, 2\n", 2, 1, "");
}

static void
test_theme_inherit_and_find(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char *path = write_tmp("elements:\n  normal: { fg: white, bg: blue, fg256: 250 }\n"
			       "  ok: { fg: green, attrs: bold }\n");
	struct ui_theme *t = ui_theme_load(path, &dl);
	char *err = NULL;

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->elems[UI_ok].fg, 2);
	assert_int_equal(t->elems[UI_ok].bg, 4);		/* from normal */
	assert_int_equal(t->elems[UI_ok].attrs, UI_A_BOLD);
	assert_int_equal(t->elems[UI_crit].fg, 7);		/* all from normal */
	assert_int_equal(t->elems[UI_crit].fg256, 250);
	ui_theme_free(t);
	unlink(path);
	free(path);
	assert_null(ui_theme_find("no-such-theme", &err));
	assert_non_null(strstr(err, "themes/no-such-theme.yml"));
	free(err);
	err = NULL;
	assert_null(ui_theme_find("/nonexistent/x.yml", &err));
	free(err);
	diag_list_free(&dl);
}

static void
test_format(void **state)
{
	struct observation *o = obs_create(SITE_SECONDARY, "pg", "secondary/pg/db1", "db1");
	long long now = o->observed_at_ms;
	char buf[64];

	(void)state;
	assert_int_equal(ui_shown_of(o, now, 10000), UI_SHOWN_PENDING);
	obs_set(o, OBS_OK, "streaming", "lag 0.8s");
	assert_int_equal(ui_shown_of(o, now + 29000, 10000), UI_SHOWN_OK);
	assert_int_equal(ui_shown_of(o, now + 31000, 10000), UI_SHOWN_STALE);
	assert_string_equal(ui_shown_word(UI_SHOWN_STALE), "STALE");
	assert_string_equal(ui_shown_symbol(UI_SHOWN_CRIT, false), "X");
	assert_int_equal(ui_shown_elem(UI_SHOWN_WARN), UI_warn);
	obs_set_value(o, 0.84, "s");
	ui_format_value(o, buf, sizeof buf);
	assert_string_equal(buf, "0.8s");
	obs_set_value(o, 12345, "B");
	ui_format_value(o, buf, sizeof buf);
	assert_string_equal(buf, "12.3kB");
	obs_set_value(o, 125, "s");
	ui_format_value(o, buf, sizeof buf);
	assert_string_equal(buf, "2m5s");
	ui_format_age(400, buf, sizeof buf);
	assert_string_equal(buf, "0s");
	obs_unref(o);
}

/* A state word longer than its column borrows the empty value column. */
static void
test_state_cells(void **state)
{
	(void)state;
	assert_int_equal(ui_state_cells("down", 11, 9, true), 11);
	assert_int_equal(ui_state_cells("auth-failed", 11, 9, true), 11);
	assert_int_equal(ui_state_cells("hostkey-CHANGED", 11, 9, true), 15);
	assert_int_equal(ui_state_cells("hostkey-unknown", 11, 9, true), 15);
	/* a value to show: the column stays as it is */
	assert_int_equal(ui_state_cells("hostkey-CHANGED", 11, 9, false), 11);
	/* never more than both columns */
	assert_int_equal(ui_state_cells("a-state-word-of-thirty-letters", 11, 9, true), 21);
	assert_int_equal(ui_state_cells(NULL, 11, 9, true), 11);
}

static void
test_sparkline(void **state)
{
	double v[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	char buf[64];

	(void)state;
	ui_sparkline(v, 8, false, buf, sizeof buf, 8);
	assert_string_equal(buf, "_.-=+*#@");
	ui_sparkline(v, 8, false, buf, sizeof buf, 3);
	assert_int_equal(strlen(buf), 3);
	ui_sparkline(v, 8, true, buf, sizeof buf, 8);
	assert_string_equal(buf, "▁▂▃▄▅▆▇█");
	ui_sparkline(v, 0, true, buf, sizeof buf, 8);
	assert_string_equal(buf, "");
}

static struct site *
fake_site(enum site_role role)
{
	static const char *const names[][3] = {
		{ "web1", "10.0.0.1", "webworkers" },
		{ "web2", "10.0.0.2", "webworkers" },
		{ "proxy1", "10.0.0.3", "proxy" },
	};
	struct site *s = xcalloc(1, sizeof *s);

	s->role = role;
	s->env_name = xstrdup("prod");
	s->n_hosts = ARRAY_LEN(names);
	s->hosts = xcalloc(s->n_hosts, sizeof *s->hosts);
	for (size_t i = 0; i < s->n_hosts; i++) {
		s->hosts[i].name = xstrdup(names[i][0]);
		s->hosts[i].address = xstrdup(names[i][1]);
		s->hosts[i].group = xstrdup(names[i][2]);
		s->hosts[i].groups = xstrdup(names[i][2]);
		s->hosts[i].port = 22;
	}
	s->backups[STORE_POSTGRES].enabled = true;
	return s;
}

static void
post(struct status_store *st, enum site_role site, const char *probe, const char *key,
     const char *subject, enum obs_status status, const char *state)
{
	struct observation *o = obs_create(site, probe, key, subject);

	obs_set(o, status, state, "%s is %s", subject, state);
	status_store_post(st, o);
}

static const struct ui_row *
find_item(const struct ui_panel *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->rows[i].kind == UI_ROW_ITEM && strcmp(p->rows[i].key, key) == 0)
			return &p->rows[i];
	return NULL;
}

static void
test_panel_rows(void **state)
{
	struct site *site = fake_site(SITE_PRIMARY);
	struct status_store *st = status_store_create(4);
	struct status_snapshot *snap;
	struct ui_panel p;
	int sec_pg = -1, sec_new = -1, sec_hosts = -1, sec_backup = -1;

	(void)state;
	memset(&p, 0, sizeof p);
	p.role = SITE_PRIMARY;
	p.sel = -1;
	post(st, SITE_PRIMARY, "pg", "primary/pg/db1", "db1", OBS_OK, "primary");
	post(st, SITE_PRIMARY, "quux", "primary/quux/thing", "thing", OBS_WARN, "odd");
	post(st, SITE_PRIMARY, "host", "primary/host/web2", "web2", OBS_OK, "up");
	post(st, SITE_SECONDARY, "pg", "secondary/pg/db2", "db2", OBS_CRIT, "down");
	snap = status_store_snapshot(st);
	ui_panel_build(&p, snap, site, NULL);

	for (size_t i = 0; i < p.n; i++) {
		if (p.rows[i].kind != UI_ROW_SECTION)
			continue;
		if (strcmp(p.rows[i].text, "PostgreSQL") == 0)
			sec_pg = (int)i;
		else if (strcmp(p.rows[i].text, "quux") == 0)
			sec_new = (int)i;
		else if (strncmp(p.rows[i].text, "Hosts", 5) == 0)
			sec_hosts = (int)i;
		else if (strncmp(p.rows[i].text, "Backups", 7) == 0)
			sec_backup = (int)i;
	}
	/* sections in order; an unknown probe gets its own section, no UI change needed */
	assert_true(sec_pg >= 0 && sec_backup > sec_pg && sec_new > sec_backup && sec_hosts > sec_new);
	assert_string_equal(p.rows[sec_hosts].text, "Hosts 1/3 up");
	assert_non_null(find_item(&p, "primary/pg/db1"));
	assert_non_null(find_item(&p, "primary/quux/thing"));
	assert_null(find_item(&p, "secondary/pg/db2"));		/* other site */
	/* web2 observed, web1 and proxy1 pending from the model */
	assert_non_null(find_item(&p, "primary/host/web2"));
	assert_non_null(find_item(&p, "host:web1"));
	assert_non_null(find_item(&p, "host:proxy1"));
	assert_null(find_item(&p, "host:web2"));
	assert_non_null(find_item(&p, "backup:postgres"));
	assert_true(find_item(&p, "primary/host/web2")->host == &site->hosts[1]);
	/* hosts by group: proxy before webworkers */
	assert_true(find_item(&p, "host:proxy1") < find_item(&p, "host:web1"));
	assert_int_equal(p.rows[p.sel].kind, UI_ROW_ITEM);
	assert_string_equal(p.rows[p.sel].key, "primary/pg/db1");

	/* selection follows its key across rebuilds */
	ui_panel_move(&p, 2, 10);
	assert_string_equal(p.rows[p.sel].key, p.sel_key);
	{
		char keep[256];

		snprintf(keep, sizeof keep, "%s", p.sel_key);
		post(st, SITE_PRIMARY, "pg", "primary/pg/db0", "db0", OBS_OK, "primary");
		status_snapshot_free(snap);
		snap = status_store_snapshot(st);
		ui_panel_build(&p, snap, site, NULL);
		assert_string_equal(p.rows[p.sel].key, keep);
	}
	/* filter: only web rows remain, case-insensitive, by group too */
	ui_panel_build(&p, snap, site, "WEB");
	assert_non_null(find_item(&p, "host:web1"));
	assert_non_null(find_item(&p, "primary/host/web2"));
	assert_null(find_item(&p, "host:proxy1"));
	assert_null(find_item(&p, "primary/pg/db1"));
	assert_int_equal(p.n_items, 2);
	ui_panel_build(&p, snap, site, "zzz-nothing");
	assert_int_equal(p.n, 0);
	assert_int_equal(p.sel, -1);
	ui_panel_build(&p, snap, site, "");
	ui_panel_home(&p, true, 5);
	assert_string_equal(p.rows[p.sel].key, "primary/host/web2");
	assert_true(p.top >= (int)p.n - 5);
	ui_panel_home(&p, false, 5);
	assert_int_equal(p.top, 0);

	ui_panel_free(&p);
	status_snapshot_free(snap);
	status_store_free(st);
	for (size_t i = 0; i < site->n_hosts; i++) {
		free(site->hosts[i].name);
		free(site->hosts[i].address);
		free(site->hosts[i].group);
		free(site->hosts[i].groups);
	}
	free(site->hosts);
	free(site->env_name);
	free(site);
}

/* The header's two RPO scenarios of an AWS pair, and what a recovery row restores. */
static void
test_aws_recovery(void **state)
{
	struct rpo_result other;
	char buf[160], lines[6][UI_RECOVERY_LINE];
	struct observation *vault = obs_create(SITE_PRIMARY, "vault", "primary/vault/remote/pgmain1-production",
					       "pgmain1-production");
	struct observation *rds = obs_create(SITE_PRIMARY, "rds", "primary/rds/pgmain1-production",
					     "pgmain1-production");
	struct observation *pg = obs_create(SITE_PRIMARY, "pg", "primary/pg/db1", "db1");
	long long now_ms = 1796335200000LL;	/* 2026-12-03T22:00:00Z */
	size_t n;

	(void)state;
	memset(&other, 0, sizeof other);
	other.n = 1;
	other.worst = 0;
	other.status = OBS_OK;
	snprintf(other.stores[0].store, sizeof other.stores[0].store, "postgres");
	other.stores[0].have_source = true;
	other.stores[0].exposure_s = 58;
	ui_rpo_scenarios_text(&other, RPO_SITE_LOSS, false, buf, sizeof buf);
	assert_string_equal(buf, " on region loss | instance loss 58s OK (postgres)");
	other.stores[0].have_source = false;
	other.status = OBS_CRIT;
	ui_rpo_scenarios_text(&other, RPO_INSTANCE_LOSS, true, buf, sizeof buf);
	assert_string_equal(buf, " on instance loss \xc2\xb7 region loss: no usable postgres source CRIT");

	obs_add_field(vault, "recovery_point_arn", "arn:aws:rds:us-east-2:123456789012:snapshot:awsbackup:job-1");
	obs_add_field(vault, "resource_arn", "arn:aws:rds:us-east-1:123456789012:db:pgmain1-production");
	obs_add_field(vault, "created", "2026-12-02T16:00:00Z");
	obs_add_field(vault, "size_bytes", "%lld", 107374182400LL);
	obs_add_field(vault, "rpo_store", "postgres");
	n = ui_recovery_summary(vault, now_ms, lines, ARRAY_LEN(lines));
	assert_int_equal(n, 5);
	assert_string_equal(lines[0], "  ARN          arn:aws:rds:us-east-2:123456789012:snapshot:awsbackup:job-1");
	assert_string_equal(lines[1], "  resource     arn:aws:rds:us-east-1:123456789012:db:pgmain1-production");
	assert_string_equal(lines[2], "  restores to  2026-12-02T16:00:00Z (1d6h ago)");
	assert_string_equal(lines[3], "  size         100.0 GiB (107374182400 bytes)");
	assert_non_null(strstr(lines[4], "region loss"));

	obs_add_field(rds, "arn", "arn:aws:rds:us-east-1:123456789012:db:pgmain1-production");
	obs_add_field(rds, "latest_restorable_time", "2026-12-03T21:55:00Z");
	obs_add_field(rds, "rpo_store", "postgres");
	obs_add_field(rds, "rpo_scenario", "instance");
	n = ui_recovery_summary(rds, now_ms, lines, ARRAY_LEN(lines));
	assert_int_equal(n, 4);
	assert_string_equal(lines[1], "  restores to  2026-12-03T21:55:00Z (5m ago)");
	assert_string_equal(lines[2], "  size         -");
	assert_non_null(strstr(lines[3], "instance loss"));
	n = ui_recovery_summary(rds, now_ms, lines, 3);
	assert_int_equal(n, 3);
	assert_int_equal(ui_recovery_summary(pg, now_ms, lines, ARRAY_LEN(lines)), 0);
	obs_unref(vault);
	obs_unref(rds);
	obs_unref(pg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_default_theme_complete),
		cmocka_unit_test(test_theme_errors),
		cmocka_unit_test(test_theme_inherit_and_find),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_state_cells),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_panel_rows),
		cmocka_unit_test(test_aws_recovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
