/*
 * Unit tests: the pure parts of the run driver and the runbook loader:
 * loading with positions, variables (quoting, runbook vars), targets,
 * `when`, check matching, probe conditions, run ids, lint.
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

#include "drconsole/runbook/run.h"
#include "drconsole/runbook/run_lint.h"
#include "drconsole/runbook/run_vars.h"
#include "drconsole/runbook/template.h"
#include "drconsole/util/util.h"

static char *
write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/test_run_XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static struct runbook *
load_text(const char *text, struct diag_list *dl, char **path)
{
	*path = write_tmp(text);
	return runbook_load(*path, dl);
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
test_load_all_keys(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char *path;
	struct runbook *rb = load_text(
		"name: T\n"
		"model: failback\n"
		"vars: { pg_cluster: main }\n"
		"steps:\n"
		"  - id: c\n"
		"    check: { probe: pg_standby, max_lag: 90s, site: primary }\n"
		"    preflight: false\n"
		"  - id: p\n"
		"    title: Promote {{ standby.host }}\n"
		"    on: secondary:pg_standby\n"
		"    become: root\n"
		"    parallel: yes\n"
		"    run: pg_ctlcluster {{ pg_version }} {{ pg_cluster }} promote\n"
		"    verify: { sql: select 1, command: 'true', expect_output: ok }\n"
		"    timeout: 15m\n"
		"    estimate: 1m\n"
		"    on_failure: stop\n"
		"    destructive: true\n"
		"    ends_replication: true\n"
		"    when: primary.reachable\n"
		"  - id: m\n"
		"    on: primary\n"
		"    manual: Do it\n"
		"    restores_service: true\n", &dl, &path);

	(void)state;
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	assert_int_equal(rb->model, RB_MODEL_FAILBACK);
	assert_int_equal(rb->n_steps, 3);
	assert_string_equal(runbook_var(rb, "pg_cluster"), "main");
	assert_int_equal(rb->steps[0].kind, RB_CHECK);
	assert_int_equal(rb->steps[0].check_max_lag_ms, 90000);
	assert_int_equal(rb->steps[0].check_site, SITE_PRIMARY);
	assert_false(rb->steps[0].preflight);
	assert_int_equal(rb->steps[1].kind, RB_RUN);
	assert_int_equal(rb->steps[1].on_site, SITE_SECONDARY);
	assert_string_equal(rb->steps[1].on_target, "pg_standby");
	assert_true(rb->steps[1].parallel && rb->steps[1].destructive && rb->steps[1].ends_replication);
	assert_int_equal(rb->steps[1].timeout_ms, 15 * 60 * 1000);
	assert_int_equal(rb->steps[1].on_failure, RB_FAIL_STOP);
	assert_string_equal(rb->steps[1].verify_sql, "select 1");
	assert_string_equal(rb->steps[1].verify_expect_output, "ok");
	assert_int_equal(rb->steps[1].pos_run.line, 13);
	assert_int_equal(rb->steps[1].pos_run.col, 10);
	assert_int_equal(rb->steps[2].on_site, SITE_PRIMARY);
	assert_null(rb->steps[2].on_target);
	assert_true(rb->steps[2].restores_service);
	assert_true(rb->steps[2].preflight);
	runbook_free(rb);
	diag_list_free(&dl);
	unlink(path);
	free(path);
}

static void
test_load_errors_have_positions(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char *path;
	struct runbook *rb = load_text(
		"name: T\n"
		"flavour: x\n"
		"steps:\n"
		"  - id: a\n"
		"    run: x\n"
		"    manual: y\n"
		"  - id: a\n"
		"    run: x\n"
		"    timeout: soon\n"
		"    on: tertiary:control\n"
		"    on_failure: panic\n"
		"  - id: b\n"
		"    check: { probe: pg_standby, command: x }\n", &dl, &path);

	(void)state;
	assert_non_null(rb);
	assert_true(has_diag(&dl, 2, 1, "unknown key 'flavour'"));
	assert_true(has_diag(&dl, 4, 5, "exactly one of run:, check: and manual:"));
	assert_true(has_diag(&dl, 7, 5, "duplicate step id 'a'"));
	assert_true(has_diag(&dl, 9, 14, "bad duration 'soon'"));
	assert_true(has_diag(&dl, 10, 9, "the site must be primary or secondary"));
	assert_true(has_diag(&dl, 11, 17, "on_failure"));
	assert_true(has_diag(&dl, 13, 12, "exactly one of probe: and command:"));
	runbook_free(rb);
	diag_list_free(&dl);
	unlink(path);
	free(path);
}

/* Two small sites: the secondary with an inventory and a standby. */
struct fixture {
	struct config cfg;
	struct site sites[2];
	struct site *sp[2];
	struct site_host hosts[3];
	struct site_pg_server pg[1];
	struct diag_list dl;
};

