/* Unit tests: sanitize (terminal controls out of untrusted output). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "drconsole/cli/output.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/strbuf.h"

#define FFFD "\xef\xbf\xbd"

/* Sanitise a literal (which may hold NUL bytes) in one shot. */
#define CHECK(in, want) check_one((in), sizeof(in) - 1, (want), 0)
#define CHECK_FLAGS(in, want, flags) check_one((in), sizeof(in) - 1, (want), (flags))

static void
check_one(const char *in, size_t len, const char *want, unsigned flags)
{
	char *got = sanitize_string(in, len, flags);

	assert_string_equal(got, want);
	free(got);
}

/* Feed in split at every position (two chunks) and byte by byte. */
static void
check_split(const char *in, size_t len, const char *want)
{
	for (size_t cut = 0; cut <= len; cut++) {
		struct sanitize_state st;
		struct strbuf sb = STRBUF_INIT;

		sanitize_init(&st, 0);
		sanitize_feed(&st, in, cut, &sb);
		sanitize_feed(&st, in + cut, len - cut, &sb);
		sanitize_finish(&st, &sb);
		if (strcmp(strbuf_str(&sb), want) != 0)
			fail_msg("split at %zu: got \"%s\", want \"%s\"", cut,
				 strbuf_str(&sb), want);
		strbuf_free(&sb);
	}
	{
		struct sanitize_state st;
		struct strbuf sb = STRBUF_INIT;

		sanitize_init(&st, 0);
		for (size_t i = 0; i < len; i++)
			sanitize_feed(&st, in + i, 1, &sb);
		sanitize_finish(&st, &sb);
		assert_string_equal(strbuf_str(&sb), want);
		strbuf_free(&sb);
	}
}

#define CHECK_SPLIT(in, want) check_split((in), sizeof(in) - 1, (want))

