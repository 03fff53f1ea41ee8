/*
 * Unit tests: S3 bucket names against the naming rules, and request URLs
 * that never leave the endpoint's host whatever the bucket or the query
 * holds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/probe_s3.h"
#include "drconsole/config/s3_bucket.h"

static void
test_valid_names(void **state)
{
	static const char *const ok[] = {
		"dimagi-production-postgres-backups", "abc", "a.b-c", "1bucket9", "my.bucket.name",
		"123456789012345678901234567890123456789012345678901234567890123",
	};

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (s3_bucket_name_problem(ok[i]) != NULL)
			fail_msg("'%s' refused: %s", ok[i], s3_bucket_name_problem(ok[i]));
}

static void
test_invalid_names(void **state)
{
	static const char *const bad[] = {
		"", "ab", "1234567890123456789012345678901234567890123456789012345678901234",
		"Upper", "under_score", "-abc", "abc-", ".abc", "abc.", "a..b", "192.168.5.4",
		"xn--abc", "sthree-abc", "amzn-s3-demo-abc", "abc-s3alias", "abc--ol-s3", "abc.mrap",
		"abc--x-s3", "abc--table-s3", "evil.example:9000/x", "evil.example:9000/",
		"../etc", "a/../b", "a?b", "a#b", "a%2fb", "a b", "b\xc3\xbc" "cket", "a\nb",
		"a\\b", "a@b.c",
	};

	(void)state;
	assert_non_null(s3_bucket_name_problem(NULL));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (s3_bucket_name_problem(bad[i]) == NULL)
			fail_msg("'%s' accepted", bad[i]);
	/* four dotted numbers only: these are names */
	assert_null(s3_bucket_name_problem("192.168.5.4a"));
	assert_null(s3_bucket_name_problem("1.2.3"));
}

static void
expect_url(const char *base, const char *bucket, bool path_style, const char *const *q,
	   size_t n, const char *want)
{
	char *err = NULL, *u = s3_request_url(base, bucket, path_style, q, n, &err);

	if (u == NULL)
		fail_msg("%s %s: %s", base, bucket, err);
	assert_string_equal(u, want);
	assert_null(err);
	free(u);
}

static void
test_request_url(void **state)
{
	const char *q[] = { "continuation-token", NULL, "list-type", "2", "max-keys", "1000",
			    "prefix", "a/b c?#%&=+\xc3\xa9~._-" };
	const char *v[] = { "key-marker", NULL, "prefix", "p/", "versions", "" };

	(void)state;
	expect_url("http://127.7.0.5:9000", "dimagi-x-backups", true, q, 8,
		   "http://127.7.0.5:9000/dimagi-x-backups?list-type=2&max-keys=1000&"
		   "prefix=a%2Fb%20c%3F%23%25%26%3D%2B%C3%A9~._-");
	expect_url("https://s3.us-east-1.amazonaws.com", "dimagi-x-backups", false, v, 6,
		   "https://dimagi-x-backups.s3.us-east-1.amazonaws.com/?prefix=p%2F&versions=");
	expect_url("https://minio.example/s3/", "bkt", true, NULL, 0, "https://minio.example/s3/bkt");
	expect_url("https://minio.example:9000", "bkt", false, NULL, 0,
		   "https://bkt.minio.example:9000/");
}

static void
expect_refused(const char *base, const char *bucket, bool path_style, const char *why)
{
	const char *q[] = { "list-type", "2", "prefix", "x" };
	char *err = NULL, *u = s3_request_url(base, bucket, path_style, q, 4, &err);

	if (u != NULL)
		fail_msg("%s with bucket '%s' built %s", base, bucket, u);
	assert_non_null(err);
	if (strstr(err, why) == NULL)
		fail_msg("'%s' does not say '%s'", err, why);
	free(err);
}

static void
test_request_url_refused(void **state)
{
	static const char *const bad[] = {
		"evil.example:9000/", "evil.example:9000/x", "../etc", "..", "a?b", "a#b",
		"a%2e%2e", "b\xc3\xbc" "cket", "user@evil.example", "UPPER", "",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_refused("http://127.7.0.5:9000", bad[i], true, "not a valid S3 bucket name");
		expect_refused("https://s3.amazonaws.com", bad[i], false, "not a valid S3 bucket name");
	}
	expect_refused("http://user:pw@127.7.0.5:9000", "bkt", true, "user, query or fragment");
	expect_refused("http://127.7.0.5:9000/?x=1", "bkt", true, "user, query or fragment");
	expect_refused("http://127.7.0.5:9000/#f", "bkt", true, "user, query or fragment");
	expect_refused("not a url", "bkt", true, "not a URL");
}

static void
expect_host(const char *url, const char *base, const char *bucket, bool path_style, int want)
{
	char *err = NULL;
	int rc = s3_url_check(url, base, bucket, path_style, &err);

	if (rc != want)
		fail_msg("%s against %s (%s): %d, want %d", url, base, bucket, rc, want);
	assert_true(want == 0 ? err == NULL : err != NULL);
	free(err);
}

static void
test_url_check(void **state)
{
	(void)state;
	expect_host("http://127.7.0.5:9000/b?list-type=2", "http://127.7.0.5:9000", "b", true, 0);
	expect_host("http://evil.example:1/x", "http://127.7.0.5:9000", "b", true, -1);
	expect_host("http://127.7.0.5:9001/b", "http://127.7.0.5:9000", "b", true, -1);
	expect_host("https://127.7.0.5:9000/b", "http://127.7.0.5:9000", "b", true, -1);
	expect_host("http://127.7.0.5/b", "http://127.7.0.5:9000", "b", true, -1);
	expect_host("https://bkt.s3.example/", "https://s3.example", "bkt", false, 0);
	expect_host("https://other.s3.example/", "https://s3.example", "bkt", false, -1);
	expect_host("https://bkt.s3.example.evil/", "https://s3.example", "bkt", false, -1);
	expect_host("https://s3.example/bkt", "https://s3.example", "bkt", false, -1);
	expect_host("http://127.7.0.5:9000@evil.example/b", "http://127.7.0.5:9000", "b", true, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_request_url),
		cmocka_unit_test(test_request_url_refused),
		cmocka_unit_test(test_url_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
