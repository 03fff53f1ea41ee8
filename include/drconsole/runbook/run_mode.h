/*
 * run_mode.h: the mode of a run, the one representation every layer above
 * the runbook passes around (command-line options, the loaded app, the
 * console, run_params). The journal keeps the mode as its name; the views a
 * caller needs (does it execute? its label, its word) are computed from the
 * enum here, never stored beside it.
 */
#ifndef DRCONSOLE_RUN_MODE_H
#define DRCONSOLE_RUN_MODE_H

#include <stdbool.h>

enum run_mode {
	RUN_LIVE,
	RUN_DRILL,
	RUN_DRY,
	RUN_READ_ONLY,		/* refused: nothing is run (run_params.read_only_reason says why) */
};

const char *run_mode_name(enum run_mode m);	/* "live", "drill", "dry-run", "read-only" */
/* The mode a journal or history names (run_mode_name's words); -1 for anything else. */
int run_mode_parse(const char *name);
/* The upper-case word a screen shows: "LIVE", "DRILL", "DRY-RUN", "READ-ONLY". */
const char *run_mode_word(enum run_mode m);
/* The prefix of every line a run prints: "[DRILL] ", "[DRY-RUN] " or "". */
const char *run_mode_label(enum run_mode m);
/* Commands run on the hosts (live and drill); dry-run and read-only execute nothing. */
bool run_mode_executes(enum run_mode m);
/*
 * The one refusal text of read-only mode: "read-only mode (REASON): refused;
 * WHAT" (reason NULL: "no reason given"). Caller frees.
 */
char *run_mode_refusal(const char *reason, const char *what);

#endif
