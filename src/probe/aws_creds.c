/*
 * aws_creds.c: AWS credentials from the environment, a profile of the
 * shared files (keys, an assumed role, an SSO login) or the instance role
 * (see aws_creds.h).
 */
#include "drconsole/probe/aws_creds.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "drconsole/probe/aws_session.h"
#include "drconsole/probe/httpget.h"
#include "drconsole/util/input.h"
#include "drconsole/util/util.h"

#define IMDS_RETRY_MS (5 * 60 * 1000)	/* after "not on EC2", ask again this much later */

/* Off EC2 every probe run would wait for the metadata service: remember that it is absent. */
static _Atomic long long imds_absent_until;

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

/* One profile's settings: ~/.aws/config, then ~/.aws/credentials over it. */
struct profile {
	bool found;
	char *file;		/* where it was last read, for messages */
	char *access_key;
	char *secret_key;
	char *token;
	char *role_arn;
	char *source_profile;
	char *credential_source;
	char *role_session_name;
	char *external_id;
	char *region;
	char *sso_start_url;
	char *sso_region;
	char *sso_account_id;
	char *sso_role_name;
	char *sso_session;
	char *credential_process;
};

static const struct {
	const char *key;
	size_t off;
} profile_keys[] = {
	{ "aws_access_key_id", offsetof(struct profile, access_key) },
	{ "aws_secret_access_key", offsetof(struct profile, secret_key) },
	{ "aws_session_token", offsetof(struct profile, token) },
	{ "role_arn", offsetof(struct profile, role_arn) },
	{ "source_profile", offsetof(struct profile, source_profile) },
	{ "credential_source", offsetof(struct profile, credential_source) },
	{ "role_session_name", offsetof(struct profile, role_session_name) },
	{ "external_id", offsetof(struct profile, external_id) },
	{ "region", offsetof(struct profile, region) },
	{ "sso_start_url", offsetof(struct profile, sso_start_url) },
	{ "sso_region", offsetof(struct profile, sso_region) },
	{ "sso_account_id", offsetof(struct profile, sso_account_id) },
	{ "sso_role_name", offsetof(struct profile, sso_role_name) },
	{ "sso_session", offsetof(struct profile, sso_session) },
	{ "credential_process", offsetof(struct profile, credential_process) },
};

static char **
profile_slot(struct profile *p, size_t i)
{
	return (char **)(void *)((char *)p + profile_keys[i].off);
}

static void
wipe(char *s)
{
	if (s != NULL)
		memset(s, 0, strlen(s));
}

static void
profile_free(struct profile *p)
{
	wipe(p->secret_key);
	wipe(p->token);
	for (size_t i = 0; i < ARRAY_LEN(profile_keys); i++)
		free(*profile_slot(p, i));
	free(p->file);
	memset(p, 0, sizeof *p);
}

/* "[profile dr]" matches want "profile dr" whatever the blanks between the words. */
static bool
section_is(const char *name, const char *want)
{
	const char *sp = strchr(want, ' ');

	if (sp == NULL)
		return strcmp(name, want) == 0;
	if (strncmp(name, want, (size_t)(sp - want)) != 0 || (name[sp - want] != ' ' && name[sp - want] != '\t'))
		return false;
	name += sp - want;
	while (*name == ' ' || *name == '\t')
		name++;
	return strcmp(name, sp + 1) == 0;
}

/*
 * The keys of section want (or want2) of file into p. 1 the section exists,
 * 0 no such file or section, -1 error (*error set).
 */
static int
read_section(const char *file, const char *want, const char *want2, struct profile *p, char **error)
{
	char *text, *why = NULL;
	size_t len = 0;
	bool in = false, found = false;

	text = input_read(file, INPUT_OTHER, &len, &why);
	if (text == NULL) {
		int e = errno;

		free(why);
		if (e == ENOENT || e == ENOTDIR)
			return 0;
		*error = xasprintf("%s: cannot read: %s", file, strerror(e));
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
			in = section_is(name, want) || (want2 != NULL && section_is(name, want2));
			found = found || in;
			free(name);
			continue;
		}
		if (!in || line[0] == '#' || line[0] == ';' || (eq = strchr(line, '=')) == NULL)
			continue;
		key = trimmed(line, (size_t)(eq - line));
		val = trimmed(eq + 1, strlen(eq + 1));
		for (size_t i = 0; i < ARRAY_LEN(profile_keys); i++) {
			if (strcasecmp(key, profile_keys[i].key) == 0) {
				char **slot = profile_slot(p, i);

				wipe(*slot);
				free(*slot);
				*slot = val;
				val = NULL;
				break;
			}
		}
		wipe(val);
		free(key);
		free(val);
	}
	memset(text, 0, len);
	free(text);
	if (found) {
		free(p->file);
		p->file = xstrdup(file);
	}
	return found ? 1 : 0;
}

