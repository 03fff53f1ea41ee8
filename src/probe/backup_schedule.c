/*
 * backup_schedule.c: commcare-cloud's backup schedule, key names and the
 * freshness verdict.
 *
 * DESIGN: time is plain UTC epoch seconds and calendar arithmetic is done
 * with days_from_civil (no timegm/TZ, no locale), so the module is pure and
 * the tests can pin any instant. A cron line is searched backwards a day at
 * a time (at most 8 days: every line runs at least once a week).
 */
#include "drconsole/probe/backup_schedule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400LL
#define HOUR 3600LL

const char *
backup_type_name(enum backup_type t)
{
	switch (t) {
	case BACKUP_HOURLY: return "hourly";
	case BACKUP_DAILY: return "daily";
	case BACKUP_WEEKLY: return "weekly";
	case BACKUP_TYPE_COUNT: break;
	}
	return "?";
}

const char *
backup_verdict_name(enum backup_verdict v)
{
	switch (v) {
	case BACKUP_OK: return "ok";
	case BACKUP_LATE: return "late";
	case BACKUP_MISSING: return "missing";
	}
	return "?";
}

void
backup_cron_for(enum backup_store store, enum backup_type type, int nadir_hour,
		int nadir_hour_frequency, struct backup_cron *out)
{
	int h = nadir_hour >= 0 && nadir_hour < 24 ? nadir_hour : 0;
	int f = nadir_hour_frequency > 0 ? nadir_hour_frequency : 1;

	memset(out, 0, sizeof *out);
	switch (type) {
	case BACKUP_WEEKLY:
		out->hour = h;
		out->dow_mask = 1u << 0;
		break;
	case BACKUP_HOURLY:
		out->minute = store == STORE_COUCH ? 0 : 15;
		out->hour = -1;
		out->hour_step = f;
		out->dow_mask = 0x7eu;
		break;
	case BACKUP_DAILY:
	default:
		out->hour = h;
		out->dow_mask = 0x7eu;	/* 1-6: Monday to Saturday */
		break;
	}
}

static long long
floor_div(long long a, long long b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

long long
backup_cron_prev(const struct backup_cron *c, long long t)
{
	long long day = floor_div(t, DAY);

	for (long long d = day; d >= day - 8; d--) {
		int dow = (int)(((d % 7) + 11) % 7);	/* 1970-01-01 was a Thursday (4) */

		if (!(c->dow_mask & (1u << dow)))
			continue;
		for (int h = 23; h >= 0; h--) {
			long long at;

			if (c->hour >= 0 ? h != c->hour : (h % c->hour_step) != 0)
				continue;
			at = d * DAY + h * HOUR + c->minute * 60LL;
			if (at <= t)
				return at;
		}
	}
	return -1;
}

void
backup_expect(const struct backup_cron *c, long long now, long long grace_s,
	      struct backup_expectation *out)
{
	out->due_run = backup_cron_prev(c, now - (grace_s > 0 ? grace_s : 0));
	out->previous_run = out->due_run >= 0 ? backup_cron_prev(c, out->due_run - 1) : -1;
	out->expected_by = out->due_run >= 0 ? out->due_run + (grace_s > 0 ? grace_s : 0) : -1;
}

enum backup_verdict
backup_judge(const struct backup_expectation *e, bool found, long long taken_at)
{
	if (!found)
		return BACKUP_MISSING;
	if (taken_at >= e->due_run)
		return BACKUP_OK;
	if (taken_at >= e->previous_run)
		return BACKUP_LATE;
	return BACKUP_MISSING;
}

bool
backup_days_from_civil(int y, int m, int d, long long *days)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	long long yy, era, yoe, doy, doe;

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap))
		return false;
	/* Howard Hinnant's days_from_civil */
	yy = m <= 2 ? y - 1 : y;
	era = floor_div(yy, 400);
	yoe = yy - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = era * 146097 + doe - 719468;
	return true;
}

/* Exactly n decimal digits at s into *v. */
static bool
digits(const char *s, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

bool
backup_time_parse(const char *s, long long *out)
{
	int y, mo, d, h, mi, se;
	long long days;
	const char *p;

	if (s == NULL || strlen(s) < 19 ||
	    !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return false;
	if (h > 23 || mi > 59 || se > 60 || !backup_days_from_civil(y, mo, d, &days))
		return false;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!(p[0] == 'Z' && p[1] == '\0') && !(strcmp(p, "+00:00") == 0))
		return false;
	*out = days * DAY + h * HOUR + mi * 60LL + se;
	return true;
}

char *
backup_time_format(long long t, char *buf, size_t len)
{
	long long days = floor_div(t, DAY), secs = t - days * DAY;
	long long z = days + 719468, era = floor_div(z, 146097);
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	long long m = mp < 10 ? mp + 3 : mp - 9;

	if (m <= 2)
		y++;
	snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y, m, d,
		 secs / HOUR, secs % HOUR / 60, secs % 60);
	return buf;
}

