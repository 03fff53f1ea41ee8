/*
 * status_report.c: run every probe once (bounded by a deadline: a hanging
 * host makes its own row UNKNOWN, it does not stall the report), then print
 * observations grouped by site, and the RPO exposure.
 */
#include "drconsole/status_report.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/duration.h"
#include "drconsole/output.h"
#include "drconsole/probes.h"
#include "drconsole/rpo.h"

struct run {
	struct probe_env *env;
	struct status_store *store;
	struct scheduler *sched;
	struct status_snapshot *snap;
	struct rpo_result rpo;		/* the primary site (its region) lost: the headline */
	struct rpo_result rpo_instance;	/* one database instance lost */
	bool have_instance;		/* some source is for instance loss only (RDS PITR) */
	size_t late;
};

static void
run_probes(struct app *app, struct run *r)
{
	long long deadline;

	memset(r, 0, sizeof *r);
	r->store = status_store_create(0);
	r->env = probe_env_create(&app->cfg, app->sites);
	r->sched = scheduler_create(r->store, r->env, 32, app->cfg.refresh_ms);
	probes_add_all(r->sched, r->store, &app->cfg, app->sites);
	deadline = time_mono_ms() + app->cfg.probe_timeout_ms + 2000;
	r->late = scheduler_run_once(r->sched, deadline);
	r->snap = status_store_snapshot(r->store);
	rpo_evaluate(r->snap, probes_rpo_stores(app->sites), (double)app->cfg.rpo_ms / 1000.0,
		     time_wall_ms(), app->cfg.refresh_ms, &r->rpo);
	rpo_evaluate_scenario(r->snap, probes_rpo_stores(app->sites), (double)app->cfg.rpo_ms / 1000.0,
			      time_wall_ms(), app->cfg.refresh_ms, RPO_INSTANCE_LOSS, &r->rpo_instance);
	for (size_t i = 0; i < r->snap->n; i++)
		if (str_eq(obs_field(r->snap->items[i], "rpo_scenario"), "instance"))
			r->have_instance = true;
}

static json_t *
rpo_json(const struct rpo_result *rpo, const char *scenario)
{
	json_t *stores = json_array();

	for (size_t i = 0; i < rpo->n; i++) {
		const struct rpo_store *st = &rpo->stores[i];

		json_array_append_new(stores, json_pack("{s:s,s:s,s:o,s:s?,s:b}", "store", st->store,
			"status", obs_status_name(st->status),
			"exposure_s", st->have_source ? json_real(st->exposure_s) : json_null(),
			"source", st->have_source ? st->source : NULL,
			"headline", st->headline));
	}
	return json_pack("{s:s,s:s,s:o}", "scenario", scenario, "status", obs_status_name(rpo->status),
			 "stores", stores);
}

static void
rpo_print(FILE *fp, const struct rpo_result *rpo)
{
	char buf[32];

	for (size_t i = 0; i < rpo->n; i++) {
		const struct rpo_store *st = &rpo->stores[i];

		if (st->have_source)
			fprintf(fp, "  %-7s %-9s exposure %s via %s%s\n", obs_status_word(st->status),
				st->store, duration_format((long long)(st->exposure_s * 1000), buf,
				sizeof buf), st->source, st->headline ? "" : " (not in the headline)");
		else
			fprintf(fp, "  %-7s %-9s no usable recovery source (%zu known)%s\n",
				obs_status_word(st->status), st->store, st->sources_seen,
				st->headline ? "" : " (not in the headline)");
	}
}

static void
run_free(struct run *r)
{
	status_snapshot_free(r->snap);
	scheduler_free(r->sched);
	probe_env_free(r->env);
	status_store_free(r->store);
}

static void
print_obs(FILE *fp, const struct observation *o)
{
	char v[64] = "";

	if (o->has_value && o->unit != NULL && strcmp(o->unit, "s") == 0)
		duration_format((long long)(o->value * 1000), v, sizeof v);
	else if (o->has_value)
		snprintf(v, sizeof v, "%.0f%s", o->value, o->unit != NULL ? o->unit : "");
	fprintf(fp, "  %-7s %-5s %-34s %-14s %-8s %s\n", obs_status_word(o->status), o->probe,
		o->subject, o->state, v, o->message);
}

