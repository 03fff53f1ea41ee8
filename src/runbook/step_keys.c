/*
 * step_keys.c: step keys read from tables (step_kind.h). A row says the
 * key's name, its type and where it goes in struct rb_step; one reader per
 * type checks the YAML value and reports a wrong one at its line:col, so
 * the loader and every step kind read keys the same way.
 */
#include "drconsole/runbook/step_kind.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/util/duration.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

/* SKEY_ENUM fields are enums written through an int. */
_Static_assert(sizeof(enum rb_on_failure) == sizeof(int), "enum size");
_Static_assert(sizeof(enum site_role) == sizeof(int), "enum size");

const struct step_key *
step_key_find(const struct step_key *keys, const char *name)
{
	for (const struct step_key *k = keys; k != NULL && k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* "a, b or c" */
static char *
choices_text(const char *const *choices)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; choices[i] != NULL; i++)
		strbuf_printf(&sb, "%s%s", i == 0 ? "" : choices[i + 1] == NULL ? " or " : ", ",
			      choices[i]);
	return strbuf_detach(&sb);
}

void
step_key_read(struct step_loader *ld, struct rb_step *st, const struct step_key *k,
	      const struct ynode *v, const char *what)
{
	char *field = (char *)st + k->offset;
	const char *s = ynode_str(v);

	switch (k->type) {
	case SKEY_STRING:
	case SKEY_TEMPLATE:
		if (s == NULL) {
			ynode_expect(ld->dl, ld->file, v, what, "a string");
		} else {
			free(*(char **)field);
			*(char **)field = xstrdup(s);
		}
		if (k->type == SKEY_TEMPLATE) {
			struct rb_pos p = { v->line, v->col };

			*(struct rb_pos *)((char *)st + k->pos) = p;
		}
		break;
	case SKEY_BOOL: {
		bool b = false;

		if (!ynode_bool(v, &b))
			ynode_expect(ld->dl, ld->file, v, what, "true or false");
		*(bool *)field = b;
		break;
	}
	case SKEY_DURATION: {
		const char *why = NULL;
		long long ms = -1;

		if (s == NULL)
			ynode_expect(ld->dl, ld->file, v, what, "a duration (90s, 15m, 1h30m)");
		else if (!duration_parse(s, &ms, &why)) {
			diag_error(ld->dl, ld->file, v->line, v->col, "%s: bad duration '%s': %s", what,
				   s, why != NULL ? why : "invalid");
			ms = -1;
		}
		*(long long *)field = ms;
		break;
	}
	case SKEY_EXIT: {
		long long n = 0;

		if (!ynode_int(v, &n) || n < 0 || n > 255) {
			ynode_expect(ld->dl, ld->file, v, what, "an exit status (0..255)");
			n = 0;
		}
		*(int *)field = (int)n;
		break;
	}
	case SKEY_ENUM: {
		size_t i = 0;

		while (k->choices[i] != NULL && !str_eq(s, k->choices[i]))
			i++;
		if (k->choices[i] != NULL) {
			*(int *)field = (int)i;
		} else {
			char *text = choices_text(k->choices);

			ynode_expect(ld->dl, ld->file, v, what, text);
			free(text);
		}
		break;
	}
	case SKEY_CUSTOM:
		k->parse(ld, st, v);
		break;
	case SKEY_KIND:		/* the loader's own (runbook_load.c) */
		break;
	}
}

/* Edit distance (insert, delete, replace, swap two neighbours), capped at 3. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[32][32];

	if (la >= 32 || lb >= 32)
		return 3;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1, m = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < m)
				m = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < m)
				m = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < m)
				m = d[i - 2][j - 2] + 1;
			d[i][j] = m;
		}
	}
	return d[la][lb] < 3 ? d[la][lb] : 3;
}

const char *
step_key_nearest(const struct step_key *keys, const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (const struct step_key *k = keys; k != NULL && k->name != NULL; k++) {
		size_t d = distance(name, k->name);
		/* short names: one slip; longer ones: two */
		size_t limit = strlen(k->name) <= 4 ? 1 : 2;

		if (d <= limit && d < best_d) {
			best = k->name;
			best_d = d;
		}
	}
	return best;
}

void
step_key_unknown(struct step_loader *ld, const struct ynode *key, const struct step_key *keys,
		 const char *what, bool list_keys)
{
	const char *near = step_key_nearest(keys, key->value);
	struct strbuf sb = STRBUF_INIT;

	if (near != NULL) {
		strbuf_printf(&sb, " (did you mean '%s'?)", near);
	} else if (list_keys) {
		for (const struct step_key *r = keys; r->name != NULL; r++)
			strbuf_printf(&sb, "%s%s", r == keys ? " (" : ", ", r->name);
		strbuf_puts(&sb, ")");
	}
	diag_error(ld->dl, ld->file, key->line, key->col, "%s: unknown key '%s'%s", what,
		   key->value, strbuf_str(&sb));
	strbuf_free(&sb);
}

void
step_keys_parse(struct step_loader *ld, struct rb_step *st, const struct ynode *n,
		const struct step_key *keys, const char *what, bool list_keys)
{
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *key = n->pairs[i].key;
		const struct step_key *k = step_key_find(keys, key->value);
		char *full;

		if (k == NULL) {
			step_key_unknown(ld, key, keys, what, list_keys);
			continue;
		}
		full = xasprintf("%s.%s", what, k->name);
		step_key_read(ld, st, k, n->pairs[i].value, full);
		free(full);
	}
}
