/* Unit tests: AssumeRole and SSO portal answers, the SSO token cache, role and SSO profiles. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/probe/aws_creds.h"
#include "drconsole/probe/aws_session.h"
#include "drconsole/util/util.h"

static char dir[] = "/tmp/drc-sso-XXXXXX";

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	char *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/.aws", dir);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/.aws/sso", dir);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/.aws/sso/cache", dir);
	mkdir(p, 0700);
	free(p);
	setenv("HOME", dir, 1);
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	/* nothing listens there: a request is refused at once */
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1", 1);
	setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:1", 1);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	aws_creds_forget();
	return 0;
}

static void
test_sts_answer(void **state)
{
	static const char ok[] =
		"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"  <AssumeRoleResult>\n"
		"    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/dr/drconsole</Arn></AssumedRoleUser>\n"
		"    <Credentials>\n"
		"      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"
		"      <SecretAccessKey>sts-secret/+=</SecretAccessKey>\n"
		"      <SessionToken>sts-token</SessionToken>\n"
		"      <Expiration>2026-12-03T22:00:00Z</Expiration>\n"
		"    </Credentials>\n"
		"  </AssumeRoleResult>\n"
		"</AssumeRoleResponse>\n";
	static const char denied[] =
		"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
		"<Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x is not authorized to perform: "
		"sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>";
	struct aws_creds c;
	long long exp;
	char err[256];

	(void)state;
	assert_int_equal(aws_sts_parse(ok, strlen(ok), &c, &exp, err, sizeof err), 0);
	assert_string_equal(c.access_key, "ASIAEXAMPLE");
	assert_string_equal(c.secret_key, "sts-secret/+=");
	assert_string_equal(c.token, "sts-token");
	assert_true(exp > 0);
	aws_creds_clear(&c);
	assert_int_equal(aws_sts_parse(denied, strlen(denied), &c, &exp, err, sizeof err), -1);
	assert_non_null(strstr(err, "AccessDenied: User: arn:aws:iam::1:user/x is not authorized"));
	assert_null(c.access_key);
	assert_int_equal(aws_sts_parse("{}", 2, &c, &exp, err, sizeof err), -1);
}

static void
test_portal_answer(void **state)
{
	static const char ok[] = "{\"roleCredentials\":{\"accessKeyId\":\"ASIAPORTAL\",\"secretAccessKey\":"
				 "\"portal-secret\",\"sessionToken\":\"portal-token\",\"expiration\":1796335200000}}";
	static const char unauth[] = "{\"message\":\"Session token not found or invalid\"}";
	struct aws_creds c;
	long long exp;
	char err[256];

	(void)state;
	assert_int_equal(aws_sso_portal_parse(ok, strlen(ok), &c, &exp, err, sizeof err), 0);
	assert_string_equal(c.access_key, "ASIAPORTAL");
	assert_string_equal(c.secret_key, "portal-secret");
	assert_string_equal(c.token, "portal-token");
	assert_int_equal(exp, 1796335200LL);
	aws_creds_clear(&c);
	assert_int_equal(aws_sso_portal_parse(unauth, strlen(unauth), &c, &exp, err, sizeof err), -1);
	assert_non_null(strstr(err, "Session token not found or invalid"));
}

static void
test_sso_cache(void **state)
{
	/* the AWS CLI names the file after sha1 of the start URL (or of the sso-session name) */
	char *cache = xasprintf("%s/.aws/sso/cache", dir);
	char *file = xasprintf("%s/%s.json", cache, "e8be5486177c5b5392bd9aa76563515b29358e6e");
	char *token = NULL, *err = NULL;
	long long at = 1796335200LL;	/* 2026-12-03T22:00:00Z */

	(void)state;
	write_file(file, "{\"startUrl\": \"https://example.awsapps.com/start\", \"region\": \"us-east-1\", "
			 "\"accessToken\": \"cached-access-token\", \"expiresAt\": \"2026-12-03T22:00:00UTC\"}");
	assert_int_equal(aws_sso_cached_token(cache, "https://example.awsapps.com/start", "dr", at - 60, &token, &err), 0);
	assert_string_equal(token, "cached-access-token");
	free(token);
	assert_int_equal(aws_sso_cached_token(cache, "https://example.awsapps.com/start", "dr", at + 1, &token, &err), -1);
	assert_non_null(strstr(err, "expired at 2026-12-03T22:00:00Z"));
	assert_non_null(strstr(err, "aws sso login --profile dr"));
	assert_null(strstr(err, "cached-access-token"));
	free(err);
	assert_int_equal(aws_sso_cached_token(cache, "nobody", "dr", at, &token, &err), -1);
	assert_non_null(strstr(err, "no SSO login cached for nobody"));
	free(err);
	unlink(file);
	free(file);
	free(cache);
}