static const char inv_text[] =
	"[control_a0]\n10.0.0.1\n"
	"[db_a0]\n10.0.0.20\n"
	"[db_b0]\n10.0.0.21\n"
	"[control:children]\ncontrol_a0\n"
	"[pg_standby:children]\ndb_a0\ndb_b0\n"
	"[empty:children]\n";

static void
fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	f->sites[SITE_PRIMARY].role = SITE_PRIMARY;
	f->sites[SITE_PRIMARY].env_name = (char *)"prod; rm -rf /";
	f->sites[SITE_PRIMARY].site_host = (char *)"www.example.org";
	f->sites[SITE_SECONDARY].role = SITE_SECONDARY;
	f->sites[SITE_SECONDARY].env_name = (char *)"backup-prod";
	f->sites[SITE_SECONDARY].pg_version = (char *)"14";
	f->sites[SITE_SECONDARY].control = (char *)"10.0.0.1";
	f->sites[SITE_SECONDARY].remote_user = (char *)"ansible";
	f->hosts[0] = (struct site_host){ .name = (char *)"10.0.0.1", .address = (char *)"10.0.0.1", .port = 22 };
	f->hosts[1] = (struct site_host){ .name = (char *)"10.0.0.20", .address = (char *)"10.0.0.20", .port = 2222 };
	f->hosts[2] = (struct site_host){ .name = (char *)"10.0.0.21", .address = (char *)"10.0.0.21", .port = 22,
					  .user = (char *)"dba" };
	f->sites[SITE_SECONDARY].hosts = f->hosts;
	f->sites[SITE_SECONDARY].n_hosts = 3;
	f->pg[0] = (struct site_pg_server){ .host = (char *)"10.0.0.20", .is_standby = true };
	f->sites[SITE_SECONDARY].pg = f->pg;
	f->sites[SITE_SECONDARY].n_pg = 1;
	f->sites[SITE_SECONDARY].inv = inventory_parse("inventory.ini", inv_text, sizeof inv_text - 1, &f->dl);
	f->sp[0] = &f->sites[0];
	f->sp[1] = &f->sites[1];
}

static void
fixture_fini(struct fixture *f)
{
	inventory_free(f->sites[SITE_SECONDARY].inv);
	diag_list_free(&f->dl);
}

static void
test_vars_quote_and_runbook_vars(void **state)
{
	struct fixture f;
	struct runbook rb;
	struct rb_var vars[2] = {
		{ (char *)"pg_data", (char *)"/opt/data/postgresql/{{ pg_version }}/main", { 0, 0 } },
		{ (char *)"loop", (char *)"{{ loop }}", { 0, 0 } },
	};
	struct run_vars v;
	struct template_error err;
	char *out;

	(void)state;
	fixture_init(&f);
	memset(&rb, 0, sizeof rb);
	rb.vars = vars;
	rb.n_vars = 2;
	memset(&v, 0, sizeof v);
	v.cfg = &f.cfg;
	v.sites = f.sp;
	v.rb = &rb;
	v.run_id = "R1";
	out = template_render("cchq {{ primary.env }} x; mv {{ pg_data }} {{ pg_data }}.{{ run_id }}",
			      run_vars_lookup, &v, true, &err);
	assert_non_null(out);
	assert_string_equal(out, "cchq 'prod; rm -rf /' x; mv /opt/data/postgresql/14/main "
			    "/opt/data/postgresql/14/main.R1");
	free(out);
	out = template_render("{{ standby.host }} {{ secondary.standby_host }} {{ pg_version }}",
			      run_vars_lookup, &v, false, &err);
	assert_string_equal(out, "10.0.0.20 10.0.0.20 14");
	free(out);
	/* a self-referencing var ends (unknown), it does not recurse forever */
	assert_null(template_render("{{ loop }}", run_vars_lookup, &v, true, &err));
	assert_null(template_render("{{ primary.nope }}", run_vars_lookup, &v, true, &err));
	run_vars_free(&v);
	fixture_fini(&f);
}

static void
test_targets(void **state)
{
	struct fixture f;
	struct run_target *t;
	char *err = NULL;
	size_t n;

	(void)state;
	fixture_init(&f);
	n = run_resolve_targets(&f.cfg, &f.sites[SITE_SECONDARY], NULL, &t, &err);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].host, "10.0.0.1");
	assert_string_equal(t[0].user, "ansible");
	run_targets_free(t, n);
	n = run_resolve_targets(&f.cfg, &f.sites[SITE_SECONDARY], "pg_standby", &t, &err);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].host, "10.0.0.20");
	assert_int_equal(t[0].port, 2222);
	assert_string_equal(t[1].user, "dba");
	run_targets_free(t, n);
	f.cfg.ssh.user = (char *)"op";
	n = run_resolve_targets(&f.cfg, &f.sites[SITE_SECONDARY], "10.0.0.21", &t, &err);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].user, "op");
	run_targets_free(t, n);
	n = run_resolve_targets(&f.cfg, &f.sites[SITE_SECONDARY], "nosuch", &t, &err);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "neither a host nor a group"));
	free(err);
	n = run_resolve_targets(&f.cfg, &f.sites[SITE_SECONDARY], "empty", &t, &err);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "no SSH-able hosts"));
	free(err);
	n = run_resolve_targets(&f.cfg, &f.sites[SITE_PRIMARY], NULL, &t, &err);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "no control host"));
	free(err);
	fixture_fini(&f);
}

