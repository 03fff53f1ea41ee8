/*
 * aws_creds.h: AWS credentials found the way the AWS CLI and SDKs find
 * them, first match wins:
 *   1. $AWS_ACCESS_KEY_ID + $AWS_SECRET_ACCESS_KEY (+ $AWS_SESSION_TOKEN)
 *   2. the profile $AWS_PROFILE (else "default") of the shared files:
 *      ~/.aws/config ($AWS_CONFIG_FILE, sections [profile NAME]) under
 *      ~/.aws/credentials ($AWS_SHARED_CREDENTIALS_FILE, sections [NAME]):
 *        role_arn     STS AssumeRole, signed with source_profile's
 *                     credentials (or credential_source Environment /
 *                     Ec2InstanceMetadata); external_id, role_session_name
 *        sso_*        the token `aws sso login` cached in
 *                     ~/.aws/sso/cache (sso_session or sso_start_url),
 *                     exchanged for sso_role_name in sso_account_id
 *        keys         aws_access_key_id, aws_secret_access_key
 *      Assumed and SSO credentials are kept (per profile, in memory) until
 *      five minutes before they expire.
 *   3. the EC2 instance's role through IMDSv2 (a session token first, as
 *      control hosts require: ec2_metadata_tokens_required), unless
 *      $AWS_EC2_METADATA_DISABLED is true; $AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      moves it, as for the SDKs
 * A profile named in drconsole.yml (sites.<site>.aws_profile: the
 * secondary may live in another account) is looked up alone, like the
 * CLI's --profile: not the environment, not the instance role.
 * Secrets live only in the returned struct and go only to libcurl;
 * messages name where credentials were looked for, never them.
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
/* The same for a profile named in drconsole.yml (NULL or "": the chain above). */
int aws_creds_find_profile(struct aws_creds *out, const char *profile, long long timeout_ms, char **error);
void aws_creds_clear(struct aws_creds *c);
/* Drop the kept assumed-role and SSO credentials (tests; at exit). */
void aws_creds_forget(void);

/* "X-Amz-Security-Token: ..." for c's token, or NULL (caller frees). */
char *aws_creds_token_header(const struct aws_creds *c);

/*
 * The API endpoint of service ("rds", "backup") in region:
 * $AWS_ENDPOINT_URL_<SERVICE>, else $AWS_ENDPOINT_URL, else
 * https://<service>.<region>.amazonaws.com, as the AWS CLI chooses it,
 * without a trailing slash (caller frees).
 */
char *aws_service_endpoint(const char *service, const char *region);
/*
 * The same where the SDKs' service id and the host name differ: CloudWatch
 * is $AWS_ENDPOINT_URL_CLOUDWATCH, else $AWS_ENDPOINT_URL, else
 * https://monitoring.<region>.amazonaws.com (caller frees).
 */
char *aws_service_endpoint_host(const char *service_id, const char *host, const char *region);

/* Sleep *delay_ms after a throttling answer, then double it. */
void aws_backoff(long long *delay_ms);

/* An AWS error code that asks to slow down and retry (Throttling, SlowDown, ...). */
bool aws_error_is_throttling(const char *code);

#endif
