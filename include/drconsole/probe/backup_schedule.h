/*
 * backup_schedule.h: when commcare-cloud's backup cron jobs run, how their
 * objects are named in S3, and whether the newest backup found is fresh.
 * Pure: no I/O, no clock; every function takes "now" (UTC epoch seconds).
 *
 * Schedule (the cron files backup_postgres, backup_couch, backup_blobdb):
 *   daily   0 <nadir_hour> * * 1-6        (Monday to Saturday)
 *   weekly  0 <nadir_hour> * * 0          (Sunday)
 *   hourly  15 0-23/<nadir_hour_frequency> * * 1-6   postgres, blobdb
 *           0 0-23/<nadir_hour_frequency> * * 1-6    couch
 *           (written with a star step in the cron files; the same hours)
 * cron runs on the server clock; drconsole reads it as UTC (the servers of
 * commcare-cloud deployments run in UTC).
 *
 * Freshness of the newest backup of one type, against the last run whose
 * grace period (time to take and upload a backup) has passed, the "due" run:
 *   ok       taken at or after the due run
 *   late     taken before the due run but at or after the run before it
 *            (one run missing: failed, or still running past the grace)
 *   missing  older than that (two runs in a row missing, which is also when
 *            commcare-cloud's check_s3_backup.py alerts for dailies), or no
 *            backup of that type at all
 *
 * Object keys (commcare-cloud-facts.md 3.5), both conventions:
 *   dated  postgres_<deploy_env>_<type>_<YYYY_MM_DD>[_HH].tar.gz|.gz,
 *          couchdb_<type>_<DATE>.tar.gz, blobdb_<type>_<DATE>.tar.gz
 *          (hourly: _<YYYY_MM_DD_HH>); one object per run
 *   fixed  postgres_<type>_<hostname>.tar.gz|.gz, couchdb_<type>_<hostname>.tar.gz,
 *          blobdb_<type>_<hostname>.tar.gz; history as object versions
 * postgres plain backups end in .tar.gz, dump backups (pg_dumpall | gzip) in
 * .gz; a key of the other format, or of another deploy_env, is not ours.
 * When a backup was taken: a fixed key's version by its LastModified; a dated
 * key by its LastModified, capped at the end of the day (hour) its name
 * carries, since the name is fixed when the run starts (a re-upload of an
 * old backup does not make it fresh).
 */
#ifndef DRCONSOLE_BACKUP_SCHEDULE_H
#define DRCONSOLE_BACKUP_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/config/site.h"

enum backup_type {
	BACKUP_HOURLY,
	BACKUP_DAILY,
	BACKUP_WEEKLY,
	BACKUP_TYPE_COUNT,
};

const char *backup_type_name(enum backup_type t);	/* "hourly", "daily", "weekly" */

/* One cron line: minute, an hour or every hour_step-th hour, weekdays. */
struct backup_cron {
	int minute;
	int hour;		/* a fixed hour, or -1: every hour divisible by hour_step */
	int hour_step;
	unsigned dow_mask;	/* bit 0 Sunday ... bit 6 Saturday */
};

/* The cron line commcare-cloud installs for store and type. */
void backup_cron_for(enum backup_store store, enum backup_type type, int nadir_hour,
		     int nadir_hour_frequency, struct backup_cron *out);
/* The latest start time at or before t (UTC epoch s); -1 when none in 8 days. */
long long backup_cron_prev(const struct backup_cron *c, long long t);

struct backup_expectation {
	long long due_run;	/* start of the newest run whose grace has passed */
	long long previous_run;	/* the run before it */
	long long expected_by;	/* due_run + grace: by then it should be in the bucket */
};

void backup_expect(const struct backup_cron *c, long long now, long long grace_s,
		   struct backup_expectation *out);

enum backup_verdict {
	BACKUP_OK,
	BACKUP_LATE,
	BACKUP_MISSING,
};

const char *backup_verdict_name(enum backup_verdict v);	/* "ok", "late", "missing" */
/* Judge the newest backup taken at taken_at (found false: none at all). */
enum backup_verdict backup_judge(const struct backup_expectation *e, bool found,
				 long long taken_at);

enum backup_key_kind {
	BACKUP_KEY_DATED,
	BACKUP_KEY_FIXED,
};

struct backup_key {
	enum backup_type type;
	enum backup_key_kind kind;
	long long period_start;	/* dated: the named day (00:00) or hour, UTC epoch s */
	long long period_end;	/* dated: one day (hour) later */
	char host[128];		/* fixed: the backup machine's hostname */
	bool dump;		/* .gz rather than .tar.gz */
};

/*
 * Parse an object key of store's backups. format is the site's postgres
 * format ("plain" or "dump"; NULL: plain), deploy_env the site's. False when
 * the key is not a backup of this store, env and format.
 */
bool backup_key_parse(enum backup_store store, const char *deploy_env, const char *format,
		      const char *key, struct backup_key *out);
/* When the backup named by k was taken, from its LastModified. */
long long backup_taken_at(const struct backup_key *k, long long last_modified);
/*
 * The ListObjects prefix for store's keys: "postgres_<env>_" (dated
 * postgres keys), "postgres_" (fixed), "couchdb_", "blobdb_". Returns buf.
 */
char *backup_key_prefix(enum backup_store store, const char *deploy_env, bool versioned,
			char *buf, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date; false when not a real date. */
bool backup_days_from_civil(int y, int m, int d, long long *days);
/* "2026-11-25T06:46:59.000Z" (S3's LastModified) to epoch s; false when malformed. */
bool backup_time_parse(const char *s, long long *out);
/* t as "2026-11-25T06:46:59Z"; returns buf. */
char *backup_time_format(long long t, char *buf, size_t len);

#endif
