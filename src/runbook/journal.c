/*
 * journal.c: append-only, fsync'd JSON lines. The file is created with
 * O_EXCL and the directory fsync'd so the file itself survives a crash;
 * every append is one write() of a whole line followed by fsync(). A write
 * that fails part-way is cut back off, and a torn last line left by a crash
 * is cut off (and the cut journaled) when the journal is reopened, so the
 * next event never lands glued to a fragment. Files are opened with
 * O_NOFOLLOW: a symlink planted in the state directory is refused.
 */
#include "drconsole/runbook/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/util/redact.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

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

/* A write that failed part-way: cut our fragment off, unless someone appended after it. */
static void
cut_back(int fd, size_t written)
{
	off_t end = lseek(fd, 0, SEEK_CUR);
	struct stat st;

	if (end >= (off_t)written && fstat(fd, &st) == 0 && st.st_size == end &&
	    ftruncate(fd, end - (off_t)written) == 0)
		fsync(fd);
}

static int write_line(int fd, const char *line, size_t len, const char *what, char **err);

int
journal_write_line(int fd, const char *line, size_t len, const char *what, char **err)
{
	char *clean = NULL;
	int rc;

	/* a presigned URL's credentials never reach the journal or the audit log */
	if (redact_needed(line, len)) {
		clean = redact(line, len, &len);
		line = clean;
	}
	rc = write_line(fd, line, len, what, err);
	free(clean);
	return rc;
}

