/*
 * recovery_pick.c: the recovery points a restore of an AWS-hosted pair
 * restores (see recovery_pick.h).
 *
 * The vault probe posts one row per RDS instance of the primary's
 * terraform.yml and vault (key primary/vault/remote/<identifier>) with the
 * newest COMPLETED recovery point of that instance: its ARN and its
 * CreationDate, the point in time the restored instance will hold. The
 * choice takes those rows as they are: the probe already chose the newest
 * by CreationDate, never by name. An instance outside the plan has no row
 * to restore from and is named in recovery.skipped; an instance in the
 * plan without a point stops the choice, since restoring the others alone
 * would bring up a site whose databases disagree.
 */
#include "drconsole/runbook/recovery_pick.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

bool
recovery_wanted(const struct site *primary)
{
	return primary != NULL && primary->aws != NULL && primary->aws->plan.present &&
	       primary->aws->n_rds > 0;
}

static const struct observation *
find_row(const struct status_snapshot *snap, enum site_role site, const char *identifier)
{
	char key[512];

	snprintf(key, sizeof key, "%s/vault/remote/%s", site_role_name(site), identifier);
	for (size_t i = 0; snap != NULL && i < snap->n; i++)
		if (str_eq(snap->items[i]->probe, PROBE_NAME_VAULT) && str_eq(snap->items[i]->key, key))
			return snap->items[i];
	return NULL;
}

/* identifier minus "-<environment>", the name both sites share. */
static char *
base_name(const char *identifier, const char *environment)
{
	size_t n = strlen(identifier), e = environment != NULL ? strlen(environment) : 0;

	if (e > 0 && n > e + 1 && identifier[n - e - 1] == '-' &&
	    strcmp(identifier + n - e, environment) == 0)
		return xasprintf("%.*s", (int)(n - e - 1), identifier);
	return xstrdup(identifier);
}

char *
recovery_target_name(const struct site *primary, const struct site *secondary,
		     const char *identifier)
{
	const struct aws_env *pa = primary != NULL ? primary->aws : NULL;
	const struct aws_env *sa = secondary != NULL ? secondary->aws : NULL;
	char *base = base_name(identifier, pa != NULL ? pa->environment : NULL), *name;

	for (size_t i = 0; sa != NULL && i < sa->n_rds; i++) {
		char *b = base_name(sa->rds[i].identifier, sa->environment);
		bool same = strcmp(b, base) == 0;

		free(b);
		if (same) {
			free(base);
			return xstrdup(sa->rds[i].identifier);
		}
	}
	/* not in the secondary's terraform.yml: named as terraform would name it there */
	name = sa != NULL && sa->environment != NULL ? xasprintf("%s-%s", base, sa->environment) :
	       secondary != NULL && secondary->deploy_env != NULL ?
	       xasprintf("%s-%s", base, secondary->deploy_env) : xasprintf("%s-restored", base);
	free(base);
	return name;
}

void
recovery_choice_free(struct recovery_choice *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].identifier);
		free(c->items[i].target);
		free(c->items[i].instance_class);
		free(c->items[i].recovery_point_arn);
	}
	free(c->items);
	free(c->vault);
	free(c->region);
	free(c->account);
	free(c->skipped);
	free(c->plan);
	free(c->targets);
	free(c->sizes);
	memset(c, 0, sizeof *c);
}

