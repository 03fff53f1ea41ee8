/* Unit tests: the recovery points an AWS-hosted restore restores, their variables, journal and report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/recovery_pick.h"
#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/observation.h"
#include "drconsole/util/util.h"

#define FIX "tests/fixtures/envs-aws"

struct pair {
	struct site *s[2];
	struct observation *items[16];
	struct status_snapshot snap;
	long long now;
};

static struct site *
aws_site(const char *dir, const char *deploy_env)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct site *s = xcalloc(1, sizeof *s);

	s->aws = aws_env_load(dir, &dl);
	s->deploy_env = xstrdup(deploy_env);
	diag_list_free(&dl);
	assert_non_null(s->aws);
	return s;
}

/* A remote vault row as the vault probe posts it; arn NULL: no recovery point ("missing"). */
static struct observation *
vault_row(const char *identifier, const char *arn, long long created, long long now, bool in_plan)
{
	char key[160], t[32];
	struct observation *o;

	snprintf(key, sizeof key, "primary/vault/remote/%s", identifier);
	o = obs_create(SITE_PRIMARY, PROBE_NAME_VAULT, key, identifier);
	obs_add_field(o, "vault", "%s", "BusinessContinuity_Production_East-2");
	obs_add_field(o, "region", "%s", "us-east-2");
	obs_add_field(o, OBS_F_RPO_STORE, "postgres");
	obs_add_field(o, OBS_F_RPO_PART, "%s", identifier);
	if (!in_plan) {
		obs_set(o, OBS_WARN, "outside", "%s is not in the backup plan", identifier);
		return o;
	}
	if (arn == NULL) {
		obs_set(o, OBS_CRIT, "missing", "no COMPLETED recovery point of %s", identifier);
		return o;
	}
	obs_add_field(o, "recovery_point_arn", "%s", arn);
	obs_add_field(o, "created", "%s", backup_time_format(created, t, sizeof t));
	obs_add_field(o, OBS_F_RPO_EXPOSURE, "%lld", now - created);
	obs_set(o, OBS_OK, "ok", "newest recovery point");
	return o;
}

static void
pair_init(struct pair *p)
{
	memset(p, 0, sizeof *p);
	p->s[0] = aws_site(FIX "/production", "production");
	p->s[1] = aws_site(FIX "/backup-production", "backup-production");
	assert_true(backup_time_parse("2026-12-03T20:00:00Z", &p->now));
	p->snap.items = p->items;
}

static void
pair_add(struct pair *p, struct observation *o)
{
	p->items[p->snap.n++] = o;
}

static void
pair_free(struct pair *p)
{
	for (size_t i = 0; i < p->snap.n; i++)
		obs_unref(p->items[i]);
	for (int i = 0; i < 2; i++) {
		aws_env_free(p->s[i]->aws);
		free(p->s[i]->deploy_env);
		free(p->s[i]);
	}
}

