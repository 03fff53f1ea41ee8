/*
 * run_exec.h: a step's command on its hosts, and SQL verification on them
 * (run_exec.c). Private to the run driver and the step kinds.
 */
#ifndef DRCONSOLE_RUN_EXEC_H
#define DRCONSOLE_RUN_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "run_io.h"

/*
 * Run cmd on every target (serially, or in parallel), with stdin_data (may
 * be NULL) written to its standard input; each host's result is
 * audited. Returns true when all exited with expect_exit and (when given)
 * printed expect_output. *exit_out is the first failing (or last) status;
 * *output_out the sanitised output (caller frees). Hosts where the command
 * timed out or was cancelled and its end was not confirmed go to *unknown
 * (caller frees; unknown may be NULL).
 */
bool run_exec_targets(struct run_state *r, const struct rb_step *st, enum site_role site,
		      const char *cmd, const char *stdin_data, const struct run_target *t,
		      size_t n, bool parallel, int expect_exit, const char *expect_output,
		      int *exit_out,
		      char **output_out, struct step_remote **unknown, size_t *n_unknown);
/* sql must return true on t's PostgreSQL; retried for 15 s (a promote settles). */
bool run_verify_sql(struct run_state *r, const struct run_target *t, const char *sql, char **msg);

#endif
