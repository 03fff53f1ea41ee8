/*
 * duration.h: durations as people write them in config and runbooks
 * ("90s", "15m", "4h", "1h30m", "2d", "500ms"; a bare number is seconds) and
 * as the console shows them ("42s", "6h12m", "3d4h", "850ms").
 */
#ifndef DRCONSOLE_DURATION_H
#define DRCONSOLE_DURATION_H

#include <stdbool.h>
#include <stddef.h>

/* Parse into milliseconds; false (with *why) on anything else. */
bool duration_parse(const char *s, long long *ms, const char **why);
/* Compact human form of ms into buf; returns buf. Negative → "-". */
char *duration_format(long long ms, char *buf, size_t len);

#endif
