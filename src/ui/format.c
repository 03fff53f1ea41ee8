/*
 * format.c: how a value reads on screen, shared by every view: the status
 * word and symbol (never colour alone), STALE after three refresh
 * intervals, values with units, sparklines. No curses here.
 */
#include "drconsole/ui/ui.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "drconsole/util/duration.h"

enum ui_shown
ui_shown_of(const struct observation *o, long long now_ms, long long interval_ms)
{
	if (o == NULL || o->status == OBS_PENDING)
		return UI_SHOWN_PENDING;
	if (interval_ms > 0 && now_ms - o->observed_at_ms > 3 * interval_ms)
		return UI_SHOWN_STALE;
	switch (o->status) {
	case OBS_OK: return UI_SHOWN_OK;
	case OBS_WARN: return UI_SHOWN_WARN;
	case OBS_CRIT: return UI_SHOWN_CRIT;
	case OBS_UNKNOWN: return UI_SHOWN_UNKNOWN;
	case OBS_PENDING: break;
	}
	return UI_SHOWN_PENDING;
}

const char *
ui_shown_word(enum ui_shown s)
{
	static const char *const words[] = {
		"PENDING", "OK", "WARN", "CRIT", "UNKNOWN", "STALE", "OFF",
	};

	return (unsigned)s < ARRAY_LEN(words) ? words[s] : "?";
}

const char *
ui_shown_symbol(enum ui_shown s, bool utf8)
{
	static const char *const u[] = { "…", "✔", "▲", "✖", "?", "◷", "·" };
	static const char *const a[] = { ".", "+", "!", "X", "?", "~", "-" };

	if ((unsigned)s >= ARRAY_LEN(u))
		return "?";
	return utf8 ? u[s] : a[s];
}

enum ui_elem
ui_shown_elem(enum ui_shown s)
{
	switch (s) {
	case UI_SHOWN_PENDING: return UI_pending;
	case UI_SHOWN_OK: return UI_ok;
	case UI_SHOWN_WARN: return UI_warn;
	case UI_SHOWN_CRIT: return UI_crit;
	case UI_SHOWN_UNKNOWN: return UI_unknown;
	case UI_SHOWN_STALE: return UI_stale;
	case UI_SHOWN_DISABLED: return UI_dim;
	}
	return UI_normal;
}

int
ui_state_cells(const char *state, int state_w, int value_w, bool value_empty)
{
	int need = state != NULL ? (int)strlen(state) : 0;

	if (need <= state_w || !value_empty)
		return state_w;
	return need < state_w + 1 + value_w ? need : state_w + 1 + value_w;
}

void
ui_format_value(const struct observation *o, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v;
	size_t u = 0;

	if (len == 0)
		return;
	*buf = '\0';
	if (o == NULL || !o->has_value)
		return;
	v = o->value;
	if (o->unit != NULL && strcmp(o->unit, "s") == 0) {
		if (fabs(v) < 60)
			snprintf(buf, len, "%.1fs", v);
		else
			duration_format((long long)(v * 1000), buf, len);
	} else if (o->unit != NULL && strcmp(o->unit, "B") == 0) {
		while (fabs(v) >= 1000 && u + 1 < ARRAY_LEN(units)) {
			v /= 1000;
			u++;
		}
		snprintf(buf, len, u == 0 ? "%.0f%s" : "%.1f%s", v, units[u]);
	} else if (o->unit != NULL && strcmp(o->unit, "ms") == 0) {
		snprintf(buf, len, "%.0fms", v);
	} else {
		snprintf(buf, len, "%g%s", v, o->unit != NULL ? o->unit : "");
	}
}

void
ui_sparkline(const double *v, size_t n, bool utf8, char *buf, size_t len, int width)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[] = "_.-=+*#@";
	double lo, hi;
	size_t start, used = 0;

	if (len == 0)
		return;
	*buf = '\0';
	if (n == 0 || width <= 0)
		return;
	start = n > (size_t)width ? n - (size_t)width : 0;
	lo = hi = v[start];
	for (size_t i = start; i < n; i++) {
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	if (lo > 0)
		lo = 0;		/* bars grow from zero lag */
	for (size_t i = start; i < n; i++) {
		int level = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7.0 + 0.5) : 0;
		const char *cell;
		char one[2];

		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (utf8) {
			cell = blocks[level];
		} else {
			one[0] = ascii[level];
			one[1] = '\0';
			cell = one;
		}
		if (used + strlen(cell) + 1 > len)
			break;
		memcpy(buf + used, cell, strlen(cell));
		used += strlen(cell);
		buf[used] = '\0';
	}
}

void
ui_format_age(long long ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "0s");
	else
		duration_format(ms / 1000 * 1000, buf, len);
}
