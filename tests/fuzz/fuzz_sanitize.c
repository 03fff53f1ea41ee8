/*
 * libFuzzer target: the sanitiser of remote output. Checks the promises of
 * sanitize.h on every input: the result is valid UTF-8 with no C0/C1
 * control, DEL, ESC or bidi override (only '\n' and '\t' survive), and
 * feeding the input in two chunks split anywhere gives the same result as
 * feeding it whole. JSON: the input made valid UTF-8 (sanitize_utf8), put in
 * a JSON string and dumped by jansson, then escaped by sanitize_json, holds
 * no control either and reads back as the same document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "drconsole/util/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		unsigned long cp;
		size_t len;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				abort();
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			abort();
		if (i + len > n)
			abort();
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				abort();
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x200e || cp == 0x200f || cp == 0x061c)
			abort();
		i += len;
	}
}

static void
check_json(const char *data, size_t size)
{
	char *valid = sanitize_utf8(data, size), *text, *safe;
	json_t *doc = json_pack("{s:[s%]}", "k", valid, strlen(valid)), *back;

	if (doc == NULL)
		abort();
	text = json_dumps(doc, JSON_INDENT(1));
	if (text == NULL)
		abort();
	safe = sanitize_json(text, strlen(text));
	check_clean((const unsigned char *)safe, strlen(safe));
	back = json_loads(safe, 0, NULL);
	if (back == NULL || !json_equal(doc, back))
		abort();
	json_decref(back);
	json_decref(doc);
	free(safe);
	free(text);
	free(valid);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sanitize_state st;
	struct strbuf whole = STRBUF_INIT, split = STRBUF_INIT;
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;
	unsigned flags = (size > 1 && (data[1] & 1) ? SANITIZE_ONE_LINE : 0) |
			 (size > 1 && (data[1] & 2) ? SANITIZE_LINE_ENDS_SEQUENCE : 0);

	sanitize_init(&st, flags);
	sanitize_feed(&st, (const char *)data, size, &whole);
	sanitize_finish(&st, &whole);

	sanitize_init(&st, flags);
	sanitize_feed(&st, (const char *)data, cut, &split);
	sanitize_feed(&st, (const char *)data + cut, size - cut, &split);
	sanitize_finish(&st, &split);

	check_clean((const unsigned char *)strbuf_str(&whole), whole.len);
	if (flags & SANITIZE_ONE_LINE)
		for (size_t i = 0; i < whole.len; i++)
			if (whole.buf[i] == '\n' || whole.buf[i] == '\t')
				abort();
	if (whole.len != split.len || memcmp(strbuf_str(&whole), strbuf_str(&split), whole.len) != 0)
		abort();
	strbuf_free(&whole);
	strbuf_free(&split);
	check_json((const char *)data, size);
	return 0;
}
