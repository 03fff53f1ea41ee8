/*
 * test_known_hosts.c: OpenSSH known_hosts lines as OpenSSH reads them:
 * markers, host patterns (wildcards, negation, case), hashed "|1|" names
 * (HMAC-SHA1 vectors made with Python's hmac), strict base64, @revoked
 * lookups, and which hosts a file covers for lint (hashed entries too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "drconsole/config/known_hosts.h"
#include "drconsole/util/util.h"

#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIOlA32UNM9Hw3aXuTpDdaptctQcIllYQDyg0t3950s49"
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAIPIlL8LEBviyGDNiumHlsCc9v/jSxQNvQcmGGW3OABxS"
/* salt 00..13; names "10.1.2.3", "[10.1.2.3]:2222", "db1.example" */
#define SALT "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|"
#define H_10_1_2_3 SALT "Cx9oPi2ubNerqPtentzRFYhnniE="
#define H_10_1_2_3_2222 SALT "3/sdO6vtpR78qSUGF1nN4GQUmPM="
#define H_DB1 SALT "x7u35G13DxvLK1gBvhc8j7ZCXbo="

static bool
names(const char *field, const char *name)
{
	return known_hosts_field_names(field, strlen(field), name);
}

static void
test_split(void **state)
{
	struct known_hosts_line l;
	const char *s;

	(void)state;
	s = "  10.0.0.1,db ssh-ed25519 " KEY_A " comment here\r";
	assert_true(known_hosts_split(s, strlen(s), &l));
	assert_int_equal(l.marker, KH_MARKER_NONE);
	assert_int_equal(l.hosts_len, 11);
	assert_memory_equal(l.hosts, "10.0.0.1,db", 11);
	assert_int_equal(l.type_len, 11);
	assert_int_equal(l.key_len, strlen(KEY_A));
	s = "@revoked\t* ssh-ed25519 " KEY_A;
	assert_true(known_hosts_split(s, strlen(s), &l));
	assert_int_equal(l.marker, KH_MARKER_REVOKED);
	assert_int_equal(l.hosts_len, 1);
	s = "@cert-authority *.example ssh-ed25519 " KEY_A;
	assert_true(known_hosts_split(s, strlen(s), &l));
	assert_int_equal(l.marker, KH_MARKER_CERT_AUTHORITY);
	/* comments, blanks, unknown, repeated or miscased markers, missing fields */
	assert_false(known_hosts_split("# x", 3, &l));
	assert_false(known_hosts_split("   ", 3, &l));
	assert_false(known_hosts_split("", 0, &l));
	s = "@revoke 10.0.0.1 ssh-ed25519 " KEY_A;
	assert_false(known_hosts_split(s, strlen(s), &l));
	s = "@Revoked 10.0.0.1 ssh-ed25519 " KEY_A;
	assert_false(known_hosts_split(s, strlen(s), &l));
	s = "@revoked @cert-authority 10.0.0.1 ssh-ed25519 " KEY_A;
	assert_false(known_hosts_split(s, strlen(s), &l));
	assert_false(known_hosts_split("@revoked", 8, &l));
	assert_false(known_hosts_split("10.0.0.1 ssh-ed25519", 20, &l));
	/* len bounds the line: nothing past it is read */
	assert_false(known_hosts_split("10.0.0.1 ssh-ed25519 AAAA", 21, &l));
}