static bool
only_secondary(void *ud, enum site_role s)
{
	(void)ud;
	return s == SITE_SECONDARY;
}

static void
test_when(void **state)
{
	struct runbook rb;
	struct rb_var vars[2] = {
		{ (char *)"flag", (char *)"yes", { 0, 0 } },
		{ (char *)"off", (char *)"no", { 0, 0 } },
	};
	struct run_vars v;
	char *err = NULL;

	(void)state;
	memset(&rb, 0, sizeof rb);
	rb.vars = vars;
	rb.n_vars = 2;
	memset(&v, 0, sizeof v);
	v.rb = &rb;
	assert_int_equal(run_eval_when("primary.reachable", only_secondary, NULL, &v, &err), 0);
	assert_int_equal(run_eval_when("secondary.reachable", only_secondary, NULL, &v, &err), 1);
	assert_int_equal(run_eval_when("not primary.reachable", only_secondary, NULL, &v, &err), 1);
	assert_int_equal(run_eval_when(" flag ", NULL, NULL, &v, &err), 1);
	assert_int_equal(run_eval_when("off", NULL, NULL, &v, &err), 0);
	assert_int_equal(run_eval_when("primary.reachable", NULL, NULL, &v, &err), 0);
	assert_int_equal(run_eval_when("moon.full", NULL, NULL, &v, &err), -1);
	assert_non_null(strstr(err, "unknown condition 'moon.full'"));
	free(err);
	run_vars_free(&v);
}

static void
test_output_matches(void **state)
{
	(void)state;
	assert_true(run_output_matches(0, "x", 0, NULL));
	assert_false(run_output_matches(1, "x", 0, NULL));
	assert_true(run_output_matches(3, "", 3, NULL));
	assert_true(run_output_matches(0, "a f|t b", 0, "f|t"));
	assert_false(run_output_matches(0, "t|t", 0, "f|t"));
	assert_false(run_output_matches(0, NULL, 0, "x"));
}

static struct observation *
standby_obs(enum site_role site, const char *host, const char *receiver, double lag, double gap)
{
	char key[64];
	struct observation *o;

	snprintf(key, sizeof key, "%s/pg/%s", site_role_name(site), host);
	o = obs_create(site, "pg", key, host);
	obs_add_field(o, "role", "standby");
	obs_add_field(o, "receiver_status", "%s", receiver);
	obs_add_field(o, "lsn_gap_bytes", "%.0f", gap);
	obs_set_value(o, lag, "s");
	obs_set(o, lag < 30 ? OBS_OK : OBS_WARN, "streaming", "lag %.1fs", lag);
	return o;
}

static void
test_probe_conditions(void **state)
{
	struct observation *items[3];
	struct status_snapshot snap = { items, 3, 0 };
	struct rb_step st;
	char *msg = NULL;

	(void)state;
	items[0] = standby_obs(SITE_SECONDARY, "db1", "streaming", 2.0, 0);
	items[1] = standby_obs(SITE_SECONDARY, "db2", "streaming", 45.0, 4096);
	items[2] = obs_create(SITE_PRIMARY, "pg", "primary/pg/db0/slot/s1", "db0 slot s1");
	obs_set(items[2], OBS_WARN, "inactive", "slot inactive");
	memset(&st, 0, sizeof st);
	st.check_site = SITE_SECONDARY;
	st.check_probe = (char *)"pg_standby";
	st.check_max_lag_ms = 60000;
	assert_int_equal(run_probe_condition(&snap, &st, &msg), 1);
	free(msg);
	st.check_max_lag_ms = 30000;
	assert_int_equal(run_probe_condition(&snap, &st, &msg), 0);
	assert_non_null(strstr(msg, "FAIL db2"));
	free(msg);
	st.check_probe = (char *)"pg_standby_caught_up";
	assert_int_equal(run_probe_condition(&snap, &st, &msg), 0);
	free(msg);
	st.check_probe = (char *)"pg_primary_slots";
	assert_int_equal(run_probe_condition(&snap, &st, &msg), 0);	/* nothing on secondary */
	assert_non_null(strstr(msg, "nothing observed"));
	free(msg);
	st.check_site = SITE_PRIMARY;
	assert_int_equal(run_probe_condition(&snap, &st, &msg), 0);
	assert_non_null(strstr(msg, "FAIL db0 slot s1"));
	free(msg);
	st.check_probe = (char *)"warp";
	assert_int_equal(run_probe_condition(&snap, &st, &msg), -1);
	free(msg);
	for (int i = 0; i < 3; i++)
		obs_unref(items[i]);
}

