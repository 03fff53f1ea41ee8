/*
 * step_run.c: the `run` step kind (step_kind.h): a command over SSH on the
 * step's host, or on every host of its group (serially, or all at once with
 * `parallel: true`); `verify:` follows when it succeeds. `stdin:` is
 * rendered (unquoted: it is data, not shell) when the step runs and written
 * to the command's standard input, never shown or journaled: the way a
 * credential such as backup.url reaches a host without entering an
 * argument list that every user of the host can read (ps).
 */
#include "run_exec.h"

#include <stddef.h>
#include <stdlib.h>

static const struct step_key run_key = {
	.name = "run", .type = SKEY_TEMPLATE, .offset = offsetof(struct rb_step, run),
	.pos = offsetof(struct rb_step, pos_run),
};

static void
step_run_parse(struct step_loader *ld, struct rb_step *st, const struct ynode *v)
{
	step_key_read(ld, st, &run_key, v, "run");
}

static void
step_run_lint(struct step_lint *c, const struct rb_step *st)
{
	c->template(c, st->run, st->pos_run);
}

static bool
step_run_needs_targets(const struct rb_step *st)
{
	(void)st;
	return true;
}

static const char *
step_run_command(const struct rb_step *st)
{
	return st->run;
}

static bool
step_run_describe(struct step_exec *sx, char **err)
{
	(void)err;
	run_describe_command(sx);
	if (sx->st->stdin_tmpl != NULL)
		run_say(sx->r, "  stdin: the step's stdin: template, rendered when it runs (not shown)");
	return true;
}

static bool
step_run_execute(struct step_exec *sx)
{
	char *err = NULL, *in = NULL;
	bool ok;

	if (sx->st->stdin_tmpl != NULL) {
		in = run_render(sx->r, sx->st->stdin_tmpl, false, sx->st, &err);
		if (in == NULL) {
			run_say(sx->r, "  %s", err);
			free(err);
			return false;
		}
	}
	ok = run_exec_targets(sx->r, sx->st, sx->st->on_site, sx->cmd, in, sx->t, sx->n,
			      sx->st->parallel, 0, NULL, &sx->exit_status, &sx->output,
			      &sx->unknown, &sx->n_unknown);
	free(in);
	return ok;
}

const struct step_kind step_kind_run = {
	.name = "run",
	.parse = step_run_parse,
	.lint = step_run_lint,
	.needs_targets = step_run_needs_targets,
	.command = step_run_command,
	.describe = step_run_describe,
	.execute = step_run_execute,
	.confirm = "Run this step?",
	.verifies = true,
};
