/*
 * libFuzzer target: the runbook template renderer. The input is a template,
 * a NUL, then values for the names "a".."h" separated by NULs. Checks:
 *  - rendering never crashes, quoted or not, with or without a raw policy;
 *  - a quoted substitution is one shell word that a POSIX shell reads back
 *    as exactly the value (decoded here: plain characters and '...' parts);
 *  - template_refs sees the references the renderer substitutes;
 *  - a raw policy that refuses every name makes every "| raw" an error.
 * Values hold any byte but NUL; names other than "a".."h" are unknown.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/template.h"
#include "drconsole/util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct vals {
	const char *v[8];
	size_t lookups;
};

static const char *
lookup(void *ud, const char *name)
{
	struct vals *vs = ud;

	vs->lookups++;
	if (name[0] >= 'a' && name[0] <= 'h' && name[1] == '\0')
		return vs->v[name[0] - 'a'];
	return NULL;
}

static const char *
refuse_raw(void *ud, const char *name, bool quote, char *why, size_t len)
{
	(void)ud;
	(void)name;
	(void)quote;
	snprintf(why, len, "%s", "no raw here");
	return NULL;
}

/* The word a POSIX shell reads from w (no expansion happens in either form), or NULL. */
static char *
shell_unquote(const char *w)
{
	char *out = xmalloc(strlen(w) + 1), *o = out;

	while (*w != '\0') {
		if (*w == '\'') {
			const char *end = strchr(w + 1, '\'');

			if (end == NULL)
				goto bad;
			memcpy(o, w + 1, (size_t)(end - w - 1));
			o += end - w - 1;
			w = end + 1;
		} else if (*w == '\\' && w[1] != '\0') {
			*o++ = w[1];
			w += 2;
		} else if ((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
			   (*w >= '0' && *w <= '9') || strchr("_./:@%+,-", *w) != NULL) {
			*o++ = *w++;
		} else {
			goto bad;	/* anything else is special to some shell */
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

struct refs {
	size_t all, raw;
};

static void
count_ref(void *ud, const char *name, bool raw, size_t offset)
{
	struct refs *r = ud;

	(void)name;
	(void)offset;
	r->all++;
	r->raw += raw;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1), *p;
	struct vals vs;
	struct template_error err;
	struct refs refs = { 0, 0 };
	const char *tmpl;
	char *out;
	bool names_ok;

	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&vs, 0, sizeof vs);
	tmpl = buf;
	p = buf + strlen(buf);
	for (int i = 0; i < 8; i++) {
		if (p < buf + size) {
			vs.v[i] = ++p;
			p += strlen(p);
		} else {
			vs.v[i] = "";
		}
	}

	/* every value alone, quoted: one word that reads back as the value */
	for (int i = 0; i < 8; i++) {
		char t[] = "{{ a }}", *word, *back;

		t[3] = (char)('a' + i);
		word = template_render(t, lookup, &vs, true, &err);
		if (word == NULL || (back = shell_unquote(word)) == NULL || strcmp(back, vs.v[i]) != 0)
			__builtin_trap();
		free(back);
		free(word);
	}

	names_ok = template_refs(tmpl, count_ref, &refs, &err);
	for (int quote = 0; quote < 2; quote++) {
		vs.lookups = 0;
		out = template_render(tmpl, lookup, &vs, quote != 0, &err);
		if (out != NULL && (!names_ok || vs.lookups != refs.all))
			__builtin_trap();	/* rendered: every reference was looked up once */
		if (out == NULL && err.offset > strlen(tmpl))
			__builtin_trap();
		free(out);
		out = template_render_with(tmpl, lookup, refuse_raw, &vs, quote != 0, &err);
		if (out != NULL && (!names_ok || refs.raw > 0))
			__builtin_trap();	/* a refused raw is an error, never verbatim */
		free(out);
	}
	free(buf);
	return 0;
}
