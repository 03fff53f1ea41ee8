/* redact.c: presigned-URL credentials out of text (see redact.h). */
#include "drconsole/util/redact.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "drconsole/util/strbuf.h"

static const char *const params[] = { "X-Amz-Signature=", "X-Amz-Security-Token=", NULL };

/* The length of the parameter name at s[0..left), or 0. */
static size_t
param_at(const char *s, size_t left)
{
	for (size_t i = 0; params[i] != NULL; i++) {
		size_t n = strlen(params[i]);

		if (left >= n && strncasecmp(s, params[i], n) == 0)
			return n;
	}
	return 0;
}

static bool
ends_value(char c)
{
	return c == '&' || c == '\'' || c == '"' || c == ' ' || c == '\t' || c == '\n' ||
	       c == '\r' || c == '<' || c == '>' || c == '\\' || c == '\0';
}

int
redact_needed(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((s[i] == 'X' || s[i] == 'x') && param_at(s + i, len - i) > 0)
			return 1;
	return 0;
}

char *
redact(const char *s, size_t len, size_t *out_len)
{
	struct strbuf out = STRBUF_INIT;
	size_t i = 0;

	while (i < len) {
		size_t n = (s[i] == 'X' || s[i] == 'x') ? param_at(s + i, len - i) : 0;

		if (n == 0) {
			strbuf_putc(&out, s[i]);
			i++;
			continue;
		}
		strbuf_add(&out, s + i, n);
		i += n;
		if (i < len && !ends_value(s[i]))
			strbuf_add(&out, REDACTED, strlen(REDACTED));
		while (i < len && !ends_value(s[i]))
			i++;
	}
	strbuf_putc(&out, '\0');	/* an empty input still gives a string */
	if (out_len != NULL)
		*out_len = out.len - 1;
	return strbuf_detach(&out);
}
