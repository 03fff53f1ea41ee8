/*
 * input.c: bounded reading of local input files.
 *
 * DESIGN: open(2) with O_NONBLOCK so that a FIFO at the path returns at
 * once instead of waiting for a writer; fstat(2) on the open descriptor (no
 * race with a swapped path) decides whether it is a regular file and
 * whether its size is within the kind's cap; read(2) then stops at cap + 1
 * bytes whatever the file does meanwhile (it may grow after fstat).
 */
#include "drconsole/util/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/util/util.h"

static const struct {
	const char *name;
	size_t max_bytes;
} kinds[INPUT_KIND_COUNT] = {
	[INPUT_CONFIG] = { "drconsole configuration files", 1u << 20 },
	[INPUT_ENV_YAML] = { "environment YAML files", 4u << 20 },
	[INPUT_INVENTORY] = { "inventories", 16u << 20 },
	[INPUT_RUNBOOK] = { "runbooks", 1u << 20 },
	[INPUT_THEME] = { "themes", 256u << 10 },
	[INPUT_OTHER] = { "known_hosts files and journals", 64u << 20 },
};

size_t
input_max_bytes(enum input_kind kind)
{
	return kind < INPUT_KIND_COUNT ? kinds[kind].max_bytes : kinds[INPUT_OTHER].max_bytes;
}

const char *
input_kind_name(enum input_kind kind)
{
	return kind < INPUT_KIND_COUNT ? kinds[kind].name : kinds[INPUT_OTHER].name;
}

static const char *
file_type_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a plain file";
}

/* "1 MiB", "256 KiB" or a byte count. */
static char *
size_text(size_t n)
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		return xasprintf("%zu MiB", n >> 20);
	if (n >= 1024 && n % 1024 == 0)
		return xasprintf("%zu KiB", n >> 10);
	return xasprintf("%zu bytes", n);
}

static char *
fail(int fd, int e, char **err, char *why)
{
	if (fd >= 0)
		close(fd);
	if (err != NULL)
		*err = why;
	else
		free(why);
	errno = e;
	return NULL;
}

/* size < 0: the file grew past the cap while it was read */
static char *
too_big(int fd, enum input_kind kind, char **err, long long size)
{
	char *cap = size_text(input_max_bytes(kind));
	char *why = size >= 0 ? xasprintf("%lld bytes, over the %s limit for %s", size, cap,
					  input_kind_name(kind))
			      : xasprintf("grew past the %s limit for %s while being read", cap,
					  input_kind_name(kind));

	free(cap);
	return fail(fd, EFBIG, err, why);
}

char *
input_read(const char *path, enum input_kind kind, size_t *len_out, char **err)
{
	size_t cap = input_max_bytes(kind), len = 0, alloc;
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return fail(-1, errno, err, xstrdup(strerror(errno)));
	if (fstat(fd, &st) != 0)
		return fail(fd, errno, err, xasprintf("fstat: %s", strerror(errno)));
	if (!S_ISREG(st.st_mode))
		return fail(fd, S_ISDIR(st.st_mode) ? EISDIR : EINVAL, err,
			    xasprintf("%s, not a regular file", file_type_name(st.st_mode)));
	if ((unsigned long long)st.st_size > cap)
		return too_big(fd, kind, err, (long long)st.st_size);
	alloc = (size_t)st.st_size + 1;
	buf = xmalloc(alloc + 1);
	for (;;) {
		ssize_t n;

		if (len == alloc) {
			if (alloc > cap)
				break;	/* cap + 1 bytes read: over the cap */
			alloc = alloc * 2 > cap + 1 ? cap + 1 : alloc * 2;
			buf = xrealloc(buf, alloc + 1);
		}
		n = read(fd, buf + len, alloc - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return fail(fd, e, err, xasprintf("read: %s", strerror(e)));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > cap) {
		free(buf);
		return too_big(fd, kind, err, -1);
	}
	close(fd);
	buf[len] = '\0';
	if (len_out != NULL)
		*len_out = len;
	return buf;
}

char *
file_read_all(const char *path, size_t *len_out)
{
	return input_read(path, INPUT_OTHER, len_out, NULL);
}
