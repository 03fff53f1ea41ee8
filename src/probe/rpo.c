/*
 * rpo.c: RPO exposure from a status snapshot. Pure: no locking, no I/O, so
 * the console can compute it on every frame and `check` after one refresh.
 */
#include "drconsole/probe/rpo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/obs_fields.h"

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

const char *
rpo_scenario_name(enum rpo_scenario s)
{
	return s == RPO_INSTANCE_LOSS ? "instance-loss" : "site-loss";
}

enum rpo_scenario
rpo_headline_scenario(const char *rpo_headline, bool aws_pair)
{
	return aws_pair && str_eq(rpo_headline, "instance") ? RPO_INSTANCE_LOSS : RPO_SITE_LOSS;
}

void
rpo_evaluate(const struct status_snapshot *snap, const char *const *expected,
	     double objective_s, long long now_ms, long long interval_ms,
	     struct rpo_result *out)
{
	rpo_evaluate_scenario(snap, expected, objective_s, now_ms, interval_ms, RPO_SITE_LOSS, out);
}

void
rpo_evaluate_scenario(const struct status_snapshot *snap, const char *const *expected,
		      double objective_s, long long now_ms, long long interval_ms,
		      enum rpo_scenario scenario, struct rpo_result *out)
{
	memset(out, 0, sizeof *out);
	out->worst = -1;
	for (size_t i = 0; expected != NULL && expected[i] != NULL; i++) {
		struct rpo_store *e = store_slot(out, expected[i]);

		if (e != NULL)
			e->headline = true;
	}

	/*
	 * A source may cover one part of a store only (rpo_part: one RDS
	 * instance of postgres). Each part needs a source of its own: a part's
	 * exposure is its best source, the parts together are as exposed as
	 * the worst part, and one part without a usable source leaves them
	 * without one. A source without a part covers the whole store.
	 */
	struct part {
		size_t store;
		bool usable;
		double best;
		char name[96], source[128], key[256];
	} *parts = NULL;
	size_t n_parts = 0;

	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		const char *store = obs_field(o, OBS_F_RPO_STORE);
		const char *kind = obs_field(o, OBS_F_RPO_KIND);
		const char *exp = obs_field(o, OBS_F_RPO_EXPOSURE);
		struct rpo_store *s;
		struct part *part = NULL;
		double e, age_s;
		char *end;

		if (store == NULL)
			continue;
		/* a same-region source (RDS point-in-time recovery) is no help when the site is lost */
		if (scenario == RPO_SITE_LOSS && obs_field_is(o, OBS_F_RPO_SCENARIO, OBS_RPO_SCENARIO_INSTANCE))
			continue;
		if ((s = store_slot(out, store)) == NULL)
			continue;
		s->sources_seen++;
		if (!obs_field_is(o, OBS_F_RPO_HEADLINE, OBS_RPO_HEADLINE_NO))
			s->headline = true;
		if (obs_field(o, OBS_F_RPO_PART) != NULL) {
			const char *name = obs_field(o, OBS_F_RPO_PART);
			size_t k = 0;

			while (k < n_parts && !(parts[k].store == (size_t)(s - out->stores) &&
						strcmp(parts[k].name, name) == 0))
				k++;
			if (k == n_parts) {
				parts = xreallocarray(parts, ++n_parts, sizeof *parts);
				memset(&parts[k], 0, sizeof parts[k]);
				parts[k].store = (size_t)(s - out->stores);
				snprintf(parts[k].name, sizeof parts[k].name, "%s", name);
			}
			part = &parts[k];
		}
		if (exp == NULL)
			continue;
		e = strtod(exp, &end);
		if (end == exp || e < 0)
			continue;
		age_s = (double)(now_ms - o->observed_at_ms) / 1000.0;
		if (age_s < 0)
			age_s = 0;
		if (str_eq(kind, OBS_RPO_KIND_BACKUP) || str_eq(kind, OBS_RPO_KIND_PITR))
			e += age_s;
		else if (age_s > 2.0 * (double)interval_ms / 1000.0)
			e += age_s - 2.0 * (double)interval_ms / 1000.0;
		if (part != NULL) {
			if (!part->usable || e < part->best) {
				part->usable = true;
				part->best = e;
				snprintf(part->source, sizeof part->source, "%s%s", o->subject,
					 str_eq(kind, "pitr") ? " (PITR)" : "");
				snprintf(part->key, sizeof part->key, "%s", o->key);
			}
			continue;
		}
		if (!s->have_source || e < s->exposure_s) {
			s->have_source = true;
			s->exposure_s = e;
			snprintf(s->source, sizeof s->source, "%s", o->subject);
			snprintf(s->source_key, sizeof s->source_key, "%s", o->key);
		}
	}

	for (size_t k = 0; k < out->n; k++) {
		struct rpo_store *s = &out->stores[k];
		const struct part *worst = NULL;
		bool all = true, any = false;

		for (size_t i = 0; i < n_parts; i++) {
			if (parts[i].store != k)
				continue;
			any = true;
			if (!parts[i].usable)
				all = false;
			else if (worst == NULL || parts[i].best > worst->best)
				worst = &parts[i];
		}
		if (!any || !all || worst == NULL || (s->have_source && s->exposure_s <= worst->best))
			continue;
		s->have_source = true;
		s->exposure_s = worst->best;
		snprintf(s->source, sizeof s->source, "%s", worst->source);
		snprintf(s->source_key, sizeof s->source_key, "%s", worst->key);
	}
	free(parts);
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
