/*
 * step_manual.c: the `manual` step kind (step_kind.h): the operator acts
 * outside drconsole, following its instructions, and confirms it is done;
 * `verify:` follows on the step's hosts when it has one.
 */
#include "run_io.h"

#include <stddef.h>
#include <stdlib.h>

static const struct step_key manual_key = {
	.name = "manual", .type = SKEY_TEMPLATE, .offset = offsetof(struct rb_step, manual),
	.pos = offsetof(struct rb_step, pos_manual),
};

static void
step_manual_parse(struct step_loader *ld, struct rb_step *st, const struct ynode *v)
{
	step_key_read(ld, st, &manual_key, v, "manual");
}

static void
step_manual_lint(struct step_lint *c, const struct rb_step *st)
{
	c->template(c, st->manual, st->pos_manual);
}

static bool
step_manual_needs_targets(const struct rb_step *st)
{
	(void)st;
	return false;
}

/* The instructions, rendered unquoted. */
static bool
step_manual_describe(struct step_exec *sx, char **err)
{
	char *text = run_render(sx->r, sx->st->manual, false, sx->st, err);

	if (text == NULL)
		return sx->st->manual == NULL;
	run_say(sx->r, "  %s", text);
	free(text);
	return true;
}

static bool
step_manual_execute(struct step_exec *sx)
{
	(void)sx;
	return true;	/* confirmed done */
}

const struct step_kind step_kind_manual = {
	.name = "manual",
	.parse = step_manual_parse,
	.lint = step_manual_lint,
	.needs_targets = step_manual_needs_targets,
	.describe = step_manual_describe,
	.execute = step_manual_execute,
	.confirm = "Done?",
	.verifies = true,
};
