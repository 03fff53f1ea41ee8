/* Unit tests: the AWS side of an env dir (terraform.yml, aws-resources.yml) and its site links. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/config/aws_env.h"
#include "drconsole/config/config.h"
#include "drconsole/config/site.h"
#include "drconsole/util/util.h"

#define FIX "tests/fixtures/envs-aws"

static const struct aws_rds *
rds_named(const struct aws_env *a, const char *id)
{
	for (size_t i = 0; i < a->n_rds; i++)
		if (strcmp(a->rds[i].identifier, id) == 0)
			return &a->rds[i];
	fail_msg("no RDS instance %s", id);
	return NULL;
}

static bool
has_diag(const struct diag_list *dl, const char *needle, unsigned line, unsigned col)
{
	for (size_t i = 0; i < dl->n; i++)
		if (strstr(dl->items[i].message, needle) != NULL &&
		    (line == 0 || (dl->items[i].line == line && dl->items[i].col == col)))
			return true;
	return false;
}

static void
test_rds_group_names(void **state)
{
	char *g;

	(void)state;
	g = aws_rds_group("pgmain1-production", "production");
	assert_string_equal(g, "rds_pgmain1");
	free(g);
	/* the pilot-light secondary's terraform environment is not its deploy_env */
	g = aws_rds_group("pgshard3-bk-production", "bk-production");
	assert_string_equal(g, "rds_pgshard3");
	free(g);
	/* an identifier that does not end in -<environment> is used whole */
	g = aws_rds_group("legacy-db", "production");
	assert_string_equal(g, "rds_legacy-db");
	free(g);
	g = aws_rds_group("production", "production");
	assert_string_equal(g, "rds_production");
	free(g);
}

static void
test_production_model(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct aws_env *a = aws_env_load(FIX "/production", &dl);
	const struct aws_rds *r;

	(void)state;
	assert_non_null(a);
	assert_int_equal(dl.errors, 0);
	assert_string_equal(a->region, "us-east-1");
	assert_string_equal(a->environment, "production");
	assert_int_equal(a->n_rds, 10);
	r = rds_named(a, "pgmain1-production");
	assert_string_equal(r->instance_type, "db.m5.4xlarge");
	assert_int_equal(r->storage_gb, 2000);
	assert_true(r->multi_az);
	assert_string_equal(r->engine_version, "14.18");
	assert_string_equal(r->backup_window, "23:00-01:00");
	assert_int_equal(r->backup_retention, 7);
	assert_true(r->cross_region);
	assert_string_equal(r->group, "rds_pgmain1");
	assert_non_null(r->endpoint);
	assert_non_null(strstr(r->endpoint, ".us-east-1.rds.amazonaws.com"));
	r = rds_named(a, "pgformplayer2-production");
	assert_false(r->cross_region);
	assert_true(a->plan.present);
	assert_string_equal(a->plan.remote_vault, "BusinessContinuity_Production_East-2");
	assert_string_equal(a->plan.remote_region, "us-east-2");
	assert_int_equal(a->plan.daily_retention, 2);
	assert_int_equal(a->plan.cold_storage_after, 8);
	/* es_a{i} x7 data volumes and couch_a0's data volume */
	assert_int_equal(aws_env_ebs_in_plan(a), 8);
	/* the two instances outside the plan are warned about, at their position */
	assert_int_equal(dl.warnings, 2);
	assert_true(has_diag(&dl, "pgsynclog2-production is not in the AWS Backup plan", r->line + 21, 5));
	aws_env_free(a);
	diag_list_free(&dl);
}

static void
test_pilot_light_model(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct aws_env *a = aws_env_load(FIX "/backup-production", &dl);

	(void)state;
	assert_non_null(a);
	assert_int_equal(dl.n, 0);
	assert_string_equal(a->environment, "bk-production");
	assert_string_equal(a->region, "us-east-2");
	assert_false(a->plan.present);
	assert_int_equal(a->n_rds, 10);
	for (size_t i = 0; i < a->n_rds; i++) {
		assert_string_equal(a->rds[i].instance_type, "db.t3.micro");
		assert_false(a->rds[i].multi_az);
		assert_null(a->rds[i].backup_window);
	}
	assert_string_equal(rds_named(a, "pgshard5-bk-production")->group, "rds_pgshard5");
	aws_env_free(a);
	diag_list_free(&dl);
}