/* Two instances in the plan with points, one outside it: the plan, targets and sizes. */
static void
test_pick_plan(void **state)
{
	struct pair p;
	struct recovery_choice c;
	char *why = NULL, *d;

	(void)state;
	pair_init(&p);
	pair_add(&p, vault_row("pgmain1-production", "arn:aws:rds:us-east-2:123456789012:snapshot:awsbackup:job-main",
			       p.now - 30 * 3600, p.now, true));
	pair_add(&p, vault_row("pgucr0-production", "arn:aws:rds:us-east-2:123456789012:snapshot:awsbackup:job-ucr",
			       p.now - 7 * 3600, p.now, true));
	pair_add(&p, vault_row("pgformplayer2-production", NULL, 0, p.now, false));
	/* the local vault's row of the same instance is not a region-loss source */
	{
		struct observation *o = obs_create(SITE_PRIMARY, PROBE_NAME_VAULT,
						   "primary/vault/local/pgshard1-production", "x");

		obs_add_field(o, "recovery_point_arn", "%s", "arn:aws:rds:us-east-1:1:snapshot:local");
		obs_add_field(o, "created", "%s", "2026-12-03T19:00:00Z");
		pair_add(&p, o);
	}
	/* the fixture has 8 instances in the plan: the others get rows too */
	static const char *const others[] = {
		"pgauditcare1-production", "pgshard1-production", "pgshard2-production",
		"pgshard3-production", "pgshard4-production", "pgshard5-production",
	};
	for (size_t i = 0; i < ARRAY_LEN(others); i++) {
		char arn[160];

		snprintf(arn, sizeof arn, "arn:aws:rds:us-east-2:123456789012:snapshot:awsbackup:job-%zu", i);
		pair_add(&p, vault_row(others[i], arn, p.now - 8 * 3600, p.now, true));
	}
	pair_add(&p, vault_row("pgsynclog2-production", NULL, 0, p.now, false));

	assert_true(recovery_wanted(p.s[0]));
	assert_false(recovery_wanted(p.s[1]));	/* the pilot-light secondary has no plan */
	assert_int_equal(recovery_pick(&p.snap, p.s[0], p.s[1], p.now, &c, &why), 0);
	assert_null(why);
	assert_int_equal(c.n, 8);
	assert_string_equal(c.items[0].identifier, "pgmain1-production");
	assert_string_equal(c.items[0].target, "pgmain1-bk-production");
	assert_string_equal(c.items[0].instance_class, "db.m5.4xlarge");
	assert_true(c.items[0].multi_az);
	assert_string_equal(c.items[0].recovery_point_arn,
			    "arn:aws:rds:us-east-2:123456789012:snapshot:awsbackup:job-main");
	assert_string_equal(recovery_choice_var(&c, "vault"), "BusinessContinuity_Production_East-2");
	assert_string_equal(recovery_choice_var(&c, "region"), "us-east-2");
	assert_string_equal(recovery_choice_var(&c, "account"), "123456789012");
	assert_string_equal(recovery_choice_var(&c, "skipped"),
			    "pgformplayer2-production pgsynclog2-production");
	assert_string_equal(recovery_choice_var(&c, "count"), "8");
	/* the restored data is as old as the oldest point */
	assert_string_equal(recovery_choice_var(&c, "time"), "2026-12-02T14:00:00Z");
	assert_string_equal(recovery_choice_var(&c, "age"), "1d6h");
	assert_true(str_starts_with(recovery_choice_var(&c, "plan"),
				    "pgmain1-production pgmain1-bk-production db.m5.4xlarge true "
				    "arn:aws:rds:us-east-2:123456789012:snapshot:awsbackup:job-main\n"
				    "pgucr0-production pgucr0-bk-production db.m5.2xlarge true "));
	assert_true(str_starts_with(recovery_choice_var(&c, "targets"),
				    "pgmain1-bk-production pgucr0-bk-production "));
	assert_non_null(strstr(recovery_choice_var(&c, "sizes"),
			       "pgmain1-bk-production: instance_type db.m5.4xlarge\n"));
	assert_null(recovery_choice_var(&c, "nonsense"));
	d = recovery_choice_describe(&c);
	assert_non_null(strstr(d, "pgmain1-production -> pgmain1-bk-production (db.m5.4xlarge)"));
	assert_non_null(strstr(d, "not in the backup plan, not restored: pgformplayer2-production"));
	free(d);
	recovery_choice_free(&c);
	pair_free(&p);
}

/* An instance of the plan without a recovery point stops the choice, named. */
static void
test_pick_missing(void **state)
{
	struct pair p;
	struct recovery_choice c;
	char *why = NULL;

	(void)state;
	pair_init(&p);
	pair_add(&p, vault_row("pgmain1-production", "arn:aws:rds:us-east-2:1:snapshot:a", p.now - 3600,
			       p.now, true));
	pair_add(&p, vault_row("pgucr0-production", NULL, 0, p.now, true));
	assert_int_equal(recovery_pick(&p.snap, p.s[0], p.s[1], p.now, &c, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "pgucr0-production has no recovery point to restore"));
	assert_int_equal(c.n, 0);
	free(why);
	/* no observation at all: says which vault */
	p.snap.n = 0;
	assert_int_equal(recovery_pick(&p.snap, p.s[0], p.s[1], p.now, &c, &why), -1);
	assert_non_null(strstr(why, "no observation of the remote vault BusinessContinuity_Production_East-2"));
	free(why);
	p.snap.n = 2;
	pair_free(&p);
}

/* The target: the secondary's instance of the same name, else named for the secondary's environment. */
static void
test_target_name(void **state)
{
	struct pair p;
	char *n;

	(void)state;
	pair_init(&p);
	n = recovery_target_name(p.s[0], p.s[1], "pgshard3-production");
	assert_string_equal(n, "pgshard3-bk-production");
	free(n);
	n = recovery_target_name(p.s[0], p.s[1], "pgnew9-production");
	assert_string_equal(n, "pgnew9-bk-production");
	free(n);
	pair_free(&p);
}

