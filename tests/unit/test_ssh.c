/*
 * test_ssh.c: the pure parts of the SSH layer: fingerprints (against
 * ssh-keygen -l), known_hosts matching through libssh2's knownhost API
 * ("[addr]:port" and plain entries, several key types per host, hashed
 * entries, two files, a last line without newline), @revoked markers
 * (either order, hashed, patterns, either file), names, and pool options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libssh2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/config/known_hosts.h"
#include "drconsole/ssh/ssh.h"
#include "drconsole/util/util.h"

/* Keys made with ssh-keygen for these tests. */
#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIOlA32UNM9Hw3aXuTpDdaptctQcIllYQDyg0t3950s49"
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAIPIlL8LEBviyGDNiumHlsCc9v/jSxQNvQcmGGW3OABxS"
#define KEY_C "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHT9hU+hRX6b3m+X1vVtK/" \
	      "AcLk880qwmnkS3wjBkFtb38MsdbLHd7VH/Ty2cmJ346bGG5RiX+e414YOyz18lKi4="
/* `ssh-keygen -lf a.pub` of KEY_A */
#define KEY_A_FP "SHA256:qEMvvG36k4yIbIevLKvwV6IhrHIAxC6wPH3YQEds7cE"
/* sha256 of KEY_A's blob */
static const unsigned char key_a_digest[32] = {
	0xa8, 0x43, 0x2f, 0xbc, 0x6d, 0xfa, 0x93, 0x8c, 0x88, 0x6c, 0x87, 0xaf, 0x2c, 0xab, 0xf0, 0x57,
	0xa2, 0x21, 0xac, 0x72, 0x00, 0xc4, 0x2e, 0xb0, 0x3c, 0x7d, 0xd8, 0x40, 0x47, 0x6c, 0xed, 0xc1,
};
/* "10.1.2.3" hashed as OpenSSH's HashKnownHosts does (salt 00..13) */
#define HASHED_10_1_2_3 "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|Cx9oPi2ubNerqPtentzRFYhnniE="
/* "[10.1.2.3]:2222" hashed the same way */
#define HASHED_10_1_2_3_2222 "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|3/sdO6vtpR78qSUGF1nN4GQUmPM="

/* the key's blob, decoded by the project's own base64 reader */
static size_t
key_blob(const char *b64, unsigned char *out, size_t cap)
{
	long n = known_hosts_b64_decode(b64, strlen(b64), out, cap);

	assert_true(n > 0);
	return (size_t)n;
}

static char *
write_tmp(const char *text)
{
	char path[] = "/tmp/drc-kh-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return xstrdup(path);
}

static enum ssh_hostkey_match
check(const char *text, const char *host, int port, const char *key_b64, int type)
{
	unsigned char blob[256];
	size_t n = key_blob(key_b64, blob, sizeof blob);
	char *path = write_tmp(text);
	const char *files[1] = { path };
	enum ssh_hostkey_match m = ssh_hostkey_check(files, 1, host, port, blob, n, type, NULL);

	unlink(path);
	free(path);
	return m;
}

