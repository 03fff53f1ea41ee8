/*
 * aws_session.c: temporary credentials from STS AssumeRole and from the
 * IAM Identity Center portal (see aws_session.h).
 *
 * DESIGN: each call is one bounded request through httpget; the answers'
 * secrets are copied straight into the caller's struct aws_creds and the
 * buffers that held them are wiped before they are freed. Messages carry
 * AWS's error code and message (sanitised), never a request or a body.
 */
#include "drconsole/probe/aws_session.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/httpget.h"
#include "drconsole/probe/xml_answer.h"
#include "drconsole/util/input.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/util.h"

#define STS_MAX_BODY (256u * 1024u)

static void
wipe_free(char *s, size_t len)
{
	if (s != NULL)
		memset(s, 0, len);
	free(s);
}

static void
wipe_result(struct httpget_result *r)
{
	if (r->body != NULL)
		memset(r->body, 0, r->len);
	httpget_result_free(r);
}

/* ---- STS AssumeRole ------------------------------------------------------------ */

int
aws_sts_parse(const char *body, size_t len, struct aws_creds *out, long long *expires_s,
	      char *err, size_t errlen)
{
	xmlDocPtr doc;
	const xmlNode *root, *cr;
	char code[64], msg[256];
	int rc = -1;

	memset(out, 0, sizeof *out);
	*expires_s = 0;
	doc = xml_answer_read(body, len, STS_MAX_BODY, "an STS response", err, errlen);
	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (xml_aws_error(root, code, sizeof code, msg, sizeof msg)) {
		snprintf(err, errlen, "%s: %s", code, msg);
	} else if ((cr = xml_child(xml_child(root, "AssumeRoleResult"), "Credentials")) == NULL) {
		snprintf(err, errlen, "no Credentials in <%.64s>", (const char *)root->name);
	} else {
		/* as sent: a secret is not to be altered */
		char *exp = xml_text_dup(xml_child(cr, "Expiration"));

		out->access_key = xml_text_dup(xml_child(cr, "AccessKeyId"));
		out->secret_key = xml_text_dup(xml_child(cr, "SecretAccessKey"));
		out->token = xml_text_dup(xml_child(cr, "SessionToken"));
		if (out->access_key == NULL || *out->access_key == '\0' ||
		    out->secret_key == NULL || *out->secret_key == '\0') {
			snprintf(err, errlen, "Credentials without AccessKeyId or SecretAccessKey");
			aws_creds_clear(out);
		} else {
			if (exp == NULL || !backup_time_parse(exp, expires_s))
				*expires_s = 0;
			rc = 0;
		}
		free(exp);
	}
	xmlFreeDoc(doc);
	return rc;
}

int
aws_sts_assume_role(const struct aws_creds *src, const char *role_arn, const char *session_name,
		    const char *external_id, const char *region, long long timeout_ms,
		    struct aws_creds *out, long long *expires_s, char **error)
{
	const char *reg = region != NULL && *region != '\0' ? region : "us-east-1";
	char *base = aws_service_endpoint("sts", reg), *arn = httpget_escape(role_arn);
	char *name = httpget_escape(session_name != NULL ? session_name : "drconsole");
	char *ext = external_id != NULL ? httpget_escape(external_id) : NULL;
	char *url, *shown, *token_hdr = aws_creds_token_header(src);
	const char *headers[2] = { token_hdr, NULL };
	char sigv4[128], err[384];
	struct httpget_result r;
	int rc = -1;

	memset(out, 0, sizeof *out);
	url = xasprintf("%s/?Action=AssumeRole&Version=2011-06-15&RoleArn=%s&RoleSessionName=%s"
			"&DurationSeconds=3600%s%s", base, arn, name, ext != NULL ? "&ExternalId=" : "",
			ext != NULL ? ext : "");
	shown = xasprintf("AssumeRole %s (%s)", role_arn, base);
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:sts", reg);
	{
		struct httpget_request rq = { .url = url, .display = shown, .user = src->access_key,
					      .password = src->secret_key, .sigv4 = sigv4,
					      .headers = headers, .timeout_ms = timeout_ms };

		httpget_request(&rq, &r);
	}
	if (r.error != NULL)
		*error = xstrdup(r.error);
	else if (aws_sts_parse(r.body, r.len, out, expires_s, err, sizeof err) != 0)
		*error = xasprintf("%s: HTTP %ld, %s", shown, r.status, err);
	else
		rc = 0;
	wipe_result(&r);
	free(url);
	free(shown);
	free(token_hdr);
	free(arn);
	free(name);
	free(ext);
	free(base);
	return rc;
}

/* ---- IAM Identity Center (SSO) --------------------------------------------------- */

