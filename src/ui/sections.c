/*
 * sections.c: which section of a site panel an observation belongs to (by
 * its probe's name), and the panel filter. Shared by the site panel, its
 * Hosts section (host_list.c) and the detail view. No curses here.
 */
#include "drconsole/ui.h"

#include <ctype.h>
#include <string.h>

const char *
ui_section_title(enum ui_section s)
{
	static const char *const titles[] = {
		"PostgreSQL", "Backups", "CouchDB", "Elasticsearch", "Other", "Hosts",
	};

	return (unsigned)s < ARRAY_LEN(titles) ? titles[s] : "?";
}

enum ui_section
ui_section_of_probe(const char *probe)
{
	if (probe == NULL)
		return UI_SEC_OTHER;
	if (strcmp(probe, "pg") == 0 || strcmp(probe, "rds") == 0)
		return UI_SEC_PG;
	if (strcmp(probe, "s3") == 0 || strcmp(probe, "sftp") == 0 || strcmp(probe, "backup") == 0 ||
	    strcmp(probe, "vault") == 0)
		return UI_SEC_BACKUPS;
	if (strcmp(probe, "couch") == 0)
		return UI_SEC_COUCH;
	if (strcmp(probe, "es") == 0)
		return UI_SEC_ES;
	if (strcmp(probe, "host") == 0 || strcmp(probe, "ssh") == 0)
		return UI_SEC_HOSTS;
	return UI_SEC_OTHER;
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
	     contains_ci(obs_field(r->obs, "group"), filter)))
		return true;
	if (r->host != NULL &&
	    (contains_ci(r->host->name, filter) || contains_ci(r->host->address, filter) ||
	     contains_ci(r->host->groups, filter)))
		return true;
	if (r->backup >= 0 && contains_ci(backup_store_name(r->backup), filter))
		return true;
	return false;
}
