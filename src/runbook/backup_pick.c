/*
 * backup_pick.c: the backup a restore restores (see backup_pick.h).
 *
 * The S3 probe posts one observation per store and type with the newest
 * backup of that type (key, version, size, taken_at: its LastModified, but
 * no later than the end of the day or hour its name carries). The choice is
 * the newest of those by taken_at; key names never order anything, so a
 * weekly is never preferred to a newer daily because "w" sorts after "d".
 */
#include "drconsole/runbook/backup_pick.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/util/duration.h"
#include "drconsole/probe/probe_s3.h"
#include "drconsole/probe/s3_presign.h"
#include "drconsole/util/util.h"

#define PRESIGN_EXPIRES_S	3600	/* a fetch starts right after the step is confirmed */

static const char *const names[] = {
	"backup.key", "backup.bucket", "backup.version_id", "backup.type", "backup.time",
	"backup.age", "backup.size", "backup.url", NULL,
};

const char *const *
backup_var_names(void)
{
	return names;
}

void
backup_choice_free(struct backup_choice *c)
{
	if (c == NULL)
		return;
	free(c->bucket);
	free(c->key);
	free(c->version_id);
	free(c->type);
	free(c->url);
	memset(c, 0, sizeof *c);
}

static void
format_size(char *buf, size_t len, long long v)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double d = (double)v;
	size_t u = 0;

	if (v < 0) {
		snprintf(buf, len, "size unknown");
		return;
	}
	while (d >= 1024 && u + 1 < ARRAY_LEN(units)) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", d, units[u]);
}

/* Derived text: time, age, size. */
static void
fill_text(struct backup_choice *c)
{
	long long age = c->chosen_at - c->taken_at;

	backup_time_format(c->taken_at, c->time, sizeof c->time);
	duration_format((age < 0 ? 0 : age) * 1000, c->age, sizeof c->age);
	format_size(c->size_text, sizeof c->size_text, c->size);
}

int
backup_pick(const struct status_snapshot *snap, enum site_role site, const char *store,
	    long long now_s, struct backup_choice *out, char **why)
{
	const struct observation *best = NULL, *unusable = NULL;
	long long best_t = 0;
	size_t seen = 0;

	memset(out, 0, sizeof *out);
	*why = NULL;
	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		const char *ta = obs_field(o, "taken_at"), *st = obs_field(o, "rpo_store");
		long long t;

		if (o->site != site || !str_eq(o->probe, "s3") || !str_eq(st, store))
			continue;
		seen++;
		if (obs_field(o, "key") == NULL || ta == NULL || !backup_time_parse(ta, &t)) {
			unusable = o;
			continue;
		}
		if (best == NULL || t > best_t) {
			best = o;
			best_t = t;
		}
	}
	if (best == NULL) {
		*why = seen == 0 ? xasprintf("no S3 observation of the %s site's %s backups",
					     site_role_name(site), store)
			 : xasprintf("the %s site's S3 bucket shows no %s backup drconsole could date "
				     "(%s: %s)", site_role_name(site), store, unusable->subject,
				     unusable->message != NULL ? unusable->message : "no message");
		return -1;
	}
	out->bucket = xstrdup(obs_field(best, "bucket") != NULL ? obs_field(best, "bucket") : "");
	out->key = xstrdup(obs_field(best, "key"));
	out->version_id = obs_field(best, "version_id") != NULL ?
			  xstrdup(obs_field(best, "version_id")) : NULL;
	{
		/* the key of the observation: SITE/s3/STORE/TYPE */
		const char *slash = strrchr(best->key, '/');

		out->type = xstrdup(slash != NULL ? slash + 1 : "?");
	}
	out->taken_at = best_t;
	out->size = obs_field(best, "size") != NULL ? strtoll(obs_field(best, "size"), NULL, 10) : -1;
	out->chosen_at = now_s;
	fill_text(out);
	return 0;
}

/*
 * A recent_N field: "KEY SIZE UNIT LAST_MODIFIED[ version V]". Its time is
 * the LastModified (a named older backup is dated as S3 dates it).
 */
