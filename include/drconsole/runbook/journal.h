/*
 * journal.h: the run journal. One file per run under STATE_DIR/runs/, JSON
 * lines, each appended with a single write(2) and fsync'd before the action
 * it announces is taken, so after a crash, kill -9 or a dropped terminal the
 * journal says exactly what was started and what was finished. A torn last
 * line (the process died inside write) is reported and ignored by readers:
 * the action it announced was never started. journal_open cuts it off
 * before appending and journals a "torn_line_removed" event (offset, bytes).
 * Journal files are created 0600 (0640 in the shared setup of state_dir.h,
 * so teammates can watch a run) and never opened through a symlink.
 */
#ifndef DRCONSOLE_JOURNAL_H
#define DRCONSOLE_JOURNAL_H

#include <stddef.h>
#include <jansson.h>

struct journal;

/* Create runs_dir (mode 0700) if needed and a new journal file in it, exclusively. */
struct journal *journal_create(const char *runs_dir, const char *run_id, char **err);
/*
 * Open an existing journal to append to it (resuming a run). A torn last
 * line is truncated and the cut journaled before this returns.
 */
struct journal *journal_open(const char *path, char **err);
const char *journal_path(const struct journal *j);
/*
 * Append one event: adds "seq" and "t" (UTC epoch ms) to ev, writes it as
 * one line, fsyncs. Steals the reference to ev. 0 on success.
 */
int journal_append(struct journal *j, json_t *ev, char **err);
void journal_close(struct journal *j);
/*
 * Append one whole line (newline included) to fd and fsync it. A write that
 * fails part-way (ENOSPC, EFBIG) is cut back off so no fragment stays for
 * the next line to be glued to. Used by the audit log too. 0 on success.
 */
int journal_write_line(int fd, const char *line, size_t len, const char *what, char **err);
/*
 * ev (consumed) as one compact ASCII JSON line (json_dumps flags added,
 * e.g. JSON_SORT_KEYS), written by journal_write_line: the one writer of
 * the journal and the audit log. 0 on success.
 */
int journal_write_json(int fd, json_t *ev, size_t flags, const char *what, char **err);

struct journal_read {
	json_t **events;	/* each an object with at least "event" */
	size_t n;
	size_t torn;		/* lines that were not complete JSON (only the last can be) */
	size_t bad;		/* complete lines that were not valid events */
};

/*
 * A teammate's commit of a failover whose journal is not theirs (shared
 * setup: journals are writable by their operator only): the event goes to
 * a note beside it, runs/ID.commit, created once (O_EXCL, 0640, fsync'd);
 * its owner is the committer. journal_read adds the note's event (user
 * from the owner, "note": true) after the journal's when the journal has
 * no commit of its own. Takes ev. 0 on success, -1 with *err.
 */
int journal_write_commit_note(const char *journal_path, json_t *ev, char **err);
char *journal_commit_note_path(const char *journal_path);

/* Read every event of a journal file (and its commit note); 0 on success, -1 with *err. */
int journal_read(const char *path, struct journal_read *out, char **err);
void journal_read_free(struct journal_read *r);

#endif
