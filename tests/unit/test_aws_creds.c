/* Unit tests: AWS credentials from the environment and shared credentials profiles. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/probe/aws_creds.h"
#include "drconsole/util/util.h"

static char path[] = "/tmp/drc-creds-XXXXXX";

static int
setup(void **state)
{
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	(void)state;
	fputs("[default]\n"
	      "aws_access_key_id = AKIDDEFAULT\n"
	      "aws_secret_access_key = default-secret\n"
	      "\n"
	      "[dr]\n"
	      "aws_access_key_id=AKIDDR\n"
	      "aws_secret_access_key=dr-secret   \n"
	      "aws_session_token = dr-token\n"
	      "[sso-only]\n"
	      "sso_start_url = https://example.awsapps.com/start\n"
	      "sso_account_id = 000000000000\n"
	      "[role]\n"
	      "role_arn = arn:aws:iam::000000000000:role/dr\n"
	      "source_profile = default\n", fp);
	fclose(fp);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	/* no ~/.aws/config of the machine's user; STS refused at once (nothing listens there) */
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1", 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void
test_environment_first(void **state)
{
	struct aws_creds c;
	char *err;

	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	assert_int_equal(aws_creds_find(&c, 1000, &err), 0);
	assert_string_equal(c.access_key, "AKIDENV");
	assert_null(c.token);
	assert_string_equal(c.source, "environment");
	aws_creds_clear(&c);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void
test_profiles(void **state)
{
	struct aws_creds c;
	char *err, *hdr;

	(void)state;
	unsetenv("AWS_PROFILE");
	assert_int_equal(aws_creds_find(&c, 1000, &err), 0);
	assert_string_equal(c.access_key, "AKIDDEFAULT");
	assert_string_equal(c.secret_key, "default-secret");
	assert_null(aws_creds_token_header(&c));
	assert_non_null(strstr(c.source, "profile default"));
	aws_creds_clear(&c);
	setenv("AWS_PROFILE", "dr", 1);
	assert_int_equal(aws_creds_find(&c, 1000, &err), 0);
	assert_string_equal(c.secret_key, "dr-secret");
	hdr = aws_creds_token_header(&c);
	assert_string_equal(hdr, "X-Amz-Security-Token: dr-token");
	free(hdr);
	aws_creds_clear(&c);
	/* what is not read yet is said, with the way out; the secret of another profile is not shown */
	setenv("AWS_PROFILE", "role", 1);
	assert_int_equal(aws_creds_find(&c, 1000, &err), -1);
	assert_non_null(strstr(err, "profile role"));
	assert_non_null(strstr(err, "uses role_arn"));
	assert_non_null(strstr(err, "aws configure export-credentials --profile role"));
	assert_null(strstr(err, "default-secret"));
	free(err);
	setenv("AWS_PROFILE", "sso-only", 1);
	assert_int_equal(aws_creds_find(&c, 1000, &err), -1);
	assert_non_null(strstr(err, "uses sso_"));
	free(err);
	/* no credentials file at all (also what LeakSanitizer watches: the reader's message) */
	unsetenv("AWS_PROFILE");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	assert_int_equal(aws_creds_find(&c, 1000, &err), -1);
	assert_non_null(strstr(err, "no AWS credentials"));
	free(err);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("AWS_PROFILE", "absent", 1);
	assert_int_equal(aws_creds_find(&c, 1000, &err), -1);
	assert_non_null(strstr(err, "no AWS credentials"));
	free(err);
	unsetenv("AWS_PROFILE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_environment_first),
		cmocka_unit_test(test_profiles),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
