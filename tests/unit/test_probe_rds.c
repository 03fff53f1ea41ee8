/* Unit tests: the RDS probe's parser and judgement, and the two RPO scenarios. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/probe_rds.h"
#include "drconsole/probe/rpo.h"
#include "drconsole/probe/status.h"
#include "drconsole/util/util.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;

	assert_non_null(fp);
	buf = xcalloc(1, 1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

static void
test_parse_recorded_answer(void **state)
{
	size_t len;
	char *body = slurp("tests/fixtures/aws/describe-db-instances.xml", &len), err[128];
	struct rds_page p;
	const struct rds_seen *s = NULL;

	(void)state;
	assert_int_equal(rds_page_parse(body, len, &p, err, sizeof err), 0);
	assert_false(p.is_error);
	assert_int_equal(p.n, 6);
	assert_string_equal(p.marker, "");
	for (size_t i = 0; i < p.n; i++)
		if (strcmp(p.items[i].identifier, "pgshard1-production") == 0)
			s = &p.items[i];
	assert_non_null(s);
	assert_string_equal(s->status, "available");
	assert_int_equal(s->retention, 3);
	assert_true(s->multi_az);
	assert_string_equal(s->engine_version, "14.18");
	assert_string_equal(s->arn, "arn:aws:rds:us-east-1:123456789012:db:pgshard1-production");
	assert_true(s->latest_restorable_s > 1700000000LL);
	assert_non_null(strstr(s->endpoint, ".us-east-1.rds.amazonaws.com"));
	assert_false(p.items[5].multi_az);	/* pgshard2 */
	rds_page_free(&p);
	free(body);
}

static void
test_parse_errors(void **state)
{
	size_t len;
	char *body = slurp("tests/fixtures/aws/expired-token.xml", &len), err[128];
	struct rds_page p;

	(void)state;
	assert_int_equal(rds_page_parse(body, len, &p, err, sizeof err), 0);
	assert_true(p.is_error);
	assert_string_equal(p.code, "ExpiredToken");
	assert_string_equal(p.message, "The security token included in the request is expired");
	assert_false(rds_error_is_throttling(p.code));
	rds_page_free(&p);
	free(body);
	body = slurp("tests/fixtures/aws/throttling.xml", &len);
	assert_int_equal(rds_page_parse(body, len, &p, err, sizeof err), 0);
	assert_true(rds_error_is_throttling(p.code));
	rds_page_free(&p);
	free(body);
	/* not an RDS answer */
	assert_int_equal(rds_page_parse("<html/>", 7, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "unexpected root element <html>"));
	assert_int_equal(rds_page_parse("{\"a\":1}", 7, &p, err, sizeof err), -1);
	assert_int_equal(rds_page_parse("", 0, &p, err, sizeof err), -1);
	{
		const char dtd[] = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
				   "<DescribeDBInstancesResponse/>";

		assert_int_equal(rds_page_parse(dtd, sizeof dtd - 1, &p, err, sizeof err), -1);
		assert_non_null(strstr(err, "DTD"));
	}
	/* escape sequences from the answer do not survive */
	{
		/* ESC cannot appear in XML 1.0; C1 CSI (U+009B) can */
		const char esc[] = "<ErrorResponse><Error><Code>X</Code><Message>a\xc2\x9b" "2J"
				   "b</Message></Error></ErrorResponse>";

		assert_int_equal(rds_page_parse(esc, sizeof esc - 1, &p, err, sizeof err), 0);
		assert_null(strstr(p.message, "\xc2\x9b"));
		assert_non_null(strstr(p.message, "a"));
		rds_page_free(&p);
	}
}

static struct aws_rds
want(const char *id, int retention, bool multi_az)
{
	struct aws_rds w;

	memset(&w, 0, sizeof w);
	w.identifier = (char *)id;
	w.group = (char *)"rds_x";
	w.backup_retention = retention;
	w.multi_az = multi_az;
	return w;
}