/* The journal keeps the choice: a resume restores the same points; the report says what and when. */
static void
test_journal_and_report(void **state)
{
	struct pair p;
	struct recovery_choice c, back;
	struct journal_read jr;
	json_t *ev[4];
	char *why = NULL, *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	pair_init(&p);
	pair_add(&p, vault_row("pgmain1-production", "arn:aws:rds:us-east-2:1:snapshot:a", p.now - 30 * 3600,
			       p.now, true));
	for (size_t i = 0; i < p.s[0]->aws->n_rds; i++)
		if (p.s[0]->aws->rds[i].cross_region && i > 0)
			p.s[0]->aws->rds[i].cross_region = false;	/* one instance in the plan */
	assert_int_equal(recovery_pick(&p.snap, p.s[0], p.s[1], p.now, &c, &why), 0);
	ev[0] = json_pack("{s:s,s:I}", "event", "run_start", "t", (json_int_t)1000);
	ev[1] = recovery_choice_event(&c);
	ev[2] = json_pack("{s:s,s:s,s:I}", "event", "step_start", "step", "restore-wait", "t",
			  (json_int_t)2000);
	ev[3] = json_pack("{s:s,s:s,s:b,s:I,s:I}", "event", "step_end", "step", "restore-wait", "ok", 1,
			  "duration_ms", (json_int_t)95000, "t", (json_int_t)97000);
	memset(&jr, 0, sizeof jr);
	jr.events = ev;
	jr.n = 4;
	assert_int_equal(recovery_choice_from_journal(&jr, &back), 0);
	assert_int_equal(back.n, 1);
	assert_string_equal(back.items[0].recovery_point_arn, "arn:aws:rds:us-east-2:1:snapshot:a");
	assert_string_equal(back.items[0].target, "pgmain1-bk-production");
	assert_string_equal(recovery_choice_var(&back, "time"), recovery_choice_var(&c, "time"));
	assert_string_equal(recovery_choice_var(&back, "plan"), recovery_choice_var(&c, "plan"));

	fp = open_memstream(&text, &len);
	recovery_report_write(fp, &jr);
	fclose(fp);
	assert_non_null(strstr(text, "## Restored recovery points"));
	assert_non_null(strstr(text, "`pgmain1-production` restored as `pgmain1-bk-production` (db.m5.4xlarge)"));
	assert_non_null(strstr(text, "Restored data as of 2026-12-02T14:00:00Z"));
	assert_non_null(strstr(text, "RPO achieved: 1d6h"));
	assert_non_null(strstr(text, "Restore step restore-wait: 1m35s"));
	assert_non_null(strstr(text, "Restore duration: 1m35s"));
	free(text);

	recovery_choice_free(&back);
	/* no choice in the journal: no section, and no resume choice */
	jr.events = ev + 2;
	jr.n = 2;
	assert_int_equal(recovery_choice_from_journal(&jr, &back), -1);
	text = NULL;
	fp = open_memstream(&text, &len);
	recovery_report_write(fp, &jr);
	fclose(fp);
	assert_string_equal(text, "");
	free(text);

	for (int i = 0; i < 4; i++)
		json_decref(ev[i]);
	recovery_choice_free(&back);
	recovery_choice_free(&c);
	pair_free(&p);
}

/* recovery_fresh: every point within the limit; outside-the-plan rows do not fail it, missing ones do. */
static void
test_fresh_condition(void **state)
{
	struct pair p;
	char *msg = NULL;

	(void)state;
	pair_init(&p);
	pair_add(&p, vault_row("pgmain1-production", "arn:a", p.now - 30 * 3600, p.now, true));
	pair_add(&p, vault_row("pgformplayer2-production", NULL, 0, p.now, false));
	assert_int_equal(recovery_fresh_condition(&p.snap, SITE_PRIMARY, 36LL * 3600 * 1000, &msg), 1);
	assert_non_null(strstr(msg, "ok pgmain1-production: newest recovery point 1d6h old (at most 1d12h)"));
	assert_non_null(strstr(msg, "skipped pgformplayer2-production: not in the backup plan"));
	free(msg);
	assert_int_equal(recovery_fresh_condition(&p.snap, SITE_PRIMARY, 15LL * 60 * 1000, &msg), 0);
	assert_non_null(strstr(msg, "FAIL pgmain1-production: newest recovery point 1d6h old (at most 15m)"));
	free(msg);
	pair_add(&p, vault_row("pgucr0-production", NULL, 0, p.now, true));
	assert_int_equal(recovery_fresh_condition(&p.snap, SITE_PRIMARY, 36LL * 3600 * 1000, &msg), 0);
	assert_non_null(strstr(msg, "FAIL pgucr0-production: missing"));
	free(msg);
	/* nothing observed on the site: not passed */
	assert_int_equal(recovery_fresh_condition(&p.snap, SITE_SECONDARY, 36LL * 3600 * 1000, &msg), 0);
	assert_non_null(strstr(msg, "no remote vault observed for the secondary site"));
	free(msg);
	pair_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_plan),
		cmocka_unit_test(test_pick_missing),
		cmocka_unit_test(test_target_name),
		cmocka_unit_test(test_journal_and_report),
		cmocka_unit_test(test_fresh_condition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