/* A standby is not caught up while its (unfenced) primary's WAL is still ahead of it. */
static void
test_caught_up_upstream_ahead(void **state)
{
	struct observation *items[2];
	struct status_snapshot snap = { items, 2, 0 };
	struct rb_step st;
	char *msg = NULL;

	(void)state;
	items[0] = standby_obs(SITE_SECONDARY, "db1", "streaming", 0.5, 0);
	obs_add_field(items[0], "replay_lsn", "0/3000148");
	items[1] = obs_create(SITE_PRIMARY, "pg", "primary/pg/db0/slot/standby1", "db0 slot standby1");
	obs_set(items[1], OBS_OK, "streaming", "0 B behind");
	obs_add_field(items[1], "current_lsn", "0/3000148");
	memset(&st, 0, sizeof st);
	st.check_site = SITE_SECONDARY;
	st.check_probe = (char *)"pg_standby_caught_up";
	assert_int_equal(run_probe_condition(&snap, &st, &msg), 1);
	free(msg);
	obs_unref(items[1]);
	items[1] = obs_create(SITE_PRIMARY, "pg", "primary/pg/db0/slot/standby1", "db0 slot standby1");
	obs_set(items[1], OBS_OK, "streaming", "266 kB behind");
	obs_add_field(items[1], "current_lsn", "0/3042A10");
	assert_int_equal(run_probe_condition(&snap, &st, &msg), 0);
	assert_non_null(strstr(msg, "FAIL db1: upstream db0 slot standby1 is at WAL 0/3042A10, db1 replayed "
			       "0/3000148: 272584 bytes not received yet"));
	free(msg);
	for (int i = 0; i < 2; i++)
		obs_unref(items[i]);
}

static void
test_run_id(void **state)
{
	char *id;

	(void)state;
	id = run_make_id(1795589918052LL, "/x/runbooks/fail over.yml");
	assert_string_equal(id, "20261125T065838Z-fail_over");
	free(id);
	id = run_make_id(0, "restore");
	assert_string_equal(id, "19700101T000000Z-restore");
	free(id);
}

static void
test_lint_runbook(void **state)
{
	struct fixture f;
	struct diag_list dl = DIAG_LIST_INIT;
	char *path;
	struct runbook *rb;

	(void)state;
	fixture_init(&f);
	rb = load_text(
		"name: L\n"
		"steps:\n"
		"  - id: a\n"
		"    on: secondary:pg_standby\n"
		"    run: echo {{ secondary.env }} {{ nope }}\n"
		"  - id: b\n"
		"    on: secondary:ghost\n"
		"    run: echo ok\n"
		"  - id: c\n"
		"    on: secondary:empty\n"
		"    run: echo ok\n"
		"    when: sometimes\n", &dl, &path);
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	run_lint_runbook(rb, &f.cfg, f.sp, &dl);
	assert_true(has_diag(&dl, 5, 35, "unknown variable 'nope'"));
	assert_true(has_diag(&dl, 7, 9, "'ghost' is neither a host nor a group"));
	assert_true(has_diag(&dl, 10, 9, "no SSH-able hosts (now)"));
	assert_true(has_diag(&dl, 12, 11, "unknown condition 'sometimes'"));
	assert_int_equal(dl.errors, 3);
	assert_int_equal(dl.warnings, 1);
	runbook_free(rb);
	diag_list_free(&dl);
	unlink(path);
	free(path);
	fixture_fini(&f);
}

static void
test_lint_verify_sql_template(void **state)
{
	struct fixture f;
	struct diag_list dl = DIAG_LIST_INIT;
	char *path;
	struct runbook *rb;

	(void)state;
	fixture_init(&f);
	rb = load_text(
		"name: L\n"
		"steps:\n"
		"  - id: a\n"
		"    on: secondary:pg_standby\n"
		"    run: echo ok\n"
		"    verify: { sql: \"select {{ }}\" }\n"
		"  - id: b\n"
		"    on: secondary:pg_standby\n"
		"    run: echo ok\n"
		"    verify:\n"
		"      sql: select '{{ secondary.env }}' = current_database()\n"
		"  - id: c\n"
		"    on: secondary:pg_standby\n"
		"    run: echo ok\n"
		"    verify: { sql: select not pg_is_in_recovery() }\n", &dl, &path);
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	run_lint_runbook(rb, &f.cfg, f.sp, &dl);
	/* SQL is sent as written: an empty or any other template there is an error */
	assert_true(has_diag(&dl, 6, 28, "step a: verify.sql is sent to PostgreSQL as written"));
	assert_true(has_diag(&dl, 11, 20, "step b: verify.sql is sent to PostgreSQL as written"));
	assert_int_equal(dl.errors, 2);
	assert_int_equal(dl.warnings, 0);
	runbook_free(rb);
	diag_list_free(&dl);
	unlink(path);
	free(path);
	fixture_fini(&f);
}

