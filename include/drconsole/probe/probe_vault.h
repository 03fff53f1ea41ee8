/*
 * probe_vault.h: the AWS Backup vaults of an AWS-hosted primary's
 * backup_plan (terraform.yml), read with ListRecoveryPointsByBackupVault
 * (REST/JSON, SigV4 by libcurl). One job per vault: the remote vault in the
 * remote region (what survives the loss of the primary's region) and the
 * local vault in the primary's region.
 *
 * Rows, key <site>/vault/<remote|local>/<identifier>: one per RDS instance
 * of terraform.yml, from the newest COMPLETED recovery point whose
 * ResourceArn is that instance, judged against the plan's schedule (a
 * daily run at 13:00 UTC, Sunday's being the weekly one; a copy lands in
 * the remote vault within VAULT_GRACE_S of its run):
 *   ok       from the latest run that should have landed
 *   late     (warn) from the run before
 *   missing  (crit) older, or no recovery point at all
 *   outside  an instance without enable_cross_region_backup, in the remote
 *            vault's row: (warn) nothing outside the region can restore it
 * plus one row <site>/vault/<remote|local>/ebs for the plan's EBS volumes
 * (their count against terraform.yml's, the oldest newest point).
 *
 * RPO: each RDS row is a recovery source of store "postgres" for one part
 * (rpo_part = the identifier): the remote vault's rows for site loss, the
 * local vault's for instance loss only (rpo_scenario "instance"). Exposure
 * = now - the recovery point's CreationDate (the point in time it holds).
 *
 * Endpoint: $AWS_ENDPOINT_URL_BACKUP, else $AWS_ENDPOINT_URL, else
 * https://backup.<region>.amazonaws.com. Credentials as probe_rds.h; the
 * remote vault is read with the secondary's aws_profile when it has one
 * (the vault lives in the secondary's account and region).
 */
#ifndef DRCONSOLE_PROBE_VAULT_H
#define DRCONSOLE_PROBE_VAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/config/aws_env.h"
#include "drconsole/probe/observation.h"
#include "drconsole/probe/scheduler.h"

#define VAULT_RUN_HOUR 13		/* the plan's rules: cron(0 13 ? * ...) UTC */
#define VAULT_GRACE_S (8 * 3600)	/* backup, then copy to the remote vault */
#define VAULT_MAX_PAGES 50
#define VAULT_MAX_BODY (8u * 1024u * 1024u)

/* The newest COMPLETED recovery point of one resource seen in a vault. */
struct vault_point {
	char resource_arn[256];
	char resource_type[32];		/* RDS, EBS, ... */
	char recovery_point_arn[256];
	char status[32];
	long long created_s;		/* CreationDate, epoch s */
	long long size_bytes;		/* -1 unknown */
	size_t n_points;		/* recovery points of this resource, any status */
	size_t n_failed;		/* of them not COMPLETED (PARTIAL, EXPIRED, ...) */
};

struct vault_list {
	struct vault_point *items;	/* one per resource */
	size_t n;
	char next_token[1024];
	bool is_error;
	char code[96];
	char message[512];
};

/*
 * Merge one ListRecoveryPointsByBackupVault page (or an error document)
 * into out; 0 on either, -1 with err filled when the body is neither.
 */
int vault_page_parse(const char *body, size_t len, struct vault_list *out, char *err, size_t errlen);
void vault_list_free(struct vault_list *l);

enum vault_verdict {
	VAULT_OK,
	VAULT_LATE,
	VAULT_MISSING,
};

/* Judge a recovery point made at created_s, at now_s; *due_s: the run it should come from. */
enum vault_verdict vault_judge_age(long long created_s, long long now_s, long long *due_s);

/* The point of the RDS instance identifier ("…:db:<identifier>"), or NULL. */
const struct vault_point *vault_find_rds(const struct vault_list *l, const char *identifier);

struct vault_target {
	enum site_role site;
	bool remote;			/* the remote vault (site loss) or the local one */
	char *vault;
	char *region;
	char *home_region;		/* the primary's region, for messages */
	char *profile;			/* AWS profile: the remote vault's is the other site's when set */
	struct aws_rds *instances;	/* identifier and cross_region copied */
	size_t n;
	size_t ebs_planned;		/* EBS volumes terraform puts in the plan */
	long long timeout_ms;
};

struct vault_target *vault_target_create(enum site_role site, const struct aws_env *a, bool remote,
					 long long timeout_ms);
void vault_target_free(void *target);

extern const struct probe_type probe_vault;

struct probe_setup;
/* One job per vault of an AWS-hosted primary's backup_plan: remote, then local. */
size_t vault_add_jobs(const struct probe_setup *ps);

#endif
