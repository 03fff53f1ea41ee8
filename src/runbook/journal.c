/*
 * journal.c: append-only, fsync'd JSON lines. The file is created with
 * O_EXCL and the directory fsync'd so the file itself survives a crash;
 * every append is one write() of a whole line followed by fsync().
 */
#include "drconsole/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/strbuf.h"
#include "drconsole/util.h"

struct journal {
	int fd;
	char *path;
	long long seq;
};

static int
mkdir_p(const char *dir, char **err)
{
	char *p = xstrdup(dir);

	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			*err = xasprintf("mkdir(%s): %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf("mkdir(%s): %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

static void
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

struct journal *
journal_create(const char *runs_dir, const char *run_id, char **err)
{
	struct journal *j;
	char *path;
	int fd;

	if (mkdir_p(runs_dir, err) != 0)
		return NULL;
	path = xasprintf("%s/%s.journal", runs_dir, run_id);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("create(%s): %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	fsync_dir(runs_dir);
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = path;
	return j;
}

struct journal *
journal_open(const char *path, char **err)
{
	struct journal_read r;
	struct journal *j;
	int fd;

	if (journal_read(path, &r, err) != 0)
		return NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("open(%s): %s", path, strerror(errno));
		journal_read_free(&r);
		return NULL;
	}
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = xstrdup(path);
	for (size_t i = 0; i < r.n; i++) {
		json_t *s = json_object_get(r.events[i], "seq");

		if (json_is_integer(s) && json_integer_value(s) > j->seq)
			j->seq = json_integer_value(s);
	}
	journal_read_free(&r);
	return j;
}

const char *
journal_path(const struct journal *j)
{
	return j->path;
}

int
journal_append(struct journal *j, json_t *ev, char **err)
{
	char *line;
	size_t len;
	int rc = 0;

	json_object_set_new(ev, "seq", json_integer(++j->seq));
	json_object_set_new(ev, "t", json_integer(time_wall_ms()));
	line = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(ev);
	if (line == NULL) {
		*err = xasprintf("journal %s: cannot encode event", j->path);
		return -1;
	}
	len = strlen(line);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	rc = write_all_fsync(j->fd, line, len, j->path, err);
	free(line);
	return rc;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}

int
journal_read(const char *path, struct journal_read *out, char **err)
{
	size_t len, cap = 0;
	char *buf = file_read_all(path, &len), *line, *next;

	memset(out, 0, sizeof *out);
	if (buf == NULL) {
		*err = xasprintf("read(%s): %s", path, strerror(errno));
		return -1;
	}
	for (line = buf; line < buf + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		json_error_t jerr;
		json_t *ev;

		if (nl == NULL) {	/* no newline: the write never completed */
			out->torn++;
			break;
		}
		*nl = '\0';
		next = nl + 1;
		if (*line == '\0')
			continue;
		ev = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
		if (ev == NULL || !json_is_object(ev) ||
		    !json_is_string(json_object_get(ev, "event"))) {
			json_decref(ev);
			out->bad++;
			continue;
		}
		grow_array(&out->events, &cap, out->n + 1, sizeof *out->events);
		out->events[out->n++] = ev;
	}
	free(buf);
	return 0;
}

void
journal_read_free(struct journal_read *r)
{
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->events[i]);
	free(r->events);
	memset(r, 0, sizeof *r);
}
