/*
 * status_report.c: run every probe once (bounded by a deadline: a hanging
 * host makes its own row UNKNOWN, it does not stall the report), then print
 * observations grouped by site, and the RPO exposure.
 */
#include "drconsole/cli/status_report.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/config/drift.h"
#include "drconsole/runbook/drills.h"
#include "drconsole/runbook/failover_state.h"
#include "drconsole/runbook/undone.h"
#include "drconsole/util/duration.h"
#include "drconsole/cli/metrics.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/cli/output.h"
#include "drconsole/probe/probes.h"
#include "drconsole/probe/rpo.h"
#include "drconsole/runbook/verify_status.h"
#include "drconsole/util/state_dir.h"

struct run {
	struct probe_env *env;
	struct status_store *store;
	struct scheduler *sched;
	struct status_snapshot *snap;
	struct rpo_result rpo;		/* the headline scenario (objectives.rpo_headline) */
	struct rpo_result rpo_other;	/* the other one, when the pair has two (have_instance) */
	enum rpo_scenario headline;
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
	r->sched = scheduler_create(r->store, r->env, SCHEDULER_WORKER_PER_JOB, app->cfg.refresh_ms);
	probes_add_all(r->sched, r->store, &app->cfg, app->sites);
	deadline = time_mono_ms() + app->cfg.probe_timeout_ms + 2000;
	r->late = scheduler_run_once(r->sched, deadline);
	verify_status_post(r->store, &app->cfg, time_wall_ms());
	r->snap = status_store_snapshot(r->store);
	for (size_t i = 0; i < r->snap->n; i++)
		if (obs_field_is(r->snap->items[i], OBS_F_RPO_SCENARIO, OBS_RPO_SCENARIO_INSTANCE))
			r->have_instance = true;
	r->headline = rpo_headline_scenario(app->cfg.rpo_headline, r->have_instance);
	rpo_evaluate_scenario(r->snap, probes_rpo_stores(app->sites), (double)app->cfg.rpo_ms / 1000.0,
			      time_wall_ms(), app->cfg.refresh_ms, r->headline, &r->rpo);
	rpo_evaluate_scenario(r->snap, probes_rpo_stores(app->sites), (double)app->cfg.rpo_ms / 1000.0,
			      time_wall_ms(), app->cfg.refresh_ms,
			      r->headline == RPO_SITE_LOSS ? RPO_INSTANCE_LOSS : RPO_SITE_LOSS, &r->rpo_other);
}

/* How the text output names a scenario. */
static const char *
scenario_words(enum rpo_scenario s)
{
	return s == RPO_INSTANCE_LOSS ? "if one database instance is lost" : "if the primary site (its region) is lost";
}

/* The failover state of app's mode; nothing open when the state dir cannot be trusted. */
static void
read_failover(const struct app *app, struct failover_state *fs)
{
	char *why = NULL;

	if (state_dir_check(app->cfg.state_dir, &why) != 0) {
		free(why);
		memset(fs, 0, sizeof *fs);
		fs->drill = app->drill;
		return;
	}
	failover_state_read(app->cfg.state_dir, app->drill, fs);
}

/* What stopped runs left undone (undone.h); none when the state dir cannot be trusted. */
static size_t
read_undone(const struct app *app, struct undone **u)
{
	char *why = NULL;

	*u = NULL;
	if (state_dir_check(app->cfg.state_dir, &why) != 0) {
		free(why);
		return 0;
	}
	return undone_find(app->cfg.state_dir, u);
}

json_t *
status_undone_json(const struct app *app)
{
	struct undone *u;
	size_t n = read_undone(app, &u);
	json_t *a = undone_json(u, n);

	undone_free(u, n);
	return a;
}

/* One line per step left in place, after prefix: what and the two ways to finish it. */
static void
undone_print(const struct undone *u, size_t n, const char *prefix, FILE *fp)
{
	for (size_t i = 0; i < n; i++) {
		char *text = undone_text(&u[i]);

		fprintf(fp, "%s%s: %s%s by hand, then `drconsole put-back %s %s`\n", prefix, text,
			str_eq(u[i].undo_state, "not run") ? "resume the run (`drconsole run` of its "
			"runbook offers it) or do " : "do ", u[i].undo_step, u[i].run, u[i].step);
		free(text);
	}
}

