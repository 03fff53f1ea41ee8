/*
 * run_lint.c: a runbook checked against both sites (run_lint.h): every
 * template's variables and syntax, each step kind's own keys (through the
 * kind table), targets that resolve, `when` conditions, verify.sql sent as
 * written. Nothing here touches the network.
 */
#include "drconsole/runbook/run_lint.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/config/inventory.h"
#include "drconsole/runbook/run_vars.h"
#include "drconsole/runbook/step_kind.h"
#include "drconsole/runbook/template.h"
#include "drconsole/util/util.h"

struct lint_ctx {
	struct step_lint kind;		/* what a step kind's lint is given */
	const struct runbook *rb;
	struct diag_list *dl;
	struct rb_pos pos;
	bool exact;		/* a one-line plain scalar: offsets map to columns */
	bool secret_ok;		/* the template is data (stdin:) or a var's definition */
};

/* Variables whose value is a credential: a command line is no place for them. */
static const char *const secret_vars[] = { "backup.url", NULL };

struct secret_scan {
	const struct runbook *rb;
	int depth;
	bool found;
};

static bool refers_secret(const struct runbook *rb, const char *name, int depth);

static void
secret_name(void *ud, const char *name, size_t offset)
{
	struct secret_scan *s = ud;

	(void)offset;
	if (!s->found && refers_secret(s->rb, name, s->depth + 1))
		s->found = true;
}

/* name is a credential, or a runbook variable whose definition uses one */
static bool
refers_secret(const struct runbook *rb, const char *name, int depth)
{
	const char *v;
	struct secret_scan s = { rb, depth, false };
	struct template_error err;

	for (const char *const *p = secret_vars; *p != NULL; p++)
		if (strcmp(*p, name) == 0)
			return true;
	if (depth > 8 || (v = runbook_var(rb, name)) == NULL)
		return false;
	(void)template_names(v, secret_name, &s, &err);
	return s.found;
}

static bool
known_name(const struct runbook *rb, const char *name)
{
	if (runbook_var(rb, name) != NULL)
		return true;
	for (const char *const *v = run_var_names(); *v != NULL; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

static void
lint_name(void *ud, const char *name, size_t offset)
{
	struct lint_ctx *c = ud;

	if (!known_name(c->rb, name))
		diag_error(c->dl, c->rb->path, c->pos.line,
			   c->exact ? c->pos.col + (unsigned)offset : c->pos.col,
			   "unknown variable '%s' (known: runbook vars, run_id, pg_version, "
			   "standby.host, primary.*/secondary.* env, deploy_env, site_host, control, "
			   "db_host, standby_host, postgres_bucket)", name);
}

/* Every "| raw" is reported: a note on a runbook variable, an error on anything else. */
static void
lint_ref(void *ud, const char *name, bool raw, size_t offset)
{
	struct lint_ctx *c = ud;
	unsigned col = c->exact ? c->pos.col + (unsigned)offset : c->pos.col;

	lint_name(ud, name, offset);
	if (!c->secret_ok && refers_secret(c->rb, name, 0))
		diag_error(c->dl, c->rb->path, c->pos.line, col,
			   "'%s' carries a credential, and a command line can be read by every user "
			   "of the host (ps): give it to the command on stdin instead (stdin: 'url = "
			   "\"{{ %s }}\"' with curl -K -)", name, name);
	if (!raw)
		return;
	if (runbook_var(c->rb, name) != NULL)
		diag_add(c->dl, DIAG_NOTE, c->rb->path, c->pos.line, col,
			 "'%s | raw' inserts runbook variable %s as command text (the values "
			 "substituted inside it stay quoted)", name, name);
	else if (known_name(c->rb, name))
		diag_error(c->dl, c->rb->path, c->pos.line, col,
			   "'%s | raw': raw applies to runbook variables only; %s is a site "
			   "value and is always quoted", name, name);
}

static void
lint_template(struct step_lint *sl, const char *tmpl, struct rb_pos pos)
{
	struct lint_ctx *c = sl->ud;
	struct template_error err;

	if (tmpl == NULL)
		return;
	c->pos = pos;
	c->exact = strchr(tmpl, '\n') == NULL;
	if (!template_refs(tmpl, lint_ref, c, &err))
		diag_error(c->dl, c->rb->path, pos.line,
			   c->exact ? pos.col + (unsigned)err.offset : pos.col, "%s", err.message);
}

void
run_lint_runbook(const struct runbook *rb, const struct config *cfg,
		 struct site *const sites[2], struct diag_list *dl)
{
	struct lint_ctx c = { { rb, dl, lint_template, NULL }, rb, dl, { 0, 0 }, false, false };

	c.kind.ud = &c;
	c.secret_ok = true;	/* a definition is checked where it is used */
	for (size_t i = 0; i < rb->n_vars; i++)
		lint_template(&c.kind, rb->vars[i].value, rb->vars[i].pos);
	c.secret_ok = false;
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *st = &rb->steps[i];
		const struct step_kind *k = step_kind_of(st);
		const struct site *s = sites[st->on_site];

		lint_template(&c.kind, st->title, st->pos_title);
		k->lint(&c.kind, st);
		lint_template(&c.kind, st->verify_command, st->pos_verify_command);
		if (st->stdin_tmpl != NULL && st->kind != RB_RUN)
			diag_error(dl, rb->path, st->pos_stdin.line, st->pos_stdin.col,
				   "step %s: stdin: goes with run: only", st->id);
		c.secret_ok = true;
		lint_template(&c.kind, st->stdin_tmpl, st->pos_stdin);
		c.secret_ok = false;
		if (st->verify_sql != NULL && strstr(st->verify_sql, "{{") != NULL) {
			/* sent as written: a template there would reach PostgreSQL verbatim */
			size_t off = (size_t)(strstr(st->verify_sql, "{{") - st->verify_sql);
			bool exact = strchr(st->verify_sql, '\n') == NULL;

			diag_error(dl, rb->path, st->pos_verify_sql.line,
				   exact ? st->pos_verify_sql.col + (unsigned)off : st->pos_verify_sql.col,
				   "step %s: verify.sql is sent to PostgreSQL as written: \"{{\" is not "
				   "expanded there (templates belong in commands)", st->id);
		}
		if (k->needs_targets(st) || st->verify_command != NULL || st->verify_sql != NULL) {
			struct run_target *t = NULL;
			char *err = NULL;
			size_t n = run_resolve_targets(cfg, s, st->on_target, &t, &err);

			if (n == 0 && s != NULL) {
				struct rb_pos p = st->pos_on.line != 0 ? st->pos_on : st->pos;

				/* an existing but empty group may be filled by an earlier manual step */
				if (st->on_target != NULL && s->inv != NULL &&
				    inventory_group(s->inv, st->on_target) != NULL)
					diag_warning(dl, rb->path, p.line, p.col, "step %s: %s (now)",
						     st->id, err);
				else
					diag_error(dl, rb->path, p.line, p.col, "step %s: %s", st->id, err);
			}
			free(err);
			run_targets_free(t, n);
		}
		if (st->when != NULL) {
			char *err = NULL;
			struct run_vars v = { .cfg = cfg, .sites = sites, .rb = rb };

			if (run_eval_when(st->when, NULL, NULL, &v, &err) < 0)
				diag_error(dl, rb->path, st->pos_when.line, st->pos_when.col, "step %s: %s",
					   st->id, err);
			free(err);
			run_vars_free(&v);
		}
	}
}
