/* Unit tests: the drill cadence (objectives.drill_every) per runbook model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/config/config.h"
#include "drconsole/runbook/drills.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/util/util.h"

#define DAY (24LL * 3600 * 1000)

static void
test_due(void **state)
{
	const long long now = 1796000000000LL;
	struct drill_history h = { .last_drill_ms = { [DRILL_FAILOVER] = now - 12 * DAY,
						      [DRILL_FAILBACK] = now - 90 * DAY } };

	(void)state;
	assert_false(drill_is_due(&h, DRILL_FAILOVER, now, 90 * DAY));
	assert_true(drill_is_due(&h, DRILL_FAILBACK, now, 90 * DAY));	/* exactly at the cadence */
	assert_false(drill_is_due(&h, DRILL_FAILBACK, now, 91 * DAY));
	assert_true(drill_is_due(&h, DRILL_RESTORE, now, 90 * DAY));	/* never drilled */
	assert_false(drill_is_due(&h, DRILL_RESTORE, now, 0));		/* no cadence */
}

static void
test_header_text(void **state)
{
	const long long now = 1796000000000LL;
	struct drill_history h = { .last_drill_ms = { [DRILL_FAILOVER] = now - 12 * DAY - 5000,
						      [DRILL_FAILBACK] = now - 120 * DAY,
						      [DRILL_VERIFY] = now - 3600000 } };
	unsigned all = (1u << DRILL_FAILOVER) | (1u << DRILL_RESTORE) | (1u << DRILL_FAILBACK) |
		       (1u << DRILL_VERIFY);
	char buf[256], tiny[24];

	(void)state;
	assert_int_equal(drill_cadence_text(&h, all, now, 90 * DAY, buf, sizeof buf), 2);
	assert_string_equal(buf, "restore drill DUE (never), fail-back drill DUE (last 120 days ago), "
			    "failover drill 12 days ago, backup verification drill today");
	assert_int_equal(drill_cadence_text(&h, 1u << DRILL_FAILOVER, now, 90 * DAY, buf, sizeof buf), 0);
	assert_string_equal(buf, "failover drill 12 days ago");
	assert_int_equal(drill_cadence_text(&h, 0, now, 90 * DAY, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	/* a short buffer is cut, never overrun */
	drill_cadence_text(&h, all, now, 90 * DAY, tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

static void
test_check_lines(void **state)
{
	const long long now = 1796000000000LL;
	struct drill_history h = { .last_drill_ms = { [DRILL_FAILOVER] = now - 100 * DAY } };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(drill_due_lines(&h, (1u << DRILL_FAILOVER) | (1u << DRILL_RESTORE), now,
					 90 * DAY, "WARN drill: ", fp), 2);
	fclose(fp);
	assert_string_equal(buf, "WARN drill: failover drill due: last 100 days ago (every 90d)\n"
			    "WARN drill: restore drill due: never drilled (every 90d)\n");
	free(buf);
}

/* The models of the configured runbooks, "verify" among them; the default cadence is 90 days. */
static void
test_models_and_default(void **state)
{
	char dir[] = "/tmp/drconsole-cadence-XXXXXX";
	char *paths[3];
	const char *models[] = { "verify", "failback", "nonsense" };
	struct diag_list dl = DIAG_LIST_INIT;
	struct runbook *rb;
	struct config cfg;
	char *cfgpath;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 3; i++) {
		paths[i] = xasprintf("%s/rb%d.yml", dir, i);
		fp = fopen(paths[i], "w");
		assert_non_null(fp);
		fprintf(fp, "name: rb%d\nmodel: %s\nsteps:\n  - id: a\n    run: 'true'\n", i, models[i]);
		fclose(fp);
	}
	assert_int_equal(drill_models_of_runbooks(paths, 3), (1u << DRILL_VERIFY) | (1u << DRILL_FAILBACK));
	rb = runbook_load(paths[0], &dl);
	assert_non_null(rb);
	assert_int_equal(dl.errors, 0);
	assert_int_equal(rb->model, RB_MODEL_VERIFY);
	assert_string_equal(rb_model_name(rb->model), "verify");
	runbook_free(rb);
	diag_list_free(&dl);
	assert_int_equal(drill_models_of_names((char *[]){ "replicated", NULL, "restore" }, 3),
			 (1u << DRILL_FAILOVER) | (1u << DRILL_RESTORE));

	cfgpath = xasprintf("%s/drconsole.yml", dir);
	fp = fopen(cfgpath, "w");
	assert_non_null(fp);
	fprintf(fp, "objectives: { rpo: 15m, rto: 2h }\nsites:\n  primary: { env_dir: a }\n"
		"  secondary: { env_dir: b }\n");
	fclose(fp);
	assert_int_equal(config_load_file(cfgpath, &(struct config_sources){ .home = dir }, &cfg, &dl), 0);
	assert_true(cfg.drill_every_ms == 90 * DAY);
	config_free(&cfg);
	diag_list_free(&dl);
	fp = fopen(cfgpath, "w");
	fprintf(fp, "objectives: { rpo: 15m, rto: 2h, drill_every: 0 }\nsites:\n  primary: { env_dir: a }\n"
		"  secondary: { env_dir: b }\n");
	fclose(fp);
	assert_int_equal(config_load_file(cfgpath, &(struct config_sources){ .home = dir }, &cfg, &dl), 0);
	assert_true(cfg.drill_every_ms == 0);
	config_free(&cfg);
	diag_list_free(&dl);
	for (int i = 0; i < 3; i++) {
		unlink(paths[i]);
		free(paths[i]);
	}
	unlink(cfgpath);
	free(cfgpath);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_header_text),
		cmocka_unit_test(test_check_lines),
		cmocka_unit_test(test_models_and_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