static void
test_profiles(void **state)
{
	char *config = xasprintf("%s/.aws/config", dir), *creds = xasprintf("%s/.aws/credentials", dir);
	char *cache = xasprintf("%s/.aws/sso/cache/%s.json", dir, "7864ec5d107d045dbc2125f59c3a7e2c37452f96");
	struct aws_creds c;
	char *err;

	(void)state;
	write_file(config, "[default]\nregion = us-east-1\n"
			   "[profile  base]\nregion = us-east-1\n"
			   "[profile dr-role]\nrole_arn = arn:aws:iam::222222222222:role/dr\nsource_profile = base\n"
			   "[profile dr-env]\nrole_arn = arn:aws:iam::222222222222:role/dr\ncredential_source = Environment\n"
			   "[profile loop]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
			   "[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop\n"
			   "[profile dr-sso]\nsso_session = dr-session\nsso_account_id = 333333333333\n"
			   "sso_role_name = DRReadOnly\n"
			   "[sso-session dr-session]\nsso_start_url = https://example.awsapps.com/start\n"
			   "sso_region = us-east-1\n"
			   "[profile keys-in-config]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n");
	write_file(creds, "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");

	/* keys in the config file, found by profile name as the CLI finds them */
	assert_int_equal(aws_creds_find_profile(&c, "keys-in-config", 1000, &err), 0);
	assert_string_equal(c.secret_key, "config-secret");
	aws_creds_clear(&c);
	/* a named profile outranks the environment (like --profile) */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	assert_int_equal(aws_creds_find_profile(&c, "base", 1000, &err), 0);
	assert_string_equal(c.access_key, "AKIDBASE");
	aws_creds_clear(&c);
	assert_int_equal(aws_creds_find_profile(&c, NULL, 1000, &err), 0);
	assert_string_equal(c.access_key, "AKIDENV");
	aws_creds_clear(&c);
	/* a role assumed through the source profile: STS is asked (refused here), the secret never shown */
	assert_int_equal(aws_creds_find_profile(&c, "dr-role", 1000, &err), -1);
	assert_non_null(strstr(err, "profile dr-role"));
	assert_non_null(strstr(err, "uses role_arn arn:aws:iam::222222222222:role/dr"));
	assert_non_null(strstr(err, "AssumeRole arn:aws:iam::222222222222:role/dr (http://127.0.0.1:1)"));
	assert_null(strstr(err, "base-secret"));
	free(err);
	assert_int_equal(aws_creds_find_profile(&c, "dr-env", 1000, &err), -1);
	assert_non_null(strstr(err, "AssumeRole"));
	assert_null(strstr(err, "env-secret"));
	free(err);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(aws_creds_find_profile(&c, "dr-env", 1000, &err), -1);
	assert_non_null(strstr(err, "credential_source Environment, but AWS_ACCESS_KEY_ID"));
	free(err);
	assert_int_equal(aws_creds_find_profile(&c, "loop", 1000, &err), -1);
	assert_non_null(strstr(err, "a chain of more than 4 source profiles"));
	free(err);
	/* SSO: no login cached yet, then an expired one, then a valid one (the portal refuses here) */
	assert_int_equal(aws_creds_find_profile(&c, "dr-sso", 1000, &err), -1);
	assert_non_null(strstr(err, "no SSO login cached for dr-session"));
	assert_non_null(strstr(err, "aws sso login --profile dr-sso"));
	free(err);
	write_file(cache, "{\"startUrl\": \"https://example.awsapps.com/start\", \"region\": \"us-east-1\", "
			  "\"accessToken\": \"sso-access-token\", \"expiresAt\": \"2020-01-01T00:00:00Z\"}");
	assert_int_equal(aws_creds_find_profile(&c, "dr-sso", 1000, &err), -1);
	assert_non_null(strstr(err, "the SSO session for dr-session expired at 2020-01-01T00:00:00Z"));
	free(err);
	write_file(cache, "{\"startUrl\": \"https://example.awsapps.com/start\", \"region\": \"us-east-1\", "
			  "\"accessToken\": \"sso-access-token\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}");
	assert_int_equal(aws_creds_find_profile(&c, "dr-sso", 1000, &err), -1);
	assert_non_null(strstr(err, "GetRoleCredentials DRReadOnly in account 333333333333 (http://127.0.0.1:1)"));
	assert_null(strstr(err, "sso-access-token"));
	free(err);
	/* a profile named in drconsole.yml that exists nowhere */
	assert_int_equal(aws_creds_find_profile(&c, "nosuch", 1000, &err), -1);
	assert_non_null(strstr(err, "no AWS credentials for profile nosuch"));
	free(err);
	free(cache);
	free(config);
	free(creds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sts_answer),
		cmocka_unit_test(test_portal_answer),
		cmocka_unit_test(test_sso_cache),
		cmocka_unit_test(test_profiles),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
