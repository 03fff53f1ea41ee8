/*
 * recovery_pick.h: the AWS Backup recovery points a restore of an
 * AWS-hosted pair restores. Chosen by drconsole from its own observation of
 * the primary's remote vault (probe_vault.h): per RDS instance of the
 * primary's terraform.yml in the backup plan, the newest COMPLETED recovery
 * point of that instance, restored into the secondary's identifier for it
 * (the secondary's rds_instances entry with the same name before
 * -<environment>), sized like the primary's instance_type. Journaled when
 * the run starts so a resume restores the same points, and offered to the
 * runbook as template variables:
 *
 *   recovery.plan      one line per instance, "IDENTIFIER TARGET CLASS MULTI_AZ ARN"
 *                      (read it with `while read -r id target class multi_az arn`)
 *   recovery.targets   the target identifiers, space-separated
 *   recovery.sizes     one line per target, "TARGET: instance_type CLASS" (terraform.yml edits)
 *   recovery.vault, recovery.region, recovery.account (of the recovery points)
 *   recovery.time      the oldest chosen point's creation time: the restored data's point in time
 *   recovery.age       chosen_at - that time
 *   recovery.count     instances restored
 *   recovery.skipped   instances outside the plan (no region-loss source), space-separated
 *
 * A restore's source follows the primary's protection: a primary whose
 * terraform.yml has a backup_plan and RDS instances restores from these
 * recovery points, any other from S3 backups (backup_pick.h).
 */
#ifndef DRCONSOLE_RECOVERY_PICK_H
#define DRCONSOLE_RECOVERY_PICK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "drconsole/config/site.h"
#include "drconsole/probe/status.h"
#include "drconsole/runbook/journal.h"

struct recovery_item {
	char *identifier;	/* the primary's instance */
	char *target;		/* the instance to create in the secondary's region */
	char *instance_class;	/* the primary's instance_type */
	bool multi_az;		/* the primary's multi_az */
	char *recovery_point_arn;
	long long created_s;	/* the recovery point's CreationDate */
};

struct recovery_choice {
	struct recovery_item *items;
	size_t n;
	char *vault;
	char *region;
	char *account;		/* from the recovery point ARN */
	char *skipped;		/* "" when none */
	long long oldest_s;	/* the oldest chosen point's CreationDate */
	long long chosen_at;	/* UTC epoch s */
	char time[32];		/* oldest_s as 2026-11-25T06:46:59Z */
	char age[32];
	char count[16];
	char *plan, *targets, *sizes;	/* derived text (recovery.*) */
};

/* The primary restores from AWS Backup recovery points (a backup_plan and RDS instances). */
bool recovery_wanted(const struct site *primary);

/*
 * The newest remote recovery point of every RDS instance of primary in the
 * plan, from snap. 0 and *out filled (free with recovery_choice_free), or
 * -1 with *why (an instance in the plan without one, or no observation).
 */
int recovery_pick(const struct status_snapshot *snap, const struct site *primary,
		  const struct site *secondary, long long now_s, struct recovery_choice *out,
		  char **why);
void recovery_choice_free(struct recovery_choice *c);

/* The target identifier in secondary for the primary's identifier (caller frees). */
char *recovery_target_name(const struct site *primary, const struct site *secondary,
			   const char *identifier);

/* The journal event that records the choice ("recovery"); new reference. */
json_t *recovery_choice_event(const struct recovery_choice *c);
/* The choice a journal recorded: 0 and *out filled, -1 when it has none. */
int recovery_choice_from_journal(const struct journal_read *jr, struct recovery_choice *out);
/* A recovery.* template variable, or NULL (name without "recovery."). */
const char *recovery_choice_var(const struct recovery_choice *c, const char *name);
/* What the operator is told before confirming (caller frees). */
char *recovery_choice_describe(const struct recovery_choice *c);

/*
 * Probe condition recovery_fresh: every RDS instance of site's plan has a
 * remote recovery point (not missing, not outside the plan) no older than
 * max_age_ms. 1 pass, 0 fail, with *msg naming each instance.
 */
int recovery_fresh_condition(const struct status_snapshot *snap, enum site_role site,
			     long long max_age_ms, char **msg);

/*
 * The "Restored recovery points" section of a report from a journal:
 * each instance's point and the RPO it means, and the restore durations
 * (the run; each step whose id starts with "restore-"). Nothing without a choice.
 */
void recovery_report_write(FILE *fp, const struct journal_read *jr);

#endif
