/*
 * runbook_load.c: runbooks from YAML. The file is read into a positioned
 * tree (yaml_doc.h) and walked against the known keys, so an unknown key, a
 * wrong type, a bad duration or a duplicate step id is an error at its
 * line:col. A runbook with any error is returned (for lint) but must not run.
 * A step's keys are the table runbook_step_keys below, read by step_keys.c;
 * the key of each step kind reads its value (step_kind.h).
 */
#include "drconsole/runbook/runbook.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/step_kind.h"
#include "drconsole/util/util.h"
#include "drconsole/config/yaml_doc.h"


static struct rb_pos
pos_of(const struct ynode *n)
{
	struct rb_pos p = { n != NULL ? n->line : 0, n != NULL ? n->col : 0 };

	return p;
}

/* A scalar string value, copied; errors on anything else. */
static char *
get_str(struct step_loader *ld, const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n);

	if (s == NULL) {
		ynode_expect(ld->dl, ld->file, n, what, "a string");
		return NULL;
	}
	return xstrdup(s);
}

static bool
parse_site(const char *s, enum site_role *out)
{
	if (str_eq(s, "primary"))
		*out = SITE_PRIMARY;
	else if (str_eq(s, "secondary"))
		*out = SITE_SECONDARY;
	else
		return false;
	return true;
}

/* on: SITE:TARGET, or SITE alone (its control host). */
static void
parse_on(struct step_loader *ld, struct rb_step *st, const struct ynode *n)
{
	const char *s = ynode_str(n), *colon;
	char *site;

	st->pos_on = pos_of(n);
	if (s == NULL) {
		ynode_expect(ld->dl, ld->file, n, "on", "SITE:HOST-OR-GROUP");
		return;
	}
	colon = strchr(s, ':');
	site = colon != NULL ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	if (!parse_site(site, &st->on_site))
		diag_error(ld->dl, ld->file, n->line, n->col,
			   "on: '%s': the site must be primary or secondary", s);
	else if (colon != NULL && colon[1] == '\0')
		diag_error(ld->dl, ld->file, n->line, n->col, "on: '%s': empty host or group", s);
	else if (colon != NULL && strcmp(colon + 1, "control") != 0)
		st->on_target = xstrdup(colon + 1);
	free(site);
}

/* verify.sql: where its text starts (after a quote) is where lint points into it. */
static void
parse_verify_sql(struct step_loader *ld, struct rb_step *st, const struct ynode *v)
{
	free(st->verify_sql);
	st->verify_sql = get_str(ld, v, "verify.sql");
	st->pos_verify_sql = pos_of(v);
	if (v->style == YS_SINGLE || v->style == YS_DOUBLE)
		st->pos_verify_sql.col++;	/* the text starts after the quote */
}

#define F(field) offsetof(struct rb_step, field)

static const struct step_key verify_keys[] = {
	{ .name = "sql", .type = SKEY_CUSTOM, .parse = parse_verify_sql },
	{ .name = "command", .type = SKEY_TEMPLATE, .offset = F(verify_command),
	  .pos = F(pos_verify_command) },
	{ .name = "expect_exit", .type = SKEY_EXIT, .offset = F(verify_expect_exit) },
	{ .name = "expect_output", .type = SKEY_STRING, .offset = F(verify_expect_output) },
	{ .name = NULL },
};

/* verify: a command, or {sql, command, expect_exit, expect_output}. */
static void
parse_verify(struct step_loader *ld, struct rb_step *st, const struct ynode *n)
{
	if (n->type == YN_SCALAR) {
		step_key_read(ld, st, step_key_find(verify_keys, "command"), n, "verify");
		return;
	}
	if (n->type != YN_MAP) {
		ynode_expect(ld->dl, ld->file, n, "verify", "a command or a mapping");
		return;
	}
	step_keys_parse(ld, st, n, verify_keys, "verify", true);
}

/* timeout: none or zero is the config's ssh.command_timeout (run_step_timeout_ms). */
static void
parse_timeout(struct step_loader *ld, struct rb_step *st, const struct ynode *v)
{
	static const struct step_key k = { .name = "timeout", .type = SKEY_DURATION,
					   .offset = F(timeout_ms) };

	step_key_read(ld, st, &k, v, "timeout");
	if (st->timeout_ms <= 0)
		st->timeout_ms = 0;
}