static void
test_base64_nopad(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(ssh_base64_nopad((const unsigned char *)"", 0, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	ssh_base64_nopad((const unsigned char *)"f", 1, buf, sizeof buf);
	assert_string_equal(buf, "Zg");
	ssh_base64_nopad((const unsigned char *)"fo", 2, buf, sizeof buf);
	assert_string_equal(buf, "Zm8");
	ssh_base64_nopad((const unsigned char *)"foo", 3, buf, sizeof buf);
	assert_string_equal(buf, "Zm9v");
	ssh_base64_nopad((const unsigned char *)"foob", 4, buf, sizeof buf);
	assert_string_equal(buf, "Zm9vYg");
	ssh_base64_nopad((const unsigned char *)"\xff\xfe", 2, buf, sizeof buf);
	assert_string_equal(buf, "//4");
	/* truncated to the buffer, always terminated */
	ssh_base64_nopad((const unsigned char *)"foobar", 6, buf, 4);
	assert_string_equal(buf, "Zm9");
}

static void
test_fingerprint_matches_ssh_keygen(void **state)
{
	char fp[80];

	(void)state;
	ssh_fingerprint_format(key_a_digest, fp, sizeof fp);
	assert_string_equal(fp, KEY_A_FP);
	assert_int_equal(strlen(fp), 7 + 43);	/* 32 bytes: 43 characters, no '=' */
	assert_null(strchr(fp, '='));
}

static void
test_known_hosts_bracketed_port(void **state)
{
	const char *kh = "[127.0.20.5]:2222 ssh-ed25519 " KEY_A "\n";

	(void)state;
	assert_int_equal(check(kh, "127.0.20.5", 2222, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MATCH);
	assert_int_equal(check(kh, "127.0.20.5", 2222, KEY_B, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MISMATCH);
	/* another port or another address is not this entry */
	assert_int_equal(check(kh, "127.0.20.5", 22, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_NOTFOUND);
	assert_int_equal(check(kh, "127.0.20.6", 2222, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_NOTFOUND);
}

static void
test_known_hosts_plain_commcare_style(void **state)
{
	/* commcare-cloud: plain addresses, three keys per host, last line without newline */
	const char *kh =
		"10.202.10.11 ecdsa-sha2-nistp256 " KEY_C "\n"
		"10.202.10.11 ssh-ed25519 " KEY_A "\n"
		"10.202.10.12 ssh-ed25519 " KEY_B "\n"
		"10.202.10.13 ssh-ed25519 " KEY_A;

	(void)state;
	assert_int_equal(check(kh, "10.202.10.11", 22, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MATCH);
	assert_int_equal(check(kh, "10.202.10.11", 22, KEY_C, LIBSSH2_HOSTKEY_TYPE_ECDSA_256),
			 SSH_HOSTKEY_MATCH);
	/* the ed25519 key of another host is a changed key for this one */
	assert_int_equal(check(kh, "10.202.10.11", 22, KEY_B, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MISMATCH);
	assert_int_equal(check(kh, "10.202.10.13", 22, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MATCH);
	assert_int_equal(check(kh, "10.202.10.99", 22, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_NOTFOUND);	/* libssh2 falls back to the plain entry for another port (documented in ssh.h) */
	assert_int_equal(check(kh, "10.202.10.13", 2222, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MATCH);
}

static void
test_known_hosts_other_type_only_is_unknown(void **state)
{
	const char *kh = "10.0.0.7 ecdsa-sha2-nistp256 " KEY_C "\n";

	(void)state;
	/* the host is listed, but with no key of the type the server chose */
	assert_int_equal(check(kh, "10.0.0.7", 22, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_NOTFOUND);
}

static void
test_known_hosts_hashed_and_comma_list(void **state)
{
	const char *kh =
		HASHED_10_1_2_3 " ssh-ed25519 " KEY_A "\n"
		"db1.example,10.9.9.9 ssh-ed25519 " KEY_B "\n";

	(void)state;
	assert_int_equal(check(kh, "10.1.2.3", 22, KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MATCH);
	assert_int_equal(check(kh, "10.1.2.3", 22, KEY_B, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MISMATCH);
	assert_int_equal(check(kh, "10.9.9.9", 22, KEY_B, LIBSSH2_HOSTKEY_TYPE_ED25519),
			 SSH_HOSTKEY_MATCH);
}

static void
test_known_hosts_two_files(void **state)
{
	unsigned char blob[128];
	size_t n = key_blob(KEY_A, blob, sizeof blob), read = 0;
	char *env = write_tmp("10.0.0.1 ssh-ed25519 " KEY_B "\n");
	char *user = write_tmp("10.0.0.1 ssh-ed25519 " KEY_A "\n10.0.0.2 ssh-ed25519 " KEY_A "\n");
	char *empty = write_tmp("");
	const char *both[2] = { env, user };
	const char *missing_then_user[2] = { "/nonexistent/known_hosts", user };
	const char *nothing[2] = { NULL, "/nonexistent/known_hosts" };
	const char *env_only[2] = { env, empty };

	(void)state;
	/* a match in either file accepts (OpenSSH reads all its files the same way) */
	assert_int_equal(ssh_hostkey_check(both, 2, "10.0.0.1", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, &read), SSH_HOSTKEY_MATCH);
	assert_int_equal(read, 2);
	assert_int_equal(ssh_hostkey_check(both, 2, "10.0.0.2", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, &read), SSH_HOSTKEY_MATCH);
	assert_int_equal(ssh_hostkey_check(missing_then_user, 2, "10.0.0.2", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, &read), SSH_HOSTKEY_MATCH);
	assert_int_equal(read, 1);
	assert_int_equal(ssh_hostkey_check(env_only, 2, "10.0.0.1", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, &read), SSH_HOSTKEY_MISMATCH);
	assert_int_equal(ssh_hostkey_check(nothing, 2, "10.0.0.1", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, &read), SSH_HOSTKEY_NOTFOUND);
	assert_int_equal(read, 0);
	unlink(env);
	unlink(user);
	unlink(empty);
	free(env);
	free(user);
	free(empty);
}

static void
test_hostkey_prefs(void **state)
{
	char *env = write_tmp(
		"# comment\n"
		"10.0.0.1 ssh-rsa " KEY_A "\n"
		"10.0.0.1 ssh-ed25519 " KEY_A "\n"
		"db,10.0.0.2 ecdsa-sha2-nistp256 " KEY_C "\n"
		"[10.0.0.3]:2222 ssh-ed25519 " KEY_A "\n"
		HASHED_10_1_2_3 " ssh-ed25519 " KEY_A "\n"
		"@cert-authority 10.0.0.4 ssh-ed25519 " KEY_A);
	const char *files[2] = { env, "/nonexistent" };
	char buf[256];

	(void)state;
	ssh_hostkey_prefs(files, 2, "10.0.0.1", 22, buf, sizeof buf);
	assert_string_equal(buf, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-rsa,"
			    "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521");
	/* an ed25519-preferring libssh2 order is not assumed: the known type comes first */
	ssh_hostkey_prefs(files, 2, "10.0.0.2", 22, buf, sizeof buf);
	assert_true(str_starts_with(buf, "ecdsa-sha2-nistp256,ssh-ed25519,"));
	ssh_hostkey_prefs(files, 2, "10.0.0.3", 2222, buf, sizeof buf);
	assert_true(str_starts_with(buf, "ssh-ed25519,ecdsa-sha2-nistp256,"));
	/* unknown, hashed-only and marker lines: libssh2's own order */
	ssh_hostkey_prefs(files, 2, "10.0.0.3", 22, buf, sizeof buf);
	assert_string_equal(buf, "");
	ssh_hostkey_prefs(files, 2, "10.1.2.3", 22, buf, sizeof buf);
	assert_string_equal(buf, "");
	ssh_hostkey_prefs(files, 2, "10.0.0.4", 22, buf, sizeof buf);
	assert_string_equal(buf, "");
	/* too small a buffer: nothing rather than half a list */
	ssh_hostkey_prefs(files, 2, "10.0.0.1", 22, buf, 20);
	assert_string_equal(buf, "");
	unlink(env);
	free(env);
}

#define ED25519 LIBSSH2_HOSTKEY_TYPE_ED25519

static void
test_known_hosts_revoked_either_order(void **state)
{
	const char *plain = "10.0.0.1 ssh-ed25519 " KEY_A "\n";
	const char *revoked = "@revoked 10.0.0.1 ssh-ed25519 " KEY_A "\n";
	char *after = xasprintf("%s%s", plain, revoked), *before = xasprintf("%s%s", revoked, plain);

	(void)state;
	/* OpenSSH: a revoked key is refused whatever else matches */
	assert_int_equal(check(after, "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_REVOKED);
	assert_int_equal(check(before, "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_REVOKED);
	/* listed only as revoked: revoked, not unknown */
	assert_int_equal(check(revoked, "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_REVOKED);
	/* the mark is on the key: another key of the host, or another host, is not refused */
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@revoked 10.0.0.1 ssh-ed25519 "
			       KEY_B "\n", "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_MATCH);
	assert_int_equal(check("10.0.0.2 ssh-ed25519 " KEY_A "\n@revoked 10.0.0.1 ssh-ed25519 "
			       KEY_A "\n", "10.0.0.2", 22, KEY_A, ED25519), SSH_HOSTKEY_MATCH);
	free(after);
	free(before);
}

static void
test_known_hosts_revoked_patterns_and_hashes(void **state)
{
	(void)state;
	/* hashed, for port 22 and for "[addr]:port" */
	assert_int_equal(check("10.1.2.3 ssh-ed25519 " KEY_A "\n@revoked " HASHED_10_1_2_3
			       " ssh-ed25519 " KEY_A "\n", "10.1.2.3", 22, KEY_A, ED25519),
			 SSH_HOSTKEY_REVOKED);
	assert_int_equal(check("@revoked " HASHED_10_1_2_3_2222 " ssh-ed25519 " KEY_A "\n"
			       "[10.1.2.3]:2222 ssh-ed25519 " KEY_A "\n", "10.1.2.3", 2222, KEY_A,
			       ED25519), SSH_HOSTKEY_REVOKED);
	/* plain entries serve a non-22 port too, so a plain revocation does as well */
	assert_int_equal(check("[10.1.2.3]:2222 ssh-ed25519 " KEY_A "\n@revoked 10.1.2.3 "
			       "ssh-ed25519 " KEY_A "\n", "10.1.2.3", 2222, KEY_A, ED25519),
			 SSH_HOSTKEY_REVOKED);
	/* wildcards, comma lists, negation, case */
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@revoked * ssh-ed25519 " KEY_A,
			       "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_REVOKED);
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@revoked\tdb1,10.0.0.? ssh-ed25519 "
			       KEY_A "\n", "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_REVOKED);
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@revoked *,!10.0.0.1 ssh-ed25519 "
			       KEY_A "\n", "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_MATCH);
	assert_int_equal(check("db1 ssh-ed25519 " KEY_A "\n@revoked DB1 ssh-ed25519 " KEY_A "\n",
			       "db1", 22, KEY_A, ED25519), SSH_HOSTKEY_REVOKED);
	/* markers are case-sensitive and one per line: such lines are ignored, as by OpenSSH */
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@REVOKED 10.0.0.1 ssh-ed25519 "
			       KEY_A "\n", "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_MATCH);
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@revoked @revoked 10.0.0.1 "
			       "ssh-ed25519 " KEY_A "\n", "10.0.0.1", 22, KEY_A, ED25519),
			 SSH_HOSTKEY_MATCH);
	/* a key whose blob is not of the type written on the line is no key */
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@revoked 10.0.0.1 ssh-rsa "
			       KEY_A "\n", "10.0.0.1", 22, KEY_A, ED25519), SSH_HOSTKEY_MATCH);
	/* @cert-authority is no revocation */
	assert_int_equal(check("10.0.0.1 ssh-ed25519 " KEY_A "\n@cert-authority 10.0.0.1 "
			       "ssh-ed25519 " KEY_A "\n", "10.0.0.1", 22, KEY_A, ED25519),
			 SSH_HOSTKEY_MATCH);
}

static void
test_known_hosts_revoked_in_either_file(void **state)
{
	unsigned char blob[128];
	size_t n = key_blob(KEY_A, blob, sizeof blob), read = 0;
	char *plain = write_tmp("10.0.0.1 ssh-ed25519 " KEY_A "\n");
	char *revoked = write_tmp("# user file\n@revoked 10.0.0.1 ssh-ed25519 " KEY_A "\n");
	const char *env_plain[2] = { plain, revoked }, *env_revoked[2] = { revoked, plain };

	(void)state;
	assert_int_equal(ssh_hostkey_check(env_plain, 2, "10.0.0.1", 22, blob, n, ED25519, &read),
			 SSH_HOSTKEY_REVOKED);
	assert_int_equal(read, 2);
	assert_int_equal(ssh_hostkey_check(env_revoked, 2, "10.0.0.1", 22, blob, n, ED25519, &read),
			 SSH_HOSTKEY_REVOKED);
	unlink(plain);
	unlink(revoked);
	free(plain);
	free(revoked);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ssh_state_name(SSH_STATE_UP), "up");
	assert_string_equal(ssh_state_name(SSH_STATE_HOSTKEY_CHANGED), "hostkey-CHANGED");
	assert_string_equal(ssh_state_name(SSH_STATE_HOSTKEY_REVOKED), "hostkey-REVOKED");
	assert_string_equal(ssh_state_name(SSH_STATE_AUTH_FAILED), "auth-failed");
	assert_string_equal(ssh_hostkey_type_name(LIBSSH2_HOSTKEY_TYPE_ED25519), "ssh-ed25519");
	assert_string_equal(ssh_hostkey_type_name(LIBSSH2_HOSTKEY_TYPE_ECDSA_256),
			    "ecdsa-sha2-nistp256");
	assert_string_equal(ssh_hostkey_type_name(99), "unknown");
	assert_int_equal(ssh_signal_number("TERM"), 15);
	assert_int_equal(ssh_signal_number("SIGKILL"), 9);
	assert_int_equal(ssh_signal_number("NOPE"), 0);
	assert_int_equal(ssh_signal_number(NULL), 0);
}

static void
test_pool_options_copied(void **state)
{
	char user[] = "ansible-dr", id[] = "/nonexistent/id_ed25519";
	struct ssh_options o = { .user = user, .identity_file = id, .connect_timeout_ms = 0 };
	struct ssh_pool *p = ssh_pool_create(&o);
	struct ssh_options none = { 0 };
	struct ssh_status st;

	(void)state;
	memset(user, 'x', sizeof user - 1);
	memset(id, 'x', sizeof id - 1);
	assert_string_equal(ssh_pool_user(p), "ansible-dr");
	assert_int_equal(ssh_pool_connect_timeout(p), 5000);	/* 0: the default */
	assert_int_equal(ssh_pool_size(p), 0);
	ssh_pool_keepalive(p);		/* nothing kept: nothing to do */
	/* a past deadline fails at once without blocking */
	assert_null(ssh_pool_acquire(p, "127.0.0.1", 9, NULL, time_mono_ms() - 1, &st));
	assert_true(st.state == SSH_STATE_TIMEOUT || st.state == SSH_STATE_DOWN);
	assert_non_null(st.error);
	ssh_status_clear(&st);
	ssh_pool_free(p);
	p = ssh_pool_create(&none);
	assert_string_equal(ssh_pool_user(p), "ansible");	/* commcare-cloud's default */
	ssh_pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_nopad),
		cmocka_unit_test(test_fingerprint_matches_ssh_keygen),
		cmocka_unit_test(test_known_hosts_bracketed_port),
		cmocka_unit_test(test_known_hosts_plain_commcare_style),
		cmocka_unit_test(test_known_hosts_other_type_only_is_unknown),
		cmocka_unit_test(test_known_hosts_hashed_and_comma_list),
		cmocka_unit_test(test_known_hosts_two_files),
		cmocka_unit_test(test_hostkey_prefs),
		cmocka_unit_test(test_known_hosts_revoked_either_order),
		cmocka_unit_test(test_known_hosts_revoked_patterns_and_hashes),
		cmocka_unit_test(test_known_hosts_revoked_in_either_file),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_pool_options_copied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
