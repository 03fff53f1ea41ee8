/*
 * backup_pick.h: the backup a restore restores. Chosen by drconsole from its
 * own S3 observation: the newest backup of a store by the time it was taken
 * (across daily, weekly and hourly; never by key name), journaled when the
 * run starts so a resume restores the same one, and offered to the runbook
 * as template variables: backup.key, backup.bucket, backup.version_id,
 * backup.type, backup.time, backup.age, backup.size and backup.url (a
 * presigned GET URL, signed fresh before every step).
 */
#ifndef DRCONSOLE_BACKUP_PICK_H
#define DRCONSOLE_BACKUP_PICK_H

#include <jansson.h>
#include <stdio.h>

#include "drconsole/config/config.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/config/site.h"
#include "drconsole/probe/status.h"

struct backup_choice {
	char *bucket;
	char *key;
	char *version_id;	/* NULL for dated keys */
	char *type;		/* "daily", "weekly", "hourly" */
	long long taken_at;	/* UTC epoch s */
	long long size;		/* bytes, -1 unknown */
	long long chosen_at;	/* UTC epoch s: when the run chose it */
	char time[32];		/* taken_at as 2026-11-25T06:46:59Z */
	char age[32];		/* chosen_at - taken_at, as "5h12m" */
	char size_text[24];
	char *url;		/* presigned GET, NULL until signed */
};

/*
 * The newest backup of store ("postgres") that site's S3 observations saw.
 * 0 and *out filled (free with backup_choice_free), or -1 with *why.
 */
int backup_pick(const struct status_snapshot *snap, enum site_role site, const char *store,
		long long now_s, struct backup_choice *out, char **why);
/* The same for the backup named key (the newest of a type or one of its recent ones). */
int backup_pick_named(const struct status_snapshot *snap, enum site_role site, const char *store,
		      const char *key, long long now_s, struct backup_choice *out, char **why);
void backup_choice_free(struct backup_choice *c);

/* The journal event that records the choice ("backup"); new reference. */
json_t *backup_choice_event(const struct backup_choice *c);
/* The choice a journal recorded: 0 and *out filled, -1 when it has none. */
int backup_choice_from_journal(const struct journal_read *jr, struct backup_choice *out);
/* Sign c->url for an hour from now with the config's S3 settings for site. */
int backup_choice_sign(struct backup_choice *c, const struct config *cfg,
		       const struct site *site, char **err);
/* A backup.* template variable, or NULL (name without "backup."). */
const char *backup_choice_var(const struct backup_choice *c, const char *name);
/* The names backup_choice_var knows, with "backup." (NULL-terminated). */
const char *const *backup_var_names(void);
/* What the operator is told: which backup, when taken, how old (caller frees). */
char *backup_choice_describe(const struct backup_choice *c);

/* The "Restored backup" section of a report from a journal; nothing without a choice. */
void backup_report_write(FILE *fp, const struct journal_read *jr);

#endif
