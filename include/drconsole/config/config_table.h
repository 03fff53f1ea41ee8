/*
 * config_table.h: the option table behind config.h (private to the config
 * loader and its documentation printer).
 */
#ifndef DRCONSOLE_CONFIG_TABLE_H
#define DRCONSOLE_CONFIG_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/config/config.h"

enum copt_type {
	COPT_DURATION,		/* long long milliseconds */
	COPT_STRING,		/* char * */
	COPT_PATH,		/* char *, ~ and relative paths resolved */
	COPT_PATH_LIST,		/* char ** + size_t count right after it */
	COPT_BOOL,		/* bool */
	COPT_INT,		/* long long */
	COPT_ENUM,		/* char *, one of choices */
	COPT_ENVNAME,		/* char *, an environment variable name */
	COPT_DRIFT_IGNORE,	/* struct config_drift_ignore * + size_t count right after it */
};

struct config_option {
	const char *path;		/* dotted: "ssh.connect_timeout" */
	enum copt_type type;
	size_t offset;			/* into struct config */
	long long min;			/* ints and durations (ms) */
	long long max;
	const char *const *choices;	/* COPT_ENUM */
	const char *dflt;		/* as written in a file; NULL: unset */
	bool required;
	const char *help;
};

extern const struct config_option config_options[];

struct ynode;
/* drift_ignore: a list of {key, reason} (config_drift_ignore.c); false on error. */
bool config_drift_ignore_set(struct config *cfg, const struct ynode *n, const char *file,
			     struct diag_list *dl);
void config_drift_ignore_free(struct config *cfg);

#endif
