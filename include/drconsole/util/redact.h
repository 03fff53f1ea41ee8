/*
 * redact.h: credentials that travel inside text, taken out before the text
 * is shown, logged or journaled. Today: the signature and the session token
 * of an AWS presigned URL (a restore hands the host a presigned GET of the
 * backup; whoever holds the whole URL can read the backup until it
 * expires). The rest of the URL (bucket, key, expiry, access key id) stays
 * readable, so an operator still sees which object was fetched.
 */
#ifndef DRCONSOLE_REDACT_H
#define DRCONSOLE_REDACT_H

#include <stddef.h>

/* The mark a redacted value is replaced with. */
#define REDACTED "REDACTED"

/* True when s[0..len) holds something redact() would change. */
int redact_needed(const char *s, size_t len);
/*
 * s[0..len) with the value of every X-Amz-Signature= and
 * X-Amz-Security-Token= query parameter (case-insensitive names) replaced
 * by REDACTED, up to the next '&', quote, space, '<', '>', '\\' or the end.
 * NUL-terminated, its length in *out_len (may be NULL); the caller frees it.
 */
char *redact(const char *s, size_t len, size_t *out_len);

#endif
