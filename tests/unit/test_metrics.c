/* Unit tests: `status --format openmetrics` (metrics.c) on a fixed snapshot, and the drill times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/runbook/drills.h"
#include "drconsole/runbook/engine.h"
#include "drconsole/cli/metrics.h"
#include "drconsole/probe/rpo.h"
#include "drconsole/util/util.h"

static struct observation *
obs(enum site_role site, const char *probe, const char *key, const char *subject,
    enum obs_status st, const char *state, double value, const char *unit)
{
	struct observation *o = obs_create(site, probe, key, subject);

	obs_set(o, st, state, "test");
	if (unit != NULL)
		obs_set_value(o, value, unit);
	return o;
}

/* The exposition of a fixed snapshot: a standby, a slot, two backups, three hosts. */
static char *
render(const struct drill_history *dh, size_t *len)
{
	const long long now = 1796000000000LL;
	struct status_store *st = status_store_create(0);
	struct status_snapshot *snap;
	struct rpo_result rpo;
	struct observation *o;
	struct metrics_input in = { .rpo_objective_s = 900, .rto_objective_s = 7200, .drills = dh,
				    .drift_items = 6, .drift_suspicious = 1, .now_ms = now };
	const char *expected[] = { "postgres", "couch", NULL };
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	o = obs(SITE_SECONDARY, "pg", "secondary/pg/pgstandby0", "pgstandby0 \"main\"", OBS_OK,
		"streaming", 2.5, "s");
	obs_add_field(o, "rpo_store", "postgres");
	obs_add_field(o, "rpo_kind", "replica");
	obs_add_field(o, "rpo_exposure_s", "2.5");
	o->observed_at_ms = now;
	status_store_post(st, o);
	status_store_post(st, obs(SITE_PRIMARY, "pg", "primary/pg/slot/s1", "slot s1", OBS_OK,
				  "streaming", 12288, "B"));
	o = obs(SITE_PRIMARY, "s3", "primary/s3/postgres/daily", "postgres daily backup", OBS_OK,
		"ok", 22320, "s");
	obs_add_field(o, "rpo_store", "postgres");
	obs_add_field(o, "rpo_kind", "backup");
	obs_add_field(o, "backup_type", "daily");
	obs_add_field(o, "rpo_exposure_s", "22320");
	o->observed_at_ms = now;
	status_store_post(st, o);
	o = obs(SITE_PRIMARY, "s3", "primary/s3/couch/daily", "couch daily backup\\x", OBS_CRIT,
		"missing", 0, NULL);
	obs_add_field(o, "rpo_store", "couch");
	obs_add_field(o, "rpo_kind", "backup");
	obs_add_field(o, "backup_type", "daily");
	status_store_post(st, o);
	o = obs(SITE_PRIMARY, "sftp", "primary/sftp/postgres/pg0", "pg0 postgres backups", OBS_OK,
		"fresh", 3600, "s");
	obs_add_field(o, "store", "postgres");
	obs_add_field(o, "daily_age_s", "3600");
	obs_add_field(o, "weekly_age_s", "90000");
	status_store_post(st, o);
	status_store_post(st, obs(SITE_PRIMARY, "host", "primary/host/a", "a", OBS_OK, "up", 3, "ms"));
	status_store_post(st, obs(SITE_PRIMARY, "host", "primary/host/b", "b", OBS_CRIT, "down", 0, NULL));
	status_store_post(st, obs(SITE_SECONDARY, "host", "secondary/host/c", "c", OBS_OK, "up", 4, "ms"));
	snap = status_store_snapshot(st);
	rpo_evaluate(snap, expected, 900, now, 10000, &rpo);
	in.snap = snap;
	in.rpo_site = &rpo;
	assert_non_null(fp);
	metrics_write(fp, &in);
	fclose(fp);
	status_snapshot_free(snap);
	status_store_free(st);
	return buf;
}

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void
test_families_and_samples(void **state)
{
	struct drill_history dh = { .last_drill_ms = { [DRILL_FAILOVER] = 1795000000000LL },
				    .last_verified_restore_ms = 0 };
	size_t len;
	char *text = render(&dh, &len);

	(void)state;
	assert_true(has_line(text, "# TYPE drconsole_rpo_exposure_seconds gauge"));
	assert_true(has_line(text, "# UNIT drconsole_rpo_exposure_seconds seconds"));
	assert_true(has_line(text, "drconsole_rpo_exposure_seconds{scenario=\"site_loss\",store=\"postgres\","
			     "source=\"pgstandby0 \\\"main\\\"\"} 2.500"));
	/* couch has no usable source: no exposure sample, its state is crit */
	assert_null(strstr(text, "drconsole_rpo_exposure_seconds{scenario=\"site_loss\",store=\"couch\""));
	assert_true(has_line(text, "drconsole_rpo_state{scenario=\"site_loss\",store=\"couch\"} 2"));
	assert_true(has_line(text, "drconsole_rpo_state{scenario=\"site_loss\",store=\"postgres\"} 0"));
	assert_true(has_line(text, "drconsole_replication_lag_seconds{site=\"secondary\",store=\"postgres\","
			     "subject=\"pgstandby0 \\\"main\\\"\"} 2.500"));
	assert_true(has_line(text, "# UNIT drconsole_replication_lag_bytes bytes"));
	assert_true(has_line(text, "drconsole_replication_lag_bytes{site=\"primary\",subject=\"slot s1\"} 12288"));
	assert_true(has_line(text, "drconsole_backup_age_seconds{site=\"primary\",store=\"postgres\",type=\"daily\","
			     "source=\"s3\",subject=\"postgres daily backup\"} 22320"));
	assert_true(has_line(text, "drconsole_backup_age_seconds{site=\"primary\",store=\"postgres\",type=\"weekly\","
			     "source=\"sftp\",subject=\"pg0 postgres backups\"} 90000"));
	/* a missing backup has no age; its label would have escaped the backslash */
	assert_null(strstr(text, "couch daily backup"));
	assert_true(has_line(text, "drconsole_hosts_up{site=\"primary\"} 1"));
	assert_true(has_line(text, "drconsole_hosts_up{site=\"secondary\"} 1"));
	assert_true(has_line(text, "drconsole_checks{status=\"crit\"} 2"));
	assert_true(has_line(text, "drconsole_last_drill_timestamp_seconds{model=\"failover\"} 1795000000"));
	assert_true(has_line(text, "drconsole_last_drill_timestamp_seconds{model=\"restore\"} 0"));
	assert_true(has_line(text, "drconsole_last_verified_restore_timestamp_seconds 0"));
	assert_true(has_line(text, "drconsole_config_drift_items{kind=\"suspicious\"} 1"));
	assert_true(has_line(text, "drconsole_rpo_objective_seconds 900"));
	assert_true(len > 6 && strcmp(text + len - 6, "# EOF\n") == 0);
	free(text);
}

