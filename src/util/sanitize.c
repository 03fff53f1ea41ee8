/*
 * sanitize.c: strip terminal controls from untrusted output.
 *
 * DESIGN: two layers. Bytes are first decoded as UTF-8 into code points;
 * an invalid subpart becomes CP_INVALID and a raw byte 0x80..0x9f outside
 * a sequence becomes that C1 code point. The code points then drive a
 * small VT-style parser (ground, escape, escape-intermediate, CSI, string)
 * that emits only printable text, '\n' and '\t'. Both layers keep their
 * state in struct sanitize_state, so chunk boundaries do not matter.
 * Runs of plain ASCII in the ground state are copied in one go.
 *
 * sanitize_fopen puts the same parser behind a stdio stream (fopencookie),
 * so that a command's whole output passes through it whatever prints it;
 * sanitize_json escapes instead of dropping, for JSON documents.
 */
#define _GNU_SOURCE	/* fopencookie */
#include "drconsole/util/sanitize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/util.h"

#define CP_INVALID	0x110000UL	/* an invalid UTF-8 subpart */
#define CP_ESC		0x1bUL
#define CP_BEL		0x07UL
#define CP_CAN		0x18UL
#define CP_SUB		0x1aUL
#define CP_DEL		0x7fUL
#define CP_C1_DCS	0x90UL
#define CP_C1_SOS	0x98UL
#define CP_C1_CSI	0x9bUL
#define CP_C1_ST	0x9cUL
#define CP_C1_OSC	0x9dUL
#define CP_C1_PM	0x9eUL
#define CP_C1_APC	0x9fUL

enum mode {
	MODE_GROUND,
	MODE_ESC,		/* after ESC */
	MODE_ESC_INTER,		/* ESC + intermediates, waiting for the final */
	MODE_CSI,
	MODE_STRING,		/* OSC, DCS, SOS, PM, APC body */
};

static void handle_cp(struct sanitize_state *st, unsigned long cp,
		      struct strbuf *out);

void
sanitize_init(struct sanitize_state *st, unsigned flags)
{
	memset(st, 0, sizeof *st);
	st->flags = flags;
}

static void
put_newline(struct sanitize_state *st, struct strbuf *out)
{
	strbuf_putc(out, (st->flags & SANITIZE_ONE_LINE) ? ' ' : '\n');
}

static void
flush_cr(struct sanitize_state *st, struct strbuf *out)
{
	if (st->pending_cr) {
		st->pending_cr = false;
		put_newline(st, out);
	}
}

/* Append cp (a valid scalar value) as UTF-8. */
static void
put_utf8(struct strbuf *out, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(out, b, n);
}

/* A C0 control met in the ground state (or executed inside a sequence). */
static void
ground_control(struct sanitize_state *st, unsigned long cp, struct strbuf *out)
{
	switch (cp) {
	case '\n':
		st->pending_cr = false;
		put_newline(st, out);
		break;
	case '\r':
		st->pending_cr = true;
		break;
	case '\t':
		flush_cr(st, out);
		strbuf_putc(out, (st->flags & SANITIZE_ONE_LINE) ? ' ' : '\t');
		break;
	default:
		break;		/* BEL, BS, FF, SO/SI, ...: dropped */
	}
}

/* A C1 control in the ground state: introducers open a sequence. */
static void
ground_c1(struct sanitize_state *st, unsigned long cp)
{
	st->seq_len = 0;
	switch (cp) {
	case CP_C1_CSI:
		st->mode = MODE_CSI;
		break;
	case CP_C1_OSC:
	case CP_C1_DCS:
	case CP_C1_SOS:
	case CP_C1_PM:
	case CP_C1_APC:
		st->mode = MODE_STRING;
		break;
	default:
		break;		/* NEL, ST, SS2, ...: dropped */
	}
}

