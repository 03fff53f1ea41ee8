/*
 * aws_creds.c: AWS credentials from the environment, a shared credentials
 * profile or the instance role (see aws_creds.h).
 */
#include "drconsole/aws_creds.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "drconsole/httpget.h"
#include "drconsole/input.h"
#include "drconsole/util.h"

#define IMDS_RETRY_MS (5 * 60 * 1000)	/* after "not on EC2", ask again this much later */

/* Off EC2 every probe run would wait for the metadata service: remember that it is absent. */
static _Atomic long long imds_absent_until;

void
aws_creds_clear(struct aws_creds *c)
{
	/* secrets are wiped before their memory is given back */
	if (c->secret_key != NULL)
		memset(c->secret_key, 0, strlen(c->secret_key));
	if (c->token != NULL)
		memset(c->token, 0, strlen(c->token));
	free(c->access_key);
	free(c->secret_key);
	free(c->token);
	free(c->source);
	memset(c, 0, sizeof *c);
}

char *
aws_creds_token_header(const struct aws_creds *c)
{
	return c->token != NULL && *c->token != '\0' ? xasprintf("X-Amz-Security-Token: %s", c->token) : NULL;
}

static bool
set(const char *v)
{
	return v != NULL && *v != '\0';
}

static char *
trimmed(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return xasprintf("%.*s", (int)n, s);
}

/* 1 found, 0 no such profile or file, -1 error (*error set). */
static int
from_file(struct aws_creds *out, char **error)
{
	const char *profile = getenv("AWS_PROFILE"), *path = getenv("AWS_SHARED_CREDENTIALS_FILE");
	const char *home = getenv("HOME");
	char *file, *text, *why = NULL, *unsupported = NULL;
	size_t len = 0;
	bool in = false;

	if (!set(profile))
		profile = "default";
	if (set(path))
		file = xstrdup(path);
	else if (set(home))
		file = xasprintf("%s/.aws/credentials", home);
	else
		return 0;
	text = input_read(file, INPUT_OTHER, &len, &why);
	if (text == NULL) {
		int e = errno;

		if (e == ENOENT) {
			free(why);
			free(file);
			return 0;
		}
		*error = xasprintf("%s: cannot read: %s", file, why != NULL ? why : strerror(e));
		free(why);
		free(file);
		return -1;
	}
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq, *key, *val;

		if (line[0] == '[') {
			char *end = strchr(line, ']'), *name;

			if (end == NULL)
				continue;
			name = trimmed(line + 1, (size_t)(end - line - 1));
			in = strcmp(name, profile) == 0;
			free(name);
			continue;
		}
		if (!in || line[0] == '#' || line[0] == ';' || (eq = strchr(line, '=')) == NULL)
			continue;
		key = trimmed(line, (size_t)(eq - line));
		val = trimmed(eq + 1, strlen(eq + 1));
		if (strcasecmp(key, "aws_access_key_id") == 0) {
			free(out->access_key);
			out->access_key = val;
			val = NULL;
		} else if (strcasecmp(key, "aws_secret_access_key") == 0) {
			free(out->secret_key);
			out->secret_key = val;
			val = NULL;
		} else if (strcasecmp(key, "aws_session_token") == 0) {
			free(out->token);
			out->token = val;
			val = NULL;
		} else if (strcasecmp(key, "role_arn") == 0 || strncasecmp(key, "sso_", 4) == 0 ||
			   strcasecmp(key, "credential_process") == 0) {
			free(unsupported);
			unsupported = xstrdup(key);
		}
		if (val != NULL)
			memset(val, 0, strlen(val));
		free(key);
		free(val);
	}
	memset(text, 0, len);
	free(text);
	if (set(out->access_key) && set(out->secret_key)) {
		out->source = xasprintf("profile %s (%s)", profile, file);
		free(file);
		free(unsupported);
		return 1;
	}
	if (unsupported != NULL)
		*error = xasprintf("profile %s in %s uses %s, which is not read yet: export its credentials "
				   "(aws configure export-credentials --profile %s --format env)",
				   profile, file, unsupported, profile);
	free(file);
	free(unsupported);
	aws_creds_clear(out);
	return unsupported != NULL ? -1 : 0;
}