json_t *
status_failover_json(const struct app *app)
{
	struct failover_state fs;
	json_t *o;

	read_failover(app, &fs);
	o = failover_state_json(&fs);
	failover_state_clear(&fs);
	return o;
}

void
status_failover_print(const struct app *app, FILE *fp)
{
	struct failover_state fs;
	char text[128];

	read_failover(app, &fs);
	if (failover_state_text(&fs, time_wall_ms(), text, sizeof text))
		fprintf(fp, "Failover: %s (run %s): drconsole %scommit, or %srollback\n", text, fs.run,
			fs.drill ? "--drill " : "", fs.drill ? "--drill " : "");
	else if (fs.phase != FAILOVER_NONE)
		fprintf(fp, "Failover: %s%s %s by %s\n", fs.drill ? "drill " : "", fs.run,
			fs.phase == FAILOVER_COMMITTED ? "committed" : "rolled back",
			fs.by != NULL ? fs.by : "?");
	failover_state_clear(&fs);
}

void
status_undone_print(const struct app *app, FILE *fp)
{
	struct undone *u;
	size_t n = read_undone(app, &u);

	undone_print(u, n, "Left undone: ", fp);
	undone_free(u, n);
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
		json_object_set_new(o, "rpo", rpo_json(&r.rpo, rpo_scenario_name(r.headline)));
		if (r.have_instance)
			json_object_set_new(o, r.headline == RPO_SITE_LOSS ? "rpo_instance_loss" : "rpo_site_loss",
					    rpo_json(&r.rpo_other, rpo_scenario_name(r.headline == RPO_SITE_LOSS ?
					    RPO_INSTANCE_LOSS : RPO_SITE_LOSS)));
		json_object_set_new(o, "sites", sites);
		json_object_set_new(o, "failover", status_failover_json(app));
		json_object_set_new(o, "undone", status_undone_json(app));
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
		fprintf(fp, "RPO objective %s: %s%s%s\n", obj, obs_status_word(r.rpo.status),
			r.have_instance ? " " : "", r.have_instance ? scenario_words(r.headline) : "");
		rpo_print(fp, &r.rpo);
		if (r.have_instance) {
			fprintf(fp, "RPO objective %s: %s %s (not the headline)\n", obj,
				obs_status_word(r.rpo_other.status),
				scenario_words(r.headline == RPO_SITE_LOSS ? RPO_INSTANCE_LOSS : RPO_SITE_LOSS));
			rpo_print(fp, &r.rpo_other);
		}
		if (r.late > 0)
			fprintf(fp, "%zu probe%s did not finish before the deadline\n", r.late,
				r.late == 1 ? "" : "s");
		status_failover_print(app, fp);
		status_undone_print(app, fp);
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

/* Drills due under objectives.drill_every for the configured runbooks' models (drills.h). */
static size_t
check_drills(const struct app *app, struct drill_history *dh, unsigned *models)
{
	char *why = NULL;
	size_t due = 0;

	memset(dh, 0, sizeof *dh);
	*models = 0;
	if (app->cfg.drill_every_ms <= 0 || app->cfg.n_runbooks == 0)
		return 0;
	if (state_dir_check(app->cfg.state_dir, &why) != 0) {
		free(why);	/* no journals to trust: no cadence to judge */
		return 0;
	}
	drill_history_read(app->cfg.state_dir, dh);
	*models = drill_models_of_runbooks(app->cfg.runbooks, app->cfg.n_runbooks);
	for (int m = 0; m < DRILL_MODEL_COUNT; m++)
		if ((*models & (1u << m)) && drill_is_due(dh, m, time_wall_ms(), app->cfg.drill_every_ms))
			due++;
	return due;
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
	struct drill_history dh;
	unsigned models = 0;
	size_t drills_due;
	struct failover_state fs;
	char fo_text[128];
	bool uncommitted;
	struct undone *u;
	size_t n_undone;

	run_probes(app, &r);
	drills_due = check_drills(app, &dh, &models);
	warn += drills_due;
	total += drills_due;
	read_failover(app, &fs);
	uncommitted = failover_state_text(&fs, time_wall_ms(), fo_text, sizeof fo_text);
	warn += uncommitted;
	total += uncommitted;
	n_undone = read_undone(app, &u);
	warn += n_undone;
	total += n_undone;
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
		const struct rpo_store *ih = r.rpo_other.worst >= 0 ?
			&r.rpo_other.stores[r.rpo_other.worst] : NULL;
		const char *what = r.headline == RPO_SITE_LOSS ? "if one instance is lost" : "if the region is lost";

		if (r.headline == RPO_INSTANCE_LOSS)
			fprintf(fp, " if one instance is lost");
		if (ih != NULL && ih->have_source)
			fprintf(fp, "; %s %s (%s via %s)", what,
				duration_format((long long)(ih->exposure_s * 1000), buf, sizeof buf),
				ih->store, ih->source);
		else if (ih != NULL)
			fprintf(fp, "; %s: no usable source for %s", what, ih->store);
	}
	if (drills_due > 0)
		fprintf(fp, "; %zu drill%s due", drills_due, drills_due == 1 ? "" : "s");
	if (uncommitted)
		fprintf(fp, "; %s", fo_text);
	if (n_undone > 0)
		fprintf(fp, "; %zu step%s left undone by runs", n_undone, n_undone == 1 ? "" : "s");
	fprintf(fp, "; %zu crit, %zu warn, %zu unknown of %zu checks", crit, warn, unknown, total);
	fprintf(fp, " | rpo_exposure=%s;%.0f;%.0f crit=%zu warn=%zu unknown=%zu\n",
		head != NULL && head->have_source ? (snprintf(buf, sizeof buf, "%.0fs", head->exposure_s), buf) : "U",
		objective / 2, objective, crit, warn, unknown);
	for (size_t i = 0; i < r.snap->n; i++)
		if (r.snap->items[i]->status != OBS_OK)
			fprintf(fp, "%s %s: %s\n", obs_status_word(r.snap->items[i]->status),
				r.snap->items[i]->key, r.snap->items[i]->message);
	if (drills_due > 0)
		drill_due_lines(&dh, models, time_wall_ms(), app->cfg.drill_every_ms, "WARN drill: ", fp);
	if (uncommitted)
		fprintf(fp, "WARN failover: %s (run %s): commit it or roll it back\n", fo_text, fs.run);
	undone_print(u, n_undone, "WARN undone: ", fp);
	undone_free(u, n_undone);
	failover_state_clear(&fs);
	run_free(&r);
	return code;
}

