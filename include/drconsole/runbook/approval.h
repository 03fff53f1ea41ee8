/*
 * approval.h: four eyes. With approvals.destructive >= 2 (approvals.drill
 * for drills) a destructive step, after its operator's typed confirmation,
 * waits for a second operator on the same jump host to approve it.
 *
 * Both sides meet in STATE_DIR/approvals (setgid and sticky in the shared
 * setup, as runs/ is). The waiting run publishes RUN.request: the step, the
 * exact rendered command and its SHA-256, the hosts, the data-loss
 * estimate, the operator (name and uid), a random nonce and the deadline.
 * An approver's own process (`drconsole approve`, or the approver's
 * console) creates RUN.NONCE.UID.approval, naming the run, step, nonce and
 * command hash it approves. The identity is the OS's: the run trusts the
 * uid that owns the file (fstat of a regular file opened without following
 * symlinks, one link, writable only by its owner), never a name written in
 * it. Refused: the operator's own uid, root (root can create a file owned
 * by anyone, so a root-owned approval proves no second person), a file for
 * another run, step, request or command, one seen after the deadline, and
 * any approval once the request was consumed (a request is consumed by the
 * first approval accepted; each request has a new nonce, so an approval
 * counts once).
 */
#ifndef DRCONSOLE_APPROVAL_H
#define DRCONSOLE_APPROVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "drconsole/runbook/journal.h"
#include "drconsole/util/digest.h"

struct approval_request {
	char *run_id;
	char *step_id;
	char *title;			/* the step's rendered title */
	char *command;			/* exactly as it will run */
	char cmd_sha256[DIGEST_SHA256_HEX_LEN + 1];
	char *hosts;			/* "pgstandby0 (127.5.1.3), ..." */
	char *estimate;			/* the data-loss estimate the run showed */
	char *mode;			/* "live", "drill" */
	char *operator_user;
	long operator_uid;
	char nonce[33];			/* 128 random bits, hex */
	long long requested_ms;		/* wall clock */
	long long expires_ms;
	bool consumed;			/* an approval was accepted */
	char **seen;			/* approval files already refused (not reported twice) */
	size_t n_seen;
};

/* Who approved (from the file's owner) and when. */
struct approval_grant {
	char *user;			/* the owner uid's passwd name, or "uid N" */
	long uid;
	long long approved_ms;
	char *path;
};

/* STATE_DIR/approvals (caller frees). */
char *approval_dir(const char *state_dir);
/* Fill rq's nonce, hash of rq->command and requested/expires times. */
void approval_request_init(struct approval_request *rq, long long now_ms, long long timeout_ms);
void approval_request_clear(struct approval_request *rq);
/*
 * Publish rq as STATE_DIR/approvals/RUN.request (replacing one of this run),
 * creating the directory (03770 in the shared setup, else 0700). 0, or -1
 * with *err.
 */
int approval_request_publish(const char *state_dir, const struct approval_request *rq, char **err);
/* Remove this run's request file (done waiting, either way). */
void approval_request_withdraw(const char *state_dir, const char *run_id);
/* Read RUN.request of run_id; 0, or -1 with *err. */
int approval_request_load(const char *state_dir, const char *run_id, struct approval_request *rq,
			  char **err);
/* The run ids with a published request, newest first (caller frees each and the array). */
char **approval_pending(const char *state_dir, size_t *n);

/*
 * The approver's side: write this user's approval of rq. Refused (-1, *err)
 * for the operator's own uid, for root, for an expired request and in
 * read-only mode (read_only). 0 with the file's path in *path_out.
 */
int approval_grant_write(const char *state_dir, const struct approval_request *rq, bool read_only,
			 long long now_ms, char **path_out, char **err);

/*
 * The run's side: check one approval file against rq. 0 with *g filled
 * (caller clears), or -1 with *why (the reason it is refused; caller frees).
 */
int approval_check_file(const char *path, const struct approval_request *rq, uid_t operator_uid,
			long long now_ms, struct approval_grant *g, char **why);
/*
 * Look for approvals of rq. 1: one accepted (*g; rq is now consumed), 0:
 * none yet. Files refused for the first time are reported through
 * refused(ud, path, why).
 */
int approval_poll(const char *state_dir, struct approval_request *rq, uid_t operator_uid,
		  long long now_ms, struct approval_grant *g,
		  void (*refused)(void *ud, const char *path, const char *why), void *ud);
void approval_grant_clear(struct approval_grant *g);

/* The approvals of a run (its journal) as a Markdown section of the report. */
void approval_report_write(FILE *fp, const struct journal_read *jr);

#endif
