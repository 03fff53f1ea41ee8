/*
 * runbook_load.c: runbooks from YAML. The file is read into a positioned
 * tree (yaml_doc.h) and walked against the known keys, so an unknown key, a
 * wrong type, a bad duration or a duplicate step id is an error at its
 * line:col. A runbook with any error is returned (for lint) but must not run.
 */
#include "drconsole/runbook.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/duration.h"
#include "drconsole/util.h"
#include "drconsole/yaml_doc.h"

struct loader {
	const char *file;
	struct diag_list *dl;
};

static struct rb_pos
pos_of(const struct ynode *n)
{
	struct rb_pos p = { n != NULL ? n->line : 0, n != NULL ? n->col : 0 };

	return p;
}

/* A scalar string value, copied; errors on anything else. */
static char *
get_str(struct loader *ld, const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n);

	if (s == NULL) {
		ynode_expect(ld->dl, ld->file, n, what, "a string");
		return NULL;
	}
	return xstrdup(s);
}

static bool
get_bool(struct loader *ld, const struct ynode *n, const char *what)
{
	bool b = false;

	if (!ynode_bool(n, &b))
		ynode_expect(ld->dl, ld->file, n, what, "true or false");
	return b;
}

static long long
get_duration(struct loader *ld, const struct ynode *n, const char *what)
{
	const char *s = ynode_str(n), *why = NULL;
	long long ms = -1;

	if (s == NULL) {
		ynode_expect(ld->dl, ld->file, n, what, "a duration (90s, 15m, 1h30m)");
		return -1;
	}
	if (!duration_parse(s, &ms, &why)) {
		diag_error(ld->dl, ld->file, n->line, n->col, "%s: bad duration '%s': %s", what, s,
			   why != NULL ? why : "invalid");
		return -1;
	}
	return ms;
}