int
status_report_metrics(struct app *app, bool offline, FILE *fp)
{
	struct run r;
	struct drift d = { 0 };
	struct drill_history dh;
	struct failover_state fs;
	char *why = NULL;
	struct metrics_input in = {
		.sites = { app->sites[SITE_PRIMARY], app->sites[SITE_SECONDARY] },
		.rpo_objective_s = (double)app->cfg.rpo_ms / 1000.0,
		.rto_objective_s = (double)app->cfg.rto_ms / 1000.0,
	};
	int rc = EXIT_OK;

	if (!offline) {
		run_probes(app, &r);
		in.snap = r.snap;
		/* both scenarios, whichever one is the headline */
		in.rpo_site = r.headline == RPO_SITE_LOSS ? &r.rpo : &r.rpo_other;
		in.rpo_instance = !r.have_instance ? NULL :
				  r.headline == RPO_SITE_LOSS ? &r.rpo_other : &r.rpo;
	}
	if (state_dir_check(app->cfg.state_dir, &why) == 0) {
		drill_history_read(app->cfg.state_dir, &dh);
		in.drills = &dh;
		failover_state_read(app->cfg.state_dir, app->drill, &fs);
		in.failover = &fs;
	} else {
		fprintf(stderr, "drconsole: no drill metrics: %s\n", why);
		free(why);
	}
	drift_compare(app->sites[SITE_PRIMARY], app->sites[SITE_SECONDARY], &d);
	in.drift_items = (long long)d.n;
	in.drift_suspicious = (long long)d.suspicious;
	in.now_ms = time_wall_ms();
	metrics_write(fp, &in);
	if (in.failover != NULL)
		failover_state_clear(&fs);
	drift_free(&d);
	if (!offline) {
		rc = status_live_exit_code(r.snap, r.rpo.status);
		run_free(&r);
	}
	return rc;
}
