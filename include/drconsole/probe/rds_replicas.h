/*
 * rds_replicas.h: what else holds a copy of an RDS instance, read by the
 * RDS probe (probe_rds.h) beside its DescribeDBInstances.
 *
 * Read replicas: an instance's ReadReplicaDBInstanceIdentifiers, each
 * judged from its own DescribeDBInstances entry in the same answer: its
 * status and its StatusInfos entry of type "read replication" (Status,
 * Normal, Message), and its CloudWatch ReplicaLag (rds_replica_lag.h),
 * which DescribeDBInstances does not return. A replica whose replication
 * is not normal (error, stopped, terminated), which is not available, or
 * whose lag is PG_LAG_WARN_S or more (the PostgreSQL standby's threshold)
 * makes its source's row a warning naming it. No lag datapoint is "lag not
 * reported"; a CloudWatch error (AccessDenied, no answer) is said in the
 * replica's state and leaves the row as judged otherwise. A replica in
 * another region (listed by ARN) is named, not judged.
 *
 * Replicated automated backups: a primary instance whose answer lists
 * DBInstanceAutomatedBackupsReplications copies its automated backups
 * (snapshots and transaction logs) to another region, where
 * DescribeDBInstanceAutomatedBackups lists them with a RestoreWindow: a
 * point-in-time restore there reaches RestoreWindow.LatestTime. That is a
 * region-loss recovery source of store "postgres" for the instance (part =
 * identifier, no rpo_scenario: it survives the primary's region), posted
 * as key <site>/rds-backups/<identifier>: ok when replicating with a
 * LatestTime, warn when pending or without one, crit when the replication
 * is listed but the destination region has no such backups. One request
 * (plus pages) per destination region and refresh, only when an instance
 * replicates; instances without replication get no row.
 */
#ifndef DRCONSOLE_RDS_REPLICAS_H
#define DRCONSOLE_RDS_REPLICAS_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/probe/probe_rds.h"
#include "drconsole/probe/rds_replica_lag.h"
#include "drconsole/probe/status.h"

/*
 * The read replicas of seen, judged from all and lags (parallel to
 * all->items; NULL: not read): fields on o, a warning when one is not
 * healthy or lags.
 */
void rds_judge_replicas(const struct rds_seen *seen, const struct rds_page *all,
			const struct rds_replica_lag *lags, struct observation *o);

/*
 * The ReplicaLag of the same-region replicas that all lists for t's
 * instances (RDS_SHOWN_REPLICAS each at most), read before deadline_ms
 * into lags (parallel to all->items, all->n of them, zeroed by the caller).
 */
void rds_read_replica_lags(const struct rds_target *t, const struct rds_page *all, long long deadline_ms,
			   struct rds_replica_lag *lags);

/* One DBInstanceAutomatedBackup of a DescribeDBInstanceAutomatedBackups answer (sanitised). */
struct rds_auto_backup {
	char identifier[128];		/* DBInstanceIdentifier (the source's) */
	char instance_arn[256];		/* DBInstanceArn (the source's) */
	char region[32];		/* Region: the source's region */
	char status[32];		/* active, replicating, pending, retained, ... */
	char arn[256];			/* DBInstanceAutomatedBackupsArn */
	long long earliest_s;		/* RestoreWindow.EarliestTime, -1 absent */
	long long latest_s;		/* RestoreWindow.LatestTime, -1 absent */
	int retention;			/* BackupRetentionPeriod, -1 absent */
};

struct rds_auto_list {
	struct rds_auto_backup *items;
	size_t n;
	char marker[512];
	bool is_error;
	char code[64];
	char message[512];
};

/* Parse one page (or an ErrorResponse) appended to out; 0, or -1 with err. */
int rds_auto_backups_parse(const char *body, size_t len, struct rds_auto_list *out, char *err,
			   size_t errlen);
void rds_auto_list_free(struct rds_auto_list *l);

/* The region of an ARN ("arn:aws:rds:REGION:…") into buf; false when it has none. */
bool rds_arn_region(const char *arn, char *buf, size_t len);

/* The replicated backups of src (by DBInstanceAutomatedBackupsArn, else ARN, else identifier and region). */
const struct rds_auto_backup *rds_auto_find(const struct rds_auto_list *l, const struct rds_seen *src,
					    const char *src_region);

/*
 * Judge the replicated automated backups of want (ab NULL: not in dest_region's
 * answer) at now_s into o, marked as a region-loss recovery source when primary.
 */
void rds_auto_judge(const struct aws_rds *want, const struct rds_auto_backup *ab,
		    const char *dest_region, bool primary, long long now_s, struct observation *o);

/*
 * For each instance of t that all shows replicating its automated backups,
 * read DescribeDBInstanceAutomatedBackups in the destination region (once
 * per region) before deadline and post a <site>/rds-backups/<identifier> row.
 */
void rds_post_replicated_backups(const struct rds_target *t, const struct rds_page *all,
				 long long start_ms, long long deadline_ms, struct status_store *store);

#endif
