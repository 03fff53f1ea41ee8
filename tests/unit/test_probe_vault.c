/* Unit tests: AWS Backup vault listings (recorded wire format) and their judgement. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/probe_vault.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

#define NOW 1796313600LL	/* 2026-12-03T16:00:00Z: three hours after the 13:00 run */

/* A recorded page with its @AGO:n@ placeholders resolved against NOW. */
static char *
page(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[1 << 16], *p, *q;
	size_t n;

	assert_non_null(fp);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(fp);
	p = strbuf_detach(&sb);
	sb = (struct strbuf)STRBUF_INIT;
	for (q = p; *q != '\0';) {
		char *at = strstr(q, "@AGO:");

		if (at == NULL) {
			strbuf_printf(&sb, "%s", q);
			break;
		}
		strbuf_add(&sb, q, (size_t)(at - q));
		strbuf_printf(&sb, "%lld", NOW - strtoll(at + 5, &q, 10));
		q++;	/* the closing @ */
	}
	free(p);
	*len = sb.len;
	return strbuf_detach(&sb);
}

static void
test_pages_merge_to_newest_per_resource(void **state)
{
	struct vault_list l;
	size_t len;
	char *b, err[128];
	const struct vault_point *p;

	(void)state;
	memset(&l, 0, sizeof l);
	b = page("tests/fixtures/aws/recovery-points-page1.json", &len);
	assert_int_equal(vault_page_parse(b, len, &l, err, sizeof err), 0);
	free(b);
	assert_string_equal(l.next_token, "AAEAAVp1ZW1hbnRpYy10b2tlbi1wYWdlLTI=");
	b = page("tests/fixtures/aws/recovery-points-page2.json", &len);
	assert_int_equal(vault_page_parse(b, len, &l, err, sizeof err), 0);
	free(b);
	assert_string_equal(l.next_token, "");
	assert_false(l.is_error);
	/* 8 RDS instances and 8 EBS volumes, one entry each */
	assert_int_equal(l.n, 16);
	p = vault_find_rds(&l, "pgmain1-production");
	assert_non_null(p);
	assert_int_equal(p->created_s, NOW - 30 * 3600);
	assert_int_equal(p->n_points, 2);
	assert_string_equal(p->recovery_point_arn, "arn:aws:rds:us-east-2:000000000000:snapshot:awsbackup:copyjob-a1");
	/* the newer PARTIAL copy does not count; the COMPLETED one 60 h old does */
	p = vault_find_rds(&l, "pgshard5-production");
	assert_int_equal(p->created_s, NOW - 60 * 3600);
	assert_int_equal(p->n_failed, 1);
	assert_null(vault_find_rds(&l, "pgformplayer2-production"));
	/* an identifier that is only a suffix of another does not match */
	assert_null(vault_find_rds(&l, "main1-production"));
	vault_list_free(&l);
}

static void
test_errors(void **state)
{
	struct vault_list l;
	size_t len;
	char *b, err[128];

	(void)state;
	memset(&l, 0, sizeof l);
	b = page("tests/fixtures/aws/access-denied.json", &len);
	assert_int_equal(vault_page_parse(b, len, &l, err, sizeof err), 0);
	free(b);
	assert_true(l.is_error);
	assert_string_equal(l.code, "AccessDeniedException");
	assert_non_null(strstr(l.message, "is not authorized to perform: backup:ListRecoveryPointsByBackupVault"));
	vault_list_free(&l);
	memset(&l, 0, sizeof l);
	assert_int_equal(vault_page_parse("{\"__type\":\"com.amazonaws.backup#ThrottlingException\"}", 53,
					  &l, err, sizeof err), 0);
	assert_string_equal(l.code, "ThrottlingException");
	assert_int_equal(vault_page_parse("[1]", 3, &l, err, sizeof err), -1);
	assert_int_equal(vault_page_parse("<html>", 6, &l, err, sizeof err), -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(vault_page_parse("{\"x\":1}", 7, &l, err, sizeof err), -1);
	vault_list_free(&l);
}

static void
test_judge_age(void **state)
{
	long long due;

	(void)state;
	/* at 16:00 the 13:00 run's copy is not due yet (8 h grace): yesterday's run is */
	assert_int_equal(vault_judge_age(NOW - 3600, NOW, &due), VAULT_OK);
	assert_int_equal(due, NOW - 3 * 3600 - 86400);
	assert_int_equal(vault_judge_age(NOW - 27 * 3600, NOW, &due), VAULT_OK);
	assert_int_equal(vault_judge_age(NOW - 30 * 3600, NOW, &due), VAULT_LATE);
	assert_int_equal(vault_judge_age(NOW - 60 * 3600, NOW, &due), VAULT_MISSING);
	/* at 22:00 today's run is due */
	assert_int_equal(vault_judge_age(NOW + 6 * 3600 - 10 * 3600, NOW + 6 * 3600, &due), VAULT_LATE);
	assert_int_equal(due, NOW - 3 * 3600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_merge_to_newest_per_resource),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_judge_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
