/*
 * lock.c: a mkdir-based lock driven by short POSIX shell snippets, so it
 * works the same over SSH on the control host and in a local shell. Every
 * value put in a snippet is shell-quoted. The heartbeat (the holder file's
 * mtime) is refreshed by a keeper thread while the lock is held; ages are
 * computed on the lock host with its own clock, so clocks of the
 * operators' machines do not matter. Whether the holder's process still
 * runs can only be known on the machine it ran on: the holder line names
 * that machine (host name and boot id) and the process (pid and start
 * time), and lock_holder_liveness checks them when they are ours.
 */
#include "drconsole/runbook/lock.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/runbook/template.h"
#include "drconsole/util/util.h"

#define LOCK_NAME_MAX	180	/* encoded names longer than this are cut and hashed */

enum beat {
	BEAT_OK,
	BEAT_LOST,			/* the holder line does not name us */
	BEAT_ERROR,			/* the lock host could not be asked */
};

/*
 * deploy_env as one path component: [A-Za-z0-9._-] kept, every other byte
 * %XX (so "a/b" and "a%2Fb" stay apart); the "drconsole-" prefix keeps it
 * from being "." or "..". A long name is cut and a hash of the whole added.
 */
char *
lock_path(const char *dir, const char *deploy_env)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t h = 14695981039346656037ULL;
	char *name, *path;

	for (const unsigned char *p = (const unsigned char *)deploy_env; *p != '\0'; p++) {
		h = (h ^ *p) * 1099511628211ULL;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '_' || *p == '-')
			strbuf_putc(&sb, (char)*p);
		else
			strbuf_printf(&sb, "%%%02X", *p);
	}
	name = strbuf_detach(&sb);
	if (strlen(name) > LOCK_NAME_MAX)
		sprintf(name + LOCK_NAME_MAX - 17, "~%016llx", (unsigned long long)h);
	path = xasprintf("%s/drconsole-%s.lock", dir, name);
	free(name);
	return path;
}

char *
lock_default_path(const char *deploy_env)
{
	return lock_path("/var/tmp", deploy_env);
}

/* Keep only printable ASCII other than space: a holder field is one word. */
static char *
one_word(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s != '\0'; s++)
		strbuf_putc(&sb, (*s > 0x20 && *s < 0x7f) ? *s : '?');
	if (sb.len == 0)
		strbuf_putc(&sb, '?');
	return strbuf_detach(&sb);
}

/* The first hex digits of this boot's id (Linux), "" when unknown. */
static void
boot_id(char *buf, size_t len)
{
	FILE *fp = fopen("/proc/sys/kernel/random/boot_id", "r");
	size_t n = 0;
	int c;

	buf[0] = '\0';
	if (fp == NULL)
		return;
	while (n + 1 < len && n < 12 && (c = fgetc(fp)) != EOF && c != '\n')
		if (c != '-')
			buf[n++] = (char)c;
	buf[n] = '\0';
	fclose(fp);
}

/* Start time of a process in clock ticks since boot (/proc/PID/stat field 22), -1 unknown. */
static long long
proc_start_ticks(long long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof path, "/proc/%lld/stat", pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the command name may hold spaces and parentheses */
	if (p == NULL)
		return -1;
	/* after ") ": state is field 3, start time field 22 */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &start) != 1)
		return -1;
	return (long long)start;
}

static void
our_host(char *buf, size_t len)
{
	if (gethostname(buf, len - 1) != 0)
		snprintf(buf, len, "?");
	buf[len - 1] = '\0';
}

