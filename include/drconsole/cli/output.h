/*
 * output.h: every command's output leaves through the sanitiser. Before a
 * command runs, cli_main puts sanitising streams (sanitize_fopen) in place
 * of stdout and stderr, so whatever a command prints with printf, puts or
 * diag_print, and whatever it took from an env dir, an inventory, a
 * runbook, a journal or the environment, reaches the terminal without an
 * escape sequence, a C1 control or a bidi override; a new command cannot
 * forget. The console keeps the real stdout (curses draws through ui_put,
 * which sanitises each string). JSON documents go through output_json,
 * which escapes those controls as \uXXXX rather than dropping them.
 */
#ifndef DRCONSOLE_OUTPUT_H
#define DRCONSOLE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* Sanitise stderr, and stdout too unless keep_stdout (the console). */
void output_begin(bool keep_stdout);
/* Flush and restore the real streams. */
void output_end(void);

/*
 * Write j to fp as jansson's json_dumpf(j, fp, flags) would, with the
 * controls in its strings escaped (sanitize_json), and a newline. 0 or -1.
 */
int output_json(const json_t *j, FILE *fp, size_t flags);

#endif
