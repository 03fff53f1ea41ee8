/*
 * observation.c: probe results. Reference counts are atomic because a
 * snapshot taken by the UI thread may outlive the store's own reference,
 * which a worker drops when it posts a newer observation for the same key.
 */
#include "drconsole/probe/observation.h"
#include "drconsole/probe/obs_fields.h"

#include <stdlib.h>
#include <string.h>

const char *
obs_status_name(enum obs_status st)
{
	static const char *const names[] = {
		[OBS_PENDING] = "pending", [OBS_OK] = "ok", [OBS_WARN] = "warn",
		[OBS_CRIT] = "crit", [OBS_UNKNOWN] = "unknown",
	};

	return (unsigned)st < ARRAY_LEN(names) ? names[st] : "unknown";
}

const char *
obs_status_word(enum obs_status st)
{
	static const char *const words[] = {
		[OBS_PENDING] = "PENDING", [OBS_OK] = "OK", [OBS_WARN] = "WARN",
		[OBS_CRIT] = "CRIT", [OBS_UNKNOWN] = "UNKNOWN",
	};

	return (unsigned)st < ARRAY_LEN(words) ? words[st] : "UNKNOWN";
}

static int
severity(enum obs_status st)
{
	switch (st) {
	case OBS_PENDING:
		return 0;
	case OBS_OK:
		return 1;
	case OBS_UNKNOWN:
		return 2;
	case OBS_WARN:
		return 3;
	case OBS_CRIT:
		return 4;
	}
	return 2;
}

enum obs_status
obs_status_worst(enum obs_status a, enum obs_status b)
{
	return severity(a) >= severity(b) ? a : b;
}

struct observation *
obs_create(enum site_role site, const char *probe, const char *key,
	   const char *subject)
{
	struct observation *obs = xcalloc(1, sizeof *obs);

	obs->site = site;
	obs->probe = xstrdup(probe);
	obs->key = xstrdup(key);
	obs->subject = xstrdup(subject != NULL ? subject : key);
	obs->status = OBS_PENDING;
	obs->state = xstrdup("pending");
	obs->message = xstrdup("");
	obs->observed_at_ms = time_wall_ms();
	obs->latency_ms = -1;
	obs->refs = 1;
	return obs;
}

void
obs_set(struct observation *obs, enum obs_status st, const char *state,
	const char *fmt, ...)
{
	va_list ap;

	obs->status = st;
	free(obs->state);
	obs->state = xstrdup(state);
	free(obs->message);
	va_start(ap, fmt);
	obs->message = xvasprintf(fmt, ap);
	va_end(ap);
}

void
obs_set_value(struct observation *obs, double value, const char *unit)
{
	obs->has_value = true;
	obs->value = value;
	free(obs->unit);
	obs->unit = unit != NULL ? xstrdup(unit) : NULL;
}

void
obs_add_field(struct observation *obs, const char *name, const char *fmt, ...)
{
	va_list ap;
	struct obs_field *f;

	grow_array(&obs->fields, &obs->cap_fields, obs->n_fields + 1,
		   sizeof *obs->fields);
	f = &obs->fields[obs->n_fields++];
	f->name = xstrdup(name);
	va_start(ap, fmt);
	f->value = xvasprintf(fmt, ap);
	va_end(ap);
}

const char *
obs_field(const struct observation *obs, const char *name)
{
	for (size_t i = 0; i < obs->n_fields; i++)
		if (strcmp(obs->fields[i].name, name) == 0)
			return obs->fields[i].value;
	return NULL;
}

bool
obs_field_is(const struct observation *obs, const char *name, const char *value)
{
	const char *v = obs != NULL ? obs_field(obs, name) : NULL;

	return v != NULL && strcmp(v, value) == 0;
}

struct observation *
obs_ref(struct observation *obs)
{
	__atomic_add_fetch(&obs->refs, 1, __ATOMIC_RELAXED);
	return obs;
}

void
obs_unref(struct observation *obs)
{
	if (obs == NULL || __atomic_sub_fetch(&obs->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < obs->n_fields; i++) {
		free(obs->fields[i].name);
		free(obs->fields[i].value);
	}
	free(obs->fields);
	free(obs->key);
	free(obs->probe);
	free(obs->subject);
	free(obs->state);
	free(obs->unit);
	free(obs->message);
	free(obs);
}

json_t *
obs_to_json(const struct observation *obs)
{
	json_t *o = json_object(), *fields = json_object();

	json_object_set_new(o, "key", json_string(obs->key));
	json_object_set_new(o, "site", json_string(site_role_name(obs->site)));
	json_object_set_new(o, "probe", json_string(obs->probe));
	json_object_set_new(o, "subject", json_string(obs->subject));
	json_object_set_new(o, "status", json_string(obs_status_name(obs->status)));
	json_object_set_new(o, "state", json_string(obs->state));
	if (obs->has_value) {
		json_object_set_new(o, "value", json_real(obs->value));
		json_object_set_new(o, "unit", obs->unit != NULL ?
				    json_string(obs->unit) : json_null());
	}
	json_object_set_new(o, "message", json_string(obs->message));
	json_object_set_new(o, "observed_at_ms", json_integer(obs->observed_at_ms));
	json_object_set_new(o, "latency_ms", json_integer(obs->latency_ms));
	for (size_t i = 0; i < obs->n_fields; i++)
		json_object_set_new(fields, obs->fields[i].name,
				    json_string(obs->fields[i].value));
	json_object_set_new(o, "fields", fields);
	return o;
}
