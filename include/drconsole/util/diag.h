/*
 * diag.h: diagnostics collected while loading files ("file:line:col: error:
 * message"). Loaders add to a list instead of printing, so `lint` can show
 * every problem at once and the console can show them after it starts.
 * Line and column are 1-based; 0 means "no position".
 *
 * drconsole reports errors in two ways, and only two:
 *  - input a person wrote (drconsole.yml, env dirs, runbooks, themes): a
 *    struct diag_list, every problem with its position, so one `lint`
 *    shows them all;
 *  - runtime failures (a host, a file, a server): the function returns -1
 *    (or NULL, or false) and sets `char **err` to one allocated sentence
 *    the caller frees, naming what failed ("connect(db1:5432): timed out").
 *    Where the reason is always a constant, `const char **why` points at
 *    it and nothing is freed.
 * One narrow exception, kept on purpose: the pure parsers of a server's
 * response body (couch_db_info_parse, couch_replication_find,
 * es_snapshots_parse, rds_page_parse, vault_page_parse, aws_sts_parse,
 * aws_sso_portal_parse) write their reason into the caller's fixed buffer
 * (`char *err, size_t errlen`). That reason is never a message of its own:
 * the probe always wraps it in the sentence that names the call and the
 * object ("GET URL: HTTP 502, not JSON (...)") and drops it, and the
 * parsers are fuzzed over untrusted input, where a caller-owned bounded
 * buffer means no path can leak or double-free a reason. A new parser of a
 * response body may do the same; anything else uses the two styles above.
 * Nothing below the UI prints: the caller decides where a message goes.
 */
#ifndef DRCONSOLE_DIAG_H
#define DRCONSOLE_DIAG_H

#include <stdio.h>
#include <stddef.h>
#include "drconsole/util/util.h"

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
/* Format one item as "file:line:col: error: message" (caller frees). */
char *diag_format(const struct diag *d);
void diag_print(const struct diag_list *dl, FILE *fp);
const char *diag_severity_name(enum diag_severity sev);
void diag_list_free(struct diag_list *dl);

#endif
