/*
 * rpo.c: RPO exposure from a status snapshot. Pure: no locking, no I/O, so
 * the console can compute it on every frame and `check` after one refresh.
 */
#include "drconsole/rpo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum obs_status
rpo_judge(double exposure_s, double objective_s)
{
	if (objective_s <= 0)
		return OBS_UNKNOWN;
	if (exposure_s > objective_s)
		return OBS_CRIT;
	if (exposure_s > objective_s / 2)
		return OBS_WARN;
	return OBS_OK;
}

static struct rpo_store *
store_slot(struct rpo_result *out, const char *name)
{
	struct rpo_store *s;

	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->stores[i].store, name) == 0)
			return &out->stores[i];
	if (out->n >= RPO_MAX_STORES)
		return NULL;
	s = &out->stores[out->n++];
	memset(s, 0, sizeof *s);
	snprintf(s->store, sizeof s->store, "%s", name);
	s->status = OBS_CRIT;
	return s;
}

/* a is a worse headline than b: more severe, then no source, then larger exposure. */
static bool
worse(const struct rpo_store *a, const struct rpo_store *b)
{
	if (a->status != b->status)
		return obs_status_worst(a->status, b->status) == a->status;
	if (a->have_source != b->have_source)
		return !a->have_source;
	return a->have_source && a->exposure_s > b->exposure_s;
}

void
rpo_evaluate(const struct status_snapshot *snap, const char *const *expected,
	     double objective_s, long long now_ms, long long interval_ms,
	     struct rpo_result *out)
{
	memset(out, 0, sizeof *out);
	out->worst = -1;
	for (size_t i = 0; expected != NULL && expected[i] != NULL; i++) {
		struct rpo_store *e = store_slot(out, expected[i]);

		if (e != NULL)
			e->headline = true;
	}

	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		const char *store = obs_field(o, "rpo_store");
		const char *kind = obs_field(o, "rpo_kind");
		const char *exp = obs_field(o, "rpo_exposure_s");
		struct rpo_store *s;
		double e, age_s;
		char *end;

		if (store == NULL || (s = store_slot(out, store)) == NULL)
			continue;
		s->sources_seen++;
		if (!str_eq(obs_field(o, "rpo_headline"), "no"))
			s->headline = true;
		if (exp == NULL)
			continue;
		e = strtod(exp, &end);
		if (end == exp || e < 0)
			continue;
		age_s = (double)(now_ms - o->observed_at_ms) / 1000.0;
		if (age_s < 0)
			age_s = 0;
		if (str_eq(kind, "backup"))
			e += age_s;
		else if (age_s > 2.0 * (double)interval_ms / 1000.0)
			e += age_s - 2.0 * (double)interval_ms / 1000.0;
		if (!s->have_source || e < s->exposure_s) {
			s->have_source = true;
			s->exposure_s = e;
			snprintf(s->source, sizeof s->source, "%s", o->subject);
			snprintf(s->source_key, sizeof s->source_key, "%s", o->key);
		}
	}

	out->status = OBS_PENDING;
	for (size_t i = 0; i < out->n; i++) {
		struct rpo_store *s = &out->stores[i];

		s->status = s->have_source ? rpo_judge(s->exposure_s, objective_s) : OBS_CRIT;
		if (!s->headline)
			continue;
		if (out->worst < 0 || worse(s, &out->stores[out->worst]))
			out->worst = (int)i;
		out->status = obs_status_worst(out->status, s->status);
	}
}
