/*
 * Unit tests: S3 jobs from the site model (one per site and bucket, a
 * placeholder per uploaded type), the stores whose RPO is judged, and the
 * endpoint a target resolves to.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/probe/probe_s3.h"
#include "drconsole/probe/probes.h"

/* The S3 jobs alone, through the S3 probe's row of the registry. */
static size_t
add_s3_jobs(struct scheduler *sch, struct status_store *st, const struct config *cfg,
	    struct site *const sites[2])
{
	const struct probe_setup ps = { .sched = sch, .store = st, .cfg = cfg, .sites = sites };
	const struct probe_reg *reg = probe_registry_find(PROBE_NAME_S3);

	assert_non_null(reg);
	return reg->add_jobs(&ps);
}

static void
backup(struct site *s, enum backup_store st, bool enabled, bool s3, const char *bucket,
       bool hourly)
{
	struct site_backup *b = &s->backups[st];

	b->enabled = enabled;
	b->s3 = s3;
	b->bucket = (char *)bucket;
	b->hourly = hourly;
	b->versioned = true;
	b->format = (char *)"plain";
}

static void
site_init(struct site *s, enum site_role role)
{
	memset(s, 0, sizeof *s);
	s->role = role;
	s->deploy_env = (char *)"production";
	s->nadir_hour = 16;
	s->nadir_hour_frequency = 3;
	s->aws_region = (char *)"us-east-1";
	s->aws_endpoint = (char *)"s3.us-east-1.amazonaws.com";
}

static size_t
pending_with_prefix(struct status_store *st, const char *prefix)
{
	struct status_snapshot *snap = status_store_snapshot(st);
	size_t n = 0;

	for (size_t i = 0; i < snap->n; i++)
		if (str_starts_with(snap->items[i]->key, prefix) &&
		    snap->items[i]->status == OBS_PENDING)
			n++;
	status_snapshot_free(snap);
	return n;
}

static void
test_jobs_per_bucket(void **state)
{
	struct site p, s;
	struct site *sites[2] = { &p, &s };
	struct config cfg;
	struct status_store *st = status_store_create(0);
	struct scheduler *sch = scheduler_create(st, NULL, 1, 1000);
	const char *const *stores;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.probe_timeout_ms = 1000;
	site_init(&p, SITE_PRIMARY);
	site_init(&s, SITE_SECONDARY);
	/* postgres and couch share a bucket; blobdb is local only */
	backup(&p, STORE_POSTGRES, true, true, "shared-backups", true);
	backup(&p, STORE_COUCH, true, true, "shared-backups", true);
	backup(&p, STORE_BLOBDB, true, false, "dimagi-production-blobdb-backups", false);
	/* the secondary has the flag but not the backups */
	backup(&s, STORE_POSTGRES, false, true, "shared-backups", false);
	assert_int_equal(add_s3_jobs(sch, st, &cfg, sites), 1);
	assert_int_equal(scheduler_job_count(sch), 1);
	/* postgres hourly, daily, weekly; couch daily, weekly (its hourlies never reach S3) */
	assert_int_equal(pending_with_prefix(st, "primary/s3/postgres/"), 3);
	assert_int_equal(pending_with_prefix(st, "primary/s3/couch/"), 2);
	assert_int_equal(pending_with_prefix(st, "primary/s3/blobdb/"), 0);
	assert_int_equal(pending_with_prefix(st, "secondary/s3/"), 0);
	stores = probes_rpo_stores(sites);
	assert_string_equal(stores[0], "postgres");
	assert_string_equal(stores[1], "couch");
	assert_null(stores[2]);
	/* a second bucket is a second job */
	backup(&p, STORE_COUCH, true, true, "dimagi-production-couch-backups", false);
	backup(&s, STORE_BLOBDB, true, true, "dimagi-backup-production-blobdb-backups", false);
	assert_int_equal(add_s3_jobs(sch, st, &cfg, sites), 3);
	stores = probes_rpo_stores(sites);
	assert_string_equal(stores[2], "blobdb");
	scheduler_free(sch);
	status_store_free(st);
}

static void
test_no_stores(void **state)
{
	struct site p;
	struct site *sites[2] = { &p, NULL };

	(void)state;
	site_init(&p, SITE_PRIMARY);
	assert_null(probes_rpo_stores(sites)[0]);
	backup(&p, STORE_COUCH, true, false, "b", false);	/* local only: no S3 source */
	assert_null(probes_rpo_stores(sites)[0]);
}

static void
test_target_endpoint(void **state)
{
	struct site p;
	struct config cfg;
	struct s3_target *t;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	site_init(&p, SITE_PRIMARY);
	t = s3_target_create(&cfg, &p, "b");
	assert_string_equal(t->base_url, "https://s3.us-east-1.amazonaws.com");
	assert_string_equal(t->region, "us-east-1");
	assert_false(t->path_style);
	assert_int_equal(t->max_keys, 1000);
	s3_target_free(t);
	/* no aws_endpoint: s3.<region>.amazonaws.com of the config's region */
	p.aws_endpoint = NULL;
	cfg.s3.region = (char *)"eu-west-1";
	t = s3_target_create(&cfg, &p, "b");
	assert_string_equal(t->base_url, "https://s3.eu-west-1.amazonaws.com");
	assert_string_equal(t->region, "eu-west-1");
	s3_target_free(t);
	/* the config's endpoint wins */
	cfg.s3.endpoint = (char *)"http://127.0.40.10:4568/";
	cfg.s3.path_style = true;
	cfg.s3.max_keys = 2;
	cfg.s3.grace_ms = 3600 * 1000;
	t = s3_target_create(&cfg, &p, "b");
	assert_string_equal(t->base_url, "http://127.0.40.10:4568");
	assert_true(t->path_style);
	assert_int_equal(t->max_keys, 2);
	assert_int_equal(t->grace_s, 3600);
	s3_target_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_per_bucket),
		cmocka_unit_test(test_no_stores),
		cmocka_unit_test(test_target_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
