/*
 * util.h: allocation wrappers that never return NULL, a fatal exit that
 * restores the terminal before it prints, and small string helpers.
 */
#ifndef DRCONSOLE_UTIL_H
#define DRCONSOLE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* realloc p to n elements of size bytes, aborting on overflow */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* A copy of an optional setting: NULL when s is NULL or "" (unset). */
char *xstrdup_opt(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Grow *items (of *cap elements of size bytes) so that it holds at least need. */
void grow_array(void *items_ptr, size_t *cap, size_t need, size_t size);

/*
 * fatal: run the registered hook (the UI registers endwin) once, print
 * "drconsole: message" to stderr and exit(1).
 */
_Noreturn void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2);
void fatal_set_hook(void (*hook)(void));

/*
 * Exit while other threads still run (a probe stuck in its timeout, a run
 * whose command did not stop): stdio is flushed, then _exit(status), so no
 * atexit handler or library destructor (libkrb5, libgssapi under libpq)
 * tears down state those threads are still using.
 */
_Noreturn void exit_leaving_threads(int status);

bool str_eq(const char *a, const char *b);           /* NULL-safe */
bool str_starts_with(const char *s, const char *prefix);
/*
 * The one reading of a boolean written as text (public.yml strings such as
 * "True", a rendered runbook variable): true, yes, on or 1, any case. NULL
 * is neither. str_falsy: false, no, off or 0.
 */
bool str_truthy(const char *s);
bool str_falsy(const char *s);
bool str_ends_with(const char *s, const char *suffix);
/* strip leading and trailing ASCII white space in place; returns s */
char *str_trim(char *s);
/* free every element of a NULL-or-n-sized array of strings, then the array */
void str_array_free(char **v, size_t n);

/* Wall-clock time (UTC epoch) and monotonic time, in milliseconds. */
long long time_wall_ms(void);
long long time_mono_ms(void);
/* The CLOCK_REALTIME instant ms from now, for pthread_cond_timedwait. */
void time_deadline_after(struct timespec *ts, long long ms);

/*
 * Read a whole file into a NUL-terminated buffer; NULL and errno on failure.
 * input_read(path, INPUT_OTHER, ...): regular files of at most 64 MiB only.
 */
char *file_read_all(const char *path, size_t *len_out);

#endif