/* A step without timeout: takes ssh.command_timeout; its own timeout wins. */
static void
test_step_timeout_default(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct config cfg;
	char *path;
	struct runbook *rb = load_text(
		"name: T\n"
		"steps:\n"
		"  - id: a\n"
		"    run: 'true'\n"
		"  - id: b\n"
		"    run: 'true'\n"
		"    timeout: 15m\n", &dl, &path);

	(void)state;
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	memset(&cfg, 0, sizeof cfg);
	cfg.ssh.command_timeout_ms = 2000;
	assert_int_equal(run_step_timeout_ms(&cfg, &rb->steps[0]), 2000);
	assert_int_equal(run_step_timeout_ms(&cfg, &rb->steps[1]), 15 * 60 * 1000);
	cfg.ssh.command_timeout_ms = 45 * 60 * 1000;
	assert_int_equal(run_step_timeout_ms(&cfg, &rb->steps[0]), 45 * 60 * 1000);
	assert_int_equal(run_step_timeout_ms(&cfg, &rb->steps[1]), 15 * 60 * 1000);
	runbook_free(rb);
	diag_list_free(&dl);
	unlink(path);
	free(path);
}

/* What the driver asked and showed, for the read-only gate test. */
struct gate_ui {
	int asked;
	int progress;
	char shown[1024];
};

static bool
gate_confirm(void *ud, const char *prompt)
{
	(void)prompt;
	((struct gate_ui *)ud)->asked++;
	return true;
}

static bool
gate_confirm_typed(void *ud, const char *prompt, const char *expected)
{
	(void)prompt;
	(void)expected;
	((struct gate_ui *)ud)->asked++;
	return true;
}

static int
gate_choose(void *ud, const char *prompt, const char *const *options, size_t n, int dflt)
{
	(void)prompt;
	(void)options;
	(void)n;
	((struct gate_ui *)ud)->asked++;
	return dflt;
}

static void
gate_show(void *ud, const char *text)
{
	struct gate_ui *g = ud;
	size_t len = strlen(g->shown);

	snprintf(g->shown + len, sizeof g->shown - len, "%s\n", text);
}

static void
gate_progress(void *ud, const struct run_progress *pg)
{
	(void)pg;
	((struct gate_ui *)ud)->progress++;
}

/*
 * run_execute is the gate: called directly in read-only mode it refuses
 * (exit 2, "refused", the reason), asks nothing, and leaves no trace in the
 * state directory; the same call in dry-run mode does run (and journals).
 */
static void
test_read_only_gate(void **state)
{
	struct gate_ui g;
	struct run_ui ui = {
		.confirm = gate_confirm, .confirm_typed = gate_confirm_typed,
		.choose = gate_choose, .show = gate_show, .progress = gate_progress, .ud = &g,
	};
	struct fixture f;
	struct run_params p;
	char dir[] = "/tmp/test_run_gate_XXXXXX", *rb_path, *runs, *audit, *marker;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(dir));
	marker = xasprintf("%s/marker", dir);
	text = xasprintf("name: Gate\nsteps:\n  - id: touch\n    run: touch %s\n", marker);
	rb_path = write_tmp(text);
	free(text);
	runs = xasprintf("%s/state/runs", dir);
	audit = xasprintf("%s/state/audit.log", dir);
	fixture_init(&f);
	f.cfg.state_dir = xasprintf("%s/state", dir);
	memset(&p, 0, sizeof p);
	p.cfg = &f.cfg;
	p.sites[0] = f.sp[0];
	p.sites[1] = f.sp[1];
	p.runbook_path = rb_path;
	p.ui = &ui;
	p.user = "tester";
	p.mode = RUN_READ_ONLY;
	p.read_only_reason = "pinned by /etc/drconsole/config.yml (read_only: true)";
	memset(&g, 0, sizeof g);
	assert_int_equal(run_execute(&p), 2);
	assert_non_null(strstr(g.shown, "read-only mode (pinned by /etc/drconsole/config.yml "
			       "(read_only: true)): refused"));
	assert_int_equal(g.asked, 0);
	assert_int_equal(g.progress, 0);
	assert_int_not_equal(access(runs, F_OK), 0);
	assert_int_not_equal(access(audit, F_OK), 0);
	assert_int_not_equal(access(marker, F_OK), 0);
	/* yes, another runbook path or a resume: still refused */
	p.yes = true;
	p.resume_journal = "/nonexistent.journal";
	p.read_only_reason = NULL;
	memset(&g, 0, sizeof g);
	assert_int_equal(run_execute(&p), 2);
	assert_non_null(strstr(g.shown, "refused"));
	assert_int_not_equal(access(audit, F_OK), 0);
	/* the same parameters in dry-run do reach the runbook (and the state dir) */
	p.yes = false;
	p.resume_journal = NULL;
	p.mode = RUN_DRY;
	memset(&g, 0, sizeof g);
	assert_int_equal(run_execute(&p), 0);
	assert_non_null(strstr(g.shown, "touch"));
	assert_int_equal(access(audit, F_OK), 0);
	assert_int_not_equal(access(marker, F_OK), 0);	/* dry-run executes nothing either */
	fixture_fini(&f);
	free(f.cfg.state_dir);
	unlink(rb_path);
	free(rb_path);
	free(runs);
	free(audit);
	free(marker);
	text = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(text), 0);
	free(text);
}

