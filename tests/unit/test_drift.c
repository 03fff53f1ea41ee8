/* test_drift.c: the drift model on the production/backup-production-shaped pair,
 * and the site-model rules for real env shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drconsole/util/diag.h"
#include "drconsole/config/drift.h"
#include "drconsole/config/inventory.h"
#include "drconsole/config/site.h"
#include "drconsole/config/site_check.h"

struct pair {
	struct config cfg;
	struct diag_list dl;
	struct site *p, *s;
	struct drift d;
};

static void
load_pair(struct pair *x, const char *cfg_path)
{
	struct config_sources src = { .explicit_path = cfg_path, .home = "/nonexistent" };

	memset(x, 0, sizeof *x);
	assert_int_equal(config_load_file(cfg_path, &src, &x->cfg, &x->dl), 0);
	x->p = site_load(&x->cfg, SITE_PRIMARY, &x->dl);
	x->s = site_load(&x->cfg, SITE_SECONDARY, &x->dl);
	assert_non_null(x->p);
	assert_non_null(x->s);
	site_link(x->p, x->s);
	drift_compare(x->p, x->s, &x->d);
	drift_accept(&x->d, &x->cfg);
}

static void
free_pair(struct pair *x)
{
	drift_free(&x->d);
	site_free(x->p);
	site_free(x->s);
	config_free(&x->cfg);
	diag_list_free(&x->dl);
}

static const struct drift_item *
find(const struct drift *d, const char *file, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].file, file) == 0 && strcmp(d->items[i].path, path) == 0)
			return &d->items[i];
	return NULL;
}

static void
test_pair_findings(void **state)
{
	struct pair x;
	const struct drift_item *it;

	(void)state;
	load_pair(&x, "tests/compat/production.yml");
	/* set on the primary, empty on the secondary: SMS would not work after a failover */
	it = find(&x.d, "public.yml", "localsettings.SMS_GATEWAY_URL");
	assert_non_null(it);
	assert_int_equal(it->kind, DRIFT_MISSING);
	assert_true(it->primary_line > 0 && it->secondary_line > 0);
	it = find(&x.d, "public.yml", "DATADOG_TRACE.DD_TAGS");
	assert_non_null(it);
	assert_int_equal(it->kind, DRIFT_TYPO);
	assert_string_equal(it->other_path, "DATADOG_TRACE.TAGS");
	assert_int_equal(find(&x.d, "public.yml", "couchdb_version")->kind, DRIFT_VERSION);
	assert_int_equal(find(&x.d, "public.yml", "couchdb_cluster_settings.n")->kind, DRIFT_CHANGED);
	assert_int_equal(find(&x.d, "public.yml", "localsettings.REDIS_HOST")->kind, DRIFT_EXPECTED);
	assert_int_equal(find(&x.d, "public.yml", "default_from_email")->kind, DRIFT_EXPECTED);
	assert_int_equal(find(&x.d, "meta.yml", "users.g2")->kind, DRIFT_ONE_SIDED);
	assert_int_equal(find(&x.d, "inventory.ini", "es_coordinator")->kind, DRIFT_MISSING);
	it = find(&x.d, "inventory.ini", "formplayer");
	assert_int_equal(it->kind, DRIFT_CAPACITY);
	assert_string_equal(it->primary, "3 hosts");
	assert_string_equal(it->secondary, "1 host");
	assert_int_equal(find(&x.d, "env dir", "elasticsearch.yml")->kind, DRIFT_ONE_SIDED);
	/* host-keyed maps by role: 2 hosts x 20 + nothing else vs 1 */
	it = find(&x.d, "app-processes.yml", "celery_processes.celery.email_queue.concurrency");
	assert_non_null(it);
	assert_int_equal(it->kind, DRIFT_CAPACITY);
	assert_string_equal(it->primary, "40");
	assert_string_equal(it->secondary, "1");
	assert_int_equal(find(&x.d, "app-processes.yml", "formplayer_memory")->kind, DRIFT_CAPACITY);
	assert_int_equal(find(&x.d, "app-processes.yml", "celery_processes.celery.sms_queue")->kind,
			 DRIFT_MISSING);
	for (size_t i = 0; i < x.d.n; i++) {
		assert_null(strstr(x.d.items[i].path, "celery_a"));
		assert_null(strstr(x.d.items[i].path, "pillow_a"));
	}
	/* accepted by drift_ignore, not suspicious */
	it = find(&x.d, "public.yml", "KSPLICE_ACTIVE");
	assert_true(it->accepted);
	assert_false(drift_item_suspicious(it));
	assert_int_equal(x.d.accepted, 1);
	assert_int_equal(x.d.suspicious, 22);
	/* ranked: every suspicious item of a file before its informational ones */
	for (size_t i = 1; i < x.d.n; i++)
		if (strcmp(x.d.items[i].file, x.d.items[i - 1].file) == 0)
			assert_false(drift_item_suspicious(&x.d.items[i]) &&
				     !drift_item_suspicious(&x.d.items[i - 1]));
	free_pair(&x);
}

