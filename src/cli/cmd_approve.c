/*
 * cmd_approve.c: `drconsole approve [RUN [STEP]]`: a second operator
 * approves the destructive step a run waits on (four eyes, approval.h).
 * Without RUN, lists the runs waiting for an approval. With RUN, shows the
 * step, the exact command, its hosts and the data-loss estimate the run
 * showed, then asks the approver to type the step id; --yes approves
 * without typing but still prints all of it first. The approval is a file
 * this process creates, so the run knows the approver by the file's owner;
 * the operator's own user, root and read-only mode cannot approve.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/approval.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/util.h"

static void
list_pending(const char *state_dir)
{
	size_t n;
	char **ids = approval_pending(state_dir, &n);
	char buf[32];

	if (n == 0)
		printf("No run waits for an approval (under %s/approvals).\n", state_dir);
	for (size_t i = 0; i < n; i++) {
		struct approval_request rq;
		char *err = NULL;

		if (approval_request_load(state_dir, ids[i], &rq, &err) != 0) {
			fprintf(stderr, "drconsole: approve: %s\n", err);
			free(err);
			continue;
		}
		if (rq.expires_ms > time_wall_ms())
			printf("%s  step %s  operator %s  %s left  (drconsole approve %s)\n", rq.run_id,
			       rq.step_id, rq.operator_user,
			       duration_format(rq.expires_ms - time_wall_ms(), buf, sizeof buf), rq.run_id);
		else
			printf("%s  step %s  operator %s  expired (the run stops or asks again)\n", rq.run_id,
			       rq.step_id, rq.operator_user);
		approval_request_clear(&rq);
	}
	str_array_free(ids, n);
}

/* Text from the request file, safe to print (no escape sequences). */
static void
put(const char *label, const char *text)
{
	char *clean = sanitize_string(text != NULL ? text : "", text != NULL ? strlen(text) : 0, 0);

	printf("  %-10s %s\n", label, clean);
	free(clean);
}

static void
show_request(const struct approval_request *rq)
{
	char buf[32];
	char *who = xasprintf("%s (uid %ld), mode %s", rq->operator_user, rq->operator_uid, rq->mode);

	printf("Run %s waits for a second operator to approve a DESTRUCTIVE step:\n", rq->run_id);
	put("operator:", who);
	put("step:", rq->step_id);
	put("title:", rq->title);
	put("on:", rq->hosts);
	put("command:", rq->command);
	put("sha256:", rq->cmd_sha256);
	put("data loss:", rq->estimate);
	put("expires:", rq->expires_ms > time_wall_ms() ?
	    duration_format(rq->expires_ms - time_wall_ms(), buf, sizeof buf) : "expired");
	free(who);
}

/* The approver types the step id; anything else (or nothing) cancels. */
static bool
typed(const char *expected)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool ok;

	if (isatty(STDIN_FILENO))
		tcflush(STDIN_FILENO, TCIFLUSH);
	printf("Type the step id '%s' to approve it (anything else cancels): ", expected);
	fflush(stdout);
	n = getline(&line, &cap, stdin);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	ok = n >= 0 && strcmp(line, expected) == 0;
	if (!ok)
		printf("%s: not approved\n", n < 0 ? "(end of input)" : "does not match");
	free(line);
	return ok;
}

static int
cmd_approve_run(const struct cli_options *opts, int argc, char **argv)
{
	struct approval_request rq;
	struct app app;
	char *err = NULL, *path = NULL;
	int rc = EXIT_OK;

	if (argc > 3) {
		fputs("usage: drconsole approve [RUN [STEP]]\n", stderr);
		return EXIT_USAGE;
	}
	if (app_load(&app, opts) != 0) {
		diag_print(&app.dl, stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	if (!app_state_dir_ok(&app)) {
		app_free(&app);
		return EXIT_USAGE;
	}
	if (argc == 1) {
		list_pending(app.cfg.state_dir);
		app_free(&app);
		return EXIT_OK;
	}
	if (strchr(argv[1], '/') != NULL || argv[1][0] == '.') {
		fprintf(stderr, "drconsole: approve: '%s' is not a run id (drconsole approve lists them)\n",
			argv[1]);
		app_free(&app);
		return EXIT_USAGE;
	}
	if (approval_request_load(app.cfg.state_dir, argv[1], &rq, &err) != 0) {
		fprintf(stderr, "drconsole: approve: %s\n", err);
		free(err);
		app_free(&app);
		return EXIT_RUNTIME;
	}
	show_request(&rq);
	if (argc == 3 && strcmp(argv[2], rq.step_id) != 0) {
		fprintf(stderr, "drconsole: approve: run %s waits for step %s, not %s: nothing approved\n",
			rq.run_id, rq.step_id, argv[2]);
		rc = EXIT_RUNTIME;
	} else if (app.mode == RUN_READ_ONLY) {
		fprintf(stderr, "drconsole: approve: read-only mode can never approve a step (%s)\n",
			app.read_only_reason != NULL ? app.read_only_reason : "read-only");
		rc = EXIT_USAGE;
	} else if (!opts->yes && !typed(rq.step_id)) {
		rc = EXIT_RUNTIME;
	} else if (approval_grant_write(app.cfg.state_dir, &rq, app.mode == RUN_READ_ONLY, time_wall_ms(), &path,
					&err) != 0) {
		fprintf(stderr, "drconsole: approve: refused: %s\n", err);
		free(err);
		rc = EXIT_RUNTIME;
	} else {
		printf("Approved step %s of run %s%s (%s); the run goes on when it sees the approval.\n",
		       rq.step_id, rq.run_id, opts->yes ? " with --yes, without a typed confirmation" : "",
		       path);
		free(path);
	}
	approval_request_clear(&rq);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_approve = {
	.name = "approve",
	.args = "[RUN [STEP]] [--yes]",
	.summary = "approve the destructive step a run waits on",
	.accepts = OPT_MODE | OPT_YES,
	.run = cmd_approve_run,
};