static bool
parse_recent(const char *f, const char *key, long long *t, char **version)
{
	size_t klen = strlen(key);
	char word[64];
	const char *p, *v;
	int n = 0;

	if (strncmp(f, key, klen) != 0 || f[klen] != ' ')
		return false;
	p = f + klen;
	for (int i = 0; i < 3; i++) {	/* size, unit, time */
		while (*p == ' ')
			p++;
		n = (int)strcspn(p, " ");
		if (i < 2)
			p += n;
	}
	if (n <= 0 || (size_t)n >= sizeof word)
		return false;
	memcpy(word, p, (size_t)n);
	word[n] = '\0';
	if (!backup_time_parse(word, t))
		return false;
	v = strstr(p + n, " version ");
	*version = v != NULL ? xstrdup(v + 9) : NULL;
	return true;
}

int
backup_pick_named(const struct status_snapshot *snap, enum site_role site, const char *store,
		  const char *key, long long now_s, struct backup_choice *out, char **why)
{
	memset(out, 0, sizeof *out);
	*why = NULL;
	for (size_t i = 0; snap != NULL && i < snap->n; i++) {
		const struct observation *o = snap->items[i];
		const char *slash = strrchr(o->key, '/');
		long long t;
		char *version = NULL;

		if (o->site != site || !str_eq(o->probe, "s3") || !str_eq(obs_field(o, "rpo_store"), store))
			continue;
		if (str_eq(obs_field(o, "key"), key) && obs_field(o, "taken_at") != NULL &&
		    backup_time_parse(obs_field(o, "taken_at"), &t)) {
			if (obs_field(o, "version_id") != NULL)
				version = xstrdup(obs_field(o, "version_id"));
		} else {
			bool found = false;

			for (size_t k = 0; k < o->n_fields && !found; k++)
				found = str_starts_with(o->fields[k].name, "recent_") &&
					parse_recent(o->fields[k].value, key, &t, &version);
			if (!found)
				continue;
		}
		out->bucket = xstrdup(obs_field(o, "bucket") != NULL ? obs_field(o, "bucket") : "");
		out->key = xstrdup(key);
		out->version_id = version;
		out->type = xstrdup(slash != NULL ? slash + 1 : "?");
		out->taken_at = t;
		out->size = str_eq(obs_field(o, "key"), key) && obs_field(o, "size") != NULL ?
			    strtoll(obs_field(o, "size"), NULL, 10) : -1;
		out->chosen_at = now_s;
		fill_text(out);
		return 0;
	}
	*why = xasprintf("%s is not among the %s site's %s backups drconsole observed in S3",
			 key, site_role_name(site), store);
	return -1;
}

json_t *
backup_choice_event(const struct backup_choice *c)
{
	return json_pack("{s:s,s:s,s:s,s:s?,s:s,s:I,s:I,s:I}", "event", "backup", "bucket", c->bucket,
			 "key", c->key, "version_id", c->version_id, "type", c->type,
			 "taken_at", (json_int_t)c->taken_at, "size", (json_int_t)c->size,
			 "chosen_at", (json_int_t)c->chosen_at);
}

int
backup_choice_from_journal(const struct journal_read *jr, struct backup_choice *out)
{
	const json_t *ev = NULL;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < jr->n; i++)
		if (str_eq(json_string_value(json_object_get(jr->events[i], "event")), "backup"))
			ev = jr->events[i];
	if (ev == NULL || json_string_value(json_object_get(ev, "key")) == NULL)
		return -1;
	out->bucket = xstrdup(json_string_value(json_object_get(ev, "bucket")) != NULL ?
			      json_string_value(json_object_get(ev, "bucket")) : "");
	out->key = xstrdup(json_string_value(json_object_get(ev, "key")));
	if (json_string_value(json_object_get(ev, "version_id")) != NULL)
		out->version_id = xstrdup(json_string_value(json_object_get(ev, "version_id")));
	out->type = xstrdup(json_string_value(json_object_get(ev, "type")) != NULL ?
			    json_string_value(json_object_get(ev, "type")) : "?");
	out->taken_at = json_integer_value(json_object_get(ev, "taken_at"));
	out->size = json_is_integer(json_object_get(ev, "size")) ?
		    json_integer_value(json_object_get(ev, "size")) : -1;
	out->chosen_at = json_integer_value(json_object_get(ev, "chosen_at"));
	fill_text(out);
	return 0;
}