static const char *
store_stem(enum backup_store store)
{
	return store == STORE_POSTGRES ? "postgres" : store == STORE_COUCH ? "couchdb" : "blobdb";
}

char *
backup_key_prefix(enum backup_store store, const char *deploy_env, bool versioned,
		  char *buf, size_t len)
{
	if (store == STORE_POSTGRES && !versioned && deploy_env != NULL)
		snprintf(buf, len, "postgres_%s_", deploy_env);
	else
		snprintf(buf, len, "%s_", store_stem(store));
	return buf;
}

/* "daily_", "weekly_", "hourly_" at the start of s: the type, and s moved past it. */
static bool
take_type(const char **s, enum backup_type *type)
{
	for (int t = 0; t < BACKUP_TYPE_COUNT; t++) {
		const char *n = backup_type_name((enum backup_type)t);
		size_t l = strlen(n);

		if (strncmp(*s, n, l) == 0 && (*s)[l] == '_') {
			*type = (enum backup_type)t;
			*s += l + 1;
			return true;
		}
	}
	return false;
}

/* "YYYY_MM_DD" (+ "_HH" when hourly), exactly the whole of s[0..n). */
static bool
parse_stamp(const char *s, size_t n, bool hourly, long long *start, long long *end)
{
	int y, m, d, h = 0;
	long long days;

	if (n != (hourly ? 13u : 10u) || !digits(s, 4, &y) || s[4] != '_' ||
	    !digits(s + 5, 2, &m) || s[7] != '_' || !digits(s + 8, 2, &d))
		return false;
	if (hourly && (s[10] != '_' || !digits(s + 11, 2, &h) || h > 23))
		return false;
	if (!backup_days_from_civil(y, m, d, &days))
		return false;
	*start = days * DAY + h * HOUR;
	*end = *start + (hourly ? HOUR : DAY);
	return true;
}

bool
backup_key_parse(enum backup_store store, const char *deploy_env, const char *format,
		 const char *key, struct backup_key *out)
{
	const char *stem = store_stem(store), *p, *rest;
	size_t kl, sl = strlen(stem), body;
	bool dump = store == STORE_POSTGRES && str_eq(format, "dump");

	memset(out, 0, sizeof *out);
	if (key == NULL || strncmp(key, stem, sl) != 0 || key[sl] != '_' || strchr(key, '/') != NULL)
		return false;
	kl = strlen(key);
	/* plain: .tar.gz; dump: .gz but not .tar.gz */
	if (dump) {
		if (!str_ends_with(key, ".gz") || str_ends_with(key, ".tar.gz"))
			return false;
		body = kl - 3;
	} else {
		if (!str_ends_with(key, ".tar.gz"))
			return false;
		body = kl - 7;
	}
	out->dump = dump;
	p = key + sl + 1;
	/* dated postgres keys carry the deploy_env first */
	if (store == STORE_POSTGRES && deploy_env != NULL && *deploy_env != '\0') {
		size_t el = strlen(deploy_env);

		rest = p;
		if (strncmp(rest, deploy_env, el) == 0 && rest[el] == '_') {
			rest += el + 1;
			if (take_type(&rest, &out->type) && rest <= key + body &&
			    parse_stamp(rest, (size_t)(key + body - rest), out->type == BACKUP_HOURLY,
					&out->period_start, &out->period_end)) {
				out->kind = BACKUP_KEY_DATED;
				return true;
			}
		}
	}
	rest = p;
	if (!take_type(&rest, &out->type) || rest >= key + body)
		return false;
	if (store != STORE_POSTGRES &&
	    parse_stamp(rest, (size_t)(key + body - rest), out->type == BACKUP_HOURLY,
			&out->period_start, &out->period_end)) {
		out->kind = BACKUP_KEY_DATED;
		return true;
	}
	/* fixed key: postgres_<type>_<hostname>; a dated-looking tail is not a hostname */
	if ((size_t)(key + body - rest) >= sizeof out->host)
		return false;
	{
		long long s, e;

		if (parse_stamp(rest, (size_t)(key + body - rest), false, &s, &e) ||
		    parse_stamp(rest, (size_t)(key + body - rest), true, &s, &e))
			return false;
	}
	for (const char *c = rest; c < key + body; c++)
		if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '.' || *c == '_'))
			return false;
	memcpy(out->host, rest, (size_t)(key + body - rest));
	out->host[key + body - rest] = '\0';
	out->kind = BACKUP_KEY_FIXED;
	return true;
}

long long
backup_taken_at(const struct backup_key *k, long long last_modified)
{
	if (k->kind == BACKUP_KEY_DATED && last_modified > k->period_end)
		return k->period_end;
	return last_modified;
}