static struct rds_seen
seen(const char *id, const char *status, int retention, bool multi_az, long long lrt)
{
	struct rds_seen s;

	memset(&s, 0, sizeof s);
	snprintf(s.identifier, sizeof s.identifier, "%s", id);
	snprintf(s.status, sizeof s.status, "%s", status);
	s.retention = retention;
	s.multi_az = multi_az;
	s.latest_restorable_s = lrt;
	return s;
}

static struct observation *
judge(const struct aws_rds *w, const struct rds_seen *s, bool primary, long long now)
{
	struct observation *o = obs_create(SITE_PRIMARY, "rds", "primary/rds/x", w->identifier);

	rds_judge(w, s, "us-east-1", primary, now, o);
	return o;
}

static void
test_judge(void **state)
{
	const long long now = 1796300000LL;
	struct aws_rds w = want("pgmain1-production", 7, true);
	struct rds_seen s = seen("pgmain1-production", "available", 7, true, now - 290);
	struct observation *o;

	(void)state;
	o = judge(&w, &s, true, now);
	assert_int_equal(o->status, OBS_OK);
	assert_true(o->has_value);
	assert_true(o->value == 290.0);
	assert_string_equal(obs_field(o, "rpo_exposure_s"), "290");
	assert_string_equal(obs_field(o, "rpo_kind"), "pitr");
	assert_string_equal(obs_field(o, "rpo_scenario"), "instance");
	obs_unref(o);
	/* the secondary's instances are not recovery sources of the primary's data */
	o = judge(&w, &s, false, now);
	assert_null(obs_field(o, "rpo_store"));
	obs_unref(o);
	/* drift from terraform.yml */
	s = seen("pgmain1-production", "available", 3, false, now - 60);
	o = judge(&w, &s, true, now);
	assert_int_equal(o->status, OBS_WARN);
	assert_non_null(strstr(o->message, "not Multi-AZ although terraform.yml says multi_az: true"));
	assert_non_null(strstr(o->message, "backup retention 3 d, terraform.yml says 7"));
	obs_unref(o);
	/* automated backups off: no PITR */
	s = seen("pgmain1-production", "available", 0, true, -1);
	o = judge(&w, &s, true, now);
	assert_int_equal(o->status, OBS_CRIT);
	assert_string_equal(o->state, "no-pitr");
	assert_null(obs_field(o, "rpo_exposure_s"));
	obs_unref(o);
	/* broken and transitional states */
	s = seen("pgmain1-production", "storage-full", 7, true, now - 60);
	o = judge(&w, &s, true, now);
	assert_int_equal(o->status, OBS_CRIT);
	obs_unref(o);
	s = seen("pgmain1-production", "modifying", 7, true, now - 60);
	o = judge(&w, &s, true, now);
	assert_int_equal(o->status, OBS_WARN);
	assert_non_null(o->message);
	obs_unref(o);
	/* not in the region at all */
	o = judge(&w, NULL, true, now);
	assert_int_equal(o->status, OBS_CRIT);
	assert_string_equal(o->state, "missing");
	assert_non_null(strstr(o->message, "is not in us-east-1"));
	obs_unref(o);
}

static struct observation *
source(const char *key, const char *kind, const char *scenario, const char *exposure, long long at_ms)
{
	struct observation *o = obs_create(SITE_PRIMARY, "x", key, key);
	const char *part = strrchr(key, '/');

	obs_set(o, OBS_OK, "ok", "x");
	obs_add_field(o, "rpo_store", "postgres");
	obs_add_field(o, "rpo_kind", "%s", kind);
	if (strstr(key, "/rds/") != NULL || strstr(key, "/vault/") != NULL)
		obs_add_field(o, "rpo_part", "%s", part + 1);
	if (scenario != NULL)
		obs_add_field(o, "rpo_scenario", "%s", scenario);
	if (exposure != NULL)
		obs_add_field(o, "rpo_exposure_s", "%s", exposure);
	o->observed_at_ms = at_ms;
	return o;
}

