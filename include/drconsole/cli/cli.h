/*
 * cli.h: command-line dispatch. One table of commands (src/cli/cli.c), one
 * file per command (src/cli/cmd_*.c). Options are parsed once for all
 * commands; each command names the options it accepts, so a stray option is
 * a usage error (exit 2) rather than silently ignored.
 */
#ifndef DRCONSOLE_CLI_H
#define DRCONSOLE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "drconsole/runbook/run_mode.h"

/* Exit codes (documented in README and drconsole(1)). */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* a runtime failure */
	EXIT_USAGE = 2,		/* usage or configuration error */
};

/* Options a command may accept (bitmask). */
enum cli_opt {
	OPT_JSON = 1 << 0,
	OPT_OFFLINE = 1 << 1,
	OPT_MODE = 1 << 2,	/* --read-only, --drill, --dry-run */
	OPT_THEME = 1 << 3,
	OPT_YES = 1 << 4,	/* --yes: unattended confirmation (drill targets only) */
	OPT_OUTPUT = 1 << 5,	/* -o FILE */
	OPT_EXPLAIN = 1 << 6,	/* --explain KEY (drift) */
	OPT_FORMAT = 1 << 7,	/* --format text|json|openmetrics */
};

struct cli_options {
	const char *config_path;	/* -c FILE */
	enum run_mode mode;		/* --read-only, --drill, --dry-run (RUN_LIVE: none) */
	const char *theme;
	int verbose;			/* -v, -vv */
	const char *log_path;		/* --log FILE */
	bool json;
	bool offline;
	bool yes;
	const char *output;
	const char *explain;		/* --explain KEY */
	const char *format;		/* --format; NULL when not given */
	unsigned seen;			/* OPT_* bits given on the command line */
};

struct cli_command {
	const char *name;
	const char *args;		/* e.g. "[--json] [--offline]" */
	const char *summary;
	unsigned accepts;		/* OPT_* bits */
	/* argv[0] is the command name; argv[1..] its positional arguments */
	int (*run)(const struct cli_options *opts, int argc, char **argv);
};

int cli_main(int argc, char **argv);
void cli_usage(FILE *fp);
/*
 * Run a runbook (a path, or a configured runbook's name) in line mode, as
 * `run` does; backup_key names the backup a restore restores (NULL: the
 * newest). Returns the exit code.
 */
int cli_run_runbook(const struct cli_options *opts, const char *runbook, const char *backup_key);
/* The same for a fail-back run as the rollback of failover run rollback_of (run.h). */
int cli_run_rollback(const struct cli_options *opts, const char *runbook, const char *rollback_of);

#endif
