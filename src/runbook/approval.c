/*
 * approval.c: the files of four eyes (approval.h). The request is the
 * run's own file; an approval is the approver's. What the run believes
 * about an approval comes from the kernel (the file's owner uid, its type,
 * its link count and mode through fstat of a descriptor opened with
 * O_NOFOLLOW), and what it approves from the content checked against the
 * run's own request (run, step, nonce, command hash). Nothing here waits:
 * the run's gate (approval_gate.c) polls.
 */
#include "drconsole/runbook/approval.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "drconsole/util/util.h"

#define APPROVAL_MAX_BYTES 65536

char *
approval_dir(const char *state_dir)
{
	return xasprintf("%s/approvals", state_dir);
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

void
approval_request_init(struct approval_request *rq, long long now_ms, long long timeout_ms)
{
	unsigned char rnd[16];
	size_t got = 0;

	while (got < sizeof rnd) {
		ssize_t r = getrandom(rnd + got, sizeof rnd - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fatal("getrandom: %s", strerror(errno));
		got += (size_t)r;
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(rq->nonce + 2 * i, 3, "%02x", rnd[i]);
	digest_sha256_hex(rq->command != NULL ? rq->command : "",
			  rq->command != NULL ? strlen(rq->command) : 0, rq->cmd_sha256);
	rq->requested_ms = now_ms;
	rq->expires_ms = now_ms + timeout_ms;
	rq->consumed = false;
}

void
approval_request_clear(struct approval_request *rq)
{
	free(rq->run_id);
	free(rq->step_id);
	free(rq->title);
	free(rq->command);
	free(rq->hosts);
	free(rq->estimate);
	free(rq->mode);
	free(rq->operator_user);
	str_array_free(rq->seen, rq->n_seen);
	memset(rq, 0, sizeof *rq);
}

void
approval_grant_clear(struct approval_grant *g)
{
	free(g->user);
	free(g->path);
	memset(g, 0, sizeof *g);
}

/* Is the state dir the shared (setgid) setup? Then approvals/ is 03770. */
static int
ensure_dir(const char *state_dir, char **dir_out, bool *shared, char **err)
{
	struct stat ps, ds;
	char *dir = approval_dir(state_dir);

	*shared = stat(state_dir, &ps) == 0 && (ps.st_mode & S_ISGID);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf("mkdir(%s): %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	if (lstat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode)) {
		*err = xasprintf("%s: not a directory", dir);
		free(dir);
		return -1;
	}
	if (ds.st_uid == geteuid()) {
		mode_t want = *shared ? 03770 : 0700;

		if ((ds.st_mode & 07777) != want)
			(void)chmod(dir, want);
	} else if (ds.st_mode & S_IWOTH) {
		*err = xasprintf("%s is writable by others (mode %04o)", dir, (unsigned)(ds.st_mode & 07777));
		free(dir);
		return -1;
	}
	*dir_out = dir;
	return 0;
}

/* Write text to a new file at path (O_EXCL, never through a symlink), mode, fsync. */
static int
write_new_file(const char *path, const char *text, mode_t mode, char **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		*err = xasprintf("create(%s): %s", path, strerror(errno));
		return -1;
	}
	(void)fchmod(fd, mode);
	if (journal_write_line(fd, text, strlen(text), path, err) != 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int
approval_request_publish(const char *state_dir, const struct approval_request *rq, char **err)
{
	char *dir, *path, *tmp, *text;
	bool shared;
	json_t *o;
	int rc = 0;

	if (ensure_dir(state_dir, &dir, &shared, err) != 0)
		return -1;
	o = json_pack("{s:s,s:s,s:s?,s:s,s:s,s:s?,s:s?,s:s?,s:s,s:I,s:s,s:I,s:I}",
		      "run", rq->run_id, "step", rq->step_id, "title", rq->title,
		      "command", rq->command != NULL ? rq->command : "", "command_sha256", rq->cmd_sha256,
		      "hosts", rq->hosts, "estimate", rq->estimate, "mode", rq->mode,
		      "operator", rq->operator_user != NULL ? rq->operator_user : "?",
		      "operator_uid", (json_int_t)rq->operator_uid, "nonce", rq->nonce,
		      "requested", (json_int_t)rq->requested_ms, "expires", (json_int_t)rq->expires_ms);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	path = xasprintf("%s/%s.request", dir, rq->run_id);
	tmp = xasprintf("%s/.%s.request.%ld", dir, rq->run_id, (long)getpid());
	(void)unlink(tmp);
	if (write_new_file(tmp, text, shared ? 0640 : 0600, err) != 0) {
		rc = -1;
	} else if (rename(tmp, path) != 0) {
		*err = xasprintf("rename(%s): %s", path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(text);
	free(tmp);
	free(path);
	free(dir);
	return rc;
}

void
approval_request_withdraw(const char *state_dir, const char *run_id)
{
	char *path = xasprintf("%s/approvals/%s.request", state_dir, run_id);

	(void)unlink(path);
	free(path);
}

/* Read a small regular file through fd checks; NULL with *err. st_out: its fstat. */
static char *
read_checked(const char *path, struct stat *st_out, char **err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char *buf;
	size_t len = 0;

	if (fd < 0) {
		*err = xasprintf("open(%s): %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, st_out) != 0) {
		*err = xasprintf("fstat(%s): %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st_out->st_mode) || st_out->st_size > APPROVAL_MAX_BYTES) {
		*err = xasprintf("%s: not a regular file of at most %d bytes", path, APPROVAL_MAX_BYTES);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st_out->st_size + 1);
	while (len < (size_t)st_out->st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st_out->st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

static char *
user_of(long uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL)
		return xstrdup(res->pw_name);
	return xasprintf("uid %ld", uid);
}

int
approval_request_load(const char *state_dir, const char *run_id, struct approval_request *rq,
		      char **err)
{
	char *path = xasprintf("%s/approvals/%s.request", state_dir, run_id), *text;
	struct stat st;
	json_t *o;

	memset(rq, 0, sizeof *rq);
	text = read_checked(path, &st, err);
	if (text == NULL) {
		if (errno == ENOENT || strstr(*err, "No such file") != NULL) {
			free(*err);
			*err = xasprintf("run %s has no step waiting for approval (%s does not exist)",
					 run_id, path);
		}
		free(path);
		return -1;
	}
	o = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_object(o) || strcmp(jstr(o, "run"), run_id) != 0 ||
	    strlen(jstr(o, "nonce")) != sizeof rq->nonce - 1 ||
	    strlen(jstr(o, "command_sha256")) != DIGEST_SHA256_HEX_LEN) {
		*err = xasprintf("%s: not an approval request of run %s", path, run_id);
		json_decref(o);
		free(path);
		return -1;
	}
	rq->operator_uid = (long)json_integer_value(json_object_get(o, "operator_uid"));
	if ((long)st.st_uid != rq->operator_uid) {
		*err = xasprintf("%s: written by uid %ld, not by the run's operator (uid %ld): ignored",
				 path, (long)st.st_uid, rq->operator_uid);
		json_decref(o);
		free(path);
		return -1;
	}
	rq->run_id = xstrdup(jstr(o, "run"));
	rq->step_id = xstrdup(jstr(o, "step"));
	rq->title = xstrdup(jstr(o, "title"));
	rq->command = xstrdup(jstr(o, "command"));
	snprintf(rq->cmd_sha256, sizeof rq->cmd_sha256, "%s", jstr(o, "command_sha256"));
	rq->hosts = xstrdup(jstr(o, "hosts"));
	rq->estimate = xstrdup(jstr(o, "estimate"));
	rq->mode = xstrdup(jstr(o, "mode"));
	rq->operator_user = xstrdup(jstr(o, "operator"));
	snprintf(rq->nonce, sizeof rq->nonce, "%s", jstr(o, "nonce"));
	rq->requested_ms = (long long)json_integer_value(json_object_get(o, "requested"));
	rq->expires_ms = (long long)json_integer_value(json_object_get(o, "expires"));
	json_decref(o);
	free(path);
	return 0;
}

char **
approval_pending(const char *state_dir, size_t *n)
{
	char *dir = approval_dir(state_dir);
	DIR *d = opendir(dir);
	struct dirent *de;
	char **ids = NULL;
	size_t cap = 0;

	*n = 0;
	free(dir);
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !str_ends_with(de->d_name, ".request"))
			continue;
		grow_array(&ids, &cap, *n + 1, sizeof *ids);
		ids[(*n)++] = xstrndup(de->d_name, strlen(de->d_name) - strlen(".request"));
	}
	closedir(d);
	/* run ids start with their UTC start time: newest first is the reverse order */
	for (size_t i = 1; i < *n; i++)
		for (size_t k = i; k > 0 && strcmp(ids[k - 1], ids[k]) < 0; k--) {
			char *t = ids[k];

			ids[k] = ids[k - 1];
			ids[k - 1] = t;
		}
	return ids;
}

int
approval_grant_write(const char *state_dir, const struct approval_request *rq, bool read_only,
		     long long now_ms, char **path_out, char **err)
{
	uid_t me = geteuid();
	char *dir, *path, *tmp, *text, *user;
	bool shared;
	json_t *o;

	*path_out = NULL;
	if (read_only) {
		*err = xstrdup("read-only mode can never approve a step");
		return -1;
	}
	if ((long)me == rq->operator_uid) {
		*err = xasprintf("you (uid %ld) are the operator of run %s: the approval must come from a "
				 "second operator", (long)me, rq->run_id);
		return -1;
	}
	if (me == 0) {
		*err = xstrdup("root cannot approve: root can act as any user, so its approval proves no "
			       "second person; approve as your own user");
		return -1;
	}
	if (rq->consumed) {
		*err = xasprintf("the request for step %s of run %s was already approved", rq->step_id,
				 rq->run_id);
		return -1;
	}
	if (now_ms > rq->expires_ms) {
		*err = xasprintf("the request for step %s of run %s expired; the run decides whether to "
				 "ask again", rq->step_id, rq->run_id);
		return -1;
	}
	if (ensure_dir(state_dir, &dir, &shared, err) != 0)
		return -1;
	user = user_of((long)me);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "run", rq->run_id, "step", rq->step_id,
		      "nonce", rq->nonce, "command_sha256", rq->cmd_sha256, "user", user,
		      "uid", (json_int_t)me, "approved", (json_int_t)now_ms);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	path = xasprintf("%s/%s.%s.%ld.approval", dir, rq->run_id, rq->nonce, (long)me);
	/*
	 * Whole or not at all: the run polls the directory, and a file it finds
	 * empty or half written it refuses for good. Written under a name it
	 * does not look at, then linked into place (once: link fails if the
	 * approval exists, as O_EXCL would).
	 */
	tmp = xasprintf("%s/.%s.%s.%ld.approval.%ld", dir, rq->run_id, rq->nonce, (long)me, (long)getpid());
	(void)unlink(tmp);
	if (write_new_file(tmp, text, 0640, err) != 0) {
		free(path);
		path = NULL;
	} else if (link(tmp, path) != 0) {
		*err = xasprintf("create(%s): %s", path, strerror(errno));
		free(path);
		path = NULL;
	}
	(void)unlink(tmp);
	free(tmp);
	free(text);
	free(user);
	free(dir);
	*path_out = path;
	return path != NULL ? 0 : -1;
}

int
approval_check_file(const char *path, const struct approval_request *rq, uid_t operator_uid,
		    long long now_ms, struct approval_grant *g, char **why)
{
	struct stat st;
	char *text = read_checked(path, &st, why);
	json_t *o;
	long long approved;

	memset(g, 0, sizeof *g);
	if (text == NULL)
		return -1;
	o = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_object(o)) {
		*why = xasprintf("%s: not an approval", path);
		goto refuse;
	}
	if (st.st_nlink != 1) {
		*why = xasprintf("%s has %ld links: an approval is a file its approver created",
				 path, (long)st.st_nlink);
		goto refuse;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		*why = xasprintf("%s is writable by others than its owner (mode %04o)", path,
				 (unsigned)(st.st_mode & 07777));
		goto refuse;
	}
	if (st.st_uid == operator_uid) {
		*why = xasprintf("approval by the operator's own user (uid %ld): a second operator must "
				 "approve", (long)st.st_uid);
		goto refuse;
	}
	if (st.st_uid == 0) {
		*why = xstrdup("approval by root: root can act as any user, so it proves no second person");
		goto refuse;
	}
	if (strcmp(jstr(o, "run"), rq->run_id) != 0 || strcmp(jstr(o, "step"), rq->step_id) != 0) {
		*why = xasprintf("approval for run %s step %s, not for step %s of run %s", jstr(o, "run"),
				 jstr(o, "step"), rq->step_id, rq->run_id);
		goto refuse;
	}
	if (strcmp(jstr(o, "nonce"), rq->nonce) != 0) {
		*why = xasprintf("approval of an earlier request for step %s", rq->step_id);
		goto refuse;
	}
	if (strcmp(jstr(o, "command_sha256"), rq->cmd_sha256) != 0) {
		*why = xasprintf("approval of another command (sha256 %.12s, this one %.12s)",
				 jstr(o, "command_sha256"), rq->cmd_sha256);
		goto refuse;
	}
	if (rq->consumed) {
		*why = xasprintf("the request for step %s was already approved once", rq->step_id);
		goto refuse;
	}
	approved = (long long)json_integer_value(json_object_get(o, "approved"));
	if (now_ms > rq->expires_ms || approved > rq->expires_ms) {
		*why = xasprintf("approval after the request for step %s expired", rq->step_id);
		goto refuse;
	}
	g->uid = (long)st.st_uid;
	g->user = user_of(g->uid);
	g->approved_ms = approved > 0 ? approved : now_ms;
	g->path = xstrdup(path);
	json_decref(o);
	return 0;
refuse:
	json_decref(o);
	return -1;
}

static bool
seen(const struct approval_request *rq, const char *path)
{
	for (size_t i = 0; i < rq->n_seen; i++)
		if (strcmp(rq->seen[i], path) == 0)
			return true;
	return false;
}

int
approval_poll(const char *state_dir, struct approval_request *rq, uid_t operator_uid,
	      long long now_ms, struct approval_grant *g,
	      void (*refused)(void *ud, const char *path, const char *why), void *ud)
{
	char *dir = approval_dir(state_dir), *prefix = xasprintf("%s.", rq->run_id);
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	memset(g, 0, sizeof *g);
	while (d != NULL && !found && (de = readdir(d)) != NULL) {
		char *path, *why = NULL;

		if (!str_starts_with(de->d_name, prefix) || !str_ends_with(de->d_name, ".approval"))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (seen(rq, path)) {
			free(path);
			continue;
		}
		if (approval_check_file(path, rq, operator_uid, now_ms, g, &why) == 0) {
			rq->consumed = true;
			found = 1;
		} else {
			/* an earlier request's approval is history, not news */
			if (refused != NULL && strstr(de->d_name, rq->nonce) != NULL)
				refused(ud, path, why);
			rq->seen = xreallocarray(rq->seen, rq->n_seen + 1, sizeof *rq->seen);
			rq->seen[rq->n_seen++] = xstrdup(path);
		}
		free(why);
		free(path);
	}
	if (d != NULL)
		closedir(d);
	free(prefix);
	free(dir);
	return found;
}

static void
fmt_ms(char *buf, size_t n, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, n, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm);
}

void
approval_report_write(FILE *fp, const struct journal_read *jr)
{
	bool any = false;

	for (size_t i = 0; i < jr->n; i++) {
		const json_t *ev = jr->events[i];
		const char *what = jstr(ev, "event");
		char t1[32], t2[32];

		if (strncmp(what, "approval", 8) != 0 || strcmp(what, "approval_request") == 0)
			continue;
		if (!any)
			fprintf(fp, "\n## Approvals (four eyes)\n\n");
		any = true;
		if (strcmp(what, "approval") == 0) {
			fmt_ms(t1, sizeof t1, json_integer_value(json_object_get(ev, "requested")));
			fmt_ms(t2, sizeof t2, json_integer_value(json_object_get(ev, "approved")));
			fprintf(fp, "- step %s: requested by %s (uid %lld) at %s, approved by %s (uid %lld) "
				"at %s; command approved: `%s`\n", jstr(ev, "step"), jstr(ev, "operator"),
				(long long)json_integer_value(json_object_get(ev, "operator_uid")), t1,
				jstr(ev, "approver"),
				(long long)json_integer_value(json_object_get(ev, "approver_uid")), t2,
				jstr(ev, "command"));
		} else {
			fmt_ms(t1, sizeof t1, json_integer_value(json_object_get(ev, "t")));
			fprintf(fp, "- step %s: %s at %s%s%s\n", jstr(ev, "step"),
				strcmp(what, "approval_expired") == 0 ? "approval expired (not run)" :
				strcmp(what, "approval_refused") == 0 ? "approval refused" : what, t1,
				*jstr(ev, "reason") ? ": " : "", jstr(ev, "reason"));
		}
	}
}
