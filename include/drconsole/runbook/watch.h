/*
 * watch.h: following another operator's run from its journal, read-only.
 * The journal is the whole record of a run (engine.h), so a watcher needs
 * nothing but read access to it: the tail reads complete lines appended
 * since the last read (a line still being written is left for the next
 * read), and each event becomes one line for humans. Used by `drconsole
 * watch`.
 */
#ifndef DRCONSOLE_WATCH_H
#define DRCONSOLE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct journal_tail {
	char *path;
	long long offset;	/* bytes consumed: every complete line before it */
};

/*
 * The events of the complete lines appended since the last call (a line
 * that is not valid JSON is skipped). 0 with *events (n of them; free each
 * with json_decref, then the array), -1 with *err when the file cannot be
 * read.
 */
int journal_tail_read(struct journal_tail *t, json_t ***events, size_t *n, char **err);

/*
 * One line for an event, without a newline: "03:12:45Z  step promote
 * started by alice on pgstandby0"; NULL for events a watcher need not see.
 * Caller frees.
 */
char *watch_format_event(const json_t *ev);

/* The id of the newest unfinished run under state_dir/runs, or NULL. Caller frees. */
char *watch_active_run(const char *state_dir);

#endif
