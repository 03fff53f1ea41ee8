/* Unit tests: a site model re-read when a step edits its env dir. */
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
#include "drconsole/config/site.h"
#include "drconsole/runbook/site_reload.h"
#include "drconsole/util/util.h"

static char tmpdir[] = "/tmp/drconsole-site-reload-XXXXXX";

static const struct site_pg_server *
pg_by_host(const struct site *s, const char *host)
{
	for (size_t i = 0; i < s->n_pg; i++)
		if (str_eq(s->pg[i].address, host))
			return &s->pg[i];
	return NULL;
}

/* inventory.ini with db1 as a standby of 10.1.0.20, or (promoted) in postgresql */
static void
write_inventory(const char *dir, bool promoted)
{
	char *path = xasprintf("%s/inventory.ini", dir);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "[control1]\n10.2.0.10 hostname=control1\n");
	if (promoted)
		fprintf(fp, "[db1]\n10.2.0.20 hostname=db1\n[postgresql:children]\ndb1\n[pg_standby:children]\n");
	else
		fprintf(fp, "[db1]\n10.2.0.20 hostname=db1 hot_standby_master=10.1.0.20 replication_slot=standby1\n"
			"[postgresql:children]\n[pg_standby:children]\ndb1\n");
	fprintf(fp, "[control:children]\ncontrol1\n");
	fclose(fp);
	free(path);
}

static void
test_reload_sees_edit(void **state)
{
	struct config_sources src;
	struct config cfg;
	struct diag_list dl = DIAG_LIST_INIT;
	char *envs, *cfgpath, *cmd, *err = NULL;
	struct site *s, *s2;
	uint64_t stamp;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	cmd = xasprintf("cp -r tests/fixtures/envs %s/", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	envs = xasprintf("%s/envs/backup-production", tmpdir);
	write_inventory(envs, false);
	cfgpath = xasprintf("%s/drconsole.yml", tmpdir);
	fp = fopen(cfgpath, "w");
	assert_non_null(fp);
	fprintf(fp, "objectives: { rpo: 15m, rto: 2h }\nsites:\n  primary: { env_dir: envs/production, control: control }\n"
		"  secondary: { env_dir: envs/backup-production, control: control }\n"
		"state_dir: %s/state\n", tmpdir);
	fclose(fp);
	memset(&src, 0, sizeof src);
	assert_int_equal(config_load_file(cfgpath, &src, &cfg, &dl), 0);
	s = site_load(&cfg, SITE_SECONDARY, &dl);
	assert_non_null(s);
	assert_non_null(pg_by_host(s, "10.2.0.20"));
	assert_true(pg_by_host(s, "10.2.0.20")->is_standby);

	stamp = site_env_stamp(s->env_dir);
	assert_true(stamp != 0);
	/* nothing changed: nothing re-read */
	assert_null(site_reload_if_changed(&cfg, SITE_SECONDARY, s, &stamp, &err));
	assert_null(err);

	/* a step moves db1 from pg_standby to postgresql (same second, same size or not) */
	write_inventory(envs, true);
	s2 = site_reload_if_changed(&cfg, SITE_SECONDARY, s, &stamp, &err);
	assert_null(err);
	assert_non_null(s2);
	assert_non_null(pg_by_host(s2, "10.2.0.20"));
	assert_false(pg_by_host(s2, "10.2.0.20")->is_standby);
	assert_true(pg_by_host(s, "10.2.0.20")->is_standby);	/* the old model is untouched */
	assert_null(site_reload_if_changed(&cfg, SITE_SECONDARY, s2, &stamp, &err));

	/* an env dir that no longer loads keeps the model read before */
	cmd = xasprintf("rm -f %s/inventory.ini", envs);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_null(site_reload_if_changed(&cfg, SITE_SECONDARY, s2, &stamp, &err));
	assert_non_null(err);
	assert_non_null(strstr(err, "still using the model read before"));
	free(err);

	site_free(s);
	site_free(s2);
	config_free(&cfg);
	diag_list_free(&dl);
	cmd = xasprintf("rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(envs);
	free(cfgpath);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_sees_edit),
	};

	return cmocka_run_group_tests_name("site_reload", tests, NULL, NULL);
}
