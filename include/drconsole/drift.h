/*
 * drift.h: configuration drift between the primary and secondary env dirs.
 * public.yml, postgresql.yml, proxy.yml, app-processes.yml and
 * fab-settings.yml are flattened to dotted paths (lists by index) and
 * compared. A difference is "expected" when a DR secondary is meant to
 * differ there (deploy_env, hosts and addresses, SITE_HOST, buckets,
 * region and endpoints, or a value that differs only by the env's name);
 * everything else is "suspicious".
 */
#ifndef DRCONSOLE_DRIFT_H
#define DRCONSOLE_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "drconsole/site.h"

enum drift_kind {
	DRIFT_CHANGED,
	DRIFT_ONLY_PRIMARY,
	DRIFT_ONLY_SECONDARY,
};

struct drift_item {
	char *file;		/* "public.yml" */
	char *path;		/* "localsettings.HQ_INSTANCE" */
	enum drift_kind kind;
	char *primary;		/* value text, NULL when absent */
	char *secondary;
	unsigned primary_line;
	unsigned secondary_line;
	bool expected;
	const char *why;	/* reason for "expected" */
};

struct drift {
	struct drift_item *items;
	size_t n;
	size_t cap;
	size_t suspicious;
};

void drift_compare(const struct site *primary, const struct site *secondary, struct drift *out);
void drift_free(struct drift *d);
json_t *drift_to_json(const struct drift *d);

#endif
