/* duration.c: parse and format durations. */
#include "drconsole/util/duration.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

bool
duration_parse(const char *s, long long *ms, const char **why)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 604800000 },
	};
	const char *dummy, *p = s;
	long long total = 0;
	bool any = false;

	if (why == NULL)
		why = &dummy;
	if (s == NULL || *s == '\0') {
		*why = "empty duration";
		return false;
	}
	while (*p != '\0') {
		long long v = 0, mult = -1;
		size_t ulen = 0;

		if (!isdigit((unsigned char)*p)) {
			*why = *p == '-' ? "durations cannot be negative"
					 : "expected a number such as 90s, 15m, 4h or 1h30m";
			return false;
		}
		while (isdigit((unsigned char)*p)) {
			if (v > (LLONG_MAX / 10) - 10) {
				*why = "duration too large";
				return false;
			}
			v = v * 10 + (*p++ - '0');
		}
		if (*p == '\0' && !any) {	/* a bare number: seconds */
			mult = 1000;
		} else {
			for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
				size_t l = strlen(units[i].unit);

				if (strncmp(p, units[i].unit, l) == 0 && l > ulen &&
				    !isalpha((unsigned char)p[l])) {
					mult = units[i].ms;
					ulen = l;
				}
			}
			if (mult < 0) {
				*why = "unknown unit (use ms, s, m, h, d or w)";
				return false;
			}
			p += ulen;
		}
		if (v > LLONG_MAX / mult || total > LLONG_MAX - v * mult) {
			*why = "duration too large";
			return false;
		}
		total += v * mult;
		any = true;
	}
	*ms = total;
	return true;
}

char *
duration_format(long long ms, char *buf, size_t len)
{
	long long s = ms / 1000;

	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%lldms", ms);
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, s % 60 ? "%lldm%llds" : "%lldm", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, (s % 3600) / 60 ? "%lldh%lldm" : "%lldh", s / 3600, (s % 3600) / 60);
	else
		snprintf(buf, len, (s % 86400) / 3600 ? "%lldd%lldh" : "%lldd", s / 86400, (s % 86400) / 3600);
	return buf;
}
