/*
 * sftp.c: local backup files on the backup hosts, over SFTP.
 *
 * DESIGN: the session comes from the site's pool (so a host checked by the
 * host probe is not connected twice); each run opens one SFTP channel for
 * the listing and one for the status file, both bounded by the job's
 * deadline. Names and contents are remote data: they are sanitised before
 * they go into an observation.
 */
#include "drconsole/probe/probe_sftp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/probe/probes.h"
#include "drconsole/util/sanitize.h"

#define DAY_S (24.0 * 3600)
#define STATUS_FILE "s3_backup_status.txt"
#define STATUS_STALE_S (5.0 * 3600)

struct sftp_target *
sftp_target_create(const struct site *s, enum backup_store store, const struct site_host *h)
{
	struct sftp_target *t = xcalloc(1, sizeof *t);
	const struct site_backup *b = &s->backups[store];

	t->site = s->role;
	t->store = store;
	t->host = xstrdup(h->name);
	t->address = xstrdup(h->address);
	t->port = h->port;
	t->user = h->user != NULL ? xstrdup(h->user) : NULL;
	t->dir = xstrdup(b->local_dir != NULL ? b->local_dir : "/opt/data/backups");
	t->prefix = store == STORE_POSTGRES ? xasprintf("postgres_%s_", s->deploy_env)
		  : xstrdup(store == STORE_COUCH ? "couchdb_" : "blobdb_");
	t->hourly = b->hourly;
	t->hourly_every_h = s->nadir_hour_frequency > 0 ? s->nadir_hour_frequency : 3;
	return t;
}

void
sftp_target_free(void *target)
{
	struct sftp_target *t = target;

	if (t == NULL)
		return;
	free(t->host);
	free(t->address);
	free(t->user);
	free(t->dir);
	free(t->prefix);
	free(t);
}

long
sftp_newest(const struct ssh_dirent *d, size_t n, const char *prefix, const char *type)
{
	size_t pl = strlen(prefix), tl = strlen(type);
	long best = -1;

	for (size_t i = 0; i < n; i++) {
		const char *name = d[i].name;

		if (d[i].is_dir || strncmp(name, prefix, pl) != 0 ||
		    strncmp(name + pl, type, tl) != 0 || name[pl + tl] != '_' ||
		    name[pl + tl + 1] == '\0')
			continue;
		if (best < 0 || d[i].mtime > d[best].mtime)
			best = (long)i;
	}
	return best;
}

enum obs_status
sftp_age_status(double age_s, double allowed_s)
{
	if (age_s <= allowed_s)
		return OBS_OK;
	return age_s <= 2 * allowed_s ? OBS_WARN : OBS_CRIT;
}

static char *
clean(const char *s, size_t len)
{
	return sanitize_string(s, len, SANITIZE_ONE_LINE);
}

static void
observe_status_file(const struct sftp_target *t, struct probe_ctx *ctx, struct ssh_lease *lease,
		    long long deadline, const char *key, long long latency_start)
{
	char *path = xasprintf("%s/%s", t->dir, STATUS_FILE), *data = NULL, *err = NULL;
	size_t len = 0;
	long long mtime = -1;
	int rc = ssh_lease_sftp_read(lease, path, 4096, deadline, &data, &len, &mtime, &err);
	char skey[600], subject[300];
	struct observation *o;

	if (rc == 1 || (rc != 0 && ssh_lease_broken(lease))) {
		free(path);
		free(err);
		return;		/* absent: the check's cron is optional */
	}
	snprintf(skey, sizeof skey, "%s/s3-check", key);
	snprintf(subject, sizeof subject, "%s %s s3 check", t->host, backup_store_name(t->store));
	o = obs_create(t->site, PROBE_NAME_SFTP, skey, subject);
	obs_add_field(o, "file", "%s", path);
	if (rc != 0) {
		char *e = clean(err, strlen(err));

		obs_set(o, OBS_UNKNOWN, "error", "%s", e);
		free(e);
	} else {
		char *nl = memchr(data, '\n', len);
		char *first = clean(data, nl != NULL ? (size_t)(nl - data) : len);
		double age = mtime >= 0 ? (double)(time_wall_ms() / 1000 - mtime) : -1;
		bool alert = strstr(data, "[ALERT]") != NULL;

		obs_add_field(o, "content", "%s", first);
		if (age >= 0) {
			obs_set_value(o, age, "s");
			obs_add_field(o, "age_s", "%.0f", age);
		}
		if (alert)
			obs_set(o, OBS_WARN, "alert", "%s (check_s3_backup.py; it false-alarms with "
				"versioned buckets and dump format)", first);
		else if (age > STATUS_STALE_S)
			obs_set(o, OBS_WARN, "stale", "not rewritten for %.1f h (runs every 4 h): %s",
				age / 3600, first);
		else
			obs_set(o, OBS_OK, "ok", "%s", first);
		free(first);
	}
	o->latency_ms = time_mono_ms() - latency_start;
	status_store_post(ctx->store, o);
	free(path);
	free(data);
	free(err);
}

