/*
 * log.h: the log file. Thread-safe; lines are "2026-11-24T03:12:45Z LEVEL
 * message". Nothing here writes to the terminal once the console is up: until
 * log_open is called, messages at LOG_WARN and above go to stderr, after it
 * only to the file. Library debug output (libcurl, libssh2, libpq notices)
 * is routed here at LOG_DEBUG.
 */
#ifndef DRCONSOLE_LOG_H
#define DRCONSOLE_LOG_H

#include "drconsole/util/util.h"

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Open (append) the log file; level is the most verbose level written. */
int log_open(const char *path, enum log_level level, char **error);
enum log_level log_get_level(void);
/* Stop writing to stderr even without a file (the console calls this). */
void log_quiet_stderr(void);
void log_close(void);
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif
