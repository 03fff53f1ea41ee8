/*
 * s3_presign.c: SigV4 query authentication for one GET (see s3_presign.h),
 * as AWS documents it ("Authenticating Requests: Using Query Parameters"):
 * the canonical request signs only the host header and an unsigned payload,
 * the parameters sorted by name, every value RFC 3986-encoded.
 */
#include "drconsole/probe/s3_presign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/util/digest.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

/* RFC 3986 encoding; '/' kept when keep_slash (an object key in a path). */
static void
uri_encode(struct strbuf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~' || (keep_slash && *p == '/'))
			strbuf_printf(b, "%c", *p);
		else
			strbuf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int n = 32;

	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n);
}

struct param {
	const char *name;
	char *value;		/* encoded */
};

static int
param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

char *
s3_presign_get(const struct s3_presign *p, char **err)
{
	const char *host;
	char amz_date[17], date[9], hashed[DIGEST_SHA256_HEX_LEN + 1], sig[65];
	unsigned char k[32];
	struct strbuf path = STRBUF_INIT, query = STRBUF_INIT, canon = STRBUF_INIT, sts = STRBUF_INIT,
		      enc = STRBUF_INIT, url = STRBUF_INIT;
	struct param params[8];
	size_t np = 0;
	char *hostbuf = NULL, *scope, *cred, *out;
	struct tm tm;
	time_t t = (time_t)p->now_s;

	*err = NULL;
	if (p->base_url == NULL || p->bucket == NULL || p->key == NULL || *p->key == '\0' ||
	    p->access_key == NULL || p->secret_key == NULL || p->region == NULL) {
		*err = xstrdup("presign: endpoint, bucket, key, region and credentials are needed");
		return NULL;
	}
	if (p->expires_s < 1 || p->expires_s > 604800) {
		*err = xasprintf("presign: expiry %ld s is outside 1..604800", p->expires_s);
		return NULL;
	}
	host = strstr(p->base_url, "://");
	if (host == NULL || host[3] == '\0' || strchr(host + 3, '/') != NULL) {
		*err = xasprintf("presign: %s is not scheme://host[:port]", p->base_url);
		return NULL;
	}
	host += 3;
	if (!p->path_style)
		host = hostbuf = xasprintf("%s.%s", p->bucket, host);
	gmtime_r(&t, &tm);
	strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
	strftime(date, sizeof date, "%Y%m%d", &tm);
	scope = xasprintf("%s/%s/s3/aws4_request", date, p->region);
	cred = xasprintf("%s/%s", p->access_key, scope);

	strbuf_puts(&path, "/");
	if (p->path_style) {
		uri_encode(&path, p->bucket, false);
		strbuf_puts(&path, "/");
	}
	uri_encode(&path, p->key, true);

#define ADD(n, v) do {							\
		strbuf_reset(&enc);					\
		uri_encode(&enc, (v), false);				\
		params[np].name = (n);					\
		params[np++].value = xstrdup(strbuf_str(&enc));		\
	} while (0)
	ADD("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
	ADD("X-Amz-Credential", cred);
	ADD("X-Amz-Date", amz_date);
	{
		char ex[24];

		snprintf(ex, sizeof ex, "%ld", p->expires_s);
		ADD("X-Amz-Expires", ex);
	}
	ADD("X-Amz-SignedHeaders", "host");
	if (p->token != NULL && *p->token != '\0')
		ADD("X-Amz-Security-Token", p->token);
	if (p->version_id != NULL && *p->version_id != '\0')
		ADD("versionId", p->version_id);
#undef ADD
	qsort(params, np, sizeof *params, param_cmp);
	for (size_t i = 0; i < np; i++)
		strbuf_printf(&query, "%s%s=%s", i > 0 ? "&" : "", params[i].name, params[i].value);

	strbuf_printf(&canon, "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", strbuf_str(&path),
		      strbuf_str(&query), host);
	digest_sha256_hex(strbuf_str(&canon), strlen(strbuf_str(&canon)), hashed);
	strbuf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, hashed);
	{
		char *k0 = xasprintf("AWS4%s", p->secret_key);

		hmac(k0, strlen(k0), date, k);
		explicit_bzero(k0, strlen(k0));
		free(k0);
	}
	hmac(k, 32, p->region, k);
	hmac(k, 32, "s3", k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, strbuf_str(&sts), k);
	for (int i = 0; i < 32; i++)
		snprintf(sig + 2 * i, 3, "%02x", k[i]);
	explicit_bzero(k, sizeof k);

	strbuf_printf(&url, "%.*s%s%s?%s&X-Amz-Signature=%s", (int)(strstr(p->base_url, "://") + 3 - p->base_url),
		      p->base_url, host, strbuf_str(&path), strbuf_str(&query), sig);
	out = xstrdup(strbuf_str(&url));
	for (size_t i = 0; i < np; i++)
		free(params[i].value);
	free(hostbuf);
	free(scope);
	free(cred);
	strbuf_free(&path);
	strbuf_free(&query);
	strbuf_free(&canon);
	strbuf_free(&sts);
	strbuf_free(&enc);
	strbuf_free(&url);
	return out;
}