static char *
aws_file(const char *env, const char *name)
{
	const char *path = getenv(env), *home = getenv("HOME");

	if (set(path))
		return xstrdup(path);
	return set(home) ? xasprintf("%s/.aws/%s", home, name) : NULL;
}

/* Profile name from both files; 0 with p->found telling, -1 error. */
static int
profile_load(const char *name, struct profile *p, char **error)
{
	char *config = aws_file("AWS_CONFIG_FILE", "config"), *creds = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	char *want = xasprintf("profile %s", name);
	int rc = 0;

	memset(p, 0, sizeof *p);
	if (config != NULL && (rc = read_section(config, want, strcmp(name, "default") == 0 ? "default" : NULL,
						 p, error)) > 0)
		p->found = true;
	if (rc >= 0 && creds != NULL && (rc = read_section(creds, name, NULL, p, error)) > 0)
		p->found = true;
	/* sso_session names an [sso-session NAME] section of the config file with the start URL and region */
	if (rc >= 0 && p->found && set(p->sso_session) && config != NULL) {
		struct profile s;
		char *sec = xasprintf("sso-session %s", p->sso_session);

		memset(&s, 0, sizeof s);
		if ((rc = read_section(config, sec, NULL, &s, error)) > 0) {
			if (!set(p->sso_start_url) && set(s.sso_start_url)) {
				free(p->sso_start_url);
				p->sso_start_url = xstrdup(s.sso_start_url);
			}
			if (!set(p->sso_region) && set(s.sso_region)) {
				free(p->sso_region);
				p->sso_region = xstrdup(s.sso_region);
			}
		}
		free(sec);
		profile_free(&s);
	}
	free(want);
	free(config);
	free(creds);
	if (rc < 0) {
		profile_free(p);
		return -1;
	}
	return 0;
}

/* ---- temporary credentials, kept until shortly before they expire ---------------- */

#define CACHE_SLOTS 8
#define CACHE_MARGIN_S 300	/* renew this long before the expiry */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *profile;
	struct aws_creds c;
	long long expires_s;
} cache[CACHE_SLOTS];

static void
creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	dst->access_key = xstrdup(src->access_key);
	dst->secret_key = xstrdup(src->secret_key);
	dst->token = src->token != NULL ? xstrdup(src->token) : NULL;
	dst->source = xstrdup(src->source);
}

static bool
cache_get(const char *profile, struct aws_creds *out)
{
	long long now = time_wall_ms() / 1000;
	bool hit = false;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS && !hit; i++) {
		if (cache[i].profile != NULL && strcmp(cache[i].profile, profile) == 0 &&
		    cache[i].expires_s - CACHE_MARGIN_S > now) {
			creds_copy(out, &cache[i].c);
			hit = true;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

static void
cache_put(const char *profile, const struct aws_creds *c, long long expires_s)
{
	size_t slot = 0;

	if (expires_s <= 0)
		return;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].profile == NULL || strcmp(cache[i].profile, profile) == 0) {
			slot = i;
			break;
		}
		if (cache[i].expires_s < cache[slot].expires_s)
			slot = i;
	}
	free(cache[slot].profile);
	aws_creds_clear(&cache[slot].c);
	cache[slot].profile = xstrdup(profile);
	creds_copy(&cache[slot].c, c);
	cache[slot].expires_s = expires_s;
	pthread_mutex_unlock(&cache_lock);
}

void
aws_creds_forget(void)
{
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i].profile);
		aws_creds_clear(&cache[i].c);
		cache[i].profile = NULL;
		cache[i].expires_s = 0;
	}
	pthread_mutex_unlock(&cache_lock);
}

/* ---- profiles -------------------------------------------------------------------- */