/* enum rb_on_failure */
static const char *const on_failures[] = { "ask", "stop", "continue", NULL };

#define KIND_ROW_(e, kname) { .name = #kname, .type = SKEY_KIND, .offset = e },

const struct step_key runbook_step_keys[] = {
	{ .name = "id", .type = SKEY_STRING, .offset = F(id) },
	{ .name = "title", .type = SKEY_TEMPLATE, .offset = F(title), .pos = F(pos_title) },
	{ .name = "on", .type = SKEY_CUSTOM, .parse = parse_on },
	{ .name = "parallel", .type = SKEY_BOOL, .offset = F(parallel) },
	{ .name = "become", .type = SKEY_STRING, .offset = F(become) },
	RB_KINDS(KIND_ROW_)
	{ .name = "stdin", .type = SKEY_TEMPLATE, .offset = F(stdin_tmpl), .pos = F(pos_stdin) },
	{ .name = "when", .type = SKEY_TEMPLATE, .offset = F(when), .pos = F(pos_when) },
	{ .name = "verify", .type = SKEY_CUSTOM, .parse = parse_verify },
	{ .name = "timeout", .type = SKEY_CUSTOM, .parse = parse_timeout },
	{ .name = "estimate", .type = SKEY_DURATION, .offset = F(estimate_ms) },
	{ .name = "on_failure", .type = SKEY_ENUM, .offset = F(on_failure), .choices = on_failures },
	{ .name = "destructive", .type = SKEY_BOOL, .offset = F(destructive) },
	{ .name = "ends_replication", .type = SKEY_BOOL, .offset = F(ends_replication) },
	{ .name = "restores_service", .type = SKEY_BOOL, .offset = F(restores_service) },
	{ .name = "fences", .type = SKEY_BOOL, .offset = F(fences) },
	{ .name = "undone_by", .type = SKEY_TEMPLATE, .offset = F(undone_by), .pos = F(pos_undone_by) },
	{ .name = "preflight", .type = SKEY_BOOL, .offset = F(preflight) },
	{ .name = NULL },
};

/* undone_by names a step that comes after the one it undoes. */
static void
check_undone_by(struct diag_list *dl, const char *path, const struct runbook *rb)
{
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *st = &rb->steps[i];
		size_t k = 0;

		if (st->undone_by == NULL)
			continue;
		while (k < rb->n_steps && !str_eq(rb->steps[k].id, st->undone_by))
			k++;
		if (k == rb->n_steps)
			diag_error(dl, path, st->pos_undone_by.line, st->pos_undone_by.col,
				   "step %s: undone_by: no step '%s' in this runbook", st->id,
				   st->undone_by);
		else if (k <= i)
			diag_error(dl, path, st->pos_undone_by.line, st->pos_undone_by.col,
				   "step %s: undone_by: step '%s' must come after it", st->id,
				   st->undone_by);
	}
}

/* "run:, check: and manual:" */
static char *
kind_keys_text(void)
{
	char *out = xstrdup(""), *next;

	for (int k = 0; k < RB_N_KINDS; k++) {
		next = xasprintf("%s%s%s:", out, k == 0 ? "" : k == RB_N_KINDS - 1 ? " and " : ", ",
				 step_kinds[k]->name);
		free(out);
		out = next;
	}
	return out;
}

static void
parse_step(struct step_loader *ld, struct rb_step *st, const struct ynode *n)
{
	int kinds = 0;

	st->pos = pos_of(n);
	st->on_site = SITE_SECONDARY;
	st->check_site = SITE_SECONDARY;
	st->check_max_lag_ms = -1;
	st->timeout_ms = 0;	/* the config's ssh.command_timeout (run_step_timeout_ms) */
	st->estimate_ms = -1;
	st->preflight = true;
	if (n->type != YN_MAP) {
		ynode_expect(ld->dl, ld->file, n, "step", "a mapping");
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *key = n->pairs[i].key, *v = n->pairs[i].value;
		const struct step_key *k = step_key_find(runbook_step_keys, key->value);

		if (k == NULL) {
			step_key_unknown(ld, key, runbook_step_keys, "step", false);
		} else if (k->type == SKEY_KIND) {
			st->kind = (enum rb_kind)k->offset;
			kinds++;
			step_kinds[st->kind]->parse(ld, st, v);
		} else {
			step_key_read(ld, st, k, v, k->name);
		}
	}
	if (st->id == NULL) {
		diag_error(ld->dl, ld->file, n->line, n->col, "step without id");
		st->id = xasprintf("step-%u", n->line);
	}
	if (st->title == NULL)
		st->title = xstrdup(st->id);
	if (kinds != 1) {
		char *which = kind_keys_text();

		diag_error(ld->dl, ld->file, n->line, n->col, "step %s: give exactly one of %s",
			   st->id, which);
		free(which);
	}
}

