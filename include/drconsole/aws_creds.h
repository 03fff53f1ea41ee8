/*
 * aws_creds.h: AWS credentials found the way the AWS CLI and SDKs find
 * them, first match wins:
 *   1. $AWS_ACCESS_KEY_ID + $AWS_SECRET_ACCESS_KEY (+ $AWS_SESSION_TOKEN)
 *   2. the profile $AWS_PROFILE (else "default") in the shared credentials
 *      file ($AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)
 *   3. the EC2 instance's role through IMDSv2 (a session token first, as
 *      control hosts require: ec2_metadata_tokens_required), unless
 *      $AWS_EC2_METADATA_DISABLED is true; $AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      moves it, as for the SDKs
 * Profiles that assume a role or use SSO are named in the error instead of
 * silently skipped. Secrets live only in the returned struct and go only
 * to libcurl; messages name where credentials were looked for, never them.
 */
#ifndef DRCONSOLE_AWS_CREDS_H
#define DRCONSOLE_AWS_CREDS_H

#include <stdbool.h>

struct aws_creds {
	char *access_key;
	char *secret_key;
	char *token;		/* NULL when none */
	char *source;		/* "environment", "profile default (~/.aws/credentials)", "instance role dr" */
};

/* 0 and *out filled, or -1 with *error set (caller frees). Bounded by timeout_ms. */
int aws_creds_find(struct aws_creds *out, long long timeout_ms, char **error);
void aws_creds_clear(struct aws_creds *c);

/* "X-Amz-Security-Token: ..." for c's token, or NULL (caller frees). */
char *aws_creds_token_header(const struct aws_creds *c);

/*
 * The API endpoint of service ("rds", "backup") in region:
 * $AWS_ENDPOINT_URL_<SERVICE>, else $AWS_ENDPOINT_URL, else
 * https://<service>.<region>.amazonaws.com, as the AWS CLI chooses it,
 * without a trailing slash (caller frees).
 */
char *aws_service_endpoint(const char *service, const char *region);

/* Sleep *delay_ms after a throttling answer, then double it. */
void aws_backoff(long long *delay_ms);

#endif
