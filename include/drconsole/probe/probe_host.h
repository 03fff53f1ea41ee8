/*
 * probe_host.h: host reachability over SSH. One job per SSH-able host of
 * either site (struct site.hosts). A run leases the host's kept session
 * from the site's pool (struct probe_env, probes.h), connecting, verifying
 * the host key and authenticating only when there is none, and runs `true`:
 * in steady state one exec round trip, no handshake.
 *
 * Observation key <site>/host/<name>, probe "host":
 *   up               OK    value = latency ms (connect+verify+auth+exec, or exec alone)
 *   down             CRIT  refused, unreachable, reset
 *   timeout          CRIT  no answer (TCP, banner, key exchange, auth or exec) in the bound
 *   auth-failed      CRIT  runbooks could not run there
 *   hostkey-unknown  WARN  not in the env's known_hosts nor the user's: nothing was sent
 *                          after the key check; run update-local-known-hosts
 *   hostkey-CHANGED  CRIT  the key differs from known_hosts: possible man-in-the-middle;
 *                          nothing was sent after the key check
 *   hostkey-REVOKED  CRIT  a known_hosts file marks the key @revoked (either file,
 *                          whatever else lists it): nothing was sent after the key check
 *   error            UNKNOWN  protocol or local failure
 * Fields: address, port, user, group, reused (yes/no), key_type, fingerprint
 * (OpenSSH SHA256 form, whenever a key was seen), exit_status of `true`.
 */
#ifndef DRCONSOLE_PROBE_HOST_H
#define DRCONSOLE_PROBE_HOST_H

#include <stddef.h>

#include "drconsole/probe/scheduler.h"

struct host_target {
	enum site_role site;
	char *name;		/* inventory host name */
	char *address;
	int port;
	char *user;		/* NULL: the pool's */
	char *group;		/* for display; may be NULL */
};

/* Copies every string. */
struct host_target *host_target_create(enum site_role site, const char *name,
				       const char *address, int port, const char *user,
				       const char *group);
void host_target_free(void *target);

extern const struct probe_type probe_host;

struct probe_setup;
/* One job per SSH-able host of either site. */
size_t host_add_jobs(const struct probe_setup *ps);

#endif
