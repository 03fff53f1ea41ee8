/*
 * aws_env.h: the AWS side of a commcare-cloud environment, read from its
 * terraform.yml (what terraform builds: region, RDS instances, the AWS
 * Backup plan, EC2 servers and their EBS data volumes) and aws-resources.yml
 * (the cache of what AWS gave back: RDS endpoints, private addresses).
 * An environment without terraform.yml is self-managed and has no aws_env.
 *
 * The DR facts it carries: which RDS instances exist and how they are
 * protected (Multi-AZ, automated backups with point-in-time recovery for
 * backup_retention days, a copy in the remote vault when
 * enable_cross_region_backup is set), and which EBS volumes the
 * "BusinessContinuity" plan copies to the remote region.
 */
#ifndef DRCONSOLE_AWS_ENV_H
#define DRCONSOLE_AWS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "drconsole/util/diag.h"

/* One rds_instances[] entry. */
struct aws_rds {
	char *identifier;	/* pgmain1-production */
	char *instance_type;	/* db.m5.4xlarge */
	long long storage_gb;	/* -1 unset */
	bool multi_az;
	char *engine_version;	/* NULL unset */
	char *backup_window;	/* "23:00-01:00", NULL unset (AWS picks one) */
	int backup_retention;	/* days of point-in-time recovery; -1 unset */
	bool cross_region;	/* enable_cross_region_backup: in the AWS Backup plan */
	char *group;		/* rds_<identifier minus -<environment>> */
	bool in_inventory;	/* that group exists in inventory.ini */
	char *endpoint;		/* aws-resources.yml, NULL when not cached */
	char **databases;	/* postgresql.yml aliases whose host is this instance */
	size_t n_databases;
	unsigned line;		/* in terraform.yml */
	unsigned col;
};

/* backup_plan: the AWS Backup plan "BusinessContinuity". */
struct aws_backup_plan {
	bool present;
	char *local_vault;
	char *remote_vault;
	char *remote_region;
	char *outside_account;	/* the account that may copy into the remote vault */
	int daily_retention;	/* days; -1 unset */
	int weekly_retention;
	int monthly_retention;
	int quarterly_retention;
	int cold_storage_after;	/* days; -1 unset */
	unsigned line;
};

/* One servers[] / proxy_servers[] entry (count expanded by the caller's reading, not here). */
struct aws_server {
	char *name;		/* server_name as written, "{i}" kept */
	char *group;
	char *instance_type;
	int count;		/* 1 when unset */
	bool root_cross_region;	/* enable_cross_region_backup on the server */
	bool data_volume;	/* has a block_device */
	long long data_size_gb;	/* block_device.volume_size, -1 unset */
	bool data_cross_region;	/* block_device.enable_cross_region_backup */
	unsigned line;
};

struct aws_env {
	char *file;		/* terraform.yml path */
	char *resources_file;	/* aws-resources.yml path, NULL when absent */
	char *account_alias;
	char *region;
	char *environment;	/* terraform's name; may differ from deploy_env (bk-production) */
	struct aws_rds *rds;
	size_t n_rds;
	struct aws_backup_plan plan;
	struct aws_server *servers;
	size_t n_servers;
	char *profile;		/* drconsole.yml sites.<site>.aws_profile, NULL: the usual chain */
	char *remote_profile;	/* the other site's: the remote vault lives in its account */
};

/*
 * Read env_dir/terraform.yml (and aws-resources.yml beside it). NULL when
 * the environment has no terraform.yml; problems (wrong types, missing
 * identifiers) go to dl with their positions.
 */
struct aws_env *aws_env_load(const char *env_dir, struct diag_list *dl);
void aws_env_free(struct aws_env *a);

/* Record the AWS profiles of a's site and of the other site (either may be NULL; a may be NULL). */
void aws_env_set_profiles(struct aws_env *a, const char *profile, const char *remote_profile);

/* The inventory group of an RDS identifier: "rds_" + identifier minus "-<environment>". Caller frees. */
char *aws_rds_group(const char *identifier, const char *environment);

/* Number of EBS volumes (servers × count) the backup plan copies to the remote region. */
size_t aws_env_ebs_in_plan(const struct aws_env *a);

/* The model as JSON (the "aws" object of a site in `status --json`; docs/status-json.md). */
json_t *aws_env_to_json(const struct aws_env *a);

#endif