static int from_imds(struct aws_creds *out, long long timeout_ms, char **error);
static int resolve(const char *name, int depth, long long deadline, struct aws_creds *out, char **error);

static const char *
default_region(const struct profile *p)
{
	const char *r = getenv("AWS_REGION");

	if (set(p->region))
		return p->region;
	if (!set(r))
		r = getenv("AWS_DEFAULT_REGION");
	return set(r) ? r : "us-east-1";
}

/* role_arn: the source profile's (or credential_source's) credentials, then STS AssumeRole. */
static int
assume(const struct profile *p, const char *name, int depth, long long deadline, struct aws_creds *out,
       char **error)
{
	struct aws_creds src;
	char *why = NULL;
	long long expires_s = 0;
	int rc = -1;

	if (cache_get(name, out))
		return 1;
	memset(&src, 0, sizeof src);
	if (set(p->source_profile) && strcmp(p->source_profile, name) == 0) {
		if (set(p->access_key) && set(p->secret_key)) {
			src.access_key = xstrdup(p->access_key);
			src.secret_key = xstrdup(p->secret_key);
			src.token = set(p->token) ? xstrdup(p->token) : NULL;
			src.source = xasprintf("profile %s", name);
			rc = 1;
		} else {
			why = xasprintf("its source_profile is itself but it holds no keys");
		}
	} else if (set(p->source_profile)) {
		rc = resolve(p->source_profile, depth + 1, deadline, &src, &why);
		if (rc == 0)
			why = xasprintf("its source_profile %s has no credentials", p->source_profile);
	} else if (set(p->credential_source) && strcmp(p->credential_source, "Environment") == 0) {
		const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");

		if (set(ak) && set(sk)) {
			src.access_key = xstrdup(ak);
			src.secret_key = xstrdup(sk);
			src.token = set(getenv("AWS_SESSION_TOKEN")) ? xstrdup(getenv("AWS_SESSION_TOKEN")) : NULL;
			src.source = xstrdup("environment");
			rc = 1;
		} else {
			why = xstrdup("credential_source Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
		}
	} else if (set(p->credential_source) && strcmp(p->credential_source, "Ec2InstanceMetadata") == 0) {
		rc = from_imds(&src, deadline - time_mono_ms(), &why);
		if (rc == 0)
			why = xstrdup("credential_source Ec2InstanceMetadata, but this is not an EC2 instance");
	} else if (set(p->credential_source)) {
		why = xasprintf("credential_source %.64s is not read (Environment and Ec2InstanceMetadata are)",
				p->credential_source);
	} else {
		why = xstrdup("it has neither source_profile nor credential_source");
	}
	if (rc > 0) {
		rc = aws_sts_assume_role(&src, p->role_arn, set(p->role_session_name) ? p->role_session_name : "drconsole",
					 p->external_id, default_region(p), deadline - time_mono_ms(), out,
					 &expires_s, &why) == 0 ? 1 : -1;
		if (rc > 0) {
			out->source = xasprintf("role %s (profile %s, through %s)", p->role_arn, name, src.source);
			cache_put(name, out, expires_s);
		}
	}
	aws_creds_clear(&src);
	if (rc < 0) {
		*error = xasprintf("profile %s in %s uses role_arn %s: %s; or export its credentials "
				   "(aws configure export-credentials --profile %s --format env)",
				   name, p->file, p->role_arn, why != NULL ? why : "no credentials", name);
		rc = -1;
	}
	free(why);
	return rc;
}

/* sso_*: the token `aws sso login` cached, exchanged at the portal for the role's credentials. */
static int
sso(const struct profile *p, const char *name, long long deadline, struct aws_creds *out, char **error)
{
	const char *missing = !set(p->sso_start_url) ? "sso_start_url" : !set(p->sso_region) ? "sso_region" :
			      !set(p->sso_account_id) ? "sso_account_id" : !set(p->sso_role_name) ? "sso_role_name" : NULL;
	const char *home = getenv("HOME");
	char *dir, *token = NULL, *why = NULL;
	long long expires_s = 0;
	int rc = -1;

	if (missing != NULL) {
		*error = xasprintf("profile %s in %s uses sso_ settings without %s", name, p->file, missing);
		return -1;
	}
	if (cache_get(name, out))
		return 1;
	dir = xasprintf("%s/.aws/sso/cache", set(home) ? home : ".");
	if (aws_sso_cached_token(dir, set(p->sso_session) ? p->sso_session : p->sso_start_url, name,
				 time_wall_ms() / 1000, &token, &why) == 0 &&
	    aws_sso_role_credentials(token, p->sso_region, p->sso_account_id, p->sso_role_name,
				     deadline - time_mono_ms(), out, &expires_s, &why) == 0) {
		out->source = xasprintf("SSO role %s in account %s (profile %s)", p->sso_role_name,
					p->sso_account_id, name);
		cache_put(name, out, expires_s);
		rc = 1;
	} else {
		*error = xasprintf("profile %s in %s uses sso_ login (%s): %s", name, p->file, p->sso_start_url,
				   why != NULL ? why : "no credentials");
	}
	wipe(token);
	free(token);
	free(why);
	free(dir);
	return rc;
}

/* 1 found, 0 no such profile or no credentials in it, -1 error (*error set). */
static int
resolve(const char *name, int depth, long long deadline, struct aws_creds *out, char **error)
{
	struct profile p;
	int rc = 0;

	if (depth > 4) {
		*error = xasprintf("profile %s: a chain of more than 4 source profiles (a loop?)", name);
		return -1;
	}
	if (profile_load(name, &p, error) != 0)
		return -1;
	if (!p.found) {
		rc = 0;
	} else if (set(p.role_arn)) {
		rc = assume(&p, name, depth, deadline, out, error);
	} else if (set(p.sso_start_url) || set(p.sso_session) || set(p.sso_account_id) || set(p.sso_role_name)) {
		rc = sso(&p, name, deadline, out, error);
	} else if (set(p.access_key) && set(p.secret_key)) {
		out->access_key = p.access_key;
		out->secret_key = p.secret_key;
		p.access_key = p.secret_key = NULL;
		if (set(p.token)) {
			out->token = p.token;
			p.token = NULL;
		}
		out->source = xasprintf("profile %s (%s)", name, p.file);
		rc = 1;
	} else if (set(p.credential_process)) {
		*error = xasprintf("profile %s in %s uses credential_process, which is not read: export its credentials "
				   "(aws configure export-credentials --profile %s --format env)", name, p.file, name);
		rc = -1;
	}
	profile_free(&p);
	return rc;
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
aws_creds_find_profile(struct aws_creds *out, const char *profile, long long timeout_ms, char **error)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tk = getenv("AWS_SESSION_TOKEN");
	long long deadline = time_mono_ms() + timeout_ms;
	bool named = set(profile);
	int rc;

	memset(out, 0, sizeof *out);
	*error = NULL;
	/* as for the AWS CLI's --profile, a profile named for the site outranks the environment */
	if (!named && set(ak) && set(sk)) {
		out->access_key = xstrdup(ak);
		out->secret_key = xstrdup(sk);
		out->token = set(tk) ? xstrdup(tk) : NULL;
		out->source = xstrdup("environment");
		return 0;
	}
	if (!named)
		profile = set(getenv("AWS_PROFILE")) ? getenv("AWS_PROFILE") : "default";
	if ((rc = resolve(profile, 0, deadline, out, error)) != 0) {
		if (rc < 0)
			aws_creds_clear(out);
		return rc > 0 ? 0 : -1;
	}
	aws_creds_clear(out);
	if (named) {
		char *config = aws_file("AWS_CONFIG_FILE", "config");
		char *creds = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");

		*error = xasprintf("no AWS credentials for profile %s (drconsole.yml aws_profile): not in %s or %s",
				   profile, config != NULL ? config : "~/.aws/config",
				   creds != NULL ? creds : "~/.aws/credentials");
		free(config);
		free(creds);
		return -1;
	}
	if ((rc = from_imds(out, deadline - time_mono_ms(), error)) != 0)
		return rc > 0 ? 0 : -1;
	*error = xstrdup("no AWS credentials: not in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), "
			 "not in the shared files (AWS_PROFILE in ~/.aws/credentials or ~/.aws/config), "
			 "and no EC2 instance role");
	return -1;
}

int
aws_creds_find(struct aws_creds *out, long long timeout_ms, char **error)
{
	return aws_creds_find_profile(out, NULL, timeout_ms, error);
}