static bool
is_bidi_control(unsigned long cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

static void
handle_ground(struct sanitize_state *st, unsigned long cp, struct strbuf *out)
{
	if (cp == CP_ESC) {
		st->mode = MODE_ESC;
		st->seq_len = 0;
	} else if (cp < 0x20 || cp == CP_DEL) {
		ground_control(st, cp, out);
	} else if (cp >= 0x80 && cp <= 0x9f) {
		ground_c1(st, cp);
	} else if (is_bidi_control(cp)) {
		/* dropped */
	} else if (cp == CP_INVALID) {
		flush_cr(st, out);
		put_utf8(out, 0xfffd);
	} else {
		flush_cr(st, out);
		put_utf8(out, cp);
	}
}

/*
 * Controls common to the escape and CSI states: ESC restarts, CAN/SUB
 * abort, other C0 are executed, DEL is ignored. True when cp was one.
 */
static bool
sequence_control(struct sanitize_state *st, unsigned long cp, struct strbuf *out)
{
	if (cp == CP_ESC) {
		st->mode = MODE_ESC;
		st->seq_len = 0;
	} else if (cp == CP_CAN || cp == CP_SUB) {
		st->mode = MODE_GROUND;
	} else if (cp < 0x20) {
		ground_control(st, cp, out);
	} else if (cp != CP_DEL) {
		return false;
	}
	return true;
}

static void
handle_cp(struct sanitize_state *st, unsigned long cp, struct strbuf *out)
{
	if (cp == '\n' && (st->flags & SANITIZE_LINE_ENDS_SEQUENCE))
		st->mode = MODE_GROUND;		/* a line never hides the next */
	switch ((enum mode)st->mode) {
	case MODE_GROUND:
		handle_ground(st, cp, out);
		return;
	case MODE_ESC:
		if (sequence_control(st, cp, out))
			return;
		st->seq_len = 0;
		if (cp == '[')
			st->mode = MODE_CSI;
		else if (cp == ']' || cp == 'P' || cp == 'X' || cp == '^' ||
			 cp == '_')
			st->mode = MODE_STRING;
		else if (cp >= 0x20 && cp <= 0x2f)
			st->mode = MODE_ESC_INTER;
		else if (cp >= 0x30 && cp <= 0x7e)
			st->mode = MODE_GROUND;	/* two-character escape */
		else {
			st->mode = MODE_GROUND;	/* not a sequence: reprocess */
			handle_ground(st, cp, out);
		}
		return;
	case MODE_ESC_INTER:
		if (sequence_control(st, cp, out))
			return;
		if (cp >= 0x20 && cp <= 0x2f) {
			if (++st->seq_len > SANITIZE_MAX_CSI)
				st->mode = MODE_GROUND;
		} else if (cp >= 0x30 && cp <= 0x7e) {
			st->mode = MODE_GROUND;
		} else {
			st->mode = MODE_GROUND;
			handle_ground(st, cp, out);
		}
		return;
	case MODE_CSI:
		if (sequence_control(st, cp, out))
			return;
		if (cp >= 0x20 && cp <= 0x3f) {
			if (++st->seq_len > SANITIZE_MAX_CSI)
				st->mode = MODE_GROUND;
		} else if (cp >= 0x40 && cp <= 0x7e) {
			st->mode = MODE_GROUND;
		} else {
			st->mode = MODE_GROUND;
			handle_ground(st, cp, out);
		}
		return;
	case MODE_STRING:
		if (cp == CP_BEL || cp == CP_CAN || cp == CP_SUB ||
		    cp == CP_C1_ST) {
			st->mode = MODE_GROUND;
		} else if (cp == CP_ESC) {
			/* ends the string; ESC \ is then a two-character escape */
			st->mode = MODE_ESC;
			st->seq_len = 0;
		} else if (++st->seq_len > SANITIZE_MAX_STRING) {
			st->mode = MODE_GROUND;
		}
		return;
	}
}

/* Whether b may follow the lead byte `lead` as the first continuation. */
static bool
first_continuation_ok(unsigned char lead, unsigned char b)
{
	switch (lead) {
	case 0xe0:
		return b >= 0xa0 && b <= 0xbf;	/* no overlong 3-byte forms */
	case 0xed:
		return b >= 0x80 && b <= 0x9f;	/* no surrogates */
	case 0xf0:
		return b >= 0x90 && b <= 0xbf;	/* no overlong 4-byte forms */
	case 0xf4:
		return b >= 0x80 && b <= 0x8f;	/* not above U+10FFFF */
	default:
		return b >= 0x80 && b <= 0xbf;
	}
}

/* Length of the run of bytes at p that the ground state copies unchanged. */
static size_t
plain_run(const struct sanitize_state *st, const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (st->mode != MODE_GROUND || st->u8_need != 0 || st->pending_cr)
		return 0;
	if (st->flags & SANITIZE_ONE_LINE) {
		while (i < n && p[i] >= 0x20 && p[i] < 0x7f)
			i++;
	} else {
		while (i < n && ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n'))
			i++;
	}
	return i;
}

void
sanitize_feed(struct sanitize_state *st, const char *in, size_t len,
	      struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0;

	while (i < len) {
		size_t run = plain_run(st, p + i, len - i);
		unsigned char b;

		if (run > 0) {
			strbuf_add(out, in + i, run);
			i += run;
			continue;
		}
		b = p[i++];
		if (st->u8_need > 0) {
			bool ok = (b & 0xc0) == 0x80 &&
				  (st->u8_len > 1 ||
				   first_continuation_ok(st->u8_buf[0], b));
			if (ok) {
				st->u8_buf[st->u8_len++] = b;
				st->u8_cp = (st->u8_cp << 6) | (b & 0x3f);
				if (--st->u8_need == 0) {
					st->u8_len = 0;
					handle_cp(st, st->u8_cp, out);
				}
				continue;
			}
			/* the partial sequence is one invalid subpart; b starts afresh */
			st->u8_need = 0;
			st->u8_len = 0;
			handle_cp(st, CP_INVALID, out);
		}
		if (b < 0x80) {
			handle_cp(st, b, out);
		} else if (b < 0xc0) {
			/* stray continuation byte: a raw C1 control or invalid */
			handle_cp(st, b <= 0x9f ? b : CP_INVALID, out);
		} else if (b >= 0xc2 && b <= 0xdf) {
			st->u8_need = 1;
			st->u8_cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			st->u8_need = 2;
			st->u8_cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			st->u8_need = 3;
			st->u8_cp = b & 0x07;
		} else {
			handle_cp(st, CP_INVALID, out);	/* C0, C1, F5..FF */
			continue;
		}
		if (st->u8_need > 0) {
			st->u8_buf[0] = b;
			st->u8_len = 1;
		}
	}
}

void
sanitize_finish(struct sanitize_state *st, struct strbuf *out)
{
	if (st->u8_need > 0) {
		st->u8_need = 0;
		st->u8_len = 0;
		handle_cp(st, CP_INVALID, out);
	}
	flush_cr(st, out);
	sanitize_init(st, st->flags);
}

char *
sanitize_string(const char *in, size_t len, unsigned flags)
{
	struct sanitize_state st;
	struct strbuf sb = STRBUF_INIT;

	sanitize_init(&st, flags);
	sanitize_feed(&st, in, len, &sb);
	sanitize_finish(&st, &sb);
	if (sb.buf == NULL)
		return xstrdup("");
	return strbuf_detach(&sb);
}

void
sanitize_copy_line(char *dst, size_t len, const char *src)
{
	char *clean;

	if (len == 0)
		return;
	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	clean = sanitize_string(src, strlen(src), SANITIZE_ONE_LINE);
	snprintf(dst, len, "%s", clean);
	free(clean);
}

/* ---- JSON ---- */

/* The code point of the valid UTF-8 sequence at p (n bytes left), its length in *len. */
static unsigned long
utf8_decode(const unsigned char *p, size_t n, size_t *len)
{
	unsigned long cp;
	size_t need;

	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3, cp = p[0] & 0x07;
	else
		goto invalid;
	if (need >= n || !first_continuation_ok(p[0], p[1]))
		goto invalid;
	for (size_t k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			goto invalid;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	*len = need + 1;
	return cp;
invalid:
	*len = 1;
	return CP_INVALID;
}

char *
sanitize_json(const char *json, size_t len)
{
	const unsigned char *p = (const unsigned char *)json;
	struct strbuf sb = STRBUF_INIT;
	bool in_string = false;
	size_t i = 0;

	while (i < len) {
		size_t n;
		unsigned long cp;

		if (!in_string || (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')) {
			if (p[i] == '"')
				in_string = !in_string;
			strbuf_putc(&sb, (char)p[i++]);
			continue;
		}
		if (p[i] == '\\') {	/* an escape: copied with the character it escapes */
			strbuf_add(&sb, json + i, i + 1 < len ? 2 : 1);
			i += 2;
			continue;
		}
		cp = utf8_decode(p + i, len - i, &n);
		if (cp == CP_INVALID)
			strbuf_puts(&sb, "\\ufffd");
		else if (cp < 0x20 || cp == CP_DEL || (cp >= 0x80 && cp <= 0x9f) ||
			 is_bidi_control(cp))
			strbuf_printf(&sb, "\\u%04lx", cp);
		else
			strbuf_add(&sb, json + i, n);
		i += n;
	}
	if (sb.buf == NULL)
		return xstrdup("");
	return strbuf_detach(&sb);
}

/* ---- stream ---- */

struct sanitize_stream {
	FILE *dst;
	struct sanitize_state st;
	struct strbuf out;
};

static ssize_t
stream_write(void *cookie, const char *buf, size_t size)
{
	struct sanitize_stream *ss = cookie;

	strbuf_reset(&ss->out);
	sanitize_feed(&ss->st, buf, size, &ss->out);
	if (ss->out.len > 0 && fwrite(ss->out.buf, 1, ss->out.len, ss->dst) != ss->out.len)
		return -1;
	/* the sanitising stream is the buffer: dst is written through */
	if (fflush(ss->dst) != 0)
		return -1;
	return (ssize_t)size;
}

static int
stream_close(void *cookie)
{
	struct sanitize_stream *ss = cookie;
	int rc;

	strbuf_reset(&ss->out);
	sanitize_finish(&ss->st, &ss->out);
	rc = ss->out.len > 0 && fwrite(ss->out.buf, 1, ss->out.len, ss->dst) != ss->out.len ? EOF : 0;
	if (fflush(ss->dst) != 0)
		rc = EOF;
	strbuf_free(&ss->out);
	free(ss);
	return rc;
}

FILE *
sanitize_fopen(FILE *dst, int buffering)
{
	static const cookie_io_functions_t io = {
		.read = NULL,
		.write = stream_write,
		.seek = NULL,
		.close = stream_close,
	};
	struct sanitize_stream *ss = xcalloc(1, sizeof *ss);
	FILE *fp;

	ss->dst = dst;
	sanitize_init(&ss->st, SANITIZE_LINE_ENDS_SEQUENCE);
	fp = fopencookie(ss, "w", io);
	if (fp == NULL) {
		free(ss);
		return NULL;
	}
	setvbuf(fp, NULL, buffering, BUFSIZ);
	return fp;
}

char *
sanitize_utf8(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0, n; i < len; i += n) {
		if (utf8_decode(p + i, len - i, &n) == CP_INVALID)
			strbuf_puts(&sb, "\xef\xbf\xbd");
		else
			strbuf_add(&sb, in + i, n);
	}
	if (sb.buf == NULL)
		return xstrdup("");
	return strbuf_detach(&sb);
}