int
aws_sso_portal_parse(const char *body, size_t len, struct aws_creds *out, long long *expires_s,
		     char *err, size_t errlen)
{
	json_t *j = json_loadb(body, len, 0, NULL), *rc_obj;
	const char *ak, *sk, *tk;
	int rc = -1;

	memset(out, 0, sizeof *out);
	*expires_s = 0;
	if (!json_is_object(j)) {
		snprintf(err, errlen, "not JSON");
	} else if (!json_is_object(rc_obj = json_object_get(j, "roleCredentials"))) {
		const char *type = json_string_value(json_object_get(j, "__type"));
		const char *msg = json_string_value(json_object_get(j, "message"));
		char t[64], m[256];

		if (msg == NULL)
			msg = json_string_value(json_object_get(j, "Message"));
		sanitize_copy_line(t, sizeof t, type != NULL ? type : "no roleCredentials");
		sanitize_copy_line(m, sizeof m, msg != NULL ? msg : "");
		snprintf(err, errlen, "%s%s%s", t, m[0] != '\0' ? ": " : "", m);
	} else {
		json_t *exp = json_object_get(rc_obj, "expiration");

		ak = json_string_value(json_object_get(rc_obj, "accessKeyId"));
		sk = json_string_value(json_object_get(rc_obj, "secretAccessKey"));
		tk = json_string_value(json_object_get(rc_obj, "sessionToken"));
		if (ak == NULL || *ak == '\0' || sk == NULL || *sk == '\0') {
			snprintf(err, errlen, "roleCredentials without accessKeyId or secretAccessKey");
		} else {
			out->access_key = xstrdup(ak);
			out->secret_key = xstrdup(sk);
			out->token = tk != NULL && *tk != '\0' ? xstrdup(tk) : NULL;
			*expires_s = json_is_integer(exp) ? (long long)(json_integer_value(exp) / 1000) : 0;
			rc = 0;
		}
	}
	json_decref(j);
	return rc;
}

/* Lower-case hex SHA-1 of s into hex[41]: the cache file name the AWS CLI uses. */
static void
sha1_hex(const char *s, char hex[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL) != 1 || n != 20)
		fatal("EVP_Digest(sha1): failed");
	for (unsigned i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int
aws_sso_cached_token(const char *cache_dir, const char *key, const char *profile, long long now_s,
		     char **token, char **error)
{
	char hex[41], *file, *text, *why = NULL;
	size_t len = 0;
	json_t *j;
	const char *tok, *exp;
	long long exp_s;
	int rc = -1;

	*token = NULL;
	sha1_hex(key, hex);
	file = xasprintf("%s/%s.json", cache_dir, hex);
	text = input_read(file, INPUT_OTHER, &len, &why);
	if (text == NULL) {
		*error = errno == ENOENT ?
			xasprintf("no SSO login cached for %s (%s): run aws sso login --profile %s",
				  key, file, profile) :
			xasprintf("%s: cannot read: %s", file, why != NULL ? why : strerror(errno));
		free(why);
		free(file);
		return -1;
	}
	j = json_loadb(text, len, 0, NULL);
	wipe_free(text, len);
	tok = json_string_value(json_object_get(j, "accessToken"));
	exp = json_string_value(json_object_get(j, "expiresAt"));
	if (tok == NULL || *tok == '\0') {
		*error = xasprintf("%s: no accessToken: run aws sso login --profile %s", file, profile);
	} else {
		char buf[64];
		size_t n;

		/* the CLI writes "...Z"; older versions "...UTC" */
		snprintf(buf, sizeof buf, "%s", exp != NULL ? exp : "");
		n = strlen(buf);
		if (n > 3 && strcmp(buf + n - 3, "UTC") == 0)
			snprintf(buf + n - 3, 4, "Z");
		if (!backup_time_parse(buf, &exp_s)) {
			*error = xasprintf("%s: no usable expiresAt: run aws sso login --profile %s", file, profile);
		} else if (exp_s <= now_s) {
			char when[32];

			*error = xasprintf("the SSO session for %s expired at %s: run aws sso login --profile %s",
					   key, backup_time_format(exp_s, when, sizeof when), profile);
		} else {
			*token = xstrdup(tok);
			rc = 0;
		}
	}
	if (j != NULL && tok != NULL)
		memset((char *)tok, 0, strlen(tok));
	json_decref(j);
	free(file);
	return rc;
}

static char *
sso_endpoint(const char *region)
{
	const char *e = getenv("AWS_ENDPOINT_URL_SSO");
	char *u;
	size_t n;

	if (e == NULL || *e == '\0')
		e = getenv("AWS_ENDPOINT_URL");
	if (e == NULL || *e == '\0')
		return xasprintf("https://portal.sso.%s.amazonaws.com", region);
	u = xstrdup(e);
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

int
aws_sso_role_credentials(const char *token, const char *sso_region, const char *account,
			 const char *role, long long timeout_ms, struct aws_creds *out,
			 long long *expires_s, char **error)
{
	char *base = sso_endpoint(sso_region), *r_esc = httpget_escape(role), *a_esc = httpget_escape(account);
	char *url = xasprintf("%s/federation/credentials?account_id=%s&role_name=%s", base, a_esc, r_esc);
	char *shown = xasprintf("GetRoleCredentials %s in account %s (%s)", role, account, base);
	char *hdr = xasprintf("x-amz-sso_bearer_token: %s", token);
	const char *headers[2] = { hdr, NULL };
	struct httpget_request rq = { .url = url, .display = shown, .headers = headers, .timeout_ms = timeout_ms };
	struct httpget_result r;
	char err[384];
	int rc = -1;

	memset(out, 0, sizeof *out);
	httpget_request(&rq, &r);
	if (r.error != NULL)
		*error = xstrdup(r.error);
	else if (aws_sso_portal_parse(r.body, r.len, out, expires_s, err, sizeof err) != 0)
		*error = xasprintf("%s: HTTP %ld, %s%s", shown, r.status, err,
				   r.status == 401 || r.status == 403 ? " (aws sso login again)" : "");
	else
		rc = 0;
	wipe_result(&r);
	wipe_free(hdr, strlen(hdr));
	free(url);
	free(shown);
	free(r_esc);
	free(a_esc);
	free(base);
	return rc;
}
