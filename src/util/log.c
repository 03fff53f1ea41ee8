/*
 * log.c: a single log file shared by all threads. Each line is formatted
 * first and written with one fwrite under a mutex, so lines never interleave.
 */
#include "drconsole/util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/util/redact.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;
static enum log_level log_level = LOG_INFO;
static int log_stderr = 1;

int
log_open(const char *path, enum log_level level, char **error)
{
	/* never through a symlink, never wider than 0600 whatever the umask */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;
	FILE *fp;

	if (fd < 0) {
		if (error != NULL)
			*error = xasprintf("open(%s): %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (error != NULL)
			*error = xasprintf("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	fp = fdopen(fd, "a");
	if (fp == NULL) {
		if (error != NULL)
			*error = xasprintf("fdopen(%s): %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	pthread_mutex_lock(&log_lock);
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = fp;
	log_level = level;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

enum log_level
log_get_level(void)
{
	enum log_level l;

	pthread_mutex_lock(&log_lock);
	l = log_level;
	pthread_mutex_unlock(&log_lock);
	return l;
}

void
log_quiet_stderr(void)
{
	pthread_mutex_lock(&log_lock);
	log_stderr = 0;
	pthread_mutex_unlock(&log_lock);
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
	pthread_mutex_unlock(&log_lock);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "ERROR", "WARN", "INFO", "DEBUG" };
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	char *msg;

	pthread_mutex_lock(&log_lock);
	if (level > log_level || (log_fp == NULL && (!log_stderr || level > LOG_WARN))) {
		pthread_mutex_unlock(&log_lock);
		return;
	}
	pthread_mutex_unlock(&log_lock);

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (redact_needed(msg, strlen(msg))) {
		char *clean = redact(msg, strlen(msg), NULL);

		free(msg);
		msg = clean;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

	pthread_mutex_lock(&log_lock);
	if (log_fp != NULL)
		fprintf(log_fp, "%s %s %s\n", stamp, names[level], msg);
	else if (log_stderr)
		fprintf(stderr, "drconsole: %s\n", msg);
	pthread_mutex_unlock(&log_lock);
	free(msg);
}