static void
test_plain_text_kept(void **state)
{
	(void)state;
	CHECK("", "");
	CHECK("hello world\n", "hello world\n");
	CHECK("a\tb\n", "a\tb\n");
	/* valid multi-byte UTF-8: 2, 3 and 4 bytes, U+FFFD itself, U+00A0 */
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 " FFFD " \xc2\xa0.",
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 " FFFD " \xc2\xa0.");
	CHECK("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
}

static void
test_csi_removed(void **state)
{
	(void)state;
	CHECK("\x1b[2J\x1b[Hclean", "clean");			/* clear screen, home */
	CHECK("\x1b[31mred\x1b[0m", "red");			/* colours */
	CHECK("a\x1b[10;20Hb\x1b[5Ac\x1b[?25l", "abc");		/* cursor moves, hide */
	CHECK("x\x1b[38;2;255;0;0my", "xy");
	CHECK("\x1b[>0;1c\x1b[ q.", ".");			/* intermediates */
	CHECK("1\x1b[1\n2J3", "1\n3");				/* C0 inside CSI executed */
	CHECK("a\x1b[\x18" "b", "ab");				/* CAN aborts */
}

static void
test_osc_and_strings_removed(void **state)
{
	(void)state;
	CHECK("\x1b]0;pwned title\x07ok", "ok");			/* title, BEL */
	CHECK("\x1b]2;title\x1b\\ok", "ok");			/* title, ESC \ */
	CHECK("\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", "link");
	CHECK("\x1bPq#0;2;0;0;0#1\x1b\\after", "after");		/* DCS sixel */
	CHECK("\x1b_apc payload\x1b\\x\x1b^pm\x1b\\y\x1bXsos\x1b\\z", "xyz");
	CHECK("\x1b]52;c;ZWNobyBwd25lZA==\x07.", ".");		/* clipboard write */
	/* the string swallows controls and newlines but not its terminator */
	CHECK("\x1b]0;a\nb\rc\x07" "d", "d");
	/* UTF-8 title text is part of the string */
	CHECK("\x1b]0;caf\xc3\xa9\x07" "e", "e");
}

static void
test_c1_controls(void **state)
{
	(void)state;
	/* raw 8-bit CSI, OSC, DCS, and ST */
	CHECK("a\x9b" "31mb", "ab");
	CHECK("a\x9d" "0;title\x07" "b", "ab");
	CHECK("a\x9d" "0;title\x9c" "b", "ab");
	CHECK("a\x90" "dcs\x9c" "b\x85" "c", "abc");
	/* C1 as UTF-8 code points: U+009B (C2 9B) is CSI, U+009D OSC */
	CHECK("a\xc2\x9b" "2Jb", "ab");
	CHECK("a\xc2\x9d" "0;t\xc2\x9c" "b", "ab");
	CHECK("\xc2\x80\xc2\x85\xc2\x9f" "x\x07", "");		/* APC swallows */
	CHECK("\xc2\x80\xc2\x85" "x", "x");
	/* a UTF-8 continuation 0x9b inside a valid character is not C1 */
	CHECK("\xe2\x9b\x94", "\xe2\x9b\x94");			/* U+26D4 */
}

static void
test_c0_and_escapes(void **state)
{
	(void)state;
	CHECK("a\x00" "b\x07" "c\x08" "d\x0b" "e\x0c" "f\x7f" "g\x0e\x0f", "abcdefg");
	CHECK("lone \x1b", "lone ");
	CHECK("\x1b" "cReset\x1b" "7x\x1b" "8\x1bM", "Resetx");	/* two-char escapes */
	CHECK("\x1b(Bab\x1b)0", "ab");				/* charset designation */
	CHECK("\x1b\x1b[31mx", "x");
	CHECK("\x1b\xc3\xa9", "\xc3\xa9");			/* not a sequence */
	CHECK("ok\b\bFAIL", "okFAIL");				/* no overprinting */
	/* bidi overrides and isolates are dropped */
	CHECK("abc\xe2\x80\xae" "fed\xe2\x80\xac" "g\xe2\x81\xa6" "h\xe2\x81\xa9", "abcfedgh");
}

static void
test_carriage_return(void **state)
{
	(void)state;
	CHECK("a\r\nb\r\n", "a\nb\n");
	CHECK("a\r\r\nb", "a\nb");
	CHECK(" 10%\r 20%\r100%\n", " 10%\n 20%\n100%\n");
	CHECK("x\r\x1b[Kdone\n", "x\ndone\n");
	CHECK("end\r", "end\n");
	CHECK("a\r\n", "a\n");
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	CHECK("\xc0\xaf", FFFD FFFD);			/* overlong '/' */
	CHECK("\xe0\x80\xaf" "x", FFFD FFFD "x");	/* overlong 3-byte: 80 is raw C1 */
	CHECK("\xe0\xa0\x80", "\xe0\xa0\x80");		/* smallest valid 3-byte */
	CHECK("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD);	/* overlong 4-byte */
	CHECK("\xed\xa0\x80", FFFD FFFD);		/* surrogate U+D800; 80 is raw C1 */
	/* above U+10FFFF; the 90 left over is a raw DCS, ended by ST */
	CHECK("\xf4\x90\x80\x80\x9c" "z", FFFD "z");
	CHECK("\xf5\xff\xfe", FFFD FFFD FFFD);
	CHECK("\xe2\x82" "A", FFFD "A");		/* truncated, then ASCII */
	CHECK("\xe2\x82", FFFD);			/* truncated at end */
	CHECK("\xa0\xbf", FFFD FFFD);			/* stray continuations */
	CHECK("\xc3" "\x1b[31m" "x", FFFD "x");
}

static void
test_one_line(void **state)
{
	(void)state;
	CHECK_FLAGS("a\nb\tc\r\nd\r", "a b c d ", SANITIZE_ONE_LINE);
	CHECK_FLAGS("\x1b[1mbold\x1b[0m\n", "bold ", SANITIZE_ONE_LINE);
}

static void
test_split_sequences(void **state)
{
	(void)state;
	CHECK_SPLIT("pre\x1b]0;evil title\x1b\\post\n", "pre" "post\n");
	CHECK_SPLIT("a\x1b[38;5;196mb\x1b[0m", "ab");
	CHECK_SPLIT("\xc2\x9b" "2Jx\xe2\x82\xac\xf0\x9f\x98\x80", "x\xe2\x82\xac\xf0\x9f\x98\x80");
	CHECK_SPLIT("1\r\n2\r3", "1\n2\n3");
	CHECK_SPLIT("\xe2\x82" "A\xc0\xaf", FFFD "A" FFFD FFFD);
	CHECK_SPLIT("x\x9b" "1;2Hy\x9d" "t\x9c" "z", "xyz");
}

static void
test_unterminated_is_bounded(void **state)
{
	struct strbuf in = STRBUF_INIT;
	char *got;

	(void)state;
	/* an OSC never terminated: the text after the cap is shown again */
	strbuf_puts(&in, "\x1b]0;");
	for (int i = 0; i < SANITIZE_MAX_STRING + 10; i++)
		strbuf_putc(&in, 'a');
	strbuf_puts(&in, "\nvisible\n");
	got = sanitize_string(in.buf, in.len, 0);
	assert_non_null(strstr(got, "\nvisible\n"));
	assert_true(strlen(got) < 64);
	free(got);
	strbuf_reset(&in);
	/* a CSI with endless parameters is abandoned the same way */
	strbuf_puts(&in, "\x1b[");
	for (int i = 0; i < SANITIZE_MAX_CSI + 5; i++)
		strbuf_putc(&in, '1');
	strbuf_puts(&in, "m!");
	got = sanitize_string(in.buf, in.len, 0);
	assert_string_equal(got, "1111m!");
	free(got);
	strbuf_free(&in);
}

/* Every byte value, in every position: the output is always clean UTF-8. */
static void
test_no_control_survives(void **state)
{
	char in[3];

	(void)state;
	for (int a = 0; a < 256; a++) {
		for (int b = 0; b < 256; b += 3) {
			char *got;

			in[0] = (char)a;
			in[1] = (char)b;
			in[2] = 'z';
			got = sanitize_string(in, 3, 0);
			for (const unsigned char *p = (const unsigned char *)got; *p; p++) {
				if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
					fail_msg("control %02x from %02x %02x", *p, a, b);
				if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
					fail_msg("C1 from %02x %02x", a, b);
			}
			free(got);
		}
	}
}

/* sanitize_copy_line: one line, escapes gone, truncated to the buffer, NULL is "". */
static void
test_copy_line(void **state)
{
	char buf[8];

	(void)state;
	sanitize_copy_line(buf, sizeof buf, "a\033[31mb\nc\td");
	assert_string_equal(buf, "ab c d");
	sanitize_copy_line(buf, sizeof buf, "0123456789");
	assert_string_equal(buf, "0123456");
	sanitize_copy_line(buf, sizeof buf, NULL);
	assert_string_equal(buf, "");
}

/* What the attacks of the planted-input test use, in one string. */
#define PLANTED "x\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;title\x07\xc2\x9b" "31m\xe2\x80\xaey"

static void
test_bidi_marks(void **state)
{
	(void)state;
	/* LRM, RLM and ALM reorder neighbouring text too: dropped with the overrides */
	CHECK("a\xe2\x80\x8e" "b\xe2\x80\x8f" "c\xd8\x9c" "d", "abcd");
	CHECK("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae"
	      "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9.", ".");
	/* their neighbours are kept: U+200D (ZWJ), U+2070, Arabic letters */
	CHECK("\xe2\x80\x8d\xe2\x81\xb0\xd8\xa8", "\xe2\x80\x8d\xe2\x81\xb0\xd8\xa8");
	CHECK(PLANTED, "xy");
}

#define JCHECK(in, want) do { \
		char *got_ = sanitize_json((in), sizeof(in) - 1); \
		assert_string_equal(got_, (want)); \
		free(got_); \
	} while (0)

static void
test_json_escapes_controls(void **state)
{
	(void)state;
	/* outside strings: JSON's own whitespace and structure are unchanged */
	JCHECK("{\n  \"a\": [1, true],\n\t\"b\": null\n}", "{\n  \"a\": [1, true],\n\t\"b\": null\n}");
	/* C1 (encoded), bidi controls and marks, DEL, raw C0 inside a string */
	JCHECK("[\"a\xc2\x9b" "b\xc2\x85\"]", "[\"a\\u009bb\\u0085\"]");
	JCHECK("\"\xe2\x80\xae\xe2\x81\xa6\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\"",
	       "\"\\u202e\\u2066\\u200e\\u200f\\u061c\"");
	JCHECK("\"a\x7f\x1b\x07\"", "\"a\\u007f\\u001b\\u0007\"");
	/* escapes already there are kept whole: \" does not end the string */
	JCHECK("\"q\\\"\xc2\x9b\\\\\" \"\xc2\x9b\"", "\"q\\\"\\u009b\\\\\" \"\\u009b\"");
	/* printable non-ASCII stays as it is; invalid UTF-8 becomes U+FFFD */
	JCHECK("\"caf\xc3\xa9 \xe2\x82\xac\"", "\"caf\xc3\xa9 \xe2\x82\xac\"");
	JCHECK("\"\xff\xc2\"", "\"\\ufffd\\ufffd\"");
}

static void
test_json_round_trip(void **state)
{
	json_t *o = json_pack("{s:s,s:[s]}", "site_host", PLANTED, "hosts", "h\xe2\x80\xae" "1");
	char *text = json_dumps(o, JSON_INDENT(2)), *safe;
	json_error_t je;
	json_t *back;

	(void)state;
	assert_non_null(text);
	/* jansson alone lets C1 and U+202E through */
	assert_non_null(strstr(text, "\xc2\x9b"));
	safe = sanitize_json(text, strlen(text));
	for (const unsigned char *p = (const unsigned char *)safe; *p != '\0'; p++)
		assert_true(*p >= 0x20 ? *p < 0x7f : (*p == '\n'));
	/* the same document: nothing dropped, only escaped */
	back = json_loads(safe, 0, &je);
	assert_non_null(back);
	assert_true(json_equal(o, back));
	json_decref(back);
	free(safe);
	free(text);
	json_decref(o);
}

static void
test_output_json(void **state)
{
	json_t *o = json_pack("{s:s}", "name", "run\xc2\x9b" "\xe2\x80\xae");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(output_json(o, fp, JSON_COMPACT), 0);
	fclose(fp);
	assert_string_equal(buf, "{\"name\":\"run\\u009b\\u202e\"}\n");
	free(buf);
	json_decref(o);
}

/* The stream: every write sanitised, sequences split across writes included. */
static void
test_stream(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *dst = open_memstream(&buf, &len);
	FILE *fp = sanitize_fopen(dst, _IONBF);

	(void)state;
	assert_non_null(fp);
	fprintf(fp, "SITE_HOST %s\n", PLANTED);
	fputs("a\x1b[", fp);		/* a CSI cut between two writes */
	fputs("2Jb \xe2\x80", fp);	/* and a UTF-8 character */
	fputs("\xaeok\n", fp);
	for (const char *p = "c\x1b]0;t\x07" "d\n"; *p != '\0'; p++)
		fputc(*p, fp);
	fputs("end\xe2", fp);		/* truncated at the end: U+FFFD at fclose */
	assert_int_equal(fclose(fp), 0);
	fflush(dst);
	assert_string_equal(buf, "SITE_HOST xy\nab ok\ncd\nend" FFFD);
	fclose(dst);
	free(buf);
}

static void
test_stream_buffered(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *dst = open_memstream(&buf, &len);
	FILE *fp = sanitize_fopen(dst, _IOFBF);
	struct strbuf want = STRBUF_INIT;

	(void)state;
	/* more than a buffer's worth: the sanitiser's state carries across flushes */
	for (int i = 0; i < 5000; i++) {
		fprintf(fp, "%d \x1b[3%dm\xe2\x80\xae|", i, i % 8);
		strbuf_printf(&want, "%d |", i);
	}
	assert_int_equal(fclose(fp), 0);
	fflush(dst);
	assert_string_equal(buf, strbuf_str(&want));
	strbuf_free(&want);
	fclose(dst);
	free(buf);
}

/* A sequence cut short (a field truncated to its column) ends at the line's end. */
static void
test_line_ends_sequence(void **state)
{
	(void)state;
	/* by default an OSC string runs on across lines, as on a terminal */
	CHECK("a\x1b]0;pwn\nb\x07" "c\n", "ac\n");
	CHECK_FLAGS("a\x1b]0;pwn\nb\x07" "c\n", "a\nbc\n", SANITIZE_LINE_ENDS_SEQUENCE);
	CHECK_FLAGS("a\x1b[3\nb\n", "a\nb\n", SANITIZE_LINE_ENDS_SEQUENCE);
	CHECK_FLAGS("a\xc2\x9dx\nb\n", "a\nb\n", SANITIZE_LINE_ENDS_SEQUENCE);
	CHECK_FLAGS("a\x1bP\nb\n", "a\nb\n", SANITIZE_LINE_ENDS_SEQUENCE);
}

static void
test_stream_truncated_field(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *dst = open_memstream(&buf, &len);
	FILE *fp = sanitize_fopen(dst, _IOFBF);

	(void)state;
	/* "%.8s" cuts the name inside its title sequence: the row still ends */
	fprintf(fp, "%-10.8s %s\n%s\n", "rb\x1b]0;pwned\x07Z", "dry-run", "next row");
	assert_int_equal(fclose(fp), 0);
	fflush(dst);
	assert_string_equal(buf, "rb\nnext row\n");
	fclose(dst);
	free(buf);
}

static void
test_utf8_repair(void **state)
{
	char *got;

	(void)state;
	got = sanitize_utf8("host\x9b" "A\x1b\xe2\x80\xae\xff", 11);
	assert_string_equal(got, "host" FFFD "A\x1b\xe2\x80\xae" FFFD);
	free(got);
	got = sanitize_utf8("caf\xc3\xa9", 5);
	assert_string_equal(got, "caf\xc3\xa9");
	free(got);
	got = sanitize_utf8("", 0);
	assert_string_equal(got, "");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_kept),
		cmocka_unit_test(test_csi_removed),
		cmocka_unit_test(test_osc_and_strings_removed),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_c0_and_escapes),
		cmocka_unit_test(test_carriage_return),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_split_sequences),
		cmocka_unit_test(test_unterminated_is_bounded),
		cmocka_unit_test(test_no_control_survives),
		cmocka_unit_test(test_copy_line),
		cmocka_unit_test(test_bidi_marks),
		cmocka_unit_test(test_json_escapes_controls),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_output_json),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_buffered),
		cmocka_unit_test(test_line_ends_sequence),
		cmocka_unit_test(test_stream_truncated_field),
		cmocka_unit_test(test_utf8_repair),
	};

	return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