/* The account of an ARN (its fifth field), or "". */
static char *
arn_account(const char *arn)
{
	const char *p = arn;

	for (int i = 0; i < 4 && p != NULL; i++) {
		p = strchr(p, ':');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return xstrdup("");
	return xasprintf("%.*s", (int)strcspn(p, ":"), p);
}

/* Derived text: plan, targets, sizes, time, age, count. */
static void
fill_text(struct recovery_choice *c)
{
	struct strbuf plan = STRBUF_INIT, targets = STRBUF_INIT, sizes = STRBUF_INIT;
	long long age;

	c->oldest_s = -1;
	for (size_t i = 0; i < c->n; i++) {
		const struct recovery_item *it = &c->items[i];

		strbuf_printf(&plan, "%s%s %s %s %s %s", i > 0 ? "\n" : "", it->identifier, it->target,
			      it->instance_class, it->multi_az ? "true" : "false",
			      it->recovery_point_arn);
		strbuf_printf(&targets, "%s%s", i > 0 ? " " : "", it->target);
		strbuf_printf(&sizes, "%s%s: instance_type %s", i > 0 ? "\n" : "", it->target,
			      it->instance_class);
		if (c->oldest_s < 0 || it->created_s < c->oldest_s)
			c->oldest_s = it->created_s;
	}
	free(c->plan);
	free(c->targets);
	free(c->sizes);
	c->plan = plan.len > 0 ? strbuf_detach(&plan) : xstrdup("");
	c->targets = targets.len > 0 ? strbuf_detach(&targets) : xstrdup("");
	c->sizes = sizes.len > 0 ? strbuf_detach(&sizes) : xstrdup("");
	strbuf_free(&plan);
	strbuf_free(&targets);
	strbuf_free(&sizes);
	backup_time_format(c->oldest_s, c->time, sizeof c->time);
	age = c->chosen_at - c->oldest_s;
	duration_format((age < 0 ? 0 : age) * 1000, c->age, sizeof c->age);
	snprintf(c->count, sizeof c->count, "%zu", c->n);
}

int
recovery_pick(const struct status_snapshot *snap, const struct site *primary,
	      const struct site *secondary, long long now_s, struct recovery_choice *out,
	      char **why)
{
	const struct aws_env *a = primary != NULL ? primary->aws : NULL;
	struct strbuf skipped = STRBUF_INIT;

	memset(out, 0, sizeof *out);
	*why = NULL;
	if (!recovery_wanted(primary)) {
		*why = xstrdup("the primary's terraform.yml has no backup_plan with RDS instances");
		return -1;
	}
	out->items = xcalloc(a->n_rds, sizeof *out->items);
	for (size_t i = 0; i < a->n_rds; i++) {
		const struct aws_rds *w = &a->rds[i];
		const struct observation *o;
		const char *arn, *created;
		struct recovery_item *it;
		long long t;

		if (!w->cross_region) {
			strbuf_printf(&skipped, "%s%s", skipped.len > 0 ? " " : "", w->identifier);
			continue;
		}
		o = find_row(snap, SITE_PRIMARY, w->identifier);
		arn = o != NULL ? obs_field(o, "recovery_point_arn") : NULL;
		created = o != NULL ? obs_field(o, "created") : NULL;
		if (arn == NULL || created == NULL || !backup_time_parse(created, &t)) {
			*why = o == NULL ?
			       xasprintf("no observation of the remote vault %s for %s",
					 a->plan.remote_vault != NULL ? a->plan.remote_vault : "(unnamed)",
					 w->identifier) :
			       xasprintf("%s has no recovery point to restore in the remote vault (%s: %s)",
					 w->identifier, o->state != NULL ? o->state : "?",
					 o->message != NULL ? o->message : "no message");
			strbuf_free(&skipped);
			recovery_choice_free(out);
			return -1;
		}
		it = &out->items[out->n++];
		it->identifier = xstrdup(w->identifier);
		it->target = recovery_target_name(primary, secondary, w->identifier);
		it->instance_class = xstrdup(w->instance_type != NULL ? w->instance_type : "");
		it->multi_az = w->multi_az;
		it->recovery_point_arn = xstrdup(arn);
		it->created_s = t;
		if (out->vault == NULL) {
			out->vault = xstrdup(obs_field(o, "vault") != NULL ? obs_field(o, "vault") : "");
			out->region = xstrdup(obs_field(o, "region") != NULL ? obs_field(o, "region") : "");
			out->account = arn_account(arn);
		}
	}
	if (out->n == 0) {
		*why = xasprintf("no RDS instance of %s is in the backup plan "
				 "(enable_cross_region_backup): nothing to restore in another region",
				 a->file != NULL ? a->file : "terraform.yml");
		strbuf_free(&skipped);
		recovery_choice_free(out);
		return -1;
	}
	out->skipped = skipped.len > 0 ? strbuf_detach(&skipped) : xstrdup("");
	strbuf_free(&skipped);
	out->chosen_at = now_s;
	fill_text(out);
	return 0;
}

json_t *
recovery_choice_event(const struct recovery_choice *c)
{
	json_t *items = json_array();

	for (size_t i = 0; i < c->n; i++) {
		const struct recovery_item *it = &c->items[i];

		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:b,s:s,s:I}", "identifier",
						       it->identifier, "target", it->target,
						       "instance_class", it->instance_class,
						       "multi_az", it->multi_az, "recovery_point_arn",
						       it->recovery_point_arn, "created",
						       (json_int_t)it->created_s));
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o}", "event", "recovery", "vault", c->vault,
			 "region", c->region, "account", c->account, "skipped", c->skipped,
			 "chosen_at", (json_int_t)c->chosen_at, "items", items);
}

