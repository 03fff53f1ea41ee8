/*
 * strbuf.h: a growable NUL-terminated string. The buffer is owned by the
 * strbuf until strbuf_detach hands it to the caller.
 */
#ifndef DRCONSOLE_STRBUF_H
#define DRCONSOLE_STRBUF_H

#include <stddef.h>
#include <stdarg.h>
#include "drconsole/util/util.h"

struct strbuf {
	char *buf;	/* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void strbuf_reset(struct strbuf *sb);
/* The contents ("" when empty); the strbuf keeps ownership. */
const char *strbuf_str(const struct strbuf *sb);
/* The contents as a malloc'd string the caller frees; the strbuf is reset. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

#endif
