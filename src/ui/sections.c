/*
 * sections.c: which section of a site panel an observation belongs to (by
 * its probe's name), and the panel filter. Shared by the site panel, its
 * Hosts section (host_list.c) and the detail view; the RPO scenarios of an
 * AWS pair and what one of its recovery rows restores. No curses here.
 */
#include "drconsole/ui/ui.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/backup_schedule.h"
#include "drconsole/util/duration.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"

const char *
ui_section_title(enum ui_section s)
{
	static const char *const titles[] = {
		"PostgreSQL", "Backups", "CouchDB", "Elasticsearch", "Other", "Hosts",
	};

	return (unsigned)s < ARRAY_LEN(titles) ? titles[s] : "?";
}

/* By the probe's row in probe_registry[]: a new probe needs no change here. */
enum ui_section
ui_section_of_probe(const char *probe)
{
	static const enum ui_section of_panel[] = {
		[PROBE_PANEL_DATABASES] = UI_SEC_PG, [PROBE_PANEL_BACKUPS] = UI_SEC_BACKUPS,
		[PROBE_PANEL_COUCH] = UI_SEC_COUCH, [PROBE_PANEL_SEARCH] = UI_SEC_ES,
		[PROBE_PANEL_OTHER] = UI_SEC_OTHER, [PROBE_PANEL_HOSTS] = UI_SEC_HOSTS,
	};
	const struct probe_reg *reg = probe_registry_find(probe);

	if (reg == NULL || (unsigned)reg->panel >= ARRAY_LEN(of_panel))
		return UI_SEC_OTHER;
	return of_panel[reg->panel];
}

/* Case-insensitive substring. */
static bool
contains_ci(const char *hay, const char *needle)
{
	size_t nl;

	if (hay == NULL)
		return false;
	nl = strlen(needle);
	for (; *hay != '\0'; hay++) {
		size_t i = 0;

		while (i < nl && hay[i] != '\0' &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == nl)
			return true;
	}
	return nl == 0;
}

bool
ui_row_matches(const struct ui_row *r, const char *filter)
{
	if (filter == NULL || *filter == '\0')
		return true;
	if (r->obs != NULL &&
	    (contains_ci(r->obs->subject, filter) || contains_ci(r->obs->state, filter) ||
	     contains_ci(r->obs->probe, filter) || contains_ci(r->obs->message, filter) ||
	     contains_ci(obs_field(r->obs, OBS_F_GROUP), filter)))
		return true;
	if (r->host != NULL &&
	    (contains_ci(r->host->name, filter) || contains_ci(r->host->address, filter) ||
	     contains_ci(r->host->groups, filter)))
		return true;
	if (r->backup >= 0 && contains_ci(backup_store_name(r->backup), filter))
		return true;
	return false;
}

void
ui_rpo_scenarios_text(const struct rpo_result *other, enum rpo_scenario headline, bool utf8,
		      char *buf, size_t len)
{
	const struct rpo_store *w = other->worst >= 0 ? &other->stores[other->worst] : NULL;
	const char *head = headline == RPO_SITE_LOSS ? "region" : "instance";
	const char *oth = headline == RPO_SITE_LOSS ? "instance" : "region";
	const char *dot = utf8 ? "\xc2\xb7" : "|";
	char exp[32];

	if (w == NULL) {
		snprintf(buf, len, " on %s loss %s %s loss: nothing to judge", head, dot, oth);
	} else if (w->have_source) {
		duration_format((long long)(w->exposure_s * 1000), exp, sizeof exp);
		snprintf(buf, len, " on %s loss %s %s loss %s %s (%s)", head, dot, oth, exp,
			 obs_status_word(other->status), w->store);
	} else {
		snprintf(buf, len, " on %s loss %s %s loss: no usable %s source %s", head, dot, oth, w->store,
			 obs_status_word(other->status));
	}
}

size_t
ui_recovery_summary(const struct observation *o, long long now_ms, char lines[][UI_RECOVERY_LINE], size_t max)
{
	const char *arn, *when, *size = obs_field(o, "size_bytes"), *res = obs_field(o, "resource_arn");
	const char *scenario = obs_field(o, "rpo_scenario"), *store = obs_field(o, "rpo_store");
	size_t n = 0;
	long long t;

	if (strcmp(o->probe, "rds") != 0 && strcmp(o->probe, "vault") != 0)
		return 0;
	arn = obs_field(o, "recovery_point_arn");
	if (arn == NULL)
		arn = obs_field(o, "arn");
	when = obs_field(o, "created");
	if (when == NULL)
		when = obs_field(o, "latest_restorable_time");
	if (n < max)
		snprintf(lines[n++], UI_RECOVERY_LINE, "  ARN          %s", arn != NULL && *arn ? arn : "-");
	if (res != NULL && n < max)
		snprintf(lines[n++], UI_RECOVERY_LINE, "  resource     %s", res);
	if (n < max) {
		if (when != NULL && backup_time_parse(when, &t)) {
			char age[32];

			duration_format(now_ms - t * 1000 > 0 ? now_ms - t * 1000 : 0, age, sizeof age);
			snprintf(lines[n++], UI_RECOVERY_LINE, "  restores to  %s (%s ago)", when, age);
		} else {
			snprintf(lines[n++], UI_RECOVERY_LINE, "  restores to  -");
		}
	}
	if (n < max) {
		char *end;
		double b = size != NULL ? strtod(size, &end) : -1;

		if (size != NULL && end != size && b >= 0)
			snprintf(lines[n++], UI_RECOVERY_LINE, "  size         %.1f GiB (%s bytes)",
				 b / (1024.0 * 1024.0 * 1024.0), size);
		else
			snprintf(lines[n++], UI_RECOVERY_LINE, "  size         -");
	}
	if (n < max) {
		if (store == NULL)
			snprintf(lines[n++], UI_RECOVERY_LINE, "  scenario     none: not a recovery source of the primary");
		else if (str_eq(scenario, "instance"))
			snprintf(lines[n++], UI_RECOVERY_LINE, "  scenario     instance loss (restores in the primary's region)");
		else
			snprintf(lines[n++], UI_RECOVERY_LINE, "  scenario     region loss (a copy outside the primary's region)");
	}
	return n;
}
