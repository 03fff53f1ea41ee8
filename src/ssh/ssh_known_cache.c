/*
 * ssh_known_cache.c: the known_hosts lines a connection's checks read,
 * read once per file instead of twice per host.
 *
 * DESIGN: every connection reads each known_hosts file twice before it
 * authenticates: for the host-key algorithms to ask for (plain and
 * bracketed names) and for @revoked lines. The user's ~/.ssh/known_hosts
 * may hold thousands of hashed lines, and a cold round of N hosts read and
 * scanned it 2N times (with 5000 hashed lines, 5 ms of CPU per host). Here
 * each file is read once and kept as the two filtered texts those checks
 * need; before each use the file is stat()ed and read again when its
 * inode, size, mtime or ctime changed, so an edited known_hosts (a host
 * rekeyed, a key revoked) counts from the next connection, as before. File
 * times are coarse (a few ms), so a same-size edit right after a read could
 * leave all of them as they were: a file changed less than two seconds
 * before it was read is read again every time until it is older (git's
 * "racy" index entries, the same way).
 * Callers get a copy: the filtered texts are what the unfiltered file gave
 * the same parsers (the filters drop only lines those parsers skip).
 */
#include "ssh_priv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "drconsole/config/known_hosts.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

struct kh_entry {
	char *path;
	struct stat st;
	bool racy;		/* changed within 2 s of the read: not trusted */
	char *text[2];		/* by enum ssh_kh_part */
	size_t len[2];
};

static pthread_mutex_t kh_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kh_entry *kh;
static size_t n_kh, cap_kh;

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Could ssh_hostkey_prefs match this line (a plain or bracketed name)? */
static bool
plain_line(const char *p, size_t len)
{
	const char *end = p + len, *f;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#' || *p == '@')
		return false;
	if (*p != '|')
		return true;
	/* one hashed name, no list: never a plain match */
	for (f = p; f < end && *f != ' ' && *f != '\t'; f++)
		if (*f == ',')
			return true;
	return false;
}

static bool
revoked_line(const char *p, size_t len)
{
	struct known_hosts_line l;

	return known_hosts_split(p, len, &l) && l.marker == KH_MARKER_REVOKED;
}

/* The lines of text[0, len) that keep() accepts, each with its newline. */
static char *
filter(const char *text, size_t len, bool (*keep)(const char *, size_t), size_t *out_len)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = text, *end = text + len;
	char *s;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			eol = end;
		if (eol > p && keep(p, (size_t)(eol - p)))
			strbuf_printf(&sb, "%.*s\n", (int)(eol - p), p);
		p = eol < end ? eol + 1 : end;
	}
	*out_len = sb.len;
	s = xmalloc(sb.len + 1);
	memcpy(s, strbuf_str(&sb), sb.len + 1);
	strbuf_free(&sb);
	return s;
}

/* Under kh_lock: the entry for path as the file is now, or NULL when it cannot be read. */
static struct kh_entry *
current(const char *path)
{
	struct kh_entry *e = NULL;
	struct stat st;
	size_t len = 0;
	time_t read_at;
	char *text;

	if (stat(path, &st) != 0)
		return NULL;
	for (size_t i = 0; i < n_kh && e == NULL; i++)
		if (strcmp(kh[i].path, path) == 0)
			e = &kh[i];
	if (e != NULL && !e->racy && same_file(&e->st, &st))
		return e;
	read_at = time(NULL);
	text = file_read_all(path, &len);
	if (text == NULL)
		return NULL;
	if (e == NULL) {
		grow_array(&kh, &cap_kh, n_kh + 1, sizeof *kh);
		e = &kh[n_kh++];
		memset(e, 0, sizeof *e);
		e->path = xstrdup(path);
	}
	free(e->text[SSH_KH_REVOKED]);
	free(e->text[SSH_KH_PLAIN]);
	e->st = st;
	e->racy = st.st_ctim.tv_sec + 2 > read_at || st.st_mtim.tv_sec + 2 > read_at;
	e->text[SSH_KH_REVOKED] = filter(text, len, revoked_line, &e->len[SSH_KH_REVOKED]);
	/* ssh_hostkey_prefs reads up to a NUL, as strtok does */
	e->text[SSH_KH_PLAIN] = filter(text, strlen(text), plain_line, &e->len[SSH_KH_PLAIN]);
	free(text);
	return e;
}

char *
ssh_kh_lines(const char *path, enum ssh_kh_part part, size_t *len)
{
	struct kh_entry *e;
	char *copy = NULL;

	pthread_mutex_lock(&kh_lock);
	e = current(path);
	if (e != NULL) {
		copy = xmalloc(e->len[part] + 1);
		memcpy(copy, e->text[part], e->len[part] + 1);
		if (len != NULL)
			*len = e->len[part];
	}
	pthread_mutex_unlock(&kh_lock);
	return copy;
}