static void
test_rpo_scenarios(void **state)
{
	const long long now = 1796300000000LL;
	struct observation *items[3];
	struct status_snapshot snap = { .items = items, .n = 0 };
	const char *const expected[] = { "postgres", NULL };
	struct rpo_result r;

	(void)state;
	items[snap.n++] = source("primary/rds/a", "pitr", "instance", "120", now);
	items[snap.n++] = source("primary/rds/b", "pitr", "instance", "300", now);
	/* site loss: point-in-time recovery in the lost region is no source at all */
	rpo_evaluate(&snap, expected, 900, now, 10000, &r);
	assert_int_equal(r.n, 1);
	assert_false(r.stores[0].have_source);
	assert_int_equal(r.stores[0].sources_seen, 0);
	assert_int_equal(r.status, OBS_CRIT);
	/* instance loss: the worst instance decides */
	rpo_evaluate_scenario(&snap, expected, 900, now, 10000, RPO_INSTANCE_LOSS, &r);
	assert_true(r.stores[0].have_source);
	assert_true(r.stores[0].exposure_s == 300.0);
	assert_string_equal(r.stores[0].source, "primary/rds/b (PITR)");
	assert_int_equal(r.status, OBS_OK);
	/* one instance without PITR leaves the store without a source */
	items[snap.n++] = source("primary/rds/c", "pitr", "instance", NULL, now);
	rpo_evaluate_scenario(&snap, expected, 900, now, 10000, RPO_INSTANCE_LOSS, &r);
	assert_false(r.stores[0].have_source);
	assert_int_equal(r.status, OBS_CRIT);
	/* per part: a vault copy per instance; site loss is as exposed as the worst instance */
	for (size_t i = 0; i < snap.n; i++)
		obs_unref(items[i]);
	snap.n = 0;
	items[snap.n++] = source("primary/vault/a", "backup", NULL, "3600", now);
	items[snap.n++] = source("primary/vault/b", "backup", NULL, "7200", now);
	items[snap.n++] = source("primary/rds/a", "pitr", "instance", "100", now);
	rpo_evaluate(&snap, expected, 900, now, 10000, &r);
	assert_true(r.stores[0].have_source);
	assert_true(r.stores[0].exposure_s == 7200.0);
	assert_string_equal(r.stores[0].source, "primary/vault/b");
	assert_int_equal(r.status, OBS_CRIT);
	/* instance loss: the worst part's best source (b has only its vault copy) */
	rpo_evaluate_scenario(&snap, expected, 900, now, 10000, RPO_INSTANCE_LOSS, &r);
	assert_true(r.stores[0].exposure_s == 7200.0);
	obs_unref(items[1]);
	/* an instance with no copy at all: its part has no usable source */
	items[1] = source("primary/vault/b", "backup", NULL, NULL, now);
	rpo_evaluate(&snap, expected, 900, now, 10000, &r);
	assert_false(r.stores[0].have_source);
	assert_int_equal(r.stores[0].sources_seen, 2);
	/* a cross-site backup counts in both scenarios */
	for (size_t i = 0; i < snap.n; i++)
		obs_unref(items[i]);
	snap.n = 0;
	items[snap.n++] = source("primary/s3/pg", "backup", NULL, "600", now);
	items[snap.n++] = source("primary/rds/a", "pitr", "instance", "120", now);
	rpo_evaluate(&snap, expected, 900, now, 10000, &r);
	assert_true(r.stores[0].exposure_s == 600.0);
	assert_int_equal(r.status, OBS_WARN);
	rpo_evaluate_scenario(&snap, expected, 900, now, 10000, RPO_INSTANCE_LOSS, &r);
	assert_true(r.stores[0].exposure_s == 120.0);
	for (size_t i = 0; i < snap.n; i++)
		obs_unref(items[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_recorded_answer),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_rpo_scenarios),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
