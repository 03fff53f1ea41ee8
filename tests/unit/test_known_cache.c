/*
 * test_known_cache.c: a cold round reads each known_hosts file once, not
 * twice per host (counted with inotify), and an edited file still counts
 * from the next check: a rekeyed host, a key revoked after the first read.
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
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/config/known_hosts.h"
#include "drconsole/ssh/ssh.h"
#include "drconsole/util/util.h"

#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIOlA32UNM9Hw3aXuTpDdaptctQcIllYQDyg0t3950s49"
#define KEY_C "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHT9hU+hRX6b3m+X1vVtK/" \
	      "AcLk880qwmnkS3wjBkFtb38MsdbLHd7VH/Ty2cmJ346bGG5RiX+e414YOyz18lKi4="
#define HASHED_10_1_2_3 "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|Cx9oPi2ubNerqPtentzRFYhnniE="

/* the key's blob, decoded by the project's own base64 reader */
static size_t
key_blob(const char *b64, unsigned char *out, size_t cap)
{
	long n = known_hosts_b64_decode(b64, strlen(b64), out, cap);

	assert_true(n > 0);
	return (size_t)n;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Opens of the watched file since the last call. */
static int
opens(int fd)
{
	_Alignas(struct inotify_event) char buf[4096];
	int n = 0;
	ssize_t len;

	while ((len = read(fd, buf, sizeof buf)) > 0)
		for (char *p = buf; p < buf + len; p += sizeof(struct inotify_event) +
			     ((struct inotify_event *)(void *)p)->len)
			if (((struct inotify_event *)(void *)p)->mask & IN_OPEN)
				n++;
	return n;
}

static void
test_cold_round_reads_known_hosts_once(void **state)
{
	char dir[] = "/tmp/drc-khc-XXXXXX", path[64], buf[256];
	const char *files[1] = { path };
	int fd, n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/known_hosts", dir);
	{
		/* a user's file: many hashed lines, a few plain ones */
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		for (int i = 0; i < 2000; i++)
			fprintf(fp, HASHED_10_1_2_3 " ssh-ed25519 " KEY_A "\n");
		fprintf(fp, "10.0.0.%d ecdsa-sha2-nistp256 " KEY_C "\n", 1);
		fclose(fp);
	}
	sleep_ms(2100);	/* older than the cache's racy window */
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, path, IN_OPEN) >= 0);
	for (int host = 0; host < 64; host++) {
		ssh_hostkey_prefs(files, 1, "10.0.0.1", 22, buf, sizeof buf);
		assert_true(str_starts_with(buf, "ecdsa-sha2-nistp256,"));
		n += opens(fd);	/* read each time: inotify merges a repeated event */
	}
	/* 64 connections' worth: the file was opened at most once */
	assert_true(n <= 1);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void
test_edits_count_from_the_next_check(void **state)
{
	char dir[] = "/tmp/drc-khc-XXXXXX", path[64], buf[256];
	const char *files[1] = { path };
	unsigned char blob[256];
	size_t n = key_blob(KEY_A, blob, sizeof blob);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/known_hosts", dir);
	write_file(path, "10.0.0.1 ssh-ed25519 " KEY_A "\n");
	assert_int_equal(ssh_hostkey_check(files, 1, "10.0.0.1", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), SSH_HOSTKEY_MATCH);
	ssh_hostkey_prefs(files, 1, "10.0.0.1", 22, buf, sizeof buf);
	assert_true(str_starts_with(buf, "ssh-ed25519,"));
	/* at once, same size, same second: the host now has another key type */
	write_file(path, "10.0.0.1 ecdsa-sha2-nistp256 " KEY_C "\n");
	ssh_hostkey_prefs(files, 1, "10.0.0.1", 22, buf, sizeof buf);
	assert_true(str_starts_with(buf, "ecdsa-sha2-nistp256,"));
	/* the key revoked: refused from the next check on */
	write_file(path, "10.0.0.1 ssh-ed25519 " KEY_A "\n@revoked 10.0.0.1 ssh-ed25519 " KEY_A "\n");
	assert_int_equal(ssh_hostkey_check(files, 1, "10.0.0.1", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), SSH_HOSTKEY_REVOKED);
	/* and after the file has aged past the racy window, an edit still counts */
	sleep_ms(2100);
	assert_int_equal(ssh_hostkey_check(files, 1, "10.0.0.1", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), SSH_HOSTKEY_REVOKED);
	write_file(path, "10.0.0.1 ssh-ed25519 " KEY_A "\n");
	assert_int_equal(ssh_hostkey_check(files, 1, "10.0.0.1", 22, blob, n,
					   LIBSSH2_HOSTKEY_TYPE_ED25519, NULL), SSH_HOSTKEY_MATCH);
	/* gone: nothing read */
	unlink(path);
	ssh_hostkey_prefs(files, 1, "10.0.0.1", 22, buf, sizeof buf);
	assert_string_equal(buf, "");
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_round_reads_known_hosts_once),
		cmocka_unit_test(test_edits_count_from_the_next_check),
	};

	return cmocka_run_group_tests_name("known_cache", tests, NULL, NULL);
}