/* Every family's HELP and TYPE come before its samples, once; no sample of a family appears after another family began. */
static void
test_families_not_split(void **state)
{
	struct drill_history dh = { 0 };
	size_t len;
	char *text = render(&dh, &len), *save = NULL, *copy = xstrdup(text);
	char seen[64][96];
	size_t n_seen = 0;
	char current[96] = "";

	(void)state;
	for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[96];

		if (strncmp(line, "# TYPE ", 7) == 0) {
			sscanf(line + 7, "%95s", name);
			for (size_t i = 0; i < n_seen; i++)
				assert_string_not_equal(seen[i], name);
			assert_true(n_seen < 64);
			snprintf(seen[n_seen++], sizeof seen[0], "%s", name);
			snprintf(current, sizeof current, "%s", name);
		} else if (line[0] != '#') {
			size_t k = strcspn(line, "{ ");

			assert_true(k < sizeof name);
			memcpy(name, line, k);
			name[k] = '\0';
			assert_string_equal(name, current);
		}
	}
	free(copy);
	free(text);
}

/* promtool (Debian's prometheus package) accepts the exposition. */
static void
test_promtool_accepts(void **state)
{
	struct drill_history dh = { .last_verified_restore_ms = 1795000000000LL };
	char path[] = "/tmp/drconsole-metrics-XXXXXX", *cmd;
	size_t len;
	char *text;
	int fd, rc;

	(void)state;
	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		print_message("promtool not installed (Debian package prometheus)\n");
		skip();
	}
	text = render(&dh, &len);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	cmd = xasprintf("promtool check metrics < %s", path);
	rc = system(cmd);
	unlink(path);
	free(cmd);
	free(text);
	assert_int_equal(rc, 0);
}