static int
get_int(struct loader *ld, const struct ynode *n, const char *what)
{
	long long v = 0;

	if (!ynode_int(n, &v) || v < 0 || v > 255) {
		ynode_expect(ld->dl, ld->file, n, what, "an exit status (0..255)");
		return 0;
	}
	return (int)v;
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
parse_on(struct loader *ld, struct rb_step *st, const struct ynode *n)
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

static void
parse_check(struct loader *ld, struct rb_step *st, const struct ynode *n)
{
	if (n->type != YN_MAP) {
		ynode_expect(ld->dl, ld->file, n, "check", "a mapping (probe: or command:)");
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->pairs[i].key->value;
		const struct ynode *v = n->pairs[i].value;

		if (strcmp(k, "probe") == 0) {
			st->check_probe = get_str(ld, v, "check.probe");
		} else if (strcmp(k, "max_lag") == 0) {
			st->check_max_lag_ms = get_duration(ld, v, "check.max_lag");
		} else if (strcmp(k, "site") == 0) {
			if (!parse_site(ynode_str(v), &st->check_site))
				ynode_expect(ld->dl, ld->file, v, "check.site", "primary or secondary");
		} else if (strcmp(k, "store") == 0) {
			st->check_store = get_str(ld, v, "check.store");
		} else if (strcmp(k, "command") == 0) {
			st->check_command = get_str(ld, v, "check.command");
			st->pos_check_command = pos_of(v);
		} else if (strcmp(k, "expect_exit") == 0) {
			st->expect_exit = get_int(ld, v, "check.expect_exit");
		} else if (strcmp(k, "expect_output") == 0) {
			st->expect_output = get_str(ld, v, "check.expect_output");
		} else {
			diag_error(ld->dl, ld->file, n->pairs[i].key->line, n->pairs[i].key->col,
				   "check: unknown key '%s' (probe, max_lag, site, store, command, "
				   "expect_exit, expect_output)", k);
		}
	}
	if ((st->check_probe == NULL) == (st->check_command == NULL))
		diag_error(ld->dl, ld->file, n->line, n->col,
			   "check: give exactly one of probe: and command:");
}

static void
parse_verify(struct loader *ld, struct rb_step *st, const struct ynode *n)
{
	if (n->type == YN_SCALAR) {
		st->verify_command = get_str(ld, n, "verify");
		st->pos_verify_command = pos_of(n);
		return;
	}
	if (n->type != YN_MAP) {
		ynode_expect(ld->dl, ld->file, n, "verify", "a command or a mapping");
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->pairs[i].key->value;
		const struct ynode *v = n->pairs[i].value;

		if (strcmp(k, "sql") == 0) {
			st->verify_sql = get_str(ld, v, "verify.sql");
			st->pos_verify_sql = pos_of(v);
			if (v->style == YS_SINGLE || v->style == YS_DOUBLE)
				st->pos_verify_sql.col++;	/* the text starts after the quote */
		} else if (strcmp(k, "command") == 0) {
			st->verify_command = get_str(ld, v, "verify.command");
			st->pos_verify_command = pos_of(v);
		} else if (strcmp(k, "expect_exit") == 0) {
			st->verify_expect_exit = get_int(ld, v, "verify.expect_exit");
		} else if (strcmp(k, "expect_output") == 0) {
			st->verify_expect_output = get_str(ld, v, "verify.expect_output");
		} else {
			diag_error(ld->dl, ld->file, n->pairs[i].key->line, n->pairs[i].key->col,
				   "verify: unknown key '%s' (sql, command, expect_exit, expect_output)", k);
		}
	}
}

static void
parse_step(struct loader *ld, struct rb_step *st, const struct ynode *n)
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
		const char *k = key->value;

		if (strcmp(k, "id") == 0) {
			st->id = get_str(ld, v, "id");
		} else if (strcmp(k, "title") == 0) {
			st->title = get_str(ld, v, "title");
			st->pos_title = pos_of(v);
		} else if (strcmp(k, "on") == 0) {
			parse_on(ld, st, v);
		} else if (strcmp(k, "parallel") == 0) {
			st->parallel = get_bool(ld, v, "parallel");
		} else if (strcmp(k, "become") == 0) {
			st->become = get_str(ld, v, "become");
		} else if (strcmp(k, "run") == 0) {
			st->kind = RB_RUN;
			kinds++;
			st->run = get_str(ld, v, "run");
			st->pos_run = pos_of(v);
		} else if (strcmp(k, "check") == 0) {
			st->kind = RB_CHECK;
			kinds++;
			parse_check(ld, st, v);
		} else if (strcmp(k, "manual") == 0) {
			st->kind = RB_MANUAL;
			kinds++;
			st->manual = get_str(ld, v, "manual");
			st->pos_manual = pos_of(v);
		} else if (strcmp(k, "when") == 0) {
			st->when = get_str(ld, v, "when");
			st->pos_when = pos_of(v);
		} else if (strcmp(k, "verify") == 0) {
			parse_verify(ld, st, v);
		} else if (strcmp(k, "timeout") == 0) {
			st->timeout_ms = get_duration(ld, v, "timeout");
			if (st->timeout_ms <= 0)
				st->timeout_ms = 0;
		} else if (strcmp(k, "estimate") == 0) {
			st->estimate_ms = get_duration(ld, v, "estimate");
		} else if (strcmp(k, "on_failure") == 0) {
			const char *s = ynode_str(v);

			if (str_eq(s, "ask"))
				st->on_failure = RB_FAIL_ASK;
			else if (str_eq(s, "stop"))
				st->on_failure = RB_FAIL_STOP;
			else if (str_eq(s, "continue"))
				st->on_failure = RB_FAIL_CONTINUE;
			else
				ynode_expect(ld->dl, ld->file, v, "on_failure", "ask, stop or continue");
		} else if (strcmp(k, "destructive") == 0) {
			st->destructive = get_bool(ld, v, "destructive");
		} else if (strcmp(k, "ends_replication") == 0) {
			st->ends_replication = get_bool(ld, v, "ends_replication");
		} else if (strcmp(k, "restores_service") == 0) {
			st->restores_service = get_bool(ld, v, "restores_service");
		} else if (strcmp(k, "preflight") == 0) {
			st->preflight = get_bool(ld, v, "preflight");
		} else {
			diag_error(ld->dl, ld->file, key->line, key->col, "step: unknown key '%s'", k);
		}
	}
	if (st->id == NULL) {
		diag_error(ld->dl, ld->file, n->line, n->col, "step without id");
		st->id = xasprintf("step-%u", n->line);
	}
	if (st->title == NULL)
		st->title = xstrdup(st->id);
	if (kinds != 1)
		diag_error(ld->dl, ld->file, n->line, n->col,
			   "step %s: give exactly one of run:, check: and manual:", st->id);
}

static void
parse_vars(struct loader *ld, struct runbook *rb, const struct ynode *n)
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
	struct loader ld = { path, dl };
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
			else
				ynode_expect(dl, path, v, "model", "replicated, restore or failback");
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