static char *
ev_dup(const json_t *ev, const char *name)
{
	const char *s = json_string_value(json_object_get(ev, name));

	return xstrdup(s != NULL ? s : "");
}

int
recovery_choice_from_journal(const struct journal_read *jr, struct recovery_choice *out)
{
	const json_t *ev = NULL, *items;
	size_t n;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < jr->n; i++)
		if (str_eq(json_string_value(json_object_get(jr->events[i], "event")), "recovery"))
			ev = jr->events[i];
	items = ev != NULL ? json_object_get(ev, "items") : NULL;
	if (!json_is_array(items) || (n = json_array_size(items)) == 0)
		return -1;
	out->items = xcalloc(n, sizeof *out->items);
	for (size_t i = 0; i < n; i++) {
		const json_t *x = json_array_get(items, i);
		struct recovery_item *it = &out->items[out->n++];

		it->identifier = ev_dup(x, "identifier");
		it->target = ev_dup(x, "target");
		it->instance_class = ev_dup(x, "instance_class");
		it->multi_az = json_is_true(json_object_get(x, "multi_az"));
		it->recovery_point_arn = ev_dup(x, "recovery_point_arn");
		it->created_s = json_integer_value(json_object_get(x, "created"));
	}
	out->vault = ev_dup(ev, "vault");
	out->region = ev_dup(ev, "region");
	out->account = ev_dup(ev, "account");
	out->skipped = ev_dup(ev, "skipped");
	out->chosen_at = json_integer_value(json_object_get(ev, "chosen_at"));
	fill_text(out);
	return 0;
}

const char *
recovery_choice_var(const struct recovery_choice *c, const char *name)
{
	if (c == NULL || c->n == 0)
		return NULL;
	if (strcmp(name, "plan") == 0)
		return c->plan;
	if (strcmp(name, "targets") == 0)
		return c->targets;
	if (strcmp(name, "sizes") == 0)
		return c->sizes;
	if (strcmp(name, "vault") == 0)
		return c->vault;
	if (strcmp(name, "region") == 0)
		return c->region;
	if (strcmp(name, "account") == 0)
		return c->account;
	if (strcmp(name, "time") == 0)
		return c->time;
	if (strcmp(name, "age") == 0)
		return c->age;
	if (strcmp(name, "count") == 0)
		return c->count;
	if (strcmp(name, "skipped") == 0)
		return c->skipped;
	return NULL;
}

char *
recovery_choice_describe(const struct recovery_choice *c)
{
	struct strbuf sb = STRBUF_INIT;
	char t[32], age[32];

	strbuf_printf(&sb, "Recovery points to restore from %s (%s), oldest taken %s: %s old when "
		      "chosen", c->vault, c->region, c->time, c->age);
	for (size_t i = 0; i < c->n; i++) {
		const struct recovery_item *it = &c->items[i];
		long long a = c->chosen_at - it->created_s;

		strbuf_printf(&sb, "\n  %s -> %s (%s): %s, taken %s, %s old", it->identifier,
			      it->target, it->instance_class, it->recovery_point_arn,
			      backup_time_format(it->created_s, t, sizeof t),
			      duration_format((a < 0 ? 0 : a) * 1000, age, sizeof age));
	}
	if (c->skipped != NULL && c->skipped[0] != '\0')
		strbuf_printf(&sb, "\n  not in the backup plan, not restored: %s", c->skipped);
	return strbuf_detach(&sb);
}