int
backup_choice_sign(struct backup_choice *c, const struct config *cfg, const struct site *site,
		   char **err)
{
	struct s3_target *t;
	struct s3_presign p;
	const char *ak, *sk;
	char *url;

	*err = NULL;
	if (site == NULL) {
		*err = xstrdup("presign: no site for the backup's bucket");
		return -1;
	}
	t = s3_target_create(cfg, site, c->bucket);
	ak = t->access_key_env != NULL ? getenv(t->access_key_env) : NULL;
	sk = t->secret_key_env != NULL ? getenv(t->secret_key_env) : NULL;
	memset(&p, 0, sizeof p);
	p.base_url = t->base_url;
	p.bucket = c->bucket;
	p.path_style = t->path_style;
	p.region = t->region;
	p.key = c->key;
	p.version_id = c->version_id;
	p.access_key = ak;
	p.secret_key = sk;
	p.token = t->session_token_env != NULL ? getenv(t->session_token_env) : NULL;
	p.now_s = time_wall_ms() / 1000;
	p.expires_s = PRESIGN_EXPIRES_S;
	if (ak == NULL || *ak == '\0' || sk == NULL || *sk == '\0') {
		*err = xasprintf("presign: S3 credentials: %s or %s is not set",
				 t->access_key_env != NULL ? t->access_key_env : "(s3.access_key_env)",
				 t->secret_key_env != NULL ? t->secret_key_env : "(s3.secret_key_env)");
		s3_target_free(t);
		return -1;
	}
	url = s3_presign_get(&p, err);
	s3_target_free(t);
	if (url == NULL)
		return -1;
	free(c->url);
	c->url = url;
	return 0;
}

const char *
backup_choice_var(const struct backup_choice *c, const char *name)
{
	if (c == NULL || c->key == NULL)
		return NULL;
	if (strcmp(name, "key") == 0)
		return c->key;
	if (strcmp(name, "bucket") == 0)
		return c->bucket;
	if (strcmp(name, "version_id") == 0)
		return c->version_id != NULL ? c->version_id : "";
	if (strcmp(name, "type") == 0)
		return c->type;
	if (strcmp(name, "time") == 0)
		return c->time;
	if (strcmp(name, "age") == 0)
		return c->age;
	if (strcmp(name, "size") == 0)
		return c->size_text;
	if (strcmp(name, "url") == 0)
		return c->url;
	return NULL;
}

char *
backup_choice_describe(const struct backup_choice *c)
{
	return xasprintf("Backup to restore: s3://%s/%s%s%s (%s, %s), taken %s: %s old when chosen",
			 c->bucket, c->key, c->version_id != NULL ? " version " : "",
			 c->version_id != NULL ? c->version_id : "", c->type, c->size_text, c->time,
			 c->age);
}

void
backup_report_write(FILE *fp, const struct journal_read *jr)
{
	struct backup_choice c;
	long long first = 0, last = 0;
	char buf[32];

	if (backup_choice_from_journal(jr, &c) != 0)
		return;
	for (size_t i = 0; i < jr->n; i++) {
		const json_t *ev = jr->events[i];
		const char *name = json_string_value(json_object_get(ev, "event"));
		long long t = json_integer_value(json_object_get(ev, "t"));

		if (str_eq(name, "step_start") && first == 0)
			first = t;
		else if (str_eq(name, "step_end"))
			last = t;
	}
	fprintf(fp, "\n## Restored backup\n\n");
	fprintf(fp, "- Backup: `s3://%s/%s`%s%s%s (%s, %s), taken %s\n", c.bucket, c.key,
		c.version_id != NULL ? " version `" : "", c.version_id != NULL ? c.version_id : "",
		c.version_id != NULL ? "`" : "", c.type, c.size_text, c.time);
	if (c.chosen_at > 0) {
		long long rpo = c.chosen_at - c.taken_at;

		fprintf(fp, "- RPO achieved: %s (the run's start, when the backup was chosen, minus the "
			"backup's time: everything written after the backup is not in the restore)\n",
			duration_format((rpo < 0 ? 0 : rpo) * 1000, buf, sizeof buf));
	}
	if (first > 0 && last >= first)
		fprintf(fp, "- Restore duration: %s (first step started to last step ended)\n",
			duration_format(last - first, buf, sizeof buf));
	backup_choice_free(&c);
}
