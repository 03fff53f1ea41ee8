/*
 * cmd_inventory.c: `drconsole inventory FILE [export]` prints an INI
 * inventory as `ansible-inventory -i FILE --list [--export]` does, so an
 * operator (and the test suite) can check that drconsole reads it as
 * Ansible does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/cli/cli.h"
#include "drconsole/config/inventory.h"
#include "drconsole/cli/output.h"

static int
cmd_inventory_run(const struct cli_options *opts, int argc, char **argv)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct inventory *inv;
	bool export = false;
	json_t *j;
	int rc = EXIT_OK;

	(void)opts;
	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "export") != 0)) {
		fputs("usage: drconsole inventory FILE [export]\n", stderr);
		return EXIT_USAGE;
	}
	export = argc == 3;
	inv = inventory_load(argv[1], &dl);
	diag_print(&dl, stderr);
	if (inv == NULL || dl.errors > 0) {
		inventory_free(inv);
		diag_list_free(&dl);
		return EXIT_USAGE;
	}
	j = inventory_to_ansible_json(inv, export);
	if (output_json(j, stdout, JSON_INDENT(4) | JSON_SORT_KEYS) != 0)
		rc = EXIT_RUNTIME;
	json_decref(j);
	inventory_free(inv);
	diag_list_free(&dl);
	return rc;
}

const struct cli_command cmd_inventory = {
	.name = "inventory",
	.args = "FILE [export]",
	.summary = "print an INI inventory as ansible-inventory --list does",
	.accepts = OPT_JSON,
	.run = cmd_inventory_run,
};
