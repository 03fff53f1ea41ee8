/*
 * Unit tests: input_read, the one reader of local input files: regular
 * files only (a FIFO must not block, a device or directory is refused), and
 * the size cap of each kind checked before and while reading.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/util/input.h"
#include "drconsole/util/util.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/drconsole-input-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
write_file(const char *path, size_t n, char c)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	for (size_t i = 0; i < n; i++)
		fputc(c, fp);
	fclose(fp);
}

static void
expect_refused(const char *path, enum input_kind kind, int want_errno, const char *why)
{
	char *err = NULL;
	size_t len = 12345;
	char *buf;

	errno = 0;
	buf = input_read(path, kind, &len, &err);
	assert_null(buf);
	assert_int_equal(errno, want_errno);
	assert_non_null(err);
	if (strstr(err, why) == NULL)
		fail_msg("%s: '%s' does not say '%s'", path, err, why);
	assert_int_equal(len, 12345);	/* untouched */
	free(err);
}

static void
test_regular(void **state)
{
	char *p = path_of("a.yml"), *buf, *err = NULL;
	size_t len;

	(void)state;
	write_file(p, 5, 'x');
	buf = input_read(p, INPUT_CONFIG, &len, &err);
	assert_non_null(buf);
	assert_null(err);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "xxxxx");
	free(buf);
	/* an empty file is an empty buffer, not an error */
	write_file(p, 0, 'x');
	buf = input_read(p, INPUT_CONFIG, &len, NULL);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	free(p);
}

static void
test_not_regular(void **state)
{
	char *fifo = path_of("fifo"), *zero = path_of("zero"), *sub = path_of("sub");

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(symlink("/dev/zero", zero), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	/* no writer: a blocking open would never return */
	expect_refused(fifo, INPUT_CONFIG, EINVAL, "a FIFO (named pipe), not a regular file");
	expect_refused(zero, INPUT_INVENTORY, EINVAL, "a character device, not a regular file");
	expect_refused(sub, INPUT_RUNBOOK, EISDIR, "a directory, not a regular file");
	expect_refused("/dev/null", INPUT_OTHER, EINVAL, "a character device");
	/* file_read_all is the same reader */
	errno = 0;
	assert_null(file_read_all(fifo, NULL));
	assert_int_equal(errno, EINVAL);
	free(fifo);
	free(zero);
	free(sub);
}

static void
test_missing(void **state)
{
	char *p = path_of("nope");

	(void)state;
	expect_refused(p, INPUT_CONFIG, ENOENT, strerror(ENOENT));
	free(p);
}

static void
test_caps(void **state)
{
	char *p = path_of("big");
	char *buf;
	size_t len, cap = input_max_bytes(INPUT_THEME);

	(void)state;
	assert_int_equal(input_max_bytes(INPUT_CONFIG), 1u << 20);
	assert_int_equal(input_max_bytes(INPUT_ENV_YAML), 4u << 20);
	assert_int_equal(input_max_bytes(INPUT_INVENTORY), 16u << 20);
	assert_int_equal(input_max_bytes(INPUT_RUNBOOK), 1u << 20);
	assert_int_equal(cap, 256u << 10);
	assert_int_equal(input_max_bytes(INPUT_OTHER), 64u << 20);
	/* exactly the cap is read; one byte more is refused before reading */
	write_file(p, cap, 'y');
	buf = input_read(p, INPUT_THEME, &len, NULL);
	assert_non_null(buf);
	assert_int_equal(len, cap);
	free(buf);
	write_file(p, cap + 1, 'y');
	expect_refused(p, INPUT_THEME, EFBIG, "262145 bytes, over the 256 KiB limit for themes");
	/* the same file is fine as an inventory */
	buf = input_read(p, INPUT_INVENTORY, &len, NULL);
	assert_non_null(buf);
	assert_int_equal(len, cap + 1);
	free(buf);
	free(p);
}

static void
test_size_unknown_to_stat(void **state)
{
	/* /proc files are regular with st_size 0: read to the end all the same */
	char *buf;
	size_t len;

	(void)state;
	buf = input_read("/proc/self/status", INPUT_OTHER, &len, NULL);
	if (buf == NULL)
		skip();
	assert_true(len > 0);
	assert_non_null(strstr(buf, "Name:"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_size_unknown_to_stat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