char *
lock_holder_line(const char *user)
{
	char host[256], boot[16], since[32];
	char *u, *hs, *line;
	long long pstart = proc_start_ticks((long long)getpid());
	time_t now = time(NULL);
	struct tm tm;

	our_host(host, sizeof host);
	boot_id(boot, sizeof boot);
	gmtime_r(&now, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	u = one_word(user != NULL ? user : "?");
	hs = one_word(host);
	line = xasprintf("user=%s host=%s boot=%s pid=%lld pstart=%lld since=%s", u, hs,
			 boot[0] != '\0' ? boot : "?", (long long)getpid(), pstart, since);
	free(u);
	free(hs);
	return line;
}

/* The value of key=VALUE in a holder line (space-separated words), NULL when absent. */
static char *
holder_field(const char *holder, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = holder; p != NULL && *p != '\0'; ) {
		const char *end = strchr(p, ' ');
		size_t wl = end != NULL ? (size_t)(end - p) : strlen(p);

		if (wl > kl && strncmp(p, key, kl) == 0 && p[kl] == '=')
			return xasprintf("%.*s", (int)(wl - kl - 1), p + kl + 1);
		p = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

char *
lock_holder_run(const char *holder)
{
	return holder != NULL ? holder_field(holder, "run") : NULL;
}

static long long
number_or(const char *s, long long dflt)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' ? v : dflt;
}

enum lock_liveness
lock_holder_liveness(const char *holder)
{
	char host[256], boot[16], *hs, *h = NULL, *b = NULL, *p = NULL, *ps = NULL;
	enum lock_liveness v = LOCK_HOLDER_ELSEWHERE;
	long long pid, pstart, now_start;

	if (holder == NULL)
		return v;
	our_host(host, sizeof host);
	boot_id(boot, sizeof boot);
	hs = one_word(host);
	h = holder_field(holder, "host");
	b = holder_field(holder, "boot");
	p = holder_field(holder, "pid");
	ps = holder_field(holder, "pstart");
	pid = number_or(p, -1);
	/* the same machine, the same boot: only then does its pid mean something here */
	if (h == NULL || b == NULL || boot[0] == '\0' || !str_eq(h, hs) || !str_eq(b, boot) || pid <= 0)
		goto out;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
		v = LOCK_HOLDER_GONE;
		goto out;
	}
	pstart = number_or(ps, -1);
	now_start = pstart >= 0 ? proc_start_ticks(pid) : -1;
	/* the pid was reused by another process */
	v = now_start >= 0 && now_start != pstart ? LOCK_HOLDER_GONE : LOCK_HOLDER_ALIVE;
out:
	free(hs);
	free(h);
	free(b);
	free(p);
	free(ps);
	return v;
}

enum lock_verdict
lock_judge(const struct lock_info *info, long long stale_s)
{
	if (lock_holder_liveness(info->holder) == LOCK_HOLDER_ALIVE)
		return LOCK_IN_USE;
	if (info->age_s < 0 || info->age_s < stale_s)
		return LOCK_FRESH;
	return LOCK_STALE;
}

void
lock_init(struct run_lock *l, struct executor *ex,
	  const struct exec_request *where, const char *path, const char *run_id)
{
	pthread_condattr_t attr;

	memset(l, 0, sizeof *l);
	l->ex = ex;
	l->where = *where;
	l->where.command = NULL;
	l->where.stdin_data = NULL;
	if (l->where.timeout_ms <= 0)
		l->where.timeout_ms = 30000;
	l->path = xstrdup(path);
	l->run_id = xstrdup(run_id);
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &attr);
	pthread_condattr_destroy(&attr);
}

static void
keeper_stop(struct run_lock *l)
{
	bool join;

	pthread_mutex_lock(&l->mu);
	join = l->keeping;
	l->stop = true;
	__atomic_store_n(&l->cancel, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (join)
		pthread_join(l->thread, NULL);
	pthread_mutex_lock(&l->mu);
	l->keeping = false;
	__atomic_store_n(&l->cancel, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->mu);
}

void
lock_fini(struct run_lock *l)
{
	if (l->path == NULL)
		return;		/* never initialised, or already finished */
	keeper_stop(l);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l->path);
	free(l->run_id);
	memset(l, 0, sizeof *l);
}

void
lock_info_clear(struct lock_info *i)
{
	free(i->holder);
	free(i->error);
	memset(i, 0, sizeof *i);
}

/* Run a snippet; its stdout in *out. 0 when it ran and exited 0. */
static int
run_snippet(struct run_lock *l, const char *cmd, const int *cancel, char **out, char **err)
{
	struct exec_request req = l->where;
	struct exec_result res;
	int rc;

	req.command = cmd;
	if (cancel != NULL)
		req.cancel = cancel;
	memset(&res, 0, sizeof res);
	rc = executor_capture(l->ex, &req, 8192, out, &res);
	if (rc != 0) {
		*err = xasprintf("lock on %s: %s", l->where.host ? l->where.host : "?",
				 res.error ? res.error : "cannot run");
	} else if (res.timed_out) {
		*err = xasprintf("lock on %s: timed out", l->where.host ? l->where.host : "?");
		rc = -1;
	} else if (res.exit_status != 0) {
		*err = xasprintf("lock on %s: exit status %d", l->where.host ? l->where.host : "?",
				 res.exit_status);
		rc = -1;
	}
	exec_result_clear(&res);
	return rc;
}