/* 1 found, 0 not on EC2 (or disabled), -1 error. */
static int
from_imds(struct aws_creds *out, long long timeout_ms, char **error)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED"), *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char *base, *url, *hdr = NULL, *role = NULL;
	const char *token_ttl[] = { "X-aws-ec2-metadata-token-ttl-seconds: 300", NULL };
	const char *with_token[2] = { NULL, NULL };
	struct httpget_result r;
	int rc = 0;

	if (set(off) && strcasecmp(off, "true") == 0)
		return 0;
	if (time_mono_ms() < imds_absent_until)
		return 0;
	base = xstrdup(set(ep) ? ep : "http://169.254.169.254");
	if (base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	url = xasprintf("%s/latest/api/token", base);
	{
		struct httpget_request rq = { .url = url, .method = "PUT", .headers = token_ttl,
					      .timeout_ms = timeout_ms < 1000 ? timeout_ms : 1000 };

		httpget_request(&rq, &r);
	}
	free(url);
	if (r.error != NULL || r.status != 200 || r.len == 0) {
		httpget_result_free(&r);
		free(base);
		imds_absent_until = time_mono_ms() + IMDS_RETRY_MS;
		return 0;	/* not on EC2 */
	}
	hdr = xasprintf("X-aws-ec2-metadata-token: %s", r.body);
	httpget_result_free(&r);
	with_token[0] = hdr;
	url = xasprintf("%s/latest/meta-data/iam/security-credentials/", base);
	{
		struct httpget_request rq = { .url = url, .headers = with_token, .timeout_ms = timeout_ms };

		httpget_request(&rq, &r);
	}
	free(url);
	if (r.error == NULL && r.status == 200 && r.len > 0) {
		role = xstrdup(r.body);
		role[strcspn(role, "\r\n")] = '\0';
	}
	httpget_result_free(&r);
	if (role == NULL || *role == '\0') {
		*error = xstrdup("the instance metadata service answers but this instance has no IAM role");
		rc = -1;
	} else {
		char *esc = httpget_escape(role);

		url = xasprintf("%s/latest/meta-data/iam/security-credentials/%s", base, esc);
		free(esc);
		{
			struct httpget_request get = { .url = url, .headers = with_token, .timeout_ms = timeout_ms };

			httpget_request(&get, &r);
		}
		free(url);
		if (r.error == NULL && r.status == 200) {
			json_t *j = json_loadb(r.body, r.len, 0, NULL);
			const char *ak = json_string_value(json_object_get(j, "AccessKeyId"));
			const char *sk = json_string_value(json_object_get(j, "SecretAccessKey"));
			const char *tk = json_string_value(json_object_get(j, "Token"));

			if (set(ak) && set(sk)) {
				out->access_key = xstrdup(ak);
				out->secret_key = xstrdup(sk);
				out->token = set(tk) ? xstrdup(tk) : NULL;
				out->source = xasprintf("instance role %.64s", role);
				rc = 1;
			}
			json_decref(j);
		}
		if (rc != 1) {
			*error = xasprintf("the instance role %.64s gave no credentials (HTTP %ld)", role, r.status);
			rc = -1;
		}
		httpget_result_free(&r);
	}
	free(role);
	free(hdr);
	free(base);
	return rc;
}

int
aws_creds_find(struct aws_creds *out, long long timeout_ms, char **error)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tk = getenv("AWS_SESSION_TOKEN");
	int rc;

	memset(out, 0, sizeof *out);
	*error = NULL;
	if (set(ak) && set(sk)) {
		out->access_key = xstrdup(ak);
		out->secret_key = xstrdup(sk);
		out->token = set(tk) ? xstrdup(tk) : NULL;
		out->source = xstrdup("environment");
		return 0;
	}
	if ((rc = from_file(out, error)) != 0)
		return rc > 0 ? 0 : -1;
	if ((rc = from_imds(out, timeout_ms, error)) != 0)
		return rc > 0 ? 0 : -1;
	*error = xstrdup("no AWS credentials: not in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), "
			 "not in the shared credentials file (AWS_PROFILE, ~/.aws/credentials), "
			 "and no EC2 instance role");
	return -1;
}

char *
aws_service_endpoint(const char *service, const char *region)
{
	char name[64], *u;
	const char *e;
	size_t n;

	snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", service);
	for (char *c = name; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	e = getenv(name);
	if (!set(e))
		e = getenv("AWS_ENDPOINT_URL");
	if (!set(e))
		return xasprintf("https://%s.%s.amazonaws.com", service, region);
	u = xstrdup(e);
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

void
aws_backoff(long long *delay_ms)
{
	struct timespec ts = { *delay_ms / 1000, (*delay_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	*delay_ms *= 2;
}
