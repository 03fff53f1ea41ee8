/*
 * drift.h: configuration drift between the primary and secondary env dirs,
 * read the way a DR operator reads it. Every YAML file of the pair
 * (public.yml, postgresql.yml, proxy.yml, fab-settings.yml, meta.yml,
 * elasticsearch.yml, app-processes.yml), the inventory topology and the
 * list of files are compared. Host-keyed maps (app-processes.yml's
 * celery_processes, pillows, management_commands) are compared by role,
 * the host's functional group, never by host name: capacity is summed per
 * role and queue.
 *
 * Every finding has a kind (stable names, docs/drift-json.md) and a one-line
 * why. expected and capacity are informational; the other kinds are
 * suspicious unless drconsole.yml's drift_ignore accepts them.
 */
#ifndef DRCONSOLE_DRIFT_H
#define DRCONSOLE_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "drconsole/config/config.h"
#include "drconsole/config/site.h"
#include "drconsole/util/diag.h"

enum drift_kind {
	DRIFT_EXPECTED,		/* named after the env, hosts, addresses, buckets */
	DRIFT_CAPACITY,		/* host counts, workers, sizes: the secondary may be smaller */
	DRIFT_CHANGED,		/* a setting differs */
	DRIFT_ONE_SIDED,	/* a file, group, user or setting on one side only */
	DRIFT_VERSION,		/* software versions differ */
	DRIFT_TYPO,		/* a key on one side, a near-identical key on the other */
	DRIFT_MISSING,		/* set on the primary, empty or absent on the secondary */
	DRIFT_KIND_COUNT,
};

const char *drift_kind_name(enum drift_kind k);	/* "expected", "one-sided", ... */

struct drift_item {
	char *file;		/* "public.yml", "inventory.ini", "(env dir)" */
	char *path;		/* "localsettings.SMS_GATEWAY_URL"; the primary's key for a typo */
	char *other_path;	/* typo: the secondary's key; else NULL */
	enum drift_kind kind;
	char *why;		/* one line */
	char *primary;		/* value text, NULL when absent */
	char *secondary;
	unsigned primary_line;	/* 0 when absent or not a position in a file */
	unsigned secondary_line;
	bool accepted;		/* by a drift_ignore entry */
	char *accepted_reason;
};

struct drift {
	struct drift_item *items;	/* ranked: by file (worst first), then severity */
	size_t n;
	size_t cap;
	size_t suspicious;		/* not accepted, kind neither expected nor capacity */
	size_t accepted;
	size_t by_kind[DRIFT_KIND_COUNT];
};

/* A difference an operator would look at (not expected or capacity). */
bool drift_kind_suspicious(enum drift_kind k);
/* Rank of a kind, higher is worse. */
int drift_kind_severity(enum drift_kind k);
/* Whether an item is suspicious (suspicious kind, not accepted). */
bool drift_item_suspicious(const struct drift_item *it);

/* Compare the pair; accepted items per cfg->drift_ignore (cfg may be NULL). */
void drift_compare(const struct site *primary, const struct site *secondary, struct drift *out);
void drift_accept(struct drift *d, const struct config *cfg);
/*
 * A warning at its position in the config for each drift_ignore entry that
 * matches no difference of d (fixed on both sides since, or mistyped): an
 * entry that accepts nothing is noise that may hide the next real one.
 */
void drift_unmatched_ignores(const struct drift *d, const struct config *cfg,
			     struct diag_list *dl);
void drift_free(struct drift *d);
json_t *drift_to_json(const struct drift *d);
/* Whether an item's path is key (or ends with ".key", or is "file:path"). */
bool drift_item_matches(const struct drift_item *it, const char *key);

#endif