static int
write_line(int fd, const char *line, size_t len, const char *what, char **err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*err = xasprintf("write(%s): %s", what, w < 0 ? strerror(errno) : "short write");
			if (off > 0)
				cut_back(fd, off);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		*err = xasprintf("fsync(%s): %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The shared setup (state_dir.h): in a setgid state dir the team reads each
 * other's runs (drconsole watch, runs, report): runs/ becomes setgid and
 * sticky (03770: the group adds its own journals, nobody removes another's)
 * and each journal group-readable, never group-writable.
 */
static bool
shared_runs_dir(const char *runs_dir)
{
	char *parent = xstrdup(runs_dir), *slash = strrchr(parent, '/');
	struct stat ps, rs;
	bool shared;

	if (slash != NULL)
		*slash = '\0';
	shared = slash != NULL && stat(parent, &ps) == 0 && (ps.st_mode & S_ISGID);
	free(parent);
	if (shared && stat(runs_dir, &rs) == 0 && rs.st_uid == geteuid() &&
	    (rs.st_mode & 07777) != 03770)
		(void)chmod(runs_dir, 03770);
	return shared;
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
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("create(%s): %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	if (shared_runs_dir(runs_dir))
		(void)fchmod(fd, 0640);
	fsync_dir(runs_dir);
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = path;
	return j;
}

/* The whole of a regular file from fd; NULL with *err. */
static char *
read_fd_all(int fd, const char *path, size_t *len_out, char **err)
{
	struct stat st;
	size_t cap = 4096, len = 0;
	char *buf;

	if (fstat(fd, &st) != 0) {
		*err = xasprintf("fstat(%s): %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = xasprintf("open(%s): not a regular file", path);
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		r = pread(fd, buf + len, cap - len - 1, (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = xasprintf("read(%s): %s", path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*len_out = len;
	return buf;
}

/* Split buf (len bytes, modified) into events. */
static void
parse_lines(char *buf, size_t len, struct journal_read *out)
{
	size_t cap = 0;
	char *line, *next;

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
}

struct journal *
journal_open(const char *path, char **err)
{
	struct journal_read r;
	struct journal *j;
	size_t len, keep;
	char *buf;
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("open(%s): %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = read_fd_all(fd, path, &len, err)) == NULL) {
		close(fd);
		return NULL;
	}
	/* a last line without its newline: the process died inside write() */
	for (keep = len; keep > 0 && buf[keep - 1] != '\n'; keep--)
		;
	if (keep < len && (ftruncate(fd, (off_t)keep) != 0 || fsync(fd) != 0)) {
		*err = xasprintf("truncate(%s): %s", path, strerror(errno));
		free(buf);
		close(fd);
		return NULL;
	}
	memset(&r, 0, sizeof r);
	parse_lines(buf, keep, &r);
	free(buf);
	j = xcalloc(1, sizeof *j);
	j->fd = fd;
	j->path = xstrdup(path);
	for (size_t i = 0; i < r.n; i++) {
		json_t *s = json_object_get(r.events[i], "seq");

		if (json_is_integer(s) && json_integer_value(s) > j->seq)
			j->seq = json_integer_value(s);
	}
	journal_read_free(&r);
	if (keep < len &&
	    journal_append(j, json_pack("{s:s,s:I,s:I}", "event", "torn_line_removed",
					"offset", (json_int_t)keep, "bytes", (json_int_t)(len - keep)),
			   err) != 0) {
		journal_close(j);
		return NULL;
	}
	return j;
}

const char *
journal_path(const struct journal *j)
{
	return j->path;
}

int
journal_write_json(int fd, json_t *ev, size_t flags, const char *what, char **err)
{
	char *line = json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII | flags);
	size_t len;
	int rc;

	json_decref(ev);
	if (line == NULL) {
		*err = xasprintf("%s: cannot encode the record as JSON", what);
		return -1;
	}
	len = strlen(line);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	rc = journal_write_line(fd, line, len, what, err);
	free(line);
	return rc;
}

int
journal_append(struct journal *j, json_t *ev, char **err)
{
	json_object_set_new(ev, "seq", json_integer(++j->seq));
	json_object_set_new(ev, "t", json_integer(time_wall_ms()));
	return journal_write_json(j->fd, ev, JSON_SORT_KEYS, j->path, err);
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

char *
journal_commit_note_path(const char *journal_path)
{
	size_t n = strlen(journal_path);
	const char *sfx = ".journal";

	if (n > strlen(sfx) && strcmp(journal_path + n - strlen(sfx), sfx) == 0)
		n -= strlen(sfx);
	return xasprintf("%.*s.commit", (int)n, journal_path);
}

int
journal_write_commit_note(const char *journal_path, json_t *ev, char **err)
{
	char *path = journal_commit_note_path(journal_path), *dir = xstrdup(path), *slash;
	int fd, rc;

	json_object_set_new(ev, "t", json_integer(time_wall_ms()));
	json_object_del(ev, "user");	/* the file's owner says who */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("open(%s): %s", path, errno == EEXIST ?
				 "it exists: the failover is already committed" : strerror(errno));
		json_decref(ev);
		free(path);
		free(dir);
		return -1;
	}
	(void)fchmod(fd, 0640);
	rc = journal_write_json(fd, ev, JSON_SORT_KEYS, path, err);
	close(fd);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		fsync_dir(dir);
	}
	free(dir);
	free(path);
	return rc;
}

/*
 * The commit note beside a journal (a teammate's commit, journal.h), as a
 * failover_commit event whose user is the note's owner. A note that is not
 * a regular file of at most 4 KiB holding that one event is ignored.
 */
static void
merge_commit_note(const char *journal_path, struct journal_read *out)
{
	char *path = journal_commit_note_path(journal_path), *buf, *err = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	struct passwd *pw;
	json_t *ev;
	size_t len;

	if (fd < 0) {
		free(path);
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 4096 ||
	    (buf = read_fd_all(fd, path, &len, &err)) == NULL) {
		free(err);
		free(path);
		close(fd);
		return;
	}
	free(path);
	close(fd);
	ev = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	for (size_t i = 0; i < out->n; i++)	/* the journal's own commit comes first */
		if (str_eq(json_string_value(json_object_get(out->events[i], "event")), "failover_commit"))
			goto out;
	if (!json_is_object(ev) ||
	    !str_eq(json_string_value(json_object_get(ev, "event")), "failover_commit") ||
	    !json_is_integer(json_object_get(ev, "t")))
		goto out;
	pw = getpwuid(st.st_uid);
	if (pw != NULL)
		json_object_set_new(ev, "user", json_string(pw->pw_name));
	else
		json_object_set_new(ev, "user", json_sprintf("uid %ld", (long)st.st_uid));
	json_object_set_new(ev, "note", json_true());
	out->events = xrealloc(out->events, (out->n + 1) * sizeof *out->events);
	out->events[out->n++] = ev;
	return;
out:
	json_decref(ev);
}

int
journal_read(const char *path, struct journal_read *out, char **err)
{
	size_t len;
	char *buf = file_read_all(path, &len);

	memset(out, 0, sizeof *out);
	if (buf == NULL) {
		*err = xasprintf("read(%s): %s", path, strerror(errno));
		return -1;
	}
	parse_lines(buf, len, out);
	free(buf);
	merge_commit_note(path, out);
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
