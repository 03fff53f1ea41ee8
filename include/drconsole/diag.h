/*
 * diag.h: diagnostics collected while loading files ("file:line:col: error:
 * message"). Loaders add to a list instead of printing, so `lint` can show
 * every problem at once and the console can show them after it starts.
 * Line and column are 1-based; 0 means "no position".
 */
#ifndef DRCONSOLE_DIAG_H
#define DRCONSOLE_DIAG_H

#include <stdio.h>
#include <stddef.h>
#include "drconsole/util.h"

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

struct diag {
	enum diag_severity severity;
	char *file;		/* may be NULL */
	unsigned line;
	unsigned col;
	char *message;
};

struct diag_list {
	struct diag *items;
	size_t n;
	size_t cap;
	size_t errors;
	size_t warnings;
};

#define DIAG_LIST_INIT { NULL, 0, 0, 0, 0 }

void diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
	      unsigned line, unsigned col, const char *fmt, ...) PRINTF_LIKE(6, 7);
void diag_vadd(struct diag_list *dl, enum diag_severity sev, const char *file,
	       unsigned line, unsigned col, const char *fmt, va_list ap) PRINTF_LIKE(6, 0);
/* shorthands for the common case */
void diag_error(struct diag_list *dl, const char *file, unsigned line,
		unsigned col, const char *fmt, ...) PRINTF_LIKE(5, 6);
void diag_warning(struct diag_list *dl, const char *file, unsigned line,
		  unsigned col, const char *fmt, ...) PRINTF_LIKE(5, 6);
/* Append every item of src to dst. */
void diag_merge(struct diag_list *dst, const struct diag_list *src);
/* Format one item as "file:line:col: error: message" (caller frees). */
char *diag_format(const struct diag *d);
void diag_print(const struct diag_list *dl, FILE *fp);
const char *diag_severity_name(enum diag_severity sev);
void diag_list_free(struct diag_list *dl);

#endif
