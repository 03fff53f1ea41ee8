/*
 * probe_rds.h: RDS instances of an AWS-hosted site (terraform.yml's
 * rds_instances), read with the RDS Query API's DescribeDBInstances, signed
 * with AWS SigV4 by libcurl. One job per site with RDS instances; one
 * observation per instance, key <site>/rds/<identifier>.
 *
 *   ok       available, automated backups on (point-in-time recovery)
 *   warn     not "available" but not broken (modifying, backing-up, ...);
 *            Multi-AZ or backup retention differ from terraform.yml
 *   crit     broken (failed, storage-full, incompatible-*), not found in
 *            the region, or automated backups off (retention 0: no PITR)
 *   unknown  no credentials, an AWS error (ExpiredToken, AccessDenied, ...)
 *            or no answer; the message says which
 *
 * RPO: on the primary site each instance is a recovery source of store
 * "postgres" for the *instance-loss* scenario only (rpo_scenario
 * "instance"): point-in-time recovery restores up to LatestRestorableTime,
 * in the same region, so exposure = now - LatestRestorableTime. It says
 * nothing about losing the region, which the headline judges.
 *
 * Endpoint: $AWS_ENDPOINT_URL_RDS, else $AWS_ENDPOINT_URL, else
 * https://rds.<region>.amazonaws.com (as the AWS CLI and SDKs choose it).
 * Credentials: the site's aws_profile of drconsole.yml, else the usual
 * chain (aws_creds.h); they go to libcurl only, never to a message.
 * Throttling answers are retried with back-off inside the probe timeout;
 * Marker pagination is followed (at most RDS_MAX_PAGES pages). Read
 * replicas and their CloudWatch ReplicaLag: rds_replicas.h.
 */
#ifndef DRCONSOLE_PROBE_RDS_H
#define DRCONSOLE_PROBE_RDS_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/config/aws_env.h"
#include "drconsole/probe/observation.h"
#include "drconsole/probe/scheduler.h"

#define RDS_MAX_PAGES 20
#define RDS_MAX_BODY (4u * 1024u * 1024u)
#define RDS_SHOWN_REPLICAS 5		/* read replicas kept by name per instance (all are counted) */

/* One DBInstance of a DescribeDBInstances answer (strings sanitised). */
struct rds_seen {
	char identifier[128];
	char status[48];		/* DBInstanceStatus */
	char instance_class[48];
	char engine_version[32];
	char arn[256];
	char endpoint[256];
	bool multi_az;
	int retention;			/* BackupRetentionPeriod, -1 absent */
	long long latest_restorable_s;	/* LatestRestorableTime, epoch s; -1 absent */
	size_t n_replicas;		/* ReadReplicaDBInstanceIdentifiers */
	/* the first of them: identifiers (same region) or ARNs (another region) */
	char replica_ids[RDS_SHOWN_REPLICAS][256];
	char source_identifier[256];	/* ReadReplicaSourceDBInstanceIdentifier: this is a replica */
	char replication_status[32];	/* StatusInfos, type "read replication": replicating, error, ... */
	bool replication_normal;	/* its Normal */
	char replication_message[160];
	char backups_replication_arn[256];	/* DBInstanceAutomatedBackupsReplications: the first ARN */
};

struct rds_page {
	struct rds_seen *items;
	size_t n;
	char marker[512];		/* the next page's Marker, "" when last */
	bool is_error;			/* an ErrorResponse */
	char code[64];			/* its Code: ExpiredToken, Throttling, ... */
	char message[512];
};

/*
 * Parse a DescribeDBInstances response or an ErrorResponse. 0 on either;
 * -1 with err filled when the body is neither (not XML, a DTD, unexpected).
 */
int rds_page_parse(const char *body, size_t len, struct rds_page *out, char *err, size_t errlen);
void rds_page_free(struct rds_page *p);

/* An AWS error code that asks to slow down and retry. */
bool rds_error_is_throttling(const char *code);

/*
 * Judge one terraform instance against what AWS says (seen NULL: not in
 * the answer) at now_s; fills o (status, state, value, fields). primary:
 * mark it as an instance-loss recovery source.
 */
void rds_judge(const struct aws_rds *want, const struct rds_seen *seen, const char *region,
	       bool primary, long long now_s, struct observation *o);

struct rds_target {
	enum site_role site;
	char *region;
	char *profile;			/* the site's aws_profile, NULL: the usual chain */
	struct aws_rds *instances;	/* copies of identifier and the terraform values */
	size_t n;
	long long timeout_ms;
};

struct rds_target *rds_target_create(enum site_role site, const struct aws_env *a,
				     long long timeout_ms);
void rds_target_free(void *target);

extern const struct probe_type probe_rds;

struct probe_setup;
/* One job per AWS-hosted site with RDS instances; a row per instance. */
size_t rds_add_jobs(const struct probe_setup *ps);

#endif
