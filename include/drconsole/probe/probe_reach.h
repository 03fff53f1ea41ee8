/*
 * probe_reach.h: is a host reachable? A TCP connection to one port, bounded
 * by a timeout (the run driver's `SITE.reachable` condition).
 */
#ifndef DRCONSOLE_PROBE_REACH_H
#define DRCONSOLE_PROBE_REACH_H

#include <stdbool.h>

/* Does address:port accept a TCP connection within timeout_ms (<= 0: 5 s)? */
bool reach_tcp(const char *address, int port, long long timeout_ms);

#endif