/* Keep only printable ASCII of the holder line: it came from another machine. */
static char *
clean_line(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s != '\0' && *s != '\n'; s++)
		strbuf_putc(&sb, (*s >= 0x20 && *s < 0x7f) ? *s : '?');
	return strbuf_detach(&sb);
}

static void
parse_state(const char *out, struct lock_info *info)
{
	const char *nl;

	if (str_starts_with(out, "ACQUIRED")) {
		info->state = LOCK_ACQUIRED;
		return;
	}
	if (!str_starts_with(out, "HELD ")) {
		info->state = LOCK_ERROR;
		info->error = xasprintf("unexpected answer from the lock snippet: %.60s", out);
		return;
	}
	info->state = LOCK_HELD;
	info->age_s = strtoll(out + 5, NULL, 10);
	nl = strchr(out, '\n');
	info->holder = clean_line(nl != NULL ? nl + 1 : "");
	if (*info->holder == '\0') {
		free(info->holder);
		info->holder = xstrdup("(unknown holder: being created or damaged)");
	}
}

/* Sets $a to the heartbeat's age in seconds (the directory's while it has no holder file), -1 unknown. */
#define AGE_SNIPPET \
	"f=\"$L/holder\"; [ -f \"$f\" ] || f=\"$L\"; " \
	"if t=$(stat -c %%Y \"$f\" 2>/dev/null); then a=$(( $(date +%%s) - t )); else a=-1; fi; "

/* The acquire snippet's body, $L set: prints ACQUIRED, or HELD AGE and the holder line. */
static char *
acquire_body(const char *quoted_line)
{
	return xasprintf("mkdir -p \"$(dirname \"$L\")\" 2>/dev/null; "
			 "if mkdir \"$L\" 2>/dev/null; then printf '%%s\\n' %s >\"$L/holder\" && echo ACQUIRED; "
			 "else " AGE_SNIPPET "echo \"HELD $a\"; head -n 1 \"$L/holder\" 2>/dev/null; fi",
			 quoted_line);
}

/* Run "umask 077; L=PATH; <pre><acquire body>" and parse the answer into out. */
static void
acquire_with(struct run_lock *l, const char *pre, const char *holder_line, struct lock_info *out)
{
	char *q = shell_quote(l->path), *line, *h, *body, *cmd, *res = NULL, *err = NULL;

	memset(out, 0, sizeof *out);
	line = xasprintf("%s run=%s", holder_line, l->run_id);
	h = shell_quote(line);
	body = acquire_body(h);
	/* pre may refer to NEWLINE: the quoted holder line */
	cmd = xasprintf("umask 077; L=%s; NEWLINE=%s; %s%s", q, h, pre != NULL ? pre : "", body);
	if (run_snippet(l, cmd, NULL, &res, &err) != 0) {
		out->state = LOCK_ERROR;
		out->error = err;
	} else {
		parse_state(res, out);
	}
	free(res);
	free(cmd);
	free(body);
	free(h);
	free(line);
	free(q);
}

void
lock_acquire(struct run_lock *l, const char *holder_line, struct lock_info *out)
{
	acquire_with(l, NULL, holder_line, out);
}

/* A case pattern matching a holder line that ends in " run=RUN_ID". Caller frees. */
static char *
run_pattern(const char *run_id)
{
	char *suffix = xasprintf(" run=%s", run_id), *q = shell_quote(suffix);
	char *pat = xasprintf("*%s", q);

	free(q);
	free(suffix);
	return pat;
}

/* Run action only when the holder line names run_id; it must print OURS. */
static enum beat
run_if_holder(struct run_lock *l, const char *run_id, const char *action, const int *cancel)
{
	char *q = shell_quote(l->path), *pat = run_pattern(run_id), *cmd, *res = NULL, *err = NULL;
	enum beat b;

	cmd = xasprintf("L=%s; h=$(head -n 1 \"$L/holder\" 2>/dev/null); "
			"case \"$h\" in %s) %s;; *) echo LOST;; esac", q, pat, action);
	if (run_snippet(l, cmd, cancel, &res, &err) != 0)
		b = BEAT_ERROR;
	else
		b = str_starts_with(res, "OURS") ? BEAT_OK : str_starts_with(res, "LOST") ? BEAT_LOST
			: BEAT_ERROR;
	free(res);
	free(err);
	free(cmd);
	free(pat);
	free(q);
	return b;
}