/*
 * The driver called directly in each of the four modes, with the same
 * parameters: read-only is refused at the gate (exit 2, the one refusal
 * text, nothing on disk); dry-run completes without executing; live and
 * drill pass the gate (audited) and go for the run lock on the
 * secondary's control host (here a port nothing listens on, so they stop
 * there before any step, exit 2). No mode executes the step's command.
 */
static void
test_each_mode_through_the_driver(void **state)
{
	static const enum run_mode modes[] = { RUN_READ_ONLY, RUN_LIVE, RUN_DRILL, RUN_DRY };
	static const int want_rc[] = { 2, 2, 2, 0 };
	struct gate_ui g;
	struct run_ui ui = {
		.confirm = gate_confirm, .confirm_typed = gate_confirm_typed,
		.choose = gate_choose, .show = gate_show, .progress = gate_progress, .ud = &g,
	};
	struct fixture f;
	struct run_params p;
	char dir[] = "/tmp/test_run_modes_XXXXXX", *rb_path, *audit, *marker, *text, *refusal;

	(void)state;
	assert_non_null(mkdtemp(dir));
	marker = xasprintf("%s/marker", dir);
	text = xasprintf("name: Modes\nsteps:\n  - id: touch\n    on: secondary:control\n"
			 "    run: touch %s\n", marker);
	rb_path = write_tmp(text);
	free(text);
	audit = xasprintf("%s/state/audit.log", dir);
	fixture_init(&f);
	f.hosts[0].address = (char *)"127.0.0.1";	/* the control host: nothing listens */
	f.hosts[0].port = 1;
	f.cfg.state_dir = xasprintf("%s/state", dir);
	f.cfg.ssh.connect_timeout_ms = 2000;
	refusal = run_mode_refusal("started with --read-only", "runbooks cannot be run, dry-runs included");
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		memset(&p, 0, sizeof p);
		p.cfg = &f.cfg;
		p.sites[0] = f.sp[0];
		p.sites[1] = f.sp[1];
		p.runbook_path = rb_path;
		p.ui = &ui;
		p.user = "tester";
		p.mode = modes[i];
		p.read_only_reason = modes[i] == RUN_READ_ONLY ? "started with --read-only" : NULL;
		memset(&g, 0, sizeof g);
		assert_int_equal(run_execute(&p), want_rc[i]);
		assert_int_equal(access(marker, F_OK), -1);
		if (modes[i] == RUN_READ_ONLY) {
			assert_non_null(strstr(g.shown, refusal));
			assert_int_equal(g.asked + g.progress, 0);
			assert_int_not_equal(access(audit, F_OK), 0);
			continue;
		}
		assert_null(strstr(g.shown, "read-only mode"));
		assert_int_equal(access(audit, F_OK), 0);	/* past the gate: audited */
		if (modes[i] == RUN_DRY)
			assert_non_null(strstr(g.shown, "touch"));
		else
			assert_non_null(strstr(g.shown, "run lock: lock on 10.0.0.1"));
	}
	free(refusal);
	fixture_fini(&f);
	free(f.cfg.state_dir);
	unlink(rb_path);
	free(rb_path);
	free(audit);
	free(marker);
	text = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(text), 0);
	free(text);
}

