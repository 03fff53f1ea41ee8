/*
 * Unit tests: the S3 list parser on responses in AWS's wire format
 * (tests/fixtures/s3/), hostile input (DTDs, entities, junk, oversize), and
 * endpoint URLs. Run from the repository root (tests/run.sh does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/probe_s3.h"

static char *
fixture(const char *name, size_t *len)
{
	char path[256];
	char *buf;

	snprintf(path, sizeof path, "tests/fixtures/s3/%s", name);
	buf = file_read_all(path, len);
	if (buf == NULL)
		fail_msg("cannot read %s (run from the repository root)", path);
	return buf;
}

static void
test_parse_versions(void **state)
{
	struct s3_list l;
	size_t len;
	char *err = NULL, *xml = fixture("aws-list-object-versions.xml", &len);
	long long t;

	(void)state;
	assert_int_equal(s3_list_parse(xml, len, &l, &err), 0);
	assert_null(err);
	assert_null(l.error_code);
	assert_int_equal(l.n, 3);
	assert_true(l.truncated);
	assert_string_equal(l.next_key_marker, "postgres_daily_pgmain0.tar.gz");
	assert_string_equal(l.next_version_marker, "QUpfdndhfd8438MNFDN93jdnJFkdmqnh893");
	assert_null(l.next_token);
	assert_true(l.objects[0].delete_marker);
	assert_true(l.objects[0].is_latest);
	assert_string_equal(l.objects[0].version_id, "null");
	assert_false(l.objects[1].delete_marker);
	assert_false(l.objects[1].is_latest);
	assert_string_equal(l.objects[1].key, "postgres_daily_pgmain0.tar.gz");
	assert_string_equal(l.objects[1].version_id, "3/L4kqtJl40Nr8X8gdRQBpUMLUo");
	assert_int_equal(l.objects[1].size, 434234);
	assert_true(backup_time_parse("2026-08-20T16:50:30Z", &t));
	assert_int_equal(l.objects[1].last_modified, t);
	assert_int_equal(l.objects[2].size, 166434);
	s3_list_free(&l);
	free(xml);
}

static void
test_parse_v2_and_error(void **state)
{
	struct s3_list l;
	size_t len;
	char *err = NULL, *xml = fixture("aws-list-objects-v2.xml", &len);

	(void)state;
	assert_int_equal(s3_list_parse(xml, len, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_true(l.truncated);
	assert_string_equal(l.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	assert_string_equal(l.objects[1].key, "postgres_production_daily_2026_08_20.tar.gz");
	assert_int_equal(l.objects[1].size, 113);
	assert_null(l.objects[1].version_id);
	s3_list_free(&l);
	free(xml);

	xml = fixture("aws-error.xml", &len);
	assert_int_equal(s3_list_parse(xml, len, &l, &err), 0);
	assert_string_equal(l.error_code, "SignatureDoesNotMatch");
	assert_non_null(strstr(l.error_message, "does not match"));
	assert_int_equal(l.n, 0);
	s3_list_free(&l);
	free(xml);
}

static void
expect_refused(const char *xml, const char *why)
{
	struct s3_list l;
	char *err = NULL;

	assert_int_equal(s3_list_parse(xml, strlen(xml), &l, &err), -1);
	assert_non_null(err);
	if (strstr(err, why) == NULL)
		fail_msg("error '%s' does not say '%s'", err, why);
	assert_int_equal(l.n, 0);
	free(err);
}

static void
test_parse_hostile(void **state)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE ListBucketResult [\n"
		" <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
		" <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		" <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		" <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
		"]>\n<ListBucketResult><Contents><Key>&d;</Key></Contents></ListBucketResult>";
	static const char external[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE r [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
		"<ListBucketResult><Contents><Key>&x;</Key></Contents></ListBucketResult>";
	struct s3_list l;
	char *err = NULL, *big;

	(void)state;
	expect_refused(laughs, "DTD");
	expect_refused(external, "DTD");
	expect_refused("<html><body>502 Bad Gateway</body></html>", "unexpected root element <html>");
	expect_refused("not xml at all", "not XML");
	expect_refused("<ListBucketResult><Contents>", "not XML");
	expect_refused("", "empty");
	big = xcalloc(1, S3_LIST_MAX_BYTES + 2);
	memset(big, ' ', S3_LIST_MAX_BYTES + 1);
	assert_int_equal(s3_list_parse(big, S3_LIST_MAX_BYTES + 1, &l, &err), -1);
	assert_non_null(strstr(err, "limit"));
	free(err);
	free(big);
	/* odd values are not trusted */
	assert_int_equal(s3_list_parse("<ListBucketResult><Contents><Key>k</Key><Size>-5</Size>"
				       "<LastModified>yesterday</LastModified></Contents>"
				       "<IsTruncated>maybe</IsTruncated></ListBucketResult>",
				       strlen("<ListBucketResult><Contents><Key>k</Key><Size>-5</Size>"
					      "<LastModified>yesterday</LastModified></Contents>"
					      "<IsTruncated>maybe</IsTruncated></ListBucketResult>"),
				       &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.objects[0].size, -1);
	assert_int_equal(l.objects[0].last_modified, -1);
	assert_false(l.truncated);
	s3_list_free(&l);
	/* an object without a key has an empty one; an <Error> without a code is still an error */
	assert_int_equal(s3_list_parse("<ListVersionsResult><Version/></ListVersionsResult>", 51,
				       &l, &err), 0);
	assert_string_equal(l.objects[0].key, "");
	s3_list_free(&l);
	assert_int_equal(s3_list_parse("<Error/>", 8, &l, &err), 0);
	assert_string_equal(l.error_code, "Error");
	s3_list_free(&l);
}

static void
test_base_url(void **state)
{
	char *u;

	(void)state;
	u = s3_base_url("s3.us-east-2.amazonaws.com");
	assert_string_equal(u, "https://s3.us-east-2.amazonaws.com");
	free(u);
	u = s3_base_url("http://127.0.40.10:4568/");
	assert_string_equal(u, "http://127.0.40.10:4568");
	free(u);
	u = s3_base_url("https://minio.example:9000");
	assert_string_equal(u, "https://minio.example:9000");
	free(u);
	assert_null(s3_base_url(""));
	assert_null(s3_base_url(NULL));
}

static void
test_types_uploaded(void **state)
{
	(void)state;
	assert_true(s3_type_uploaded(STORE_POSTGRES, BACKUP_DAILY, false));
	assert_true(s3_type_uploaded(STORE_COUCH, BACKUP_WEEKLY, false));
	assert_false(s3_type_uploaded(STORE_POSTGRES, BACKUP_HOURLY, false));
	assert_true(s3_type_uploaded(STORE_POSTGRES, BACKUP_HOURLY, true));
	/* couch and blobdb upload the DATE-named file: hourlies never reach S3 */
	assert_false(s3_type_uploaded(STORE_COUCH, BACKUP_HOURLY, true));
	assert_false(s3_type_uploaded(STORE_BLOBDB, BACKUP_HOURLY, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_versions),
		cmocka_unit_test(test_parse_v2_and_error),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_types_uploaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
