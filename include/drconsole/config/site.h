/*
 * site.h: the model of one site (primary or secondary), read from its
 * commcare-cloud environment directory and drconsole.yml: hosts and how to
 * reach them, PostgreSQL servers and replication, databases, CouchDB,
 * Elasticsearch, and backup settings with commcare-cloud's defaults. Probes,
 * the console, lint and runbooks all read this; none of them reads the env
 * files themselves.
 */
#ifndef DRCONSOLE_SITE_H
#define DRCONSOLE_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "drconsole/config/aws_env.h"
#include "drconsole/config/config.h"
#include "drconsole/util/diag.h"
#include "drconsole/config/inventory.h"
#include "drconsole/config/yaml_doc.h"

enum site_role {
	SITE_PRIMARY,
	SITE_SECONDARY,
	SITE_NONE,		/* not tied to one site (e.g. the RPO headline) */
};

const char *site_role_name(enum site_role role);	/* "primary", ... */

enum backup_store {
	STORE_POSTGRES,
	STORE_COUCH,
	STORE_BLOBDB,
	STORE_COUNT,
};

const char *backup_store_name(enum backup_store s);	/* "postgres", "couch", "blobdb" */

struct site_host {
	char *name;		/* inventory host name */
	char *address;		/* ansible_host, else the name */
	int port;		/* ansible_port, host:port, else 22 */
	char *user;
	char *group;		/* the functional group shown in the console */
	char *groups;		/* every group, comma-separated */
	bool known;		/* listed in the env's known_hosts */
	unsigned line;		/* in inventory.ini */
};

struct site_pg_server {
	char *host;		/* inventory host name */
	char *address;
	bool is_standby;	/* in pg_standby */
	bool remote;		/* in remote_postgresql (RDS): not SSH-able */
	char *master;		/* hot_standby_master as written */
	char *master_address;	/* resolved in either site's inventory, or NULL */
	char *slot;		/* replication_slot */
	char **slots;		/* postgresql_replication_slots */
	size_t n_slots;
	char *standby_server;	/* hot_standby_server */
	unsigned line;
};

struct site_db {
	char *alias;		/* main, ucr, formplayer, p1, ... */
	char *name;		/* commcarehq, commcarehq_ucr, ... */
	char *host_ref;		/* as written in postgresql.yml */
	char *host;		/* resolved inventory host, NULL when unresolved */
	unsigned line;
	unsigned col;
};

struct site_backup {
	bool enabled;		/* backup_postgres / backup_couch / backup_blobdb */
	bool s3;		/* postgres_s3 / couch_s3 / blobdb_s3 */
	char *bucket;
	unsigned bucket_line;	/* of the value in public.yml; 0 when derived from deploy_env */
	unsigned bucket_col;
	bool versioned;		/* aws_versioning_enabled: fixed keys + versions */
	bool hourly;
	int days;
	int weeks;
	int hours;
	char *format;		/* postgres: plain (.tar.gz) or dump (.gz) */
	char *local_dir;
	char **hosts;		/* hosts that take these backups */
	size_t n_hosts;
	char *off_reason;	/* why it is off ("backup_couch is not set in public.yml"), NULL when enabled */
};

struct site {
	enum site_role role;
	char *env_dir;
	char *env_name;		/* the directory's name */
	char *deploy_env;	/* meta.yml; may differ from env_name */
	bool bare;		/* meta.yml bare_non_cchq_environment: no CommCare HQ services */
	char *site_host;	/* proxy.yml SITE_HOST */
	char *control;		/* control host name, NULL when not found */
	char *control_address;
	int control_port;
	char *remote_user;
	struct inventory *inv;
	struct ydoc *meta;
	struct ydoc *public_yml;
	struct ydoc *postgresql_yml;
	struct ydoc *proxy_yml;
	struct ydoc *app_processes_yml;
	struct ydoc *fab_settings_yml;
	char *known_hosts_path;	/* NULL when the env has none */
	struct site_host *hosts;	/* SSH-able hosts (not in ansible_skip) */
	size_t n_hosts;
	struct site_pg_server *pg;
	size_t n_pg;
	struct site_db *dbs;
	size_t n_dbs;
	char *pg_version;
	char **couch_nodes;	/* addresses */
	size_t n_couch;
	char *couch_db;
	char **es_nodes;
	size_t n_es;
	char *es_repository;
	bool es_snapshots;
	struct site_backup backups[STORE_COUNT];
	int nadir_hour;
	int nadir_hour_frequency;
	char *aws_region;
	char *aws_endpoint;
	struct aws_env *aws;	/* terraform.yml of an AWS-hosted env, NULL when self-managed */
};

/* Load one site; NULL only when nothing usable could be read. Problems go to dl. */
struct site *site_load(const struct config *cfg, enum site_role role, struct diag_list *dl);
/* Resolve hot_standby_master addresses against the other site too. */
void site_link(struct site *a, struct site *b);
void site_free(struct site *s);
const struct site_host *site_host_by_name(const struct site *s, const char *name);
/* The model as JSON (the "site" object of `status --json`; docs/status-json.md). */
json_t *site_to_json(const struct site *s);

/*
 * The addresses (ansible_host, else the name) of the hosts of an inventory
 * group, *n of them; the caller frees with str_array_free. A probe derives
 * its targets from the inventory with this (probe_registry.h) rather than
 * from a field of struct site of its own.
 */
char **site_group_addresses(const struct site *s, const char *group, size_t *n);

/* A top-level variable of public.yml as a string (for templates and Jinja), or NULL. */
const char *site_public_str(const struct site *s, const char *key);
/* A public.yml boolean (true/false, or a string str_truthy reads) with commcare-cloud's default. */
bool site_public_bool(const struct site *s, const char *key, bool dflt);

#endif