static void
sftp_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	static const char *const types[] = { "daily", "weekly", "hourly" };
	struct sftp_target *t = job->target;
	struct probe_env *env = ctx->env;
	struct ssh_pool *pool = env != NULL && t->site < SITE_NONE ? env->ssh[t->site] : NULL;
	long long start = time_mono_ms(), deadline = start + ctx->timeout_ms;
	double now_s = (double)(time_wall_ms() / 1000);
	struct ssh_dirent *d = NULL;
	struct ssh_lease *lease = NULL;
	struct ssh_status st;
	struct observation *o;
	char key[512], subject[300], *err = NULL;
	size_t n = 0;
	long newest = -1;
	double allowed = t->hourly ? (t->hourly_every_h + 1) * 3600.0 : DAY_S + 2 * 3600;

	snprintf(key, sizeof key, "%s/sftp/%s/%s", site_role_name(t->site),
		 backup_store_name(t->store), t->host);
	snprintf(subject, sizeof subject, "%s %s backups", t->host, backup_store_name(t->store));
	o = obs_create(t->site, PROBE_NAME_SFTP, key, subject);
	obs_add_field(o, OBS_F_HOST, "%s:%d", t->address, t->port);
	obs_add_field(o, "dir", "%s", t->dir);
	obs_add_field(o, "store", "%s", backup_store_name(t->store));
	memset(&st, 0, sizeof st);
	if (pool == NULL) {
		obs_set(o, OBS_UNKNOWN, "error", "no SSH pool for the %s site", site_role_name(t->site));
		goto post;
	}
	lease = ssh_pool_acquire(pool, t->address, t->port, t->user, deadline, &st);
	if (lease == NULL) {
		obs_set(o, OBS_UNKNOWN, "error", "%s", st.error != NULL ? st.error : "no session");
		goto post;
	}
	if (ssh_lease_sftp_list(lease, t->dir, deadline, &d, &n, &err) != 0) {
		char *e = clean(err, strlen(err));

		if (strstr(err, "no such file") != NULL)
			obs_set(o, OBS_CRIT, "missing", "%s", e);
		else
			obs_set(o, OBS_UNKNOWN, "error", "%s", e);
		free(e);
		goto post;
	}
	obs_add_field(o, "files", "%zu", n);
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		long k = sftp_newest(d, n, t->prefix, types[i]);
		char *name;

		if (k < 0)
			continue;
		name = clean(d[k].name, strlen(d[k].name));
		obs_add_field(o, types[i] == types[0] ? "daily_file" : types[i] == types[1]
			      ? "weekly_file" : "hourly_file", "%s", name);
		obs_add_field(o, types[i] == types[0] ? "daily_age_s" : types[i] == types[1]
			      ? "weekly_age_s" : "hourly_age_s", "%.0f", now_s - (double)d[k].mtime);
		obs_add_field(o, types[i] == types[0] ? "daily_bytes" : types[i] == types[1]
			      ? "weekly_bytes" : "hourly_bytes", "%llu", d[k].size);
		free(name);
		if (newest < 0 || d[k].mtime > d[newest].mtime)
			newest = k;
	}
	if (newest < 0) {
		obs_set(o, OBS_CRIT, "missing", "no %s{daily,weekly%s}_* backup in %s on %s",
			t->prefix, t->hourly ? ",hourly" : "", t->dir, t->host);
	} else {
		double age = now_s - (double)d[newest].mtime;
		enum obs_status s = sftp_age_status(age, allowed);
		char *name = clean(d[newest].name, strlen(d[newest].name)), ages[32];

		obs_set_value(o, age, "s");
		snprintf(ages, sizeof ages, "%.1f h", age / 3600);
		obs_set(o, s, s == OBS_OK ? "fresh" : "late", "newest %s, %s old (allowed %.0f h)",
			name, ages, allowed / 3600);
		free(name);
	}
	if (!ssh_lease_broken(lease))
		observe_status_file(t, ctx, lease, deadline, key, start);
post:
	ssh_pool_release(lease, lease != NULL && ssh_lease_broken(lease));
	o->latency_ms = time_mono_ms() - start;
	status_store_post(ctx->store, o);
	ssh_dirents_free(d, n);
	ssh_status_clear(&st);
	free(err);
}

const struct probe_type probe_sftp = {
	.name = "sftp",
	.run = sftp_run,
	.free_target = sftp_target_free,
};

/* Local backup files on the backup hosts, over SFTP. */
size_t
sftp_add_jobs(const struct probe_setup *ps)
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = ps->sites[r];

		for (int st = 0; site != NULL && st < STORE_COUNT; st++) {
			const struct site_backup *b = &site->backups[st];

			if (!b->enabled)
				continue;
			for (size_t i = 0; i < b->n_hosts; i++) {
				const struct site_host *h = site_host_by_name(site, b->hosts[i]);
				char key[512];

				if (h == NULL)
					continue;
				snprintf(key, sizeof key, "%s/sftp/%s/%s", site_role_name(site->role),
					 backup_store_name((enum backup_store)st), h->name);
				status_store_expect(ps->store, site->role, PROBE_NAME_SFTP, key, h->name);
				scheduler_add(ps->sched, &probe_sftp, key,
					      sftp_target_create(site, (enum backup_store)st, h),
					      ps->cfg->probe_timeout_ms);
				n++;
			}
		}
	}
	return n;
}
