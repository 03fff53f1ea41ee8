/*
 * template.h: runbook command templates. "{{ name }}" is replaced by the
 * value of name, shell-quoted so that no value can break out of its word;
 * "{{ name | raw }}" inserts it as command text. Which names may be raw, and
 * what their raw text is, is the caller's policy (template_raw_fn): the run
 * driver allows runbook variables only, rendered with their own values
 * still quoted. Unknown names, unclosed braces and unknown filters are
 * errors with the column of the expression.
 */
#ifndef DRCONSOLE_TEMPLATE_H
#define DRCONSOLE_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

/* Look up a variable; NULL when it does not exist. */
typedef const char *(*template_lookup_fn)(void *ud, const char *name);

/*
 * The text of "{{ name | raw }}" in a render whose quoting is quote; NULL
 * with why[len] filled when name may not be used raw or does not exist.
 */
typedef const char *(*template_raw_fn)(void *ud, const char *name, bool quote,
				       char *why, size_t len);

struct template_error {
	size_t offset;		/* 0-based byte offset of the offending "{{" */
	char message[256];
};

/*
 * Render tmpl; returns a malloc'd string, or NULL with *err filled. When
 * quote is false nothing is quoted (for titles and manual text shown to the
 * operator rather than executed).
 */
char *template_render(const char *tmpl, template_lookup_fn lookup, void *ud,
		      bool quote, struct template_error *err);
/* The same with raw references resolved by raw (NULL: lookup, verbatim). */
char *template_render_with(const char *tmpl, template_lookup_fn lookup,
			   template_raw_fn raw, void *ud, bool quote,
			   struct template_error *err);

/*
 * Call fn for every variable name referenced by tmpl (for lint); returns
 * false with *err on a syntax error.
 */
bool template_names(const char *tmpl, void (*fn)(void *ud, const char *name, size_t offset),
		    void *ud, struct template_error *err);
/* The same, telling fn whether the reference has the raw filter. */
bool template_refs(const char *tmpl,
		   void (*fn)(void *ud, const char *name, bool raw, size_t offset),
		   void *ud, struct template_error *err);

/* A POSIX-shell word that expands to exactly s (caller frees). */
char *shell_quote(const char *s);

#endif
