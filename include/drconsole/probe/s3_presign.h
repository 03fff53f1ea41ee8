/*
 * s3_presign.h: presigned S3 GET URLs (SigV4 query authentication), so a
 * host without the AWS CLI or credentials can fetch one object with curl.
 * The URL names one object (and version) and expires; it carries the
 * access key id and a signature, never the secret key.
 */
#ifndef DRCONSOLE_S3_PRESIGN_H
#define DRCONSOLE_S3_PRESIGN_H

#include <stdbool.h>

struct s3_presign {
	const char *base_url;		/* scheme://host[:port], no trailing slash */
	const char *bucket;
	bool path_style;		/* base/bucket/key, else bucket.host/key */
	const char *region;
	const char *key;
	const char *version_id;		/* NULL: the latest version */
	const char *access_key;
	const char *secret_key;
	const char *token;		/* session token or NULL */
	long long now_s;		/* UTC epoch seconds the signature is dated */
	long expires_s;			/* 1 .. 604800 */
};

/* The URL (caller frees), or NULL with *err set (caller frees). */
char *s3_presign_get(const struct s3_presign *p, char **err);

#endif
