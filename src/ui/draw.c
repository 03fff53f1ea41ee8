/*
 * draw.c: the few curses primitives every view uses. Text is sanitised
 * (no control or escape sequence reaches the terminal, whatever a remote
 * server put in an error message) and clipped by display width, so wide
 * characters never spill into a neighbouring panel. Without a UTF-8 locale
 * non-ASCII text is drawn as '?' and borders as ASCII.
 */
#include "ui_internal.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "drconsole/util/sanitize.h"

static bool
locale_utf8(void)
{
	static int cached = -1;

	if (cached < 0)
		cached = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	return cached;
}

/* Bytes of s that fit in width cells; *cells gets the cells they take. */
static size_t
fit(const char *s, int width, int *cells)
{
	mbstate_t st;
	size_t i = 0, len = strlen(s);
	int used = 0;

	memset(&st, 0, sizeof st);
	while (i < len) {
		wchar_t wc;
		size_t k;
		int cw;

		if (!locale_utf8() || (unsigned char)s[i] < 0x80) {
			if (used + 1 > width)
				break;
			used++;
			i++;
			continue;
		}
		k = mbrtowc(&wc, s + i, len - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			k = 1;
			cw = 1;
		} else {
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		if (used + cw > width)
			break;
		used += cw;
		i += k;
	}
	*cells = used;
	return i;
}

int
ui_text_width(const char *s)
{
	int cells;

	fit(s, 1 << 20, &cells);
	return cells;
}

/* Printable ASCII only: nothing to sanitise, one cell per byte. */
static bool
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int
ui_put(WINDOW *w, int y, int x, const char *s, int width, int attr)
{
	char *clean = NULL;
	const char *text = s;
	size_t nbytes;
	int cells;

	if (w == NULL || s == NULL || width <= 0)
		return 0;
	/* the common case (every redraw, every row) skips the copy */
	if (!plain_ascii(s)) {
		clean = sanitize_string(s, strlen(s), SANITIZE_ONE_LINE);
		if (!locale_utf8()) {
			for (char *c = clean; *c != '\0'; c++)
				if ((unsigned char)*c >= 0x80)
					*c = '?';
		}
		text = clean;
	}
	nbytes = fit(text, width, &cells);
	wattrset(w, attr);
	mvwaddnstr(w, y, x, text, (int)nbytes);
	wattrset(w, A_NORMAL);
	free(clean);
	return cells;
}

int
ui_put_right(WINDOW *w, int y, int x_end, const char *s, int attr)
{
	int cw = ui_text_width(s), x = x_end - cw;

	if (x < 0)
		x = 0;
	return ui_put(w, y, x, s, x_end - x, attr);
}

void
ui_fill(WINDOW *w, int y, int x, int width, int attr)
{
	if (w == NULL || width <= 0)
		return;
	wattrset(w, attr);
	mvwhline(w, y, x, ' ', width);
	wattrset(w, A_NORMAL);
}

void
ui_border(WINDOW *w, bool utf8, int attr)
{
	wattrset(w, attr);
	if (utf8)
		box(w, 0, 0);
	else
		wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
	wattrset(w, A_NORMAL);
}

const char *
ui_step_word(enum step_state s)
{
	switch (s) {
	case STEP_PENDING: return "pending";
	case STEP_RUNNING: return "RUNNING";
	case STEP_DONE: return "done";
	case STEP_FAILED: return "FAILED";
	case STEP_SKIPPED: return "skipped";
	case STEP_INTERRUPTED: return "INTERRUPTED";
	case STEP_UNKNOWN: return "UNKNOWN";
	}
	return "?";
}
