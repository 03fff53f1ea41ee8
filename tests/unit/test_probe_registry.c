/*
 * Unit tests: the probe registry. Every row is complete and found by its
 * name; the option section a row names exists in the option table; the
 * console places every probe's rows by its row alone; and the AWS probes
 * (RDS, AWS Backup vaults) schedule their jobs and rows through their rows
 * of the table with nothing else knowing them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "drconsole/config/config_table.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/probe/probes.h"
#include "drconsole/ui/ui.h"

static void
test_rows_complete(void **state)
{
	size_t n = 0;

	(void)state;
	for (const struct probe_reg *p = probe_registry; p->name != NULL; p++, n++) {
		assert_non_null(p->add_jobs);
		assert_ptr_equal(probe_registry_find(p->name), p);
		for (const struct probe_reg *q = probe_registry; q != p; q++)
			assert_string_not_equal(q->name, p->name);
		for (size_t g = 0; p->groups != NULL && p->groups[g] != NULL; g++)
			assert_true(strlen(p->groups[g]) > 0);
	}
	assert_int_equal(n, 8);
	assert_non_null(probe_registry_find(PROBE_NAME_RDS));
	assert_non_null(probe_registry_find(PROBE_NAME_VAULT));
	assert_null(probe_registry_find("rpo"));
	assert_null(probe_registry_find(NULL));
}

/* The section a row names holds options in drconsole.yml's table. */
static void
test_option_sections_exist(void **state)
{
	(void)state;
	for (const struct probe_reg *p = probe_registry; p->name != NULL; p++) {
		size_t len, found = 0;

		if (p->options == NULL)
			continue;
		len = strlen(p->options);
		for (size_t o = 0; config_options[o].path != NULL; o++)
			if (strncmp(config_options[o].path, p->options, len) == 0 &&
			    config_options[o].path[len] == '.')
				found++;
		assert_true(found > 0);
	}
}

/* The console's section of a probe follows its row. */
static void
test_sections_follow_rows(void **state)
{
	static const enum ui_section of_panel[] = {
		[PROBE_PANEL_DATABASES] = UI_SEC_PG, [PROBE_PANEL_BACKUPS] = UI_SEC_BACKUPS,
		[PROBE_PANEL_COUCH] = UI_SEC_COUCH, [PROBE_PANEL_SEARCH] = UI_SEC_ES,
		[PROBE_PANEL_OTHER] = UI_SEC_OTHER, [PROBE_PANEL_HOSTS] = UI_SEC_HOSTS,
	};

	(void)state;
	for (const struct probe_reg *p = probe_registry; p->name != NULL; p++)
		assert_int_equal(ui_section_of_probe(p->name), of_panel[p->panel]);
	assert_int_equal(ui_section_of_probe(PROBE_NAME_RDS), UI_SEC_PG);
	assert_int_equal(ui_section_of_probe(PROBE_NAME_VAULT), UI_SEC_BACKUPS);
	assert_int_equal(ui_section_of_probe("rpo"), UI_SEC_OTHER);
	assert_int_equal(ui_section_of_probe(NULL), UI_SEC_OTHER);
}

static size_t
rows_of(struct status_store *st, const char *probe, const char *prefix)
{
	struct status_snapshot *snap = status_store_snapshot(st);
	size_t n = 0;

	for (size_t i = 0; i < snap->n; i++)
		if (strcmp(snap->items[i]->probe, probe) == 0 &&
		    strncmp(snap->items[i]->key, prefix, strlen(prefix)) == 0 &&
		    snap->items[i]->status == OBS_PENDING)
			n++;
	status_snapshot_free(snap);
	return n;
}

/*
 * An AWS-hosted primary with two RDS instances and a backup plan with both
 * vaults: probes_add_all schedules one RDS job and one job per vault, with
 * a PENDING row per instance (and per instance and the EBS volumes in each
 * vault) before anything is asked of AWS.
 */
static void
test_aws_jobs_through_registry(void **state)
{
	struct aws_rds rds[2] = {
		{ .identifier = (char *)"pgmain1-production", .group = (char *)"rds_pgmain1",
		  .backup_retention = 7, .cross_region = true },
		{ .identifier = (char *)"pgucr0-production", .group = (char *)"rds_pgucr0",
		  .backup_retention = 7 },
	};
	struct aws_env aws = {
		.region = (char *)"us-east-1", .environment = (char *)"production",
		.rds = rds, .n_rds = 2,
		.plan = { .present = true, .local_vault = (char *)"BC_East-1",
			  .remote_vault = (char *)"BC_East-2", .remote_region = (char *)"us-east-2" },
	};
	struct site p, s;
	struct site *sites[2] = { &p, &s };
	struct config cfg;
	struct status_store *st = status_store_create(0);
	struct scheduler *sch = scheduler_create(st, NULL, 1, 1000);

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.probe_timeout_ms = 1000;
	memset(&p, 0, sizeof p);
	memset(&s, 0, sizeof s);
	p.role = SITE_PRIMARY;
	s.role = SITE_SECONDARY;
	p.aws = &aws;
	assert_int_equal(probes_add_all(sch, st, &cfg, sites), 3);
	assert_int_equal(scheduler_job_count(sch), 3);
	assert_int_equal(rows_of(st, PROBE_NAME_RDS, "primary/rds/"), 2);
	assert_int_equal(rows_of(st, PROBE_NAME_VAULT, "primary/vault/remote/"), 3);
	assert_int_equal(rows_of(st, PROBE_NAME_VAULT, "primary/vault/local/"), 3);
	assert_int_equal(rows_of(st, PROBE_NAME_RDS, "secondary/"), 0);
	/* no plan: RDS alone */
	scheduler_free(sch);
	status_store_free(st);
	st = status_store_create(0);
	sch = scheduler_create(st, NULL, 1, 1000);
	aws.plan.present = false;
	assert_int_equal(probes_add_all(sch, st, &cfg, sites), 1);
	assert_int_equal(rows_of(st, PROBE_NAME_VAULT, "primary/"), 0);
	scheduler_free(sch);
	status_store_free(st);
}

/* The readers' constants match what the writers post: obs_field_is. */
static void
test_field_is(void **state)
{
	struct observation *o = obs_create(SITE_PRIMARY, PROBE_NAME_PG, "primary/pg/db1", "db1");

	(void)state;
	obs_add_field(o, OBS_F_PG_ROLE, OBS_PG_ROLE_STANDBY);
	assert_true(obs_field_is(o, OBS_F_PG_ROLE, "standby"));
	assert_false(obs_field_is(o, OBS_F_PG_ROLE, "primary"));
	assert_false(obs_field_is(o, OBS_F_RPO_KIND, OBS_RPO_KIND_REPLICA));
	assert_false(obs_field_is(NULL, OBS_F_PG_ROLE, "standby"));
	obs_unref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_option_sections_exist),
		cmocka_unit_test(test_sections_follow_rows),
		cmocka_unit_test(test_aws_jobs_through_registry),
		cmocka_unit_test(test_field_is),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
