/* Unit tests: the backup a restore restores (newest by time, never by name) and its presigned URL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/backup_pick.h"
#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/observation.h"
#include "drconsole/probe/s3_presign.h"
#include "drconsole/util/util.h"

static struct observation *
s3obs(enum site_role site, const char *store, const char *type, const char *key, const char *taken)
{
	char k[96];
	struct observation *o;

	snprintf(k, sizeof k, "%s/s3/%s/%s", site_role_name(site), store, type);
	o = obs_create(site, "s3", k, "backup");
	obs_add_field(o, "bucket", "%s", "dimagi-labprod-postgres-backups");
	obs_add_field(o, "rpo_store", "%s", store);
	if (key != NULL) {
		obs_add_field(o, "key", "%s", key);
		obs_add_field(o, "size", "%d", 4096);
		obs_add_field(o, "taken_at", "%s", taken);
	}
	obs_set(o, OBS_OK, "ok", "x");
	return o;
}

/* A weekly whose name sorts after the daily's, but taken earlier: the daily is chosen. */
static void
test_pick_newest_by_time(void **state)
{
	struct observation *items[6];
	struct status_snapshot snap = { items, 6, 1 };
	struct backup_choice c;
	char *why = NULL;
	long long now;

	(void)state;
	items[0] = s3obs(SITE_PRIMARY, "postgres", "weekly", "postgres_labprod_weekly_2026_11_29.tar.gz",
			 "2026-11-29T23:59:59Z");
	items[1] = s3obs(SITE_PRIMARY, "postgres", "daily", "postgres_labprod_daily_2026_12_03.tar.gz",
			 "2026-12-03T03:10:00Z");
	items[2] = s3obs(SITE_PRIMARY, "postgres", "hourly", "postgres_labprod_hourly_2026_12_02_23.tar.gz",
			 "2026-12-02T23:15:00Z");
	items[3] = s3obs(SITE_PRIMARY, "couch", "daily", "couchdb_daily_2026_12_03.tar.gz",
			 "2026-12-03T09:00:00Z");
	items[4] = s3obs(SITE_SECONDARY, "postgres", "daily", "postgres_backup-labprod_daily_2026_12_03.tar.gz",
			 "2026-12-03T09:00:00Z");
	items[5] = s3obs(SITE_PRIMARY, "postgres", "weekly-none", NULL, NULL);
	assert_true(backup_time_parse("2026-12-03T08:10:00Z", &now));
	assert_int_equal(backup_pick(&snap, SITE_PRIMARY, "postgres", now, &c, &why), 0);
	assert_string_equal(c.key, "postgres_labprod_daily_2026_12_03.tar.gz");
	assert_string_equal(c.type, "daily");
	assert_string_equal(c.bucket, "dimagi-labprod-postgres-backups");
	assert_string_equal(c.time, "2026-12-03T03:10:00Z");
	assert_string_equal(c.age, "5h");
	assert_string_equal(backup_choice_var(&c, "age"), "5h");
	assert_null(backup_choice_var(&c, "url"));	/* not signed yet */
	{
		/* journaled, then read back by a resume: the same backup */
		json_t *ev = backup_choice_event(&c);
		json_t *evs[1] = { ev };
		struct journal_read jr = { evs, 1, 0, 0 };
		struct backup_choice r;

		assert_int_equal(backup_choice_from_journal(&jr, &r), 0);
		assert_string_equal(r.key, c.key);
		assert_true(r.taken_at == c.taken_at);
		assert_string_equal(r.age, "5h");
		backup_choice_free(&r);
		json_decref(ev);
	}
	backup_choice_free(&c);
	/* nothing datable: refused with the reason */
	snap.items = &items[5];
	snap.n = 1;
	assert_int_equal(backup_pick(&snap, SITE_PRIMARY, "postgres", now, &c, &why), -1);
	assert_non_null(strstr(why, "no postgres backup"));
	free(why);
	for (int i = 0; i < 6; i++)
		obs_unref(items[i]);
}

/* AWS's documented example of query-string authentication (GET examplebucket/test.txt). */
static void
test_presign_aws_example(void **state)
{
	struct s3_presign p = {
		.base_url = "https://s3.amazonaws.com", .bucket = "examplebucket", .path_style = false,
		.region = "us-east-1", .key = "test.txt", .access_key = "AKIAIOSFODNN7EXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", .now_s = 1369353600LL,
		.expires_s = 86400,
	};
	char *err = NULL, *url;

	(void)state;
	url = s3_presign_get(&p, &err);
	assert_non_null(url);
	assert_string_equal(url, "https://examplebucket.s3.amazonaws.com/test.txt"
			    "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
			    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
			    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
			    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	free(url);
	/* path style, a version: the key stays in the path, the version is signed */
	p.base_url = "http://127.0.40.10:4568";
	p.path_style = true;
	p.version_id = "v1";
	url = s3_presign_get(&p, &err);
	assert_non_null(url);
	assert_true(str_starts_with(url, "http://127.0.40.10:4568/examplebucket/test.txt?"));
	assert_non_null(strstr(url, "&versionId=v1&X-Amz-Signature="));
	free(url);
	p.expires_s = 0;
	assert_null(s3_presign_get(&p, &err));
	assert_non_null(strstr(err, "expiry"));
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_newest_by_time),
		cmocka_unit_test(test_presign_aws_example),
	};

	return cmocka_run_group_tests_name("backup_pick", tests, NULL, NULL);
}