static char dir[64];

static void
write_journal(const char *id, const char *model, const char *mode, const char *outcome,
	      long long t0, bool with_model)
{
	char *runs = xasprintf("%s/runs", dir), *path = xasprintf("%s/%s.journal", runs, id);
	char *rb_path = xasprintf("%s/%s.yml", dir, id);
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb;
	json_t *ev;
	FILE *fp;
	char *line;

	fp = fopen(rb_path, "w");
	assert_non_null(fp);
	fprintf(fp, "name: %s\nmodel: %s\nsteps:\n  - id: a\n    run: 'true'\n", id, model);
	fclose(fp);
	rb = runbook_load(rb_path, &dl);
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	mkdir(runs, 0700);
	fp = fopen(path, "w");
	assert_non_null(fp);
	ev = engine_ev_run_start(rb, mode, "alice");
	if (!with_model)	/* a journal from before run_start named the model */
		json_object_del(ev, "model");
	json_object_set_new(ev, "t", json_integer(t0));
	line = json_dumps(ev, JSON_COMPACT);
	fprintf(fp, "%s\n", line);
	free(line);
	json_decref(ev);
	if (outcome != NULL) {
		ev = engine_ev_run_end(outcome);
		json_object_set_new(ev, "t", json_integer(t0 + 60000));
		line = json_dumps(ev, JSON_COMPACT);
		fprintf(fp, "%s\n", line);
		free(line);
		json_decref(ev);
	}
	fclose(fp);
	runbook_free(rb);
	diag_list_free(&dl);
	free(rb_path);
	free(path);
	free(runs);
}

static void
test_drill_history(void **state)
{
	const long long t = 1795000000000LL;
	struct drill_history dh;
	char cmd[128];

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/drconsole-drills-XXXXXX");
	assert_non_null(mkdtemp(dir));
	drill_history_read(dir, &dh);
	assert_true(dh.last_drill_ms[DRILL_FAILOVER] == 0 && dh.last_verified_restore_ms == 0);
	write_journal("a-fo-drill", "replicated", "drill", "completed", t, true);
	write_journal("b-fo-drill-failed", "replicated", "drill", "failed", t + 3600000, true);
	write_journal("c-fo-live", "replicated", "live", "completed", t + 7200000, true);
	write_journal("d-restore-drill", "restore", "drill", "completed", t + 100000, false);
	write_journal("e-restore-live-unfinished", "restore", "live", NULL, t + 900000, true);
	write_journal("f-fb-dry", "failback", "dry-run", "dry-run", t + 200000, true);
	drill_history_read(dir, &dh);
	/* the completed drill, not the failed one after it nor the live run */
	assert_true(dh.last_drill_ms[DRILL_FAILOVER] == t + 60000);
	/* the model of an older journal from its runbook copy or file */
	assert_true(dh.last_drill_ms[DRILL_RESTORE] == t + 160000);
	assert_true(dh.last_verified_restore_ms == t + 160000);
	assert_true(dh.last_drill_ms[DRILL_FAILBACK] == 0);
	assert_true(dh.last_drill_ms[DRILL_VERIFY] == 0);
	assert_int_equal(drill_model_of("failback"), DRILL_FAILBACK);
	assert_int_equal(drill_model_of("nonsense"), -1);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families_and_samples),
		cmocka_unit_test(test_families_not_split),
		cmocka_unit_test(test_promtool_accepts),
		cmocka_unit_test(test_drill_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
