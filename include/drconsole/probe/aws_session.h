/*
 * aws_session.h: temporary AWS credentials handed out by a service, for a
 * profile that does not hold keys itself:
 *   - STS AssumeRole (a profile's role_arn, signed with its source
 *     profile's credentials), Query API, endpoint $AWS_ENDPOINT_URL_STS,
 *     else $AWS_ENDPOINT_URL, else https://sts.<region>.amazonaws.com;
 *   - AWS IAM Identity Center (SSO): the access token `aws sso login` left
 *     in ~/.aws/sso/cache/<sha1>.json, exchanged at the portal's
 *     GetRoleCredentials, endpoint $AWS_ENDPOINT_URL_SSO, else
 *     $AWS_ENDPOINT_URL, else https://portal.sso.<sso_region>.amazonaws.com.
 * The secrets of the answers go into a struct aws_creds and nowhere else:
 * errors name the call, the role or the start URL and AWS's error code.
 */
#ifndef DRCONSOLE_AWS_SESSION_H
#define DRCONSOLE_AWS_SESSION_H

#include <stddef.h>

#include "drconsole/probe/aws_creds.h"

/*
 * Parse an AssumeRole answer into out (access key, secret, session token)
 * and *expires_s (epoch s). 0, or -1 with err filled (an ErrorResponse's
 * Code and Message, or why the body is not an answer).
 */
int aws_sts_parse(const char *body, size_t len, struct aws_creds *out, long long *expires_s,
		  char *err, size_t errlen);

/* Parse a GetRoleCredentials answer ({"roleCredentials": {...}}) the same way. */
int aws_sso_portal_parse(const char *body, size_t len, struct aws_creds *out, long long *expires_s,
			 char *err, size_t errlen);

/*
 * The access token of the SSO cache file for key (the sso-session name, or
 * the start URL of a profile without one) in cache_dir, valid at now_s.
 * 0 and *token set (caller frees and wipes), or -1 with *error naming the
 * file and what to run (`aws sso login`).
 */
int aws_sso_cached_token(const char *cache_dir, const char *key, const char *profile, long long now_s,
			 char **token, char **error);

/*
 * AssumeRole role_arn with src's credentials in region (NULL: us-east-1).
 * 0 and *out, *expires_s filled, or -1 with *error set.
 */
int aws_sts_assume_role(const struct aws_creds *src, const char *role_arn, const char *session_name,
			const char *external_id, const char *region, long long timeout_ms,
			struct aws_creds *out, long long *expires_s, char **error);

/* GetRoleCredentials of account/role with an SSO access token. As above. */
int aws_sso_role_credentials(const char *token, const char *sso_region, const char *account,
			     const char *role, long long timeout_ms, struct aws_creds *out,
			     long long *expires_s, char **error);

#endif