/* The mode's names and views, all from the one enum. */
static void
test_run_mode_views(void **state)
{
	(void)state;
	for (int m = RUN_LIVE; m <= RUN_READ_ONLY; m++)
		assert_int_equal(run_mode_parse(run_mode_name((enum run_mode)m)), m);
	assert_string_equal(run_mode_name(RUN_DRY), "dry-run");
	assert_string_equal(run_mode_word(RUN_READ_ONLY), "READ-ONLY");
	assert_string_equal(run_mode_label(RUN_DRILL), "[DRILL] ");
	assert_string_equal(run_mode_label(RUN_LIVE), "");
	assert_int_equal(run_mode_parse("?"), -1);
	assert_int_equal(run_mode_parse(NULL), -1);
	assert_true(run_mode_executes(RUN_LIVE));
	assert_true(run_mode_executes(RUN_DRILL));
	assert_false(run_mode_executes(RUN_DRY));
	assert_false(run_mode_executes(RUN_READ_ONLY));
}

/*
 * A runbook variable used more often over a run than the renderer keeps
 * scratch values for (32): every use still renders (a dry-run of 5 steps,
 * 10 uses each, completes).
 */
static void
test_many_var_uses(void **state)
{
	struct gate_ui g;
	struct run_ui ui = {
		.confirm = gate_confirm, .confirm_typed = gate_confirm_typed,
		.choose = gate_choose, .show = gate_show, .progress = gate_progress, .ud = &g,
	};
	struct fixture f;
	struct run_params p;
	char dir[] = "/tmp/test_run_vars_XXXXXX", *rb_path, *text, *steps = xstrdup("");

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 5; i++) {
		char *n = xasprintf("%s  - id: s%d\n    run: echo {{ d }} {{ d }} {{ d }} {{ d }} {{ d }} "
				    "{{ d }} {{ d }} {{ d }} {{ d }} {{ d }}\n", steps, i);

		free(steps);
		steps = n;
	}
	text = xasprintf("name: Vars\nvars:\n  d: /opt/data\nsteps:\n%s", steps);
	rb_path = write_tmp(text);
	fixture_init(&f);
	f.cfg.state_dir = xasprintf("%s/state", dir);
	memset(&p, 0, sizeof p);
	p.cfg = &f.cfg;
	p.sites[0] = f.sp[0];
	p.sites[1] = f.sp[1];
	p.runbook_path = rb_path;
	p.ui = &ui;
	p.user = "tester";
	p.mode = RUN_DRY;
	memset(&g, 0, sizeof g);
	assert_int_equal(run_execute(&p), 0);
	fixture_fini(&f);
	free(f.cfg.state_dir);
	unlink(rb_path);
	free(rb_path);
	free(text);
	free(steps);
	text = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(text), 0);
	free(text);
}

/* The executor a read-only run gets: every command refused, nothing started. */
static void
test_refusing_executor(void **state)
{
	char dir[] = "/tmp/test_run_refuse_XXXXXX";
	struct executor *ex;
	struct exec_request req;
	struct exec_result res;
	char *marker, *cmd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	marker = xasprintf("%s/marker", dir);
	cmd = xasprintf("touch %s", marker);
	memset(&req, 0, sizeof req);
	req.host = "control";
	req.address = "127.0.0.1";
	req.command = cmd;
	ex = executor_refusing_create("started with --read-only");
	assert_int_equal(ex->run(ex, &req, &res), -1);
	assert_non_null(res.error);
	assert_non_null(strstr(res.error, "read-only mode (started with --read-only): refused"));
	assert_non_null(strstr(res.error, "control"));
	assert_int_equal(access(marker, F_OK), -1);
	exec_result_clear(&res);
	ex->free(ex);
	/* the local executor, for contrast, does run it */
	ex = executor_local_create();
	assert_int_equal(ex->run(ex, &req, &res), 0);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(access(marker, F_OK), 0);
	exec_result_clear(&res);
	ex->free(ex);
	unlink(marker);
	rmdir(dir);
	free(marker);
	free(cmd);
}

/*
 * "| raw" through the run driver's policy: runbook variables only, and the
 * site values inside a raw variable stay quoted; a site value raw is refused.
 */
