/*
 * probe_sftp.h: local backups on each site's backup hosts, read over SFTP
 * on the kept SSH sessions (probe_env, probes.h). One job per enabled
 * backup store (postgres, couch, blobdb) and backup host
 * (struct site_backup.hosts); it lists local_dir and reads
 * s3_backup_status.txt there (commcare-cloud's check_s3_backup.py output).
 *
 * Observation <site>/sftp/<store>/<host>, probe "sftp":
 *   fresh    OK    newest backup file (any of daily/weekly/hourly) is recent
 *   late     WARN  older than the schedule allows (26 h; hourly: frequency + 1 h)
 *   late     CRIT  older than twice that
 *   missing  CRIT  no backup file, or no such directory
 *   error    UNKNOWN  the host or the directory could not be read
 *   value = age of the newest file (s); fields per type: <type>_file,
 *   <type>_age_s, <type>_bytes; dir, host, files (count).
 * Observation <site>/sftp/<store>/<host>/s3-check when s3_backup_status.txt
 * exists: ok / alert (WARN: an [ALERT] line; note the script false-alarms
 * with aws_versioning_enabled and dump format) / stale (WARN: not rewritten
 * for 5 h, it runs every 4 h); message = its first line (sanitised).
 * Local backups are not an RPO recovery source: they vanish with the site.
 */
#ifndef DRCONSOLE_PROBE_SFTP_H
#define DRCONSOLE_PROBE_SFTP_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/probe/scheduler.h"
#include "drconsole/config/site.h"
#include "drconsole/ssh/ssh.h"

struct sftp_target {
	enum site_role site;
	enum backup_store store;
	char *host;		/* inventory name */
	char *address;
	int port;
	char *user;		/* NULL: the pool's */
	char *dir;		/* local_dir */
	char *prefix;		/* "postgres_<deploy_env>_", "couchdb_", "blobdb_" */
	bool hourly;
	int hourly_every_h;	/* nadir_hour_frequency */
};

struct sftp_target *sftp_target_create(const struct site *s, enum backup_store store,
				       const struct site_host *h);
void sftp_target_free(void *target);

/* The newest entry named <prefix><type>_* (index into d), or -1. */
long sftp_newest(const struct ssh_dirent *d, size_t n, const char *prefix, const char *type);
/* Status of a newest-backup age against the allowed age (seconds): OK, WARN (>1x), CRIT (>2x). */
enum obs_status sftp_age_status(double age_s, double allowed_s);

extern const struct probe_type probe_sftp;

struct probe_setup;
/* One job per enabled backup store on each of its backup hosts. */
size_t sftp_add_jobs(const struct probe_setup *ps);

#endif
