/*
 * undone.h: what stopped runs left in place. A step with `undone_by: B`
 * changes something that its later step B puts back (restore pauses the
 * backup jobs, resume-retention resumes them). The newest run of each
 * runbook (dry-runs aside) whose such step started while B is not done
 * has left that change in place: B has not run (the run stopped, failed or
 * was abandoned in between), failed, or was skipped (by the operator, or
 * because its `when:` was false: the primary unreachable at the end of a
 * restore leaves its backup jobs paused for when it comes back). `check`
 * warns, `status` and the console's header say which run and how to finish
 * it. Resuming the run to its end clears it, and so does an operator's word
 * that it was put back by hand (undone_put_back: a `put_back` event in the
 * run's journal). Reads local journals only.
 */
#ifndef DRCONSOLE_UNDONE_H
#define DRCONSOLE_UNDONE_H

#include <stddef.h>
#include <jansson.h>

struct undone {
	char *run;		/* run id */
	char *runbook;		/* its name */
	char *mode;		/* "live", "drill" */
	char *step;		/* the step that changed something */
	char *undo_step;	/* the step that would put it back */
	const char *undo_state;	/* what became of it: "not run", "failed", "skipped" */
	char *skip_reason;	/* when skipped: the journal's reason ("condition false"), or NULL */
	char *journal;		/* the run's journal */
};

/* Every such step of the newest runs under state_dir/runs; *out NULL when none. */
size_t undone_find(const char *state_dir, struct undone **out);
void undone_free(struct undone *u, size_t n);
/* status --json's "undone" array. */
json_t *undone_json(const struct undone *u, size_t n);
/* "run R (RUNBOOK, mode) started step S, and U, which puts it back, has not run" (no newline). */
char *undone_text(const struct undone *u);
/*
 * The operator (user) says that what step of run changed has been put back
 * by hand: a put_back event appended to the run's journal, and the audit
 * log. 0 done; 1 when that run has no such step left undone, or its journal
 * cannot be written (a teammate's run: its owner says it); the reason in
 * *err. The caller refuses read-only mode.
 */
int undone_put_back(const char *state_dir, const char *run, const char *step, const char *user,
		    char **err);

#endif