static void
test_vars_raw(void **state)
{
	struct fixture f;
	struct runbook rb;
	struct rb_var vars[3] = {
		{ (char *)"ssh_site", (char *)"curl -sf https://{{ primary.site_host }}/ && echo {{ primary.env }}",
		  { 0, 0 } },
		{ (char *)"word", (char *)"\"$PG_CLUSTER\"", { 0, 0 } },
		{ (char *)"outer", (char *)"{{ ssh_site | raw }} | wc -l", { 0, 0 } },
	};
	struct run_vars v;
	struct template_error err;
	char *out;

	(void)state;
	fixture_init(&f);
	f.sites[SITE_PRIMARY].site_host = (char *)"$(touch /tmp/pwned)";
	memset(&rb, 0, sizeof rb);
	rb.vars = vars;
	rb.n_vars = 3;
	memset(&v, 0, sizeof v);
	v.cfg = &f.cfg;
	v.sites = f.sp;
	v.rb = &rb;
	/* raw: command text, with the site values inside it quoted */
	out = template_render_with("sh -c x; {{ ssh_site | raw }}", run_vars_lookup, run_vars_lookup_raw,
				   &v, true, &err);
	assert_non_null(out);
	assert_string_equal(out, "sh -c x; curl -sf https://'$(touch /tmp/pwned)'/ && echo "
			    "'prod; rm -rf /'");
	free(out);
	/* a constant raw variable is inserted as it is */
	out = template_render_with("pg {{ word | raw }} promote", run_vars_lookup, run_vars_lookup_raw,
				   &v, true, &err);
	assert_string_equal(out, "pg \"$PG_CLUSTER\" promote");
	free(out);
	/* nested: raw inside raw, the site values still quoted */
	out = template_render_with("{{ outer | raw }}", run_vars_lookup, run_vars_lookup_raw, &v, true,
				   &err);
	assert_string_equal(out, "curl -sf https://'$(touch /tmp/pwned)'/ && echo 'prod; rm -rf /' | wc -l");
	free(out);
	/* not raw: the variable is one quoted word, as before */
	out = template_render_with("echo {{ ssh_site }}", run_vars_lookup, run_vars_lookup_raw, &v, true,
				   &err);
	assert_string_equal(out, "echo 'curl -sf https://$(touch /tmp/pwned)/ && echo prod; rm -rf /'");
	free(out);
	/* shown to the operator (not quoted): the text as it reads */
	out = template_render_with("Run {{ ssh_site | raw }}", run_vars_lookup, run_vars_lookup_raw, &v,
				   false, &err);
	assert_string_equal(out, "Run curl -sf https://$(touch /tmp/pwned)/ && echo prod; rm -rf /");
	free(out);
	/* raw on a site value is refused, quoted or not */
	assert_null(template_render_with("echo {{ primary.site_host | raw }}", run_vars_lookup,
					 run_vars_lookup_raw, &v, true, &err));
	assert_int_equal(err.offset, 5);
	assert_non_null(strstr(err.message, "runbook variables only"));
	assert_non_null(strstr(err.message, "primary.site_host"));
	assert_null(template_render_with("{{ run_id | raw }}", run_vars_lookup, run_vars_lookup_raw, &v,
					 false, &err));
	assert_null(template_render_with("{{ nope | raw }}", run_vars_lookup, run_vars_lookup_raw, &v,
					 true, &err));
	run_vars_free(&v);
	fixture_fini(&f);
}


/* lint: every "| raw" with its position; an error on a site value */
static void
test_lint_raw(void **state)
{
	struct fixture f;
	struct diag_list dl = DIAG_LIST_INIT;
	char *path;
	struct runbook *rb;
	size_t notes = 0;

	(void)state;
	fixture_init(&f);
	rb = load_text(
		"name: R\n"
		"vars:\n"
		"  cmd: ls {{ secondary.env | raw }}\n"
		"steps:\n"
		"  - id: a\n"
		"    on: secondary:control\n"
		"    run: sudo {{ cmd | raw }} {{ secondary.site_host | raw }}\n"
		"  - id: b\n"
		"    title: Point {{ cmd|raw }} here\n"
		"    manual: x\n", &dl, &path);
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	run_lint_runbook(rb, &f.cfg, f.sp, &dl);
	assert_true(has_diag(&dl, 3, 11, "raw applies to runbook variables only; secondary.env"));
	assert_true(has_diag(&dl, 7, 15, "'cmd | raw' inserts runbook variable cmd"));
	assert_true(has_diag(&dl, 7, 31, "raw applies to runbook variables only; secondary.site_host"));
	assert_true(has_diag(&dl, 9, 18, "'cmd | raw' inserts runbook variable cmd"));
	assert_int_equal(dl.errors, 2);
	for (size_t i = 0; i < dl.n; i++)
		notes += dl.items[i].severity == DIAG_NOTE;
	assert_int_equal(notes, 2);
	runbook_free(rb);
	diag_list_free(&dl);
	unlink(path);
	free(path);
	fixture_fini(&f);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_all_keys),
		cmocka_unit_test(test_load_errors_have_positions),
		cmocka_unit_test(test_vars_quote_and_runbook_vars),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_output_matches),
		cmocka_unit_test(test_probe_conditions),
		cmocka_unit_test(test_caught_up_upstream_ahead),
		cmocka_unit_test(test_run_id),
		cmocka_unit_test(test_lint_runbook),
		cmocka_unit_test(test_lint_verify_sql_template),
		cmocka_unit_test(test_step_timeout_default),
		cmocka_unit_test(test_read_only_gate),
		cmocka_unit_test(test_each_mode_through_the_driver),
		cmocka_unit_test(test_run_mode_views),
		cmocka_unit_test(test_many_var_uses),
		cmocka_unit_test(test_refusing_executor),
		cmocka_unit_test(test_vars_raw),
		cmocka_unit_test(test_lint_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