int
recovery_fresh_condition(const struct status_snapshot *snap, enum site_role site,
			 long long max_age_ms, char **msg)
{
	struct strbuf sb = STRBUF_INIT;
	size_t seen = 0, bad = 0;
	char lim[32], age[32];

	duration_format(max_age_ms, lim, sizeof lim);
	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		const char *exp = obs_field(o, OBS_F_RPO_EXPOSURE);
		bool ok;

		if (o->site != site || !str_eq(o->probe, PROBE_NAME_VAULT) ||
		    strstr(o->key, "/vault/remote/") == NULL || obs_field(o, OBS_F_RPO_PART) == NULL)
			continue;
		if (str_eq(o->state, "outside")) {	/* never copied: not restored (recovery.skipped) */
			strbuf_printf(&sb, "%sskipped %s: not in the backup plan", sb.len > 0 ? "; " : "",
				      o->subject);
			continue;
		}
		seen++;
		ok = exp != NULL && obs_field(o, "recovery_point_arn") != NULL &&
		     strtoll(exp, NULL, 10) * 1000 <= max_age_ms;
		if (!ok)
			bad++;
		if (exp != NULL && obs_field(o, "recovery_point_arn") != NULL)
			strbuf_printf(&sb, "%s%s %s: newest recovery point %s old (at most %s)",
				      sb.len > 0 ? "; " : "", ok ? "ok" : "FAIL", o->subject,
				      duration_format(strtoll(exp, NULL, 10) * 1000, age, sizeof age), lim);
		else
			strbuf_printf(&sb, "%sFAIL %s: %s %s", sb.len > 0 ? "; " : "", o->subject,
				      o->state != NULL ? o->state : "?",
				      o->message != NULL ? o->message : "");
	}
	if (seen == 0) {
		strbuf_free(&sb);
		*msg = xasprintf("recovery_fresh: no remote vault observed for the %s site (no "
				 "backup_plan in its terraform.yml, or the probe is not available)",
				 site_role_name(site));
		return 0;
	}
	*msg = strbuf_detach(&sb);
	return bad == 0;
}

void
recovery_report_write(FILE *fp, const struct journal_read *jr)
{
	struct recovery_choice c;
	long long first = 0, last = 0;
	char buf[32], t[32];

	if (recovery_choice_from_journal(jr, &c) != 0)
		return;
	fprintf(fp, "\n## Restored recovery points\n\n");
	fprintf(fp, "- Vault: `%s` (%s)\n", c.vault, c.region);
	for (size_t i = 0; i < c.n; i++) {
		const struct recovery_item *it = &c.items[i];
		long long a = c.chosen_at - it->created_s;

		fprintf(fp, "- `%s` restored as `%s` (%s) from `%s`, taken %s: RPO %s\n",
			it->identifier, it->target, it->instance_class, it->recovery_point_arn,
			backup_time_format(it->created_s, t, sizeof t),
			duration_format((a < 0 ? 0 : a) * 1000, buf, sizeof buf));
	}
	if (c.skipped[0] != '\0')
		fprintf(fp, "- Not in the backup plan, not restored: %s\n", c.skipped);
	if (c.chosen_at > 0) {
		long long rpo = c.chosen_at - c.oldest_s;

		fprintf(fp, "- Restored data as of %s (the oldest recovery point restored)\n", c.time);
		fprintf(fp, "- RPO achieved: %s (the run's start, when the points were chosen, minus "
			"the oldest point's time: everything written after it is not in the restore)\n",
			duration_format((rpo < 0 ? 0 : rpo) * 1000, buf, sizeof buf));
	}
	for (size_t i = 0; i < jr->n; i++) {
		const json_t *ev = jr->events[i];
		const char *name = json_string_value(json_object_get(ev, "event"));
		const char *step = json_string_value(json_object_get(ev, "step"));
		long long ts = json_integer_value(json_object_get(ev, "t"));

		if (str_eq(name, "step_start") && first == 0)
			first = ts;
		else if (str_eq(name, "step_end"))
			last = ts;
		if (str_eq(name, "step_end") && step != NULL && str_starts_with(step, "restore-") &&
		    json_is_true(json_object_get(ev, "ok")))
			fprintf(fp, "- Restore step %s: %s\n", step,
				duration_format(json_integer_value(json_object_get(ev, "duration_ms")),
						buf, sizeof buf));
	}
	if (first > 0 && last >= first)
		fprintf(fp, "- Restore duration: %s (first step started to last step ended)\n",
			duration_format(last - first, buf, sizeof buf));
	recovery_choice_free(&c);
}
