/*
 * step_check.c: the `check` step kind (step_kind.h): a live-probe condition
 * (`probe:`, over one pass of every probe), or a command whose exit status
 * and output must match (`command:`, `expect_exit:`, `expect_output:`).
 * Checks are their own verification (no `verify:` after them) and appear
 * on the preflight board unless `preflight: false`.
 */
#include "run_exec.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/recovery_pick.h"
#include "drconsole/util/duration.h"

static const char *const sites[] = { "primary", "secondary", NULL };	/* enum site_role */

#define F(field) offsetof(struct rb_step, field)

static const struct step_key check_keys[] = {
	{ .name = "probe", .type = SKEY_STRING, .offset = F(check_probe) },
	{ .name = "max_lag", .type = SKEY_DURATION, .offset = F(check_max_lag_ms) },
	{ .name = "site", .type = SKEY_ENUM, .offset = F(check_site), .choices = sites },
	{ .name = "store", .type = SKEY_STRING, .offset = F(check_store) },
	{ .name = "command", .type = SKEY_TEMPLATE, .offset = F(check_command),
	  .pos = F(pos_check_command) },
	{ .name = "expect_exit", .type = SKEY_EXIT, .offset = F(expect_exit) },
	{ .name = "expect_output", .type = SKEY_STRING, .offset = F(expect_output) },
	{ .name = NULL },
};

static void
step_check_parse(struct step_loader *ld, struct rb_step *st, const struct ynode *n)
{
	if (n->type != YN_MAP) {
		ynode_expect(ld->dl, ld->file, n, "check", "a mapping (probe: or command:)");
		return;
	}
	step_keys_parse(ld, st, n, check_keys, "check", true);
	if ((st->check_probe == NULL) == (st->check_command == NULL))
		diag_error(ld->dl, ld->file, n->line, n->col,
			   "check: give exactly one of probe: and command:");
}

static void
step_check_lint(struct step_lint *c, const struct rb_step *st)
{
	const char *const *names = run_probe_names();
	bool known = false;

	c->template(c, st->check_command, st->pos_check_command);
	if (st->check_probe == NULL)
		return;
	for (size_t k = 0; names[k] != NULL; k++)
		known |= strcmp(names[k], st->check_probe) == 0;
	if (!known)
		diag_error(c->dl, c->rb->path, st->pos.line, st->pos.col,
			   "step %s: unknown probe condition '%s'", st->id, st->check_probe);
}

static bool
step_check_needs_targets(const struct rb_step *st)
{
	return st->check_command != NULL;
}

static const char *
step_check_command(const struct rb_step *st)
{
	return st->check_command;
}

static bool
step_check_describe(struct step_exec *sx, char **err)
{
	const struct rb_step *st = sx->st;
	char buf[32];

	(void)err;
	run_describe_command(sx);
	if (st->check_probe != NULL)
		run_say(sx->r, "  probe condition: %s on the %s site%s%s", st->check_probe,
			site_role_name(st->check_site), st->check_max_lag_ms >= 0 ? ", max lag " : "",
			st->check_max_lag_ms >= 0 ?
			duration_format(st->check_max_lag_ms, buf, sizeof buf) : "");
	return true;
}

/* Evaluate the check without side effects beyond the check itself. */
static bool
step_check_evaluate(struct run_state *r, const struct rb_step *st, bool run_commands,
		    bool *evaluated, char **msg)
{
	*evaluated = true;
	if (st->check_probe != NULL) {
		struct run_snap rs;
		int v;

		run_snap_take(r, &rs);
		if (strcmp(st->check_probe, "recovery_fresh") == 0 && st->check_max_lag_ms < 0)
			v = recovery_fresh_condition(rs.snap, st->check_site, r->cfg->rpo_ms, msg);
		else
			v = run_probe_condition(rs.snap, st, msg);
		run_snap_free(&rs);
		return v == 1;
	}
	if (!run_commands) {
		*evaluated = false;
		*msg = xstrdup("command check not run");
		return false;
	}
	{
		struct run_target *t = NULL;
		char *err = NULL, *cmd, *out = NULL;
		size_t n = run_resolve_targets(r->cfg, r->sites[st->on_site], st->on_target, &t, &err);
		int ex = 0;
		bool ok;

		if (n == 0) {
			*msg = err;
			return false;
		}
		cmd = run_render(r, st->check_command, true, st, &err);
		if (cmd == NULL) {
			run_targets_free(t, n);
			*msg = err;
			return false;
		}
		ok = run_exec_targets(r, st, st->on_site, cmd, NULL, t, n, st->parallel, st->expect_exit,
				      st->expect_output, &ex, &out, NULL, NULL);
		*msg = xasprintf("%s: %s", cmd, ok ? "passed" : "failed");
		free(out);
		free(cmd);
		run_targets_free(t, n);
		return ok;
	}
}

/* A dry-run evaluates a probe condition (it acts on nothing), not a command. */
static void
step_check_preview(struct step_exec *sx)
{
	bool evaluated, pass;
	char *msg = NULL;

	if (sx->st->check_probe == NULL)
		return;
	pass = step_check_evaluate(sx->r, sx->st, false, &evaluated, &msg);
	run_say(sx->r, "  now: %s (%s)", pass ? "PASS" : "FAIL", msg);
	free(msg);
}

static bool
step_check_execute(struct step_exec *sx)
{
	bool evaluated, ok;
	char *msg = NULL;

	ok = step_check_evaluate(sx->r, sx->st, true, &evaluated, &msg);
	run_say(sx->r, "  %s: %s", ok ? "PASS" : "FAIL", msg);
	free(msg);
	sx->exit_status = ok ? 0 : 1;
	return ok;
}

const struct step_kind step_kind_check = {
	.name = "check",
	.keys = check_keys,
	.parse = step_check_parse,
	.lint = step_check_lint,
	.needs_targets = step_check_needs_targets,
	.command = step_check_command,
	.describe = step_check_describe,
	.preview = step_check_preview,
	.evaluate = step_check_evaluate,
	.execute = step_check_execute,
	.confirm = "Run this step?",
	.verifies = false,
};
