/*
 * config.h: drconsole.yml. Every option is one row of the table in
 * config_options.c (path, type, bounds, default, help); the loader walks the
 * YAML against that table, so unknown keys, wrong types, bad durations and
 * out-of-range numbers are errors with file:line:col. Credentials are never
 * accepted inline: keys that look like secrets are errors.
 *
 * Search order: -c FILE, $DRCONSOLE_CONFIG, ./drconsole.yml,
 * $XDG_CONFIG_HOME/drconsole/config.yml, /etc/drconsole/config.yml; the first
 * that exists is loaded. Independently, the system file pins read-only mode
 * for everyone unless its read_only is absent or a literal false: true, any
 * value that is not a boolean, and a file that exists but cannot be read or
 * parsed all pin (fail closed). $DRCONSOLE_PIN_CONFIG names one more file
 * checked the same way; it can add a pin, never lift one.
 */
#ifndef DRCONSOLE_CONFIG_H
#define DRCONSOLE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drconsole/util/diag.h"

#define CONFIG_SYSTEM_PATH "/etc/drconsole/config.yml"

/* drift_ignore: a drift finding the team accepts, and why. */
struct config_drift_ignore {
	char *key;		/* a finding's path (glob), "file:path", or its last component */
	char *reason;
	unsigned line;		/* in the config file */
	unsigned col;
};

struct config_site {
	char *env_dir;		/* absolute or relative to the config file */
	char *control;		/* host or group; default "control" */
	bool drill_target;	/* unattended drills allowed against it */
	char *aws_profile;	/* AWS profile of its account (aws_creds.h), NULL: the usual chain */
};

struct config {
	char *path;		/* the file loaded */
	long long rpo_ms;
	long long rto_ms;
	long long verify_every_ms;	/* objectives.verify_every (backup verification) */
	char *rpo_headline;	/* "region" (the primary's region lost) or "instance" (one database instance) */
	long long drill_every_ms;	/* drill cadence per runbook model; 0 none */
	struct config_site sites[2];	/* indexed by enum site_role */
	struct {
		char *user;
		char *identity_file;
		char *known_hosts;
		bool agent;
		long long connect_timeout_ms;
		long long command_timeout_ms;
		long long keepalive_ms;
	} ssh;
	struct {
		char *user;
		char *dbname;
		char *sslmode;
		char *service;
		long long port;
		long long connect_timeout_ms;
	} pg;
	struct {
		char *endpoint;
		char *region;
		char *access_key_env;
		char *secret_key_env;
		char *session_token_env;
		char *ca_file;
		bool path_style;
		long long timeout_ms;
		long long max_keys;	/* objects per list page (AWS caps at 1000) */
		long long grace_ms;	/* how long after its cron start a backup may take */
	} s3;
	struct {
		char *user_env;
		char *password_env;
		long long port;
		long long timeout_ms;
	} couch;
	struct {
		long long port;
		long long timeout_ms;
		bool rpo_headline;	/* ES snapshots count in the RPO headline */
	} es;
	struct {
		char *slack_url_env;	/* the variable holding a Slack-compatible webhook URL */
		char *webhook_url_env;	/* the variable holding a generic JSON POST URL */
		long long timeout_ms;
		long long queue;
	} notify;
	struct {
		long long destructive;	/* operators a destructive step needs (2: four eyes) */
		long long drill;	/* the same for drills */
		long long timeout_ms;	/* how long a request for approval stands */
	} approvals;
	long long refresh_ms;
	long long probe_timeout_ms;
	char *theme;
	char **runbooks;
	size_t n_runbooks;
	char *state_dir;
	char *lock_dir;		/* run lock directory on the control host (default /var/tmp) */
	long long lock_stale_ms;	/* heartbeat age past which a lock may be broken */
	char *log;
	bool read_only;
	bool read_only_pinned;	/* by the system file (or $DRCONSOLE_PIN_CONFIG) */
	char *pinned_by;	/* that file */
	char *pin_why;		/* "read_only: true", "cannot read it: ...", ... */
	struct config_pos *pos;	/* per option table entry: where the file set it */
	struct config_drift_ignore *drift_ignore;
	size_t n_drift_ignore;
};

struct config_pos {
	unsigned line;		/* 0 when not set in the file */
	unsigned col;
};

/* Where to look; config_sources_from_env fills it from the real environment. */
struct config_sources {
	const char *explicit_path;	/* -c */
	const char *env_config;		/* $DRCONSOLE_CONFIG */
	const char *cwd;		/* for ./drconsole.yml */
	const char *xdg_config_home;
	const char *xdg_state_home;
	const char *home;
	const char *system_path;	/* CONFIG_SYSTEM_PATH, never from the environment */
	const char *pin_path;		/* $DRCONSOLE_PIN_CONFIG: one more pin file, or NULL */
	bool strict_pin;		/* lint: a pin file's problems are errors, not warnings */
};

void config_sources_from_env(struct config_sources *src, const char *explicit_path);
/* 0 when loaded without errors; -1 otherwise (diagnostics in dl). */
int config_load(const struct config_sources *src, struct config *cfg, struct diag_list *dl);
/* Load one file (no search, no pin); for tests and tools. */
int config_load_file(const char *path, const struct config_sources *src,
		     struct config *cfg, struct diag_list *dl);
void config_free(struct config *cfg);
/* Where the file set option path (dotted); false when it did not. */
bool config_option_pos(const struct config *cfg, const char *path, unsigned *line, unsigned *col);
/*
 * Why read-only mode is on, or NULL when it is not (caller frees): the pin,
 * else read_only: true in the loaded file, else flag (--read-only). The one
 * text every front end shows with a refusal.
 */
char *config_read_only_reason(const struct config *cfg, bool flag);
/* Every option with type, default and help, as a Markdown table. */
void config_print_options(FILE *fp);

#endif
