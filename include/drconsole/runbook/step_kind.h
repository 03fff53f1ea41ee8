/*
 * step_kind.h: the kinds of runbook step as a table, and the table-driven
 * reader of step keys.
 *
 * A kind (run, check, manual) is one file, src/runbook/step_<name>.c, that
 * defines `const struct step_kind step_kind_<name>`, and one row
 * X(RB_<NAME>, <name>) in RB_KINDS (runbook.h); step_kinds[] and enum
 * rb_kind are made from that list. The loader, lint, the preflight board and
 * the run driver reach a kind only through the table, so adding a kind is
 * that file and that row, nothing else. The file gives:
 *   name           its step key ("run": a step with `run:` is of the kind)
 *   keys, parse    how its value is read: parse reads it, with step_key
 *                  rows (one for a scalar; a table for a mapping, in keys),
 *                  into the step's fields, or into kind_data (set
 *                  kind_data_free with it) when the fields above do not fit
 *   lint           its own checks (templates through c->template)
 *   needs_targets  whether it runs on the hosts of `on:`
 *   command        the template it runs on them, or NULL
 *   describe       what it shows before it is confirmed
 *   preview        what a dry-run evaluates without acting, or NULL
 *   evaluate       its condition, for the preflight board, or NULL (not on it)
 *   execute        doing it, once confirmed
 *   confirm        the question asked first ("Run this step?")
 *   verifies       whether `verify:` runs after it succeeds
 *
 * Step keys are read from tables of struct step_key, as config options are
 * from theirs (config_table.h): step_keys_parse() walks a YAML mapping
 * against one, and an unknown key is an error at its line:col that names
 * the nearest known key.
 */
#ifndef DRCONSOLE_STEP_KIND_H
#define DRCONSOLE_STEP_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/util/diag.h"
#include "drconsole/runbook/engine.h"
#include "drconsole/runbook/run_vars.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/config/yaml_doc.h"

/* ---- step keys ---- */

/* A runbook being loaded: where diagnostics go. */
struct step_loader {
	const char *file;
	struct diag_list *dl;
};

enum step_key_type {
	SKEY_STRING,		/* char *, copied */
	SKEY_TEMPLATE,		/* char *, and where it was written (pos) */
	SKEY_BOOL,		/* bool */
	SKEY_DURATION,		/* long long milliseconds; -1 when bad */
	SKEY_EXIT,		/* int, an exit status 0..255 */
	SKEY_ENUM,		/* an enum: the index of the value in choices */
	SKEY_CUSTOM,		/* read by parse */
	SKEY_KIND,		/* a kind's step key (offset: its enum rb_kind), read by the kind */
};

struct step_key {
	const char *name;		/* NULL ends a table */
	enum step_key_type type;
	size_t offset;			/* of the field in struct rb_step */
	size_t pos;			/* SKEY_TEMPLATE: of its struct rb_pos in struct rb_step */
	const char *const *choices;	/* SKEY_ENUM: NULL-terminated */
	void (*parse)(struct step_loader *ld, struct rb_step *st, const struct ynode *v);
};

/* The row of keys (ended by a NULL name) named name, or NULL. */
const struct step_key *step_key_find(const struct step_key *keys, const char *name);
/* Read v into st as row k says; what names the key in errors ("check.probe"). */
void step_key_read(struct step_loader *ld, struct rb_step *st, const struct step_key *k,
		   const struct ynode *v, const char *what);
/*
 * A key with no row in keys: an error at its position, "WHAT: unknown key
 * 'K'", then "(did you mean 'N'?)" when a known key is a slip away, else the
 * known keys when list_keys.
 */
void step_key_unknown(struct step_loader *ld, const struct ynode *key,
		      const struct step_key *keys, const char *what, bool list_keys);
/*
 * Read every pair of mapping n with the row of its key; what prefixes the
 * names in errors ("check": "check.probe"); a key with no row goes to
 * step_key_unknown.
 */
void step_keys_parse(struct step_loader *ld, struct rb_step *st, const struct ynode *n,
		     const struct step_key *keys, const char *what, bool list_keys);
/* The known key nearest to name (one slip off, two in names over 4 letters), or NULL. */
const char *step_key_nearest(const struct step_key *keys, const char *name);

/* The keys of a step, kinds' keys included (runbook_load.c). */
extern const struct step_key runbook_step_keys[];

/* ---- kinds ---- */

struct run_state;		/* the run driver's state (src/runbook/run_io.h) */

/* Where a kind's lint reports. */
struct step_lint {
	const struct runbook *rb;
	struct diag_list *dl;
	/* Unknown variables and bad syntax in a template written at pos. */
	void (*template)(struct step_lint *c, const char *tmpl, struct rb_pos pos);
	void *ud;			/* the linter's own */
};

/* One step being run: what the driver resolved for it, and what its kind found. */
struct step_exec {
	struct run_state *r;
	const struct rb_step *st;
	const struct run_target *t;	/* its hosts when it needs them (else n is 0) */
	size_t n;
	const char *cmd;		/* its command() rendered, or NULL */
	int exit_status;		/* journaled with the step's end */
	char *output;			/* sanitised output kept with it, or NULL (the driver frees) */
	struct step_remote *unknown;	/* hosts where its command may still run (the driver frees) */
	size_t n_unknown;
};

struct step_kind {
	const char *name;
	const struct step_key *keys;	/* its value's keys when that is a mapping, else NULL */
	void (*parse)(struct step_loader *ld, struct rb_step *st, const struct ynode *v);
	void (*lint)(struct step_lint *c, const struct rb_step *st);
	bool (*needs_targets)(const struct rb_step *st);
	const char *(*command)(const struct rb_step *st);		/* may be NULL */
	/* Say what it will do; false with *err when it cannot (the step stops). */
	bool (*describe)(struct step_exec *sx, char **err);
	void (*preview)(struct step_exec *sx);				/* may be NULL */
	/* Its condition, with no side effect beyond it (commands only when run_commands). */
	bool (*evaluate)(struct run_state *r, const struct rb_step *st, bool run_commands,
			 bool *evaluated, char **msg);			/* may be NULL */
	bool (*execute)(struct step_exec *sx);	/* true: it succeeded */
	const char *confirm;
	bool verifies;
};

#define STEP_KIND_EXTERN_(e, name) extern const struct step_kind step_kind_##name;
RB_KINDS(STEP_KIND_EXTERN_)
#undef STEP_KIND_EXTERN_

/* Indexed by enum rb_kind. */
extern const struct step_kind *const step_kinds[RB_N_KINDS];

/* The kind of st. */
const struct step_kind *step_kind_of(const struct rb_step *st);
/* The kind whose step key is name, or NULL. */
const struct step_kind *step_kind_find(const char *name, enum rb_kind *kind);

#endif
