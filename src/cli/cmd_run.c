/*
 * cmd_run.c: `drconsole run RUNBOOK [--drill|--dry-run] [--yes]`, line mode
 * for a serial console or scripts: prompts and confirmations on
 * stdin/stdout, the same journal, lock and audit log as the console.
 *
 * Typed confirmations: on a terminal, type-ahead is flushed (tcflush) before
 * the prompt, so a held Enter or keys typed earlier can never confirm; the
 * operator must then type the word. Without a terminal (stdin from a pipe or
 * a file) there is no type-ahead to flush: the next line is the answer and
 * must be exactly the expected word; anything else, or end of input,
 * cancels. Plain confirmations accept "y" or "yes"; anything else is no.
 *
 * Ctrl-C (SIGINT) during a step cancels its command (killed on the host; the
 * step fails and the usual failure decision follows); at a prompt it answers
 * with the default, which is always the safe one.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/run.h"
#include "drconsole/util/util.h"

static int cancel_flag;

static void
on_sigint(int sig)
{
	(void)sig;
	__atomic_store_n(&cancel_flag, 1, __ATOMIC_RELAXED);
}

/* One line from stdin without its newline, or NULL at end of input or on Ctrl-C. */
static char *
read_line(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		if (errno == EINTR)
			clearerr(stdin);
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static void
flush_typeahead(void)
{
	if (isatty(STDIN_FILENO))
		tcflush(STDIN_FILENO, TCIFLUSH);
}

static bool
line_confirm(void *ud, const char *prompt)
{
	char *ans;
	bool yes;

	(void)ud;
	printf("%s [y/N] ", prompt);
	fflush(stdout);
	ans = read_line();
	if (ans == NULL)
		printf("\n(end of input: no)\n");
	yes = ans != NULL && (strcmp(str_trim(ans), "y") == 0 || strcmp(ans, "yes") == 0);
	free(ans);
	return yes;
}

static bool
line_confirm_typed(void *ud, const char *prompt, const char *expected)
{
	char *ans;
	bool ok;

	(void)ud;
	flush_typeahead();
	printf("%s: ", prompt);
	fflush(stdout);
	ans = read_line();
	ok = ans != NULL && strcmp(ans, expected) == 0;
	if (!ok)
		printf("%s: cancelled\n", ans == NULL ? "(end of input)" : "does not match");
	free(ans);
	return ok;
}

static int
line_choose(void *ud, const char *prompt, const char *const *options, size_t n, int dflt)
{
	char *ans, *end;
	long v;

	(void)ud;
	printf("%s:\n", prompt);
	for (size_t i = 0; i < n; i++)
		printf("  %zu) %s%s\n", i + 1, options[i], (int)i == dflt ? " (default)" : "");
	printf("choice [%d]: ", dflt + 1);
	fflush(stdout);
	ans = read_line();
	if (ans == NULL) {
		printf("\n(end of input: %s)\n", options[dflt]);
		return dflt;
	}
	v = strtol(str_trim(ans), &end, 10);
	if (*ans == '\0' || *end != '\0' || v < 1 || (size_t)v > n)
		v = dflt + 1;
	free(ans);
	return (int)v - 1;
}

static void
line_show(void *ud, const char *text)
{
	(void)ud;
	puts(text);
	fflush(stdout);
}

/* A path, or the name (file stem or runbook name) of a configured runbook; caller frees. */
static char *
resolve_runbook(const struct config *cfg, const char *arg)
{
	char buf[PATH_MAX];

	if (access(arg, R_OK) == 0)
		return xstrdup(realpath(arg, buf) != NULL ? buf : arg);
	for (size_t i = 0; i < cfg->n_runbooks; i++) {
		const char *p = cfg->runbooks[i], *b = strrchr(p, '/');
		size_t len;

		b = b != NULL ? b + 1 : p;
		len = strcspn(b, ".");
		if (strcmp(b, arg) == 0 || (strlen(arg) == len && strncmp(b, arg, len) == 0))
			return xstrdup(realpath(p, buf) != NULL ? buf : p);
	}
	return NULL;
}

static int
run_line_mode(const struct cli_options *opts, const char *runbook, const char *backup_key,
	      const char *rollback_of)
{
	static const struct run_ui ui = {
		.confirm = line_confirm,
		.confirm_typed = line_confirm_typed,
		.choose = line_choose,
		.show = line_show,
		.ud = NULL,
	};
	struct run_params p;
	struct app app;
	char *path;
	int rc;

	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL ||
	    app.dl.errors > 0) {
		diag_print(&app.dl, stderr);
		fputs("drconsole: configuration or environment errors: not running (see drconsole lint)\n",
		      stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	path = resolve_runbook(&app.cfg, runbook);
	if (path == NULL && app.mode != RUN_READ_ONLY) {
		fprintf(stderr, "drconsole: run: no runbook file or configured runbook named '%s'\n",
			runbook);
		app_free(&app);
		return EXIT_USAGE;
	}
	memset(&p, 0, sizeof p);
	p.cfg = &app.cfg;
	p.sites[0] = app.sites[0];
	p.sites[1] = app.sites[1];
	p.runbook_path = path != NULL ? path : runbook;
	p.backup_key = backup_key;
	p.rollback_of = rollback_of;
	/* read-only is the driver's decision: it refuses with the reason (exit 2) */
	p.mode = app.mode;
	p.read_only_reason = app.read_only_reason;
	p.yes = opts->yes;
	p.ui = &ui;
	p.cancel = &cancel_flag;
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;	/* no SA_RESTART: a prompt's read returns */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		/*
		 * The operator's connection dropping is not a decision: the
		 * running step finishes and is journaled, the next prompt reads
		 * end of input (the safe answer) and the run stops, lock released.
		 */
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
	}
	rc = run_execute(&p);
	free(path);
	app_free(&app);
	return rc;
}

int
cli_run_runbook(const struct cli_options *opts, const char *runbook, const char *backup_key)
{
	return run_line_mode(opts, runbook, backup_key, NULL);
}

int
cli_run_rollback(const struct cli_options *opts, const char *runbook, const char *rollback_of)
{
	return run_line_mode(opts, runbook, NULL, rollback_of);
}

static int
cmd_run_run(const struct cli_options *opts, int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: drconsole run RUNBOOK [--drill | --dry-run] [--yes]\n", stderr);
		return EXIT_USAGE;
	}
	return cli_run_runbook(opts, argv[1], NULL);
}

const struct cli_command cmd_run = {
	.name = "run",
	.args = "RUNBOOK [--drill|--dry-run]",
	.summary = "run a runbook in line mode (--yes: drills)",
	.accepts = OPT_MODE | OPT_YES,
	.run = cmd_run_run,
};