int
status_report_live(struct app *app, bool json, FILE *fp)
{
	struct run r;
	enum obs_status worst = OBS_OK;
	char obj[32];
	int rc;

	run_probes(app, &r);
	for (size_t i = 0; i < r.snap->n; i++)
		worst = obs_status_worst(worst, r.snap->items[i]->status);
	worst = obs_status_worst(worst, r.rpo.status);
	if (json) {
		json_t *o = json_object(), *sites = json_object();

		for (int s = 0; s < 2; s++) {
			json_t *site = site_to_json(app->sites[s]), *obs = json_array();

			for (size_t i = 0; i < r.snap->n; i++)
				if ((int)r.snap->items[i]->site == s)
					json_array_append_new(obs, obs_to_json(r.snap->items[i]));
			json_object_set_new(site, "observations", obs);
			json_object_set_new(sites, site_role_name(s), site);
		}
		json_object_set_new(o, "version", json_string(DRCONSOLE_VERSION));
		json_object_set_new(o, "offline", json_false());
		json_object_set_new(o, "observed_at_ms", json_integer(time_wall_ms()));
		json_object_set_new(o, "status", json_string(obs_status_name(worst)));
		json_object_set_new(o, "objectives", json_pack("{s:I,s:I}",
			"rpo_s", (json_int_t)(app->cfg.rpo_ms / 1000),
			"rto_s", (json_int_t)(app->cfg.rto_ms / 1000)));
		json_object_set_new(o, "rpo", rpo_json(&r.rpo, "site-loss"));
		if (r.have_instance)
			json_object_set_new(o, "rpo_instance_loss", rpo_json(&r.rpo_instance, "instance-loss"));
		json_object_set_new(o, "sites", sites);
		output_json(o, fp, JSON_INDENT(2));
		json_decref(o);
	} else {
		for (int s = 0; s < 2; s++) {
			fprintf(fp, "%s %s (%s)\n", s == SITE_PRIMARY ? "PRIMARY" : "SECONDARY",
				app->sites[s]->env_name, app->sites[s]->deploy_env);
			for (size_t i = 0; i < r.snap->n; i++)
				if ((int)r.snap->items[i]->site == s)
					print_obs(fp, r.snap->items[i]);
		}
		duration_format(app->cfg.rpo_ms, obj, sizeof obj);
		fprintf(fp, "RPO objective %s: %s%s\n", obj, obs_status_word(r.rpo.status),
			r.have_instance ? " if the primary site (its region) is lost" : "");
		rpo_print(fp, &r.rpo);
		if (r.have_instance) {
			fprintf(fp, "RPO objective %s: %s if one database instance is lost\n", obj,
				obs_status_word(r.rpo_instance.status));
			rpo_print(fp, &r.rpo_instance);
		}
		if (r.late > 0)
			fprintf(fp, "%zu probe%s did not finish before the deadline\n", r.late,
				r.late == 1 ? "" : "s");
	}
	rc = status_live_exit_code(r.snap, r.rpo.status);
	run_free(&r);
	return rc;
}

int
status_live_exit_code(const struct status_snapshot *snap, enum obs_status rpo_status)
{
	if (snap->n == 0 || rpo_status == OBS_CRIT || rpo_status == OBS_UNKNOWN)
		return EXIT_RUNTIME;
	for (size_t i = 0; i < snap->n; i++)
		if (snap->items[i]->status != OBS_OK && snap->items[i]->status != OBS_WARN)
			return EXIT_RUNTIME;
	return EXIT_OK;
}

int
status_report_check(struct app *app, FILE *fp)
{
	struct run r;
	size_t crit = 0, warn = 0, unknown = 0, total = 0;
	const struct rpo_store *head;
	double objective = (double)app->cfg.rpo_ms / 1000.0;
	char buf[32];
	int code;

	run_probes(app, &r);
	for (size_t i = 0; i < r.snap->n; i++) {
		total++;
		switch (r.snap->items[i]->status) {
		case OBS_CRIT: crit++; break;
		case OBS_WARN: warn++; break;
		case OBS_UNKNOWN: case OBS_PENDING: unknown++; break;
		case OBS_OK: break;
		}
	}
	head = r.rpo.worst >= 0 ? &r.rpo.stores[r.rpo.worst] : NULL;
	if (crit > 0 || r.rpo.status == OBS_CRIT)
		code = 2;
	else if (warn > 0 || r.rpo.status == OBS_WARN)
		code = 1;
	else if (unknown > 0 || total == 0)
		code = 3;
	else
		code = 0;
	fprintf(fp, "DRCONSOLE %s - ", code == 0 ? "OK" : code == 1 ? "WARNING" : code == 2 ? "CRITICAL" : "UNKNOWN");
	if (head != NULL && head->have_source)
		fprintf(fp, "RPO exposure %s (%s via %s)", duration_format((long long)(head->exposure_s * 1000),
			buf, sizeof buf), head->store, head->source);
	else if (head != NULL)
		fprintf(fp, "RPO: no usable recovery source for %s", head->store);
	else
		fprintf(fp, "no data store to judge");
	if (r.have_instance) {
		const struct rpo_store *ih = r.rpo_instance.worst >= 0 ?
			&r.rpo_instance.stores[r.rpo_instance.worst] : NULL;

		if (ih != NULL && ih->have_source)
			fprintf(fp, "; if one instance is lost %s (%s via %s)",
				duration_format((long long)(ih->exposure_s * 1000), buf, sizeof buf),
				ih->store, ih->source);
		else if (ih != NULL)
			fprintf(fp, "; if one instance is lost: no usable source for %s", ih->store);
	}
	fprintf(fp, "; %zu crit, %zu warn, %zu unknown of %zu checks", crit, warn, unknown, total);
	fprintf(fp, " | rpo_exposure=%s;%.0f;%.0f crit=%zu warn=%zu unknown=%zu\n",
		head != NULL && head->have_source ? (snprintf(buf, sizeof buf, "%.0fs", head->exposure_s), buf) : "U",
		objective / 2, objective, crit, warn, unknown);
	for (size_t i = 0; i < r.snap->n; i++)
		if (r.snap->items[i]->status != OBS_OK)
			fprintf(fp, "%s %s: %s\n", obs_status_word(r.snap->items[i]->status),
				r.snap->items[i]->key, r.snap->items[i]->message);
	run_free(&r);
	return code;
}
