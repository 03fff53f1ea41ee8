/* diag.c: collected diagnostics with file:line:col positions. */
#include "drconsole/util/diag.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"

const char *
diag_severity_name(enum diag_severity sev)
{
	switch (sev) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	case DIAG_NOTE:
		return "note";
	}
	return "error";
}

void
diag_vadd(struct diag_list *dl, enum diag_severity sev, const char *file,
	  unsigned line, unsigned col, const char *fmt, va_list ap)
{
	struct diag *d;
	char *msg = xvasprintf(fmt, ap);

	/* the same finding twice (both sites on one env dir) is reported once */
	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *o = &dl->items[i];

		if (o->severity == sev && o->line == line && o->col == col &&
		    str_eq(o->file, file) && strcmp(o->message, msg) == 0) {
			free(msg);
			return;
		}
	}
	grow_array(&dl->items, &dl->cap, dl->n + 1, sizeof *dl->items);
	d = &dl->items[dl->n++];
	d->severity = sev;
	d->file = file != NULL ? xstrdup(file) : NULL;
	d->line = line;
	d->col = col;
	d->message = msg;
	if (sev == DIAG_ERROR)
		dl->errors++;
	else if (sev == DIAG_WARNING)
		dl->warnings++;
}

void
diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
	 unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(dl, sev, file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_error(struct diag_list *dl, const char *file, unsigned line, unsigned col,
	   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(dl, DIAG_ERROR, file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_warning(struct diag_list *dl, const char *file, unsigned line,
	     unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(dl, DIAG_WARNING, file, line, col, fmt, ap);
	va_end(ap);
}

char *
diag_format(const struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;

	if (d->file != NULL) {
		strbuf_puts(&sb, d->file);
		if (d->line > 0) {
			strbuf_printf(&sb, ":%u", d->line);
			if (d->col > 0)
				strbuf_printf(&sb, ":%u", d->col);
		}
		strbuf_puts(&sb, ": ");
	}
	strbuf_printf(&sb, "%s: %s", diag_severity_name(d->severity),
		      d->message);
	return strbuf_detach(&sb);
}

void
diag_print(const struct diag_list *dl, FILE *fp)
{
	for (size_t i = 0; i < dl->n; i++) {
		char *s = diag_format(&dl->items[i]);

		fprintf(fp, "%s\n", s);
		free(s);
	}
}

void
diag_list_free(struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++) {
		free(dl->items[i].file);
		free(dl->items[i].message);
	}
	free(dl->items);
	dl->items = NULL;
	dl->n = dl->cap = dl->errors = dl->warnings = 0;
}