static void
test_patterns(void **state)
{
	(void)state;
	assert_true(names("10.0.0.1", "10.0.0.1"));
	assert_false(names("10.0.0.1", "10.0.0.10"));
	assert_true(names("db,10.0.0.1", "10.0.0.1"));
	assert_true(names("10.0.0.*", "10.0.0.17"));
	assert_true(names("10.0.0.?", "10.0.0.7"));
	assert_false(names("10.0.0.?", "10.0.0.17"));
	assert_true(names("*", "anything"));
	assert_true(names("*.example", "db1.example"));
	assert_true(names("a*b*c", "aXXbYYbZc"));
	assert_false(names("a*b*c", "aXXbYYbZ"));
	assert_true(names("[10.0.0.1]:2222", "[10.0.0.1]:2222"));
	assert_false(names("[10.0.0.1]:2222", "10.0.0.1"));
	/* case-insensitive both ways */
	assert_true(names("DB1.Example", "db1.example"));
	assert_true(names("db1.example", "DB1.EXAMPLE"));
	/* a matching negation vetoes the line; a negation alone matches nothing */
	assert_false(names("*,!10.0.0.1", "10.0.0.1"));
	assert_true(names("*,!10.0.0.1", "10.0.0.2"));
	assert_false(names("!10.0.0.1", "10.0.0.2"));
	/* empty sub-patterns match nothing but the empty name */
	assert_false(names(",", "10.0.0.1"));
	assert_false(names("", "10.0.0.1"));
}

static void
test_long_pattern_matches_nothing(void **state)
{
	char *field = xmalloc(2100);

	(void)state;
	memset(field, '*', 2000);
	strcpy(field + 2000, ",10.0.0.1");
	/* OpenSSH: a sub-pattern of 1023 bytes or more fails the whole list */
	assert_false(names(field, "10.0.0.1"));
	memset(field, 'a', 1022);
	strcpy(field + 1022, ",10.0.0.1");
	assert_true(names(field, "10.0.0.1"));
	free(field);
}

static void
test_hashed(void **state)
{
	(void)state;
	assert_true(names(H_10_1_2_3, "10.1.2.3"));
	assert_false(names(H_10_1_2_3, "10.1.2.4"));
	assert_true(names(H_10_1_2_3_2222, "[10.1.2.3]:2222"));
	assert_false(names(H_10_1_2_3_2222, "10.1.2.3"));
	/* the name is lower-cased before hashing, as ssh looks hosts up */
	assert_true(names(H_DB1, "DB1.example"));
	/* malformed: other magic, short salt, missing hash, truncated hash */
	assert_false(names("|2|AAECAwQFBgcICQoLDA0ODxAREhM=|Cx9oPi2ubNerqPtentzRFYhnniE=", "10.1.2.3"));
	assert_false(names("|1|AAECAw==|Cx9oPi2ubNerqPtentzRFYhnniE=", "10.1.2.3"));
	assert_false(names(SALT, "10.1.2.3"));
	assert_false(names("|1||Cx9oPi2ubNerqPtentzRFYhnniE=", "10.1.2.3"));
	assert_false(names(SALT "Cx9oPi2ubNerqPtentzRFYhnni", "10.1.2.3"));
	assert_false(names("|1|", "10.1.2.3"));
	assert_false(names("|", "10.1.2.3"));
}

static void
test_base64(void **state)
{
	unsigned char out[16];

	(void)state;
	assert_int_equal(known_hosts_b64_decode("Zm9v", 4, out, sizeof out), 3);
	assert_memory_equal(out, "foo", 3);
	assert_int_equal(known_hosts_b64_decode("Zm8=", 4, out, sizeof out), 2);
	assert_int_equal(known_hosts_b64_decode("Zg==", 4, out, sizeof out), 1);
	assert_int_equal(known_hosts_b64_decode("", 0, out, sizeof out), 0);
	/* no padding, stray bits, '=' inside, not base64, too long for out */
	assert_int_equal(known_hosts_b64_decode("Zm8", 3, out, sizeof out), -1);
	assert_int_equal(known_hosts_b64_decode("Zh==", 4, out, sizeof out), -1);
	assert_int_equal(known_hosts_b64_decode("Zm9=", 4, out, sizeof out), -1);
	assert_int_equal(known_hosts_b64_decode("Zg==Zm9v", 8, out, sizeof out), -1);
	assert_int_equal(known_hosts_b64_decode("Z=9v", 4, out, sizeof out), -1);
	assert_int_equal(known_hosts_b64_decode("Zm9!", 4, out, sizeof out), -1);
	assert_int_equal(known_hosts_b64_decode("Zm9vZm9v", 8, out, 5), -1);
}

