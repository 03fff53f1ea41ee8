/*
 * watch.c: the journal tail and the watcher's lines (watch.h). Reads only:
 * a watcher can never change a run, and the journal's own writer is never
 * slowed (no lock is taken; a line is read once it ends in a newline, which
 * journal_append writes with the line in one write(2)).
 */
#include "drconsole/runbook/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/runbook/history.h"
#include "drconsole/util/util.h"

int
journal_tail_read(struct journal_tail *t, json_t ***events, size_t *n, char **err)
{
	int fd = open(t->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[65536];
	char *data = NULL;
	size_t len = 0, cap = 0, start = 0, cap_ev = 0;
	ssize_t got;

	*events = NULL;
	*n = 0;
	if (fd < 0) {
		*err = xasprintf("open(%s): %s", t->path, strerror(errno));
		return -1;
	}
	if (lseek(fd, (off_t)t->offset, SEEK_SET) < 0) {
		*err = xasprintf("lseek(%s): %s", t->path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((got = read(fd, buf, sizeof buf)) > 0) {
		grow_array(&data, &cap, len + (size_t)got + 1, 1);
		memcpy(data + len, buf, (size_t)got);
		len += (size_t)got;
	}
	close(fd);
	if (got < 0) {
		free(data);
		*err = xasprintf("read(%s): %s", t->path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		json_t *ev;

		if (data[i] != '\n')
			continue;
		ev = json_loadb(data + start, i - start, 0, NULL);
		if (json_is_object(ev)) {
			grow_array(events, &cap_ev, *n + 1, sizeof **events);
			(*events)[(*n)++] = ev;
		} else {
			json_decref(ev);
		}
		start = i + 1;
	}
	t->offset += (long long)start;
	free(data);
	return 0;
}

static const char *
str(const json_t *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev, key));

	return s != NULL ? s : "?";
}

char *
watch_format_event(const json_t *ev)
{
	const char *what = json_string_value(json_object_get(ev, "event"));
	time_t t = (time_t)(json_integer_value(json_object_get(ev, "t")) / 1000);
	struct tm tm;
	char when[16];
	char *line = NULL, *text;

	if (what == NULL)
		return NULL;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M:%SZ", &tm);
	if (strcmp(what, "run_start") == 0)
		text = xasprintf("run started: %s (%s) by %s", str(ev, "name"), str(ev, "mode"), str(ev, "user"));
	else if (strcmp(what, "resume") == 0)
		text = xasprintf("run resumed by %s", str(ev, "user"));
	else if (strcmp(what, "preflight") == 0)
		text = xasprintf("preflight board evaluated");
	else if (strcmp(what, "step_start") == 0)
		text = xasprintf("step %s started by %s%s%s", str(ev, "step"), str(ev, "user"),
				 json_object_get(ev, "target") != NULL ? " on " : "",
				 json_object_get(ev, "target") != NULL ? str(ev, "target") : "");
	else if (strcmp(what, "step_end") == 0)
		text = xasprintf("step %s %s (exit %lld)", str(ev, "step"),
				 json_is_true(json_object_get(ev, "ok")) ? "done" : "FAILED",
				 (long long)json_integer_value(json_object_get(ev, "exit")));
	else if (strcmp(what, "skip") == 0)
		text = xasprintf("step %s skipped", str(ev, "step"));
	else if (strcmp(what, "confirm") == 0 || strcmp(what, "confirmed") == 0)
		text = xasprintf("step %s confirmed by %s", str(ev, "step"), str(ev, "user"));
	else if (strcmp(what, "declined") == 0)
		text = xasprintf("step %s declined by %s", str(ev, "step"), str(ev, "user"));
	else if (strcmp(what, "decision") == 0)
		text = xasprintf("step %s: decision by %s", str(ev, "step"), str(ev, "user"));
	else if (strcmp(what, "approval_request") == 0)
		text = xasprintf("step %s waits for approval by a second operator", str(ev, "step"));
	else if (strcmp(what, "approval") == 0)
		text = xasprintf("step %s approved by %s (uid %lld)", str(ev, "step"), str(ev, "approver"),
				 (long long)json_integer_value(json_object_get(ev, "approver_uid")));
	else if (strcmp(what, "approval_refused") == 0 || strcmp(what, "approval_expired") == 0)
		text = xasprintf("step %s: %s: %s", str(ev, "step"), strcmp(what, "approval_expired") == 0 ?
				 "approval expired" : "approval refused", str(ev, "reason"));
	else if (strcmp(what, "run_end") == 0)
		text = xasprintf("run ended: %s", str(ev, "outcome"));
	else if (strcmp(what, "put_back") == 0)
		text = xasprintf("what step %s changed was put back by hand, says %s", str(ev, "step"),
				 str(ev, "user"));
	else
		return NULL;
	line = xasprintf("%s  %s", when, text);
	free(text);
	return line;
}

char *
watch_active_run(const char *state_dir)
{
	size_t n;
	struct run_info *runs = history_list(state_dir, &n);
	const struct run_info *best = NULL;
	char *id;

	for (size_t i = 0; i < n; i++)
		if (runs[i].outcome == NULL && runs[i].error == NULL &&
		    (best == NULL || runs[i].started_ms >= best->started_ms))
			best = &runs[i];
	id = best != NULL ? xstrdup(best->id) : NULL;
	history_free(runs, n);
	return id;
}
