/*
 * history.h: past runs, read from the journals under STATE_DIR/runs. Used by
 * `drconsole runs` and by the console header's "last drill" (the achieved
 * RTO of the newest finished drill). Reads local files only.
 */
#ifndef DRCONSOLE_HISTORY_H
#define DRCONSOLE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/report.h"

struct run_info {
	char *id;		/* the journal's name without ".journal" */
	char *path;		/* the journal */
	char *runbook;		/* path of the runbook, "" when unknown */
	char *name;		/* runbook name, "?" when unknown */
	char *mode;		/* "live", "drill", "dry-run", "?" */
	char *user;
	char *outcome;		/* run_end outcome, NULL while unfinished */
	char *error;		/* the journal could not be read (then the rest is "?") */
	long long started_ms;	/* 0 unknown */
};

/*
 * The runbook a journaled run ran: the copy of the file its run_start keeps
 * (runbook_text, checked against runbook_sha256), so a report or a resume
 * does not follow later edits or a deleted file; for journals that keep no
 * copy, the file run_start names. NULL with the reason in dl. *from_copy
 * (may be NULL) says which.
 */
struct runbook *history_runbook(const struct journal_read *jr, struct diag_list *dl,
				bool *from_copy);

/* Every run under state_dir/runs, oldest id first; *n set. NULL when none. */
struct run_info *history_list(const char *state_dir, size_t *n);
void history_free(struct run_info *runs, size_t n);

/*
 * The newest finished drill (by start time) summarised against the
 * objectives (seconds; <= 0 not set). 0 when found (run_id, if not NULL,
 * gets a copy of its id for the caller to free), -1 when there is none or
 * its runbook cannot be loaded.
 */
int history_last_drill(const char *state_dir, double rpo_objective_s, double rto_objective_s,
		       struct report_summary *out, char **run_id);

#endif