static bool
revoked(const char *text, const char *name, const char *key_b64)
{
	unsigned char blob[128];
	long n = known_hosts_b64_decode(key_b64, strlen(key_b64), blob, sizeof blob);
	const char *list[2] = { name, NULL };

	assert_true(n > 0);
	return known_hosts_revoked(text, strlen(text), list, 2, blob, (size_t)n);
}

static void
test_revoked(void **state)
{
	(void)state;
	assert_true(revoked("@revoked 10.0.0.1 ssh-ed25519 " KEY_A "\n", "10.0.0.1", KEY_A));
	assert_false(revoked("@revoked 10.0.0.1 ssh-ed25519 " KEY_A "\n", "10.0.0.1", KEY_B));
	assert_false(revoked("@revoked 10.0.0.1 ssh-ed25519 " KEY_A "\n", "10.0.0.2", KEY_A));
	assert_false(revoked("10.0.0.1 ssh-ed25519 " KEY_A "\n", "10.0.0.1", KEY_A));
	assert_false(revoked("@cert-authority 10.0.0.1 ssh-ed25519 " KEY_A "\n", "10.0.0.1", KEY_A));
	/* any line of the file, the last one without a newline, with a comment */
	assert_true(revoked("# c\n10.0.0.1 ssh-ed25519 " KEY_B "\n\n@revoked " H_10_1_2_3
			    " ssh-ed25519 " KEY_A " stolen 2026", "10.1.2.3", KEY_A));
	/* the blob must be of the type the line names, and decode strictly */
	assert_false(revoked("@revoked 10.0.0.1 ssh-rsa " KEY_A "\n", "10.0.0.1", KEY_A));
	assert_false(revoked("@revoked 10.0.0.1 ssh-ed25519 " KEY_A "=\n", "10.0.0.1", KEY_A));
	assert_false(revoked("@revoked 10.0.0.1 ssh-ed25519 AAAA\n", "10.0.0.1", KEY_A));
}

static void
test_covers_hashed_and_patterns(void **state)
{
	struct known_hosts kh;

	(void)state;
	memset(&kh, 0, sizeof kh);
	known_hosts_parse("# ssh-keygen -H\n"
			  H_10_1_2_3 " ssh-ed25519 " KEY_A "\n"
			  H_10_1_2_3_2222 " ssh-ed25519 " KEY_A "\n"
			  "db2,10.0.0.2 ssh-ed25519 " KEY_A "\n"
			  "10.0.1.* ssh-ed25519 " KEY_A "\n"
			  "@revoked 10.0.0.9 ssh-ed25519 " KEY_A "\n"
			  "@cert-authority 10.0.0.8 ssh-ed25519 " KEY_A "\n", &kh);
	assert_int_equal(kh.lines, 6);
	assert_int_equal(kh.n, 4);
	assert_int_equal(kh.hashed, 2);
	assert_true(known_hosts_covers(&kh, "10.1.2.3", 22));
	assert_true(known_hosts_covers(&kh, "10.1.2.3", 2222));
	assert_false(known_hosts_covers(&kh, "10.1.2.3", 2200));
	assert_true(known_hosts_covers(&kh, "10.0.0.2", 22));
	assert_true(known_hosts_covers(&kh, "db2", 0));
	/* accepted keys come from libssh2, which reads no wildcards: lint says so too */
	assert_false(known_hosts_covers(&kh, "10.0.1.44", 22));
	assert_true(known_hosts_covers(&kh, "10.0.1.*", 22));
	assert_true(known_hosts_field_lists("a,b,c", 5, "b"));
	assert_false(known_hosts_field_lists("a,b,c", 5, "a,b"));
	assert_false(known_hosts_field_lists("ab", 2, "a"));
	assert_true(known_hosts_field_lists(H_10_1_2_3, strlen(H_10_1_2_3), "10.1.2.3"));
	/* a marked line lists no accepted key */
	assert_false(known_hosts_covers(&kh, "10.0.0.9", 22));
	assert_false(known_hosts_covers(&kh, "10.0.0.8", 22));
	known_hosts_free(&kh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_long_pattern_matches_nothing),
		cmocka_unit_test(test_hashed),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_covers_hashed_and_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
