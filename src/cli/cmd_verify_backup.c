/*
 * cmd_verify_backup.c: `drconsole verify-backup [KEY]`: prove a backup
 * restorable. Runs the configured runbook named verify-backup (shipped as
 * runbooks/verify-backup.yml) in line mode: the newest PostgreSQL backup by
 * the time it was taken (or the one KEY names) is restored into a scratch
 * PostgreSQL on the secondary's database host, started, checked and
 * removed. It is recorded like any run (journal, audit log, `runs`,
 * `report`), so the last verification and its outcome are on record.
 */
#include <stdio.h>
#include <string.h>

#include "drconsole/cli/cli.h"

static int
cmd_verify_backup_run(const struct cli_options *opts, int argc, char **argv)
{
	if (argc > 2) {
		fputs("usage: drconsole verify-backup [KEY] [--drill | --dry-run] [--yes]\n", stderr);
		return EXIT_USAGE;
	}
	return cli_run_runbook(opts, "verify-backup", argc == 2 ? argv[1] : NULL);
}

const struct cli_command cmd_verify_backup = {
	.name = "verify-backup",
	.args = "[KEY] [--drill|--dry-run]",
	.summary = "restore the newest (or named) backup into a scratch PostgreSQL and check it",
	.accepts = OPT_MODE | OPT_YES,
	.run = cmd_verify_backup_run,
};
