/*
 * cli.c: option parsing and the command table. Adding a command is one
 * cmd_*.c file and one line in commands[].
 */
#include "drconsole/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/cli/output.h"
#include "drconsole/util/util.h"

extern const struct cli_command cmd_inventory;
extern const struct cli_command cmd_console;
extern const struct cli_command cmd_lint;
extern const struct cli_command cmd_status;
extern const struct cli_command cmd_check;
extern const struct cli_command cmd_drift;
extern const struct cli_command cmd_run;
extern const struct cli_command cmd_runs;
extern const struct cli_command cmd_report;
extern const struct cli_command cmd_options;
extern const struct cli_command cmd_verify_backup;
extern const struct cli_command cmd_watch;
extern const struct cli_command cmd_approve;
extern const struct cli_command cmd_commit;
extern const struct cli_command cmd_rollback;
extern const struct cli_command cmd_put_back;

static const struct cli_command *const commands[] = {
	&cmd_status,
	&cmd_check,
	&cmd_lint,
	&cmd_drift,
	&cmd_inventory,
	&cmd_run,
	&cmd_runs,
	&cmd_report,
	&cmd_verify_backup,
	&cmd_watch,
	&cmd_approve,
	&cmd_commit,
	&cmd_rollback,
	&cmd_put_back,
	&cmd_console,
	&cmd_options,
	NULL,
};

void
cli_usage(FILE *fp)
{
	fputs("usage: drconsole [-c FILE] [--read-only | --drill | --dry-run] [--theme NAME]\n"
	      "                 [-v] [--log FILE] [COMMAND [ARGS]]\n"
	      "\n"
	      "Disaster-recovery console for commcare-cloud deployments. Without a\n"
	      "command, opens the console on the primary and secondary sites.\n"
	      "\n"
	      "Commands:\n", fp);
	for (size_t i = 0; commands[i] != NULL; i++)
		fprintf(fp, "  %-9s %-27s %s\n", commands[i]->name,
			commands[i]->args, commands[i]->summary);
	fputs("\n"
	      "Options:\n"
	      "  -c, --config FILE  configuration file (default: $DRCONSOLE_CONFIG,\n"
	      "                     ./drconsole.yml, $XDG_CONFIG_HOME/drconsole/config.yml,\n"
	      "                     /etc/drconsole/config.yml)\n"
	      "      --read-only    status only; nothing can be executed\n"
	      "      --drill        run runbooks as a timed drill\n"
	      "      --dry-run      show every command and host; execute nothing\n"
	      "      --theme NAME   colour theme: a name in themes/ or a path\n"
	      "      --json         machine-readable output (status, drift, lint)\n"
	      "      --explain KEY  drift: every difference at KEY, with why\n"
	      "      --offline      do not touch the network (status)\n"
	      "      --format FMT   status as text, json or openmetrics\n"
	      "  -v, --verbose      more detail in the log (-vv: library debug)\n"
	      "      --log FILE     log file (default: STATE_DIR/drconsole.log)\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      version\n"
	      "\n"
	      "Exit status: 0 ok, 1 runtime failure, 2 usage or configuration error\n"
	      "(check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).\n"
	      "See drconsole(1).\n", fp);
}

static const struct cli_command *
find_command(const char *name)
{
	for (size_t i = 0; commands[i] != NULL; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static const char *
opt_name(unsigned bit)
{
	switch (bit) {
	case OPT_JSON:
		return "--json";
	case OPT_OFFLINE:
		return "--offline";
	case OPT_MODE:
		return "--read-only/--drill/--dry-run";
	case OPT_THEME:
		return "--theme";
	case OPT_YES:
		return "--yes";
	case OPT_OUTPUT:
		return "-o";
	case OPT_EXPLAIN:
		return "--explain";
	case OPT_FORMAT:
		return "--format";
	}
	return "?";
}

int
cli_main(int argc, char **argv)
{
	enum { O_READ_ONLY = 256, O_DRILL, O_DRY_RUN, O_THEME, O_LOG, O_JSON,
	       O_OFFLINE, O_YES, O_EXPLAIN, O_FORMAT };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "read-only", no_argument, NULL, O_READ_ONLY },
		{ "drill", no_argument, NULL, O_DRILL },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "theme", required_argument, NULL, O_THEME },
		{ "log", required_argument, NULL, O_LOG },
		{ "json", no_argument, NULL, O_JSON },
		{ "offline", no_argument, NULL, O_OFFLINE },
		{ "yes", no_argument, NULL, O_YES },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "explain", required_argument, NULL, O_EXPLAIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options opts;
	const struct cli_command *cmd;
	bool read_only = false, drill = false, dry_run = false;
	int c, rc;

	memset(&opts, 0, sizeof opts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:o:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case O_READ_ONLY:
			read_only = true;
			opts.seen |= OPT_MODE;
			break;
		case O_DRILL:
			drill = true;
			opts.seen |= OPT_MODE;
			break;
		case O_DRY_RUN:
			dry_run = true;
			opts.seen |= OPT_MODE;
			break;
		case O_THEME:
			opts.theme = optarg;
			opts.seen |= OPT_THEME;
			break;
		case O_LOG:
			opts.log_path = optarg;
			break;
		case O_JSON:
			opts.json = true;
			opts.seen |= OPT_JSON;
			break;
		case O_OFFLINE:
			opts.offline = true;
			opts.seen |= OPT_OFFLINE;
			break;
		case O_YES:
			opts.yes = true;
			opts.seen |= OPT_YES;
			break;
		case O_EXPLAIN:
			opts.explain = optarg;
			opts.seen |= OPT_EXPLAIN;
			break;
		case O_FORMAT:
			opts.format = optarg;
			opts.seen |= OPT_FORMAT;
			break;
		case 'o':
			opts.output = optarg;
			opts.seen |= OPT_OUTPUT;
			break;
		case 'v':
			opts.verbose++;
			break;
		case 'h':
			cli_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("drconsole %s\n", DRCONSOLE_VERSION);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "drconsole: option %s needs an argument\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "drconsole: unknown option %s (try --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (drill && dry_run) {
		fputs("drconsole: --drill and --dry-run exclude each other\n", stderr);
		return EXIT_USAGE;
	}
	/* --read-only wins over the others: it only takes away */
	opts.mode = read_only ? RUN_READ_ONLY : drill ? RUN_DRILL : dry_run ? RUN_DRY : RUN_LIVE;

	if (optind >= argc) {
		cmd = find_command("console");
		if (cmd == NULL) {
			fputs("drconsole: the console is not available in this build; "
			      "see --help for commands\n", stderr);
			return EXIT_RUNTIME;
		}
		output_begin(true);	/* curses draws through ui_put */
		rc = cmd->run(&opts, 1, (char *[]){ (char *)"console", NULL });
		output_end();
		return rc;
	}
	output_begin(strcmp(argv[optind], "console") == 0);
	cmd = find_command(argv[optind]);
	if (cmd == NULL) {
		fprintf(stderr, "drconsole: unknown command '%s' (try --help)\n",
			argv[optind]);
		output_end();
		return EXIT_USAGE;
	}
	for (unsigned bit = 1; bit <= OPT_FORMAT; bit <<= 1) {
		if ((opts.seen & bit) && !(cmd->accepts & bit)) {
			fprintf(stderr, "drconsole: %s does not take %s\n",
				cmd->name, opt_name(bit));
			output_end();
			return EXIT_USAGE;
		}
	}
	rc = cmd->run(&opts, argc - optind, argv + optind);
	output_end();
	return rc;
}
