/*
 * digest.h: SHA-256 (OpenSSL's libcrypto) as lowercase hex, for the
 * runbook hash a journal keeps beside its copy of the runbook.
 */
#ifndef DRCONSOLE_DIGEST_H
#define DRCONSOLE_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_HEX_LEN 64

/* out gets 64 hex digits and a NUL. */
void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_SHA256_HEX_LEN + 1]);

#endif
