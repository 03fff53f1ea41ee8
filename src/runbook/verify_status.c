/*
 * verify_status.c: the last backup verification, from the journals (see
 * verify_status.h). A dry-run proves nothing and an unfinished run has no
 * outcome yet: neither counts.
 */
#include "drconsole/runbook/verify_status.h"

#include <stdio.h>
#include <string.h>

#include "drconsole/util/duration.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/util/util.h"

bool
verify_is_runbook(const char *path)
{
	const char *b;

	if (path == NULL)
		return false;
	b = strrchr(path, '/');
	return str_starts_with(b != NULL ? b + 1 : path, "verify-backup");
}

static bool
configured(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_runbooks; i++)
		if (verify_is_runbook(cfg->runbooks[i]))
			return true;
	return false;
}

static long long
every_of(const struct config *cfg)
{
	return cfg->verify_every_ms > 0 ? cfg->verify_every_ms : VERIFY_EVERY_DEFAULT_MS;
}

enum obs_status
verify_judge(const struct run_info *runs, size_t n, long long now_ms, long long every_ms,
	     long long *age_ms, char *msg, size_t len)
{
	const struct run_info *last = NULL;
	char age[32], every[32];

	for (size_t i = 0; i < n; i++) {
		const struct run_info *r = &runs[i];

		if (r->outcome == NULL || run_mode_parse(r->mode) == RUN_DRY || r->started_ms <= 0 ||
		    !verify_is_runbook(r->runbook))
			continue;
		if (last == NULL || r->started_ms > last->started_ms)
			last = r;
	}
	*age_ms = -1;
	duration_format(every_ms, every, sizeof every);
	if (last == NULL) {
		snprintf(msg, len, "no backup verification on record (drconsole verify-backup; "
			 "objectives.verify_every %s)", every);
		return OBS_WARN;
	}
	*age_ms = now_ms - last->started_ms < 0 ? 0 : now_ms - last->started_ms;
	duration_format(*age_ms, age, sizeof age);
	if (!str_eq(last->outcome, "completed")) {
		snprintf(msg, len, "the last backup verification (%s, %s ago) did not pass: %s",
			 last->id, age, last->outcome);
		return OBS_CRIT;
	}
	if (*age_ms > every_ms) {
		snprintf(msg, len, "restore last verified %s ago (%s), longer than objectives.verify_every %s",
			 age, last->id, every);
		return OBS_WARN;
	}
	snprintf(msg, len, "restore verified %s ago (%s)", age, last->id);
	return OBS_OK;
}

void
verify_status_post(struct status_store *st, const struct config *cfg, long long now_ms)
{
	struct run_info *runs;
	size_t n = 0;
	long long age;
	char msg[256];
	enum obs_status s;
	struct observation *o;

	if (!configured(cfg))
		return;
	runs = history_list(cfg->state_dir, &n);
	s = verify_judge(runs, n, now_ms, every_of(cfg), &age, msg, sizeof msg);
	history_free(runs, n);
	o = obs_create(SITE_SECONDARY, "verify", "secondary/verify/postgres", "postgres restore verified");
	obs_set(o, s, s == OBS_OK ? "verified" : s == OBS_CRIT ? "failed" : age < 0 ? "never" : "old",
		"%s", msg);
	if (age >= 0)
		obs_set_value(o, (double)age / 1000.0, "s");
	status_store_post(st, o);
}

char *
verify_status_header(const struct config *cfg, long long now_ms)
{
	struct run_info *runs;
	size_t n = 0;
	long long age;
	char msg[256], buf[32];
	enum obs_status s;

	if (!configured(cfg))
		return NULL;
	runs = history_list(cfg->state_dir, &n);
	s = verify_judge(runs, n, now_ms, every_of(cfg), &age, msg, sizeof msg);
	history_free(runs, n);
	if (age < 0)
		return xstrdup("restore never verified");
	duration_format(age, buf, sizeof buf);
	return xasprintf(s == OBS_CRIT ? "restore verification FAILED %s ago" :
			 s == OBS_WARN ? "restore verified %s ago (OLD)" : "restore verified %s ago", buf);
}
