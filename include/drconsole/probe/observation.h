/*
 * observation.h: one probe result. Every value the console or `status`
 * shows is an observation: a status (ok/warn/crit/unknown), a one-word state,
 * an optional number with its unit, a message, named detail fields, when it
 * was observed and how long the probe took. Observations are immutable once
 * posted to the status store and reference-counted, so the UI can hold a
 * snapshot while workers post newer ones.
 */
#ifndef DRCONSOLE_OBSERVATION_H
#define DRCONSOLE_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "drconsole/config/site.h"
#include "drconsole/util/util.h"

enum obs_status {
	OBS_PENDING,		/* no result yet */
	OBS_OK,
	OBS_WARN,
	OBS_CRIT,
	OBS_UNKNOWN,		/* the probe could not tell (timeout, error) */
};

const char *obs_status_name(enum obs_status st);	/* "ok", "warn", ... */
const char *obs_status_word(enum obs_status st);	/* "OK", "WARN", ... */
/* The more severe of two: crit > warn > unknown > ok > pending. */
enum obs_status obs_status_worst(enum obs_status a, enum obs_status b);

struct obs_field {
	char *name;
	char *value;
};

struct observation {
	char *key;		/* unique and stable: "primary/host/control_a0" */
	enum site_role site;
	char *probe;		/* "host", "pg", "s3", "sftp", "couch", "es", "rpo" */
	char *subject;		/* what was observed, for display */
	enum obs_status status;
	char *state;		/* one word: "up", "down", "streaming", "late" */
	bool has_value;
	double value;		/* lag or age in seconds, bytes, ... */
	char *unit;		/* "s", "B", "ms"; NULL when no value */
	char *message;		/* one line for humans; never NULL after obs_set */
	struct obs_field *fields;
	size_t n_fields;
	size_t cap_fields;
	long long observed_at_ms;	/* wall clock, UTC epoch */
	long long latency_ms;		/* how long the probe took, -1 unknown */
	int refs;			/* managed by obs_ref/obs_unref */
};

/* A new observation (refs = 1), status PENDING, observed now. */
struct observation *obs_create(enum site_role site, const char *probe,
			       const char *key, const char *subject);
void obs_set(struct observation *obs, enum obs_status st, const char *state,
	     const char *fmt, ...) PRINTF_LIKE(4, 5);
void obs_set_value(struct observation *obs, double value, const char *unit);
void obs_add_field(struct observation *obs, const char *name,
		   const char *fmt, ...) PRINTF_LIKE(3, 4);
/* NULL when the field is absent. */
const char *obs_field(const struct observation *obs, const char *name);
struct observation *obs_ref(struct observation *obs);
void obs_unref(struct observation *obs);
json_t *obs_to_json(const struct observation *obs);

#endif