static void
parse_vars(struct step_loader *ld, struct runbook *rb, const struct ynode *n)
{
	if (n->type != YN_MAP) {
		ynode_expect(ld->dl, ld->file, n, "vars", "a mapping");
		return;
	}
	rb->vars = xcalloc(n->n == 0 ? 1 : n->n, sizeof *rb->vars);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *v = n->pairs[i].value;
		char *val = get_str(ld, v, "vars");

		if (val == NULL)
			continue;
		rb->vars[rb->n_vars].name = xstrdup(n->pairs[i].key->value);
		rb->vars[rb->n_vars].value = val;
		rb->vars[rb->n_vars].pos = pos_of(v);
		rb->n_vars++;
	}
}

/* The runbook in a parsed document (freed here); path names it in diagnostics. */
static struct runbook *
load_doc(const char *path, struct ydoc *doc, struct diag_list *dl)
{
	struct step_loader ld = { path, dl };
	const struct ynode *root, *steps = NULL;
	struct runbook *rb;

	if (doc == NULL)
		return NULL;
	root = doc->root;
	if (root == NULL || root->type != YN_MAP) {
		ynode_expect(dl, path, root, "runbook", "a mapping");
		ydoc_free(doc);
		return NULL;
	}
	rb = xcalloc(1, sizeof *rb);
	rb->path = xstrdup(path);
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *key = root->pairs[i].key, *v = root->pairs[i].value;
		const char *k = key->value;

		if (strcmp(k, "name") == 0) {
			rb->name = get_str(&ld, v, "name");
		} else if (strcmp(k, "description") == 0) {
			rb->description = get_str(&ld, v, "description");
		} else if (strcmp(k, "model") == 0) {
			const char *s = ynode_str(v);

			if (str_eq(s, "replicated"))
				rb->model = RB_MODEL_REPLICATED;
			else if (str_eq(s, "restore"))
				rb->model = RB_MODEL_RESTORE;
			else if (str_eq(s, "failback"))
				rb->model = RB_MODEL_FAILBACK;
			else if (str_eq(s, "verify"))
				rb->model = RB_MODEL_VERIFY;
			else
				ynode_expect(dl, path, v, "model", "replicated, restore, failback or verify");
		} else if (strcmp(k, "vars") == 0) {
			parse_vars(&ld, rb, v);
		} else if (strcmp(k, "steps") == 0) {
			steps = v;
		} else {
			diag_error(dl, path, key->line, key->col, "runbook: unknown key '%s' "
				   "(name, model, description, vars, steps)", k);
		}
	}
	if (rb->name == NULL)
		rb->name = xstrdup(path);
	if (steps == NULL || steps->type != YN_SEQ || steps->n == 0) {
		ynode_expect(dl, path, steps != NULL ? steps : root, "steps", "a non-empty list");
	} else {
		rb->steps = xcalloc(steps->n, sizeof *rb->steps);
		rb->n_steps = steps->n;
		for (size_t i = 0; i < steps->n; i++) {
			parse_step(&ld, &rb->steps[i], steps->items[i]);
			for (size_t k = 0; k < i; k++)
				if (strcmp(rb->steps[k].id, rb->steps[i].id) == 0)
					diag_error(dl, path, rb->steps[i].pos.line, rb->steps[i].pos.col,
						   "duplicate step id '%s' (first at line %u)",
						   rb->steps[i].id, rb->steps[k].pos.line);
		}
		check_undone_by(dl, path, rb);
	}
	ydoc_free(doc);
	return rb;
}

struct runbook *
runbook_load(const char *path, struct diag_list *dl)
{
	return load_doc(path, ydoc_load_input(path, INPUT_RUNBOOK, dl), dl);
}

struct runbook *
runbook_load_buffer(const char *path, const char *text, size_t len, struct diag_list *dl)
{
	return load_doc(path, ydoc_load_buffer(path, text, len, dl), dl);
}