static void
test_same_env_no_drift(void **state)
{
	struct pair x;

	(void)state;
	load_pair(&x, "tests/compat/staging.yml");
	assert_int_equal(x.d.n, 0);
	free_pair(&x);
}

static void
test_item_matches(void **state)
{
	struct drift_item it = { .file = (char *)"public.yml",
				 .path = (char *)"localsettings.ES_CASES_INDEX_SWAPPED" };

	(void)state;
	assert_true(drift_item_matches(&it, "localsettings.ES_CASES_INDEX_SWAPPED"));
	assert_true(drift_item_matches(&it, "ES_CASES_INDEX_SWAPPED"));
	assert_true(drift_item_matches(&it, "localsettings.ES_*_INDEX_SWAPPED"));
	assert_true(drift_item_matches(&it, "public.yml:localsettings.ES_CASES_INDEX_SWAPPED"));
	assert_false(drift_item_matches(&it, "proxy.yml:localsettings.ES_CASES_INDEX_SWAPPED"));
	assert_false(drift_item_matches(&it, "INDEX_SWAPPED"));
	assert_string_equal(drift_kind_name(DRIFT_ONE_SIDED), "one-sided");
}

static void
test_diag_once(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;

	(void)state;
	diag_error(&dl, "inventory.ini", 3, 1, "host %s is not in known_hosts", "a");
	diag_error(&dl, "inventory.ini", 3, 1, "host %s is not in known_hosts", "a");
	diag_error(&dl, "inventory.ini", 4, 1, "host %s is not in known_hosts", "a");
	diag_warning(&dl, "inventory.ini", 3, 1, "host %s is not in known_hosts", "a");
	assert_int_equal(dl.n, 3);
	assert_int_equal(dl.errors, 2);
	diag_list_free(&dl);
}

static void
test_site_shapes(void **state)
{
	static const char text[] =
		"[pgmain_nlb]\n"
		"pgmain-nlb-staging-0123abcd.elb.us-east-1.amazonaws.com\n"
		"[pg0]\n"
		"10.0.0.5\n"
		"[postgresql:children]\npg0\npgmain_nlb\n"
		"[shared:children]\npg0\n"
		"[celery:children]\nshared\n"
		"[local]\nlocalhost ansible_connection=local\n";
	struct diag_list dl = DIAG_LIST_INIT;
	struct inventory *inv = inventory_parse("inventory.ini", text, sizeof text - 1, &dl);
	const struct inv_host *nlb, *pg, *lh;

	(void)state;
	assert_non_null(inv);
	nlb = inventory_host(inv, "pgmain-nlb-staging-0123abcd.elb.us-east-1.amazonaws.com");
	pg = inventory_host(inv, "10.0.0.5");
	lh = inventory_host(inv, "localhost");
	assert_true(site_host_is_balancer(inv, nlb));
	assert_false(site_host_is_balancer(inv, pg));
	assert_true(site_host_is_local(inv, lh));
	assert_false(site_host_is_local(inv, pg));
	assert_int_equal(inventory_host_group_distance(inv, pg, inventory_group(inv, "pg0")), 0);
	assert_int_equal(inventory_host_group_distance(inv, pg, inventory_group(inv, "postgresql")), 1);
	assert_int_equal(inventory_host_group_distance(inv, pg, inventory_group(inv, "celery")), 2);
	assert_int_equal(inventory_host_group_distance(inv, lh, inventory_group(inv, "celery")), -1);
	inventory_free(inv);
	diag_list_free(&dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_findings),
		cmocka_unit_test(test_same_env_no_drift),
		cmocka_unit_test(test_item_matches),
		cmocka_unit_test(test_diag_once),
		cmocka_unit_test(test_site_shapes),
	};

	return cmocka_run_group_tests_name("drift", tests, NULL, NULL);
}
