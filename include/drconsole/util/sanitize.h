/*
 * sanitize.h: make untrusted text (remote output, env dirs, inventories,
 * runbooks, environment variables) safe to draw, to print and to log.
 *
 * The output is valid UTF-8 that holds no terminal control at all:
 *  - ESC sequences are removed whole: CSI (ESC [ ... final), OSC (ESC ]),
 *    DCS (ESC P), SOS (ESC X), PM (ESC ^), APC (ESC _) with their string
 *    up to BEL or ST (ESC \ or C1 ST), ESC + intermediates + final
 *    (ESC ( B), two-byte escapes (ESC c, ESC 7) and a lone ESC;
 *  - C1 controls U+0080..U+009F are controls whether they arrive UTF-8
 *    encoded (C2 9B) or as a raw byte outside a UTF-8 sequence (9B); the
 *    introducers among them (CSI, OSC, DCS, SOS, PM, APC) swallow their
 *    sequence like the ESC forms;
 *  - C0 controls and DEL are dropped except '\n' and '\t'. "\r\n" becomes
 *    "\n"; a lone '\r' (progress bars redrawing a line) becomes "\n", so
 *    each redraw is kept as its own line and nothing is overprinted;
 *  - bidirectional overrides, isolates and marks (U+202A..U+202E,
 *    U+2066..U+2069, U+200E, U+200F, U+061C) are dropped: they let text
 *    display in an order other than its own;
 *  - invalid UTF-8 (stray continuation bytes, overlong forms, surrogates,
 *    code points above U+10FFFF, truncated sequences) becomes U+FFFD, one
 *    per maximal invalid subpart;
 *  - CAN and SUB abort a sequence, as on a VT terminal. A string sequence
 *    longer than SANITIZE_MAX_STRING characters or a CSI longer than
 *    SANITIZE_MAX_CSI characters is abandoned: what follows is shown as text
 *    (sanitised), so a forgotten terminator cannot hide the rest of the
 *    output.
 * Streaming: a sequence or UTF-8 character split across calls to
 * sanitize_feed is handled exactly as if it had arrived in one piece.
 */
#ifndef DRCONSOLE_SANITIZE_H
#define DRCONSOLE_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drconsole/util/strbuf.h"

#define SANITIZE_MAX_STRING	65536
#define SANITIZE_MAX_CSI	256

enum sanitize_flags {
	SANITIZE_ONE_LINE = 1 << 0,	/* '\n' and '\t' become ' ' (status lines) */
	/*
	 * '\n' ends any sequence, so that a sequence cut short (a field
	 * truncated by a format's precision) never swallows the lines after it
	 */
	SANITIZE_LINE_ENDS_SEQUENCE = 1 << 1,
};

/* Parser state between chunks; zero-initialise or sanitize_init. */
struct sanitize_state {
	unsigned flags;
	unsigned char mode;		/* private: ground, escape, csi, string... */
	bool pending_cr;		/* a '\r' whose successor is not known yet */
	unsigned char u8_need;		/* continuation bytes still expected */
	unsigned char u8_len;		/* bytes held in u8_buf */
	unsigned char u8_buf[4];
	unsigned long u8_cp;		/* code point being decoded */
	size_t seq_len;			/* bytes inside the current sequence */
};

#define SANITIZE_STATE_INIT { 0, 0, false, 0, 0, { 0, 0, 0, 0 }, 0, 0 }

void sanitize_init(struct sanitize_state *st, unsigned flags);
/* Sanitise len bytes of in, appending the result to out. */
void sanitize_feed(struct sanitize_state *st, const char *in, size_t len,
		   struct strbuf *out);
/*
 * End of stream: a truncated UTF-8 sequence becomes U+FFFD, a pending '\r'
 * becomes "\n" (or ' ' in one-line mode), an unfinished escape sequence is
 * dropped. The state is reset for reuse.
 */
void sanitize_finish(struct sanitize_state *st, struct strbuf *out);

/* One shot: the sanitised text of in[0..len) as a string the caller frees. */
char *sanitize_string(const char *in, size_t len, unsigned flags);
/* src (NULL: "") sanitised to one line into dst[len], truncated if longer. */
void sanitize_copy_line(char *dst, size_t len, const char *src);

/*
 * A write-only stream that sanitises everything written to it (as
 * sanitize_feed, multi-line, SANITIZE_LINE_ENDS_SEQUENCE) and writes the result through to dst, flushed
 * at each of its own buffer flushes; buffering is _IOFBF, _IOLBF or _IONBF.
 * fclose finishes the stream and flushes dst, which stays open. NULL when
 * the stream cannot be made.
 */
FILE *sanitize_fopen(FILE *dst, int buffering);

/*
 * A JSON text (as jansson writes it: valid UTF-8) with every control inside
 * its strings escaped as \uXXXX: C0, DEL, C1 and the bidi controls above;
 * invalid UTF-8 there becomes \ufffd. Outside strings nothing changes.
 * The caller frees the result.
 */
char *sanitize_json(const char *json, size_t len);

/*
 * in[0..len) with every invalid UTF-8 subpart replaced by U+FFFD and all
 * else kept, controls included: for a JSON string (jansson refuses invalid
 * UTF-8; output_json escapes the controls). The caller frees the result.
 */
char *sanitize_utf8(const char *in, size_t len);

#endif