static enum beat
beat(struct run_lock *l, const int *cancel)
{
	enum beat b = run_if_holder(l, l->run_id, "touch \"$L/holder\" && echo OURS", cancel);

	if (b == BEAT_OK) {
		pthread_mutex_lock(&l->mu);
		l->last_beat_ms = time_mono_ms();
		pthread_mutex_unlock(&l->mu);
	}
	return b;
}

bool
lock_heartbeat(struct run_lock *l)
{
	return beat(l, NULL) == BEAT_OK;
}

static void
wait_until(struct run_lock *l, long long until_ms)
{
	struct timespec ts;
	long long left = until_ms - time_mono_ms();

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&l->cv, &l->mu, &ts);
}

/* The keeper: a heartbeat every interval, until stopped or the lock is lost. */
static void *
keeper(void *arg)
{
	struct run_lock *l = arg;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		long long until = time_mono_ms() + l->interval_ms;
		enum beat b;

		while (!l->stop && time_mono_ms() < until)
			wait_until(l, until);
		if (l->stop)
			break;
		pthread_mutex_unlock(&l->mu);
		b = beat(l, &l->cancel);
		pthread_mutex_lock(&l->mu);
		if (b == BEAT_LOST && !l->stop) {
			l->lost = true;
			break;
		}
		/* BEAT_ERROR: the lock host did not answer; try again next time */
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

void
lock_keep_alive(struct run_lock *l, long long interval_ms)
{
	pthread_mutex_lock(&l->mu);
	if (l->keeping) {
		pthread_mutex_unlock(&l->mu);
		return;
	}
	l->interval_ms = interval_ms > 0 ? interval_ms : 1000;
	l->stop = false;
	l->lost = false;
	l->last_beat_ms = time_mono_ms();
	l->keeping = pthread_create(&l->thread, NULL, keeper, l) == 0;
	pthread_mutex_unlock(&l->mu);
}

bool
lock_kept(struct run_lock *l, long long *last_beat_ms)
{
	bool ok;

	pthread_mutex_lock(&l->mu);
	ok = !l->lost;
	if (last_beat_ms != NULL)
		*last_beat_ms = l->last_beat_ms;
	pthread_mutex_unlock(&l->mu);
	return ok;
}

bool
lock_release(struct run_lock *l)
{
	keeper_stop(l);
	return run_if_holder(l, l->run_id, "rm -rf \"$L\" && echo OURS", NULL) == BEAT_OK;
}

void
lock_break_and_acquire(struct run_lock *l, const char *holder_line,
		       struct lock_info *out)
{
	char *q = shell_quote(l->path), *cmd = xasprintf("rm -rf %s", q);
	char *res = NULL, *err = NULL;

	if (run_snippet(l, cmd, NULL, &res, &err) != 0) {
		memset(out, 0, sizeof *out);
		out->state = LOCK_ERROR;
		out->error = err;
	} else {
		lock_acquire(l, holder_line, out);
	}
	free(res);
	free(cmd);
	free(q);
}

void
lock_break_stale(struct run_lock *l, const char *holder_line, long long stale_s,
		 struct lock_info *out)
{
	char *pre = xasprintf("if [ -d \"$L\" ]; then " AGE_SNIPPET
			      "if [ \"$a\" -lt %lld ]; then echo \"HELD $a\"; head -n 1 \"$L/holder\" 2>/dev/null; exit 0; fi; "
			      "rm -rf \"$L\"; fi; ", stale_s);

	acquire_with(l, pre, holder_line, out);
	free(pre);
}

void
lock_take_over(struct run_lock *l, const char *old_run_id, const char *holder_line,
	       struct lock_info *out)
{
	char *pat = run_pattern(old_run_id);
	char *pre = xasprintf("h=$(head -n 1 \"$L/holder\" 2>/dev/null); case \"$h\" in %s) "
			      "printf '%%s\\n' \"$NEWLINE\" >\"$L/holder.new\" && mv -f \"$L/holder.new\" \"$L/holder\" "
			      "&& echo ACQUIRED; exit 0;; esac; ", pat);

	acquire_with(l, pre, holder_line, out);
	free(pre);
	free(pat);
}