static void
test_self_managed_has_none(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;

	(void)state;
	assert_null(aws_env_load("tests/fixtures/envs/production", &dl));
	assert_int_equal(dl.n, 0);
}

static char *
write_env(const char *terraform)
{
	char tmpl[] = "/tmp/drc-aws-XXXXXX", *dir, *p;
	FILE *fp;

	dir = xstrdup(mkdtemp(tmpl));
	p = xasprintf("%s/terraform.yml", dir);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(terraform, fp);
	fclose(fp);
	free(p);
	return dir;
}

static void
remove_env(char *dir)
{
	char *p = xasprintf("%s/terraform.yml", dir);

	unlink(p);
	rmdir(dir);
	free(p);
	free(dir);
}

static void
test_wrong_types_have_positions(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	char *dir = write_env("region: us-east-1\n"
			      "environment: staging\n"
			      "rds_instances:\n"
			      "  - identifier: pgmain0-staging\n"
			      "    multi_az: maybe\n"
			      "    backup_retention: 99\n"
			      "    storage: lots\n"
			      "  - instance_type: db.t3.micro\n"
			      "  - just a string\n"
			      "backup_plan: [1]\n"
			      "servers: {}\n");
	struct aws_env *a = aws_env_load(dir, &dl);

	(void)state;
	assert_non_null(a);
	assert_int_equal(a->n_rds, 1);
	assert_true(has_diag(&dl, "multi_az", 5, 15));
	assert_true(has_diag(&dl, "backup_retention: 99 is out of range", 6, 23));
	assert_true(has_diag(&dl, "storage", 7, 14));
	assert_true(has_diag(&dl, "rds_instances[1]: no identifier", 8, 5));
	assert_true(has_diag(&dl, "rds_instances[]", 9, 5));
	assert_true(has_diag(&dl, "backup_plan", 10, 14));
	assert_true(has_diag(&dl, "servers", 11, 10));
	assert_int_equal(dl.errors, 7);
	aws_env_free(a);
	diag_list_free(&dl);
	remove_env(dir);
}

static void
test_site_links_rds_to_databases(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct config_sources src = { .explicit_path = "tests/fixtures/aws.yml", .home = "/nonexistent" };
	struct config cfg;
	struct site *s;
	const struct aws_rds *r;

	(void)state;
	assert_int_equal(config_load_file("tests/fixtures/aws.yml", &src, &cfg, &dl), 0);
	s = site_load(&cfg, SITE_PRIMARY, &dl);
	assert_non_null(s);
	assert_non_null(s->aws);
	r = rds_named(s->aws, "pgmain1-production");
	assert_true(r->in_inventory);
	assert_int_equal(r->n_databases, 1);
	assert_string_equal(r->databases[0], "main");
	r = rds_named(s->aws, "pgshard4-production");
	assert_int_equal(r->n_databases, 1);
	assert_string_equal(r->databases[0], "p4");
	/* postgres backups are off for a reason an operator can act on */
	assert_false(s->backups[STORE_POSTGRES].enabled);
	assert_non_null(strstr(s->backups[STORE_POSTGRES].off_reason, "no pg_backup host in inventory.ini"));
	assert_non_null(strstr(s->backups[STORE_POSTGRES].off_reason, "AWS Backup plan"));
	assert_non_null(strstr(s->backups[STORE_COUCH].off_reason, "backup_couch is off in public.yml"));
	site_free(s);
	config_free(&cfg);
	diag_list_free(&dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rds_group_names),
		cmocka_unit_test(test_production_model),
		cmocka_unit_test(test_pilot_light_model),
		cmocka_unit_test(test_self_managed_has_none),
		cmocka_unit_test(test_wrong_types_have_positions),
		cmocka_unit_test(test_site_links_rds_to_databases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
