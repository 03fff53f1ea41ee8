/*
 * cmd_options.c: `drconsole options`: every drconsole.yml option from the
 * one table in config_options.c, with its type, default and meaning. The
 * example file docs/drconsole.example.yml is checked against this list.
 */
#include <stdio.h>
#include <stdlib.h>

#include "drconsole/cli/cli.h"
#include "drconsole/config/config.h"

static int
cmd_options_run(const struct cli_options *opts, int argc, char **argv)
{
	(void)opts;
	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole options\n", stderr);
		return EXIT_USAGE;
	}
	config_print_options(stdout);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILURE;
}

const struct cli_command cmd_options = {
	.name = "options",
	.args = "",
	.summary = "list every drconsole.yml option (type, default, meaning)",
	.accepts = 0,
	.run = cmd_options_run,
};
