/*
 * template.c: "{{ name }}" substitution with shell quoting. The syntax is
 * deliberately tiny: one dotted name and an optional "| raw" filter. A value
 * is quoted unless it consists only of characters no shell treats specially.
 */
#include "drconsole/runbook/template.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

char *
shell_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	bool plain = *s != '\0';

	for (const char *p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_./:@%+,-", *p) == NULL)
			plain = false;
	if (plain)
		return xstrdup(s);
	strbuf_putc(&sb, '\'');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'')
			strbuf_puts(&sb, "'\\''");
		else
			strbuf_putc(&sb, *p);
	}
	strbuf_putc(&sb, '\'');
	return strbuf_detach(&sb);
}

static void set_error(struct template_error *err, size_t offset,
		      const char *fmt, ...) PRINTF_LIKE(3, 4);

static void
set_error(struct template_error *err, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

/*
 * Parse the expression starting at tmpl[at] ("{{"). On success *name and
 * *raw describe it and *end is the offset just past "}}".
 */
static bool
parse_expr(const char *tmpl, size_t at, char **name, bool *raw, size_t *end,
	   struct template_error *err)
{
	const char *p = tmpl + at + 2, *close = strstr(p, "}}");
	const char *b, *e, *bar;
	char *inner;

	*raw = false;
	if (close == NULL) {
		set_error(err, at, "%s", "unclosed \"{{\"");
		return false;
	}
	inner = xstrndup(p, (size_t)(close - p));
	bar = strchr(inner, '|');
	if (bar != NULL) {
		char *filter = xstrdup(bar + 1);

		str_trim(filter);
		if (strcmp(filter, "raw") != 0) {
			set_error(err, at, "unknown filter \"%s\" (only \"raw\" exists)", filter);
			free(filter);
			free(inner);
			return false;
		}
		free(filter);
		*raw = true;
		inner[bar - inner] = '\0';
	}
	str_trim(inner);
	b = inner;
	e = inner + strlen(inner);
	if (b == e) {
		set_error(err, at, "%s", "empty \"{{ }}\"");
		free(inner);
		return false;
	}
	for (const char *q = b; q < e; q++) {
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '.' && *q != '-') {
			set_error(err, at, "\"%s\" is not a variable name (letters, digits, _ . -)", inner);
			free(inner);
			return false;
		}
	}
	*name = inner;
	*end = (size_t)(close - tmpl) + 2;
	return true;
}

char *
template_render(const char *tmpl, template_lookup_fn lookup, void *ud,
		bool quote, struct template_error *err)
{
	return template_render_with(tmpl, lookup, NULL, ud, quote, err);
}

char *
template_render_with(const char *tmpl, template_lookup_fn lookup,
		     template_raw_fn raw_fn, void *ud, bool quote,
		     struct template_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;

	while (tmpl[i] != '\0') {
		const char *open = strstr(tmpl + i, "{{");
		size_t at, end;
		const char *val;
		char *name;
		bool raw;

		if (open == NULL) {
			strbuf_puts(&sb, tmpl + i);
			break;
		}
		at = (size_t)(open - tmpl);
		strbuf_add(&sb, tmpl + i, at - i);
		if (!parse_expr(tmpl, at, &name, &raw, &end, err))
			goto fail;
		if (raw && raw_fn != NULL) {
			char why[200] = "";

			val = raw_fn(ud, name, quote, why, sizeof why);
			if (val == NULL) {
				set_error(err, at, "%s", why[0] != '\0' ? why : "cannot be used raw");
				free(name);
				goto fail;
			}
		} else {
			val = lookup(ud, name);
		}
		if (val == NULL) {
			set_error(err, at, "unknown variable \"%s\"", name);
			free(name);
			goto fail;
		}
		if (quote && !raw) {
			char *q = shell_quote(val);

			strbuf_puts(&sb, q);
			free(q);
		} else {
			strbuf_puts(&sb, val);
		}
		free(name);
		i = end;
	}
	return strbuf_detach(&sb);
fail:
	strbuf_free(&sb);
	return NULL;
}

struct names_adapter {
	void (*fn)(void *ud, const char *name, size_t offset);
	void *ud;
};

static void
names_ref(void *ud, const char *name, bool raw, size_t offset)
{
	struct names_adapter *a = ud;

	(void)raw;
	a->fn(a->ud, name, offset);
}

bool
template_names(const char *tmpl, void (*fn)(void *ud, const char *name, size_t offset),
	       void *ud, struct template_error *err)
{
	struct names_adapter a = { fn, ud };

	return template_refs(tmpl, names_ref, &a, err);
}

bool
template_refs(const char *tmpl,
	      void (*fn)(void *ud, const char *name, bool raw, size_t offset),
	      void *ud, struct template_error *err)
{
	size_t i = 0;

	for (;;) {
		const char *open = strstr(tmpl + i, "{{");
		size_t at, end;
		char *name;
		bool raw;

		if (open == NULL)
			return true;
		at = (size_t)(open - tmpl);
		if (!parse_expr(tmpl, at, &name, &raw, &end, err))
			return false;
		fn(ud, name, raw, at);
		free(name);
		i = end;
	}
}
