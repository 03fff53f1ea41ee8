/*
 * status.c: latest observation per key plus a ring of recent numeric values.
 * Entries live in an array kept sorted by key (binary search); the number of
 * keys is small (a few per host), posts are rare (one per probe per refresh)
 * and snapshots want sorted output anyway.
 */
#include "drconsole/probe/status.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct status_entry {
	struct observation *obs;
	double *ring;
	size_t ring_len;	/* values stored */
	size_t ring_head;	/* next write position */
};

struct status_store {
	pthread_mutex_t lock;
	struct status_entry *entries;
	size_t n;
	size_t cap;
	size_t history_len;
	unsigned long long generation;
	int pipe_rd;
	int pipe_wr;
	int pending_wake;	/* a byte is in the pipe and not drained yet */
};

struct status_store *
status_store_create(size_t history_len)
{
	struct status_store *st = xcalloc(1, sizeof *st);
	int fds[2];

	if (pipe(fds) != 0)
		fatal("pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	st->pipe_rd = fds[0];
	st->pipe_wr = fds[1];
	st->history_len = history_len;
	pthread_mutex_init(&st->lock, NULL);
	return st;
}

void
status_store_free(struct status_store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		obs_unref(st->entries[i].obs);
		free(st->entries[i].ring);
	}
	free(st->entries);
	close(st->pipe_rd);
	close(st->pipe_wr);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* Index of key, or the insertion point with *found false. Lock held. */
static size_t
find_entry(const struct status_store *st, const char *key, bool *found)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(st->entries[mid].obs->key, key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct status_entry *
insert_entry(struct status_store *st, size_t at, struct observation *obs)
{
	struct status_entry *e;

	grow_array(&st->entries, &st->cap, st->n + 1, sizeof *st->entries);
	memmove(&st->entries[at + 1], &st->entries[at],
		(st->n - at) * sizeof *st->entries);
	st->n++;
	e = &st->entries[at];
	memset(e, 0, sizeof *e);
	e->obs = obs;
	if (st->history_len > 0)
		e->ring = xcalloc(st->history_len, sizeof *e->ring);
	return e;
}

static void
wake(struct status_store *st)
{
	char c = 1;

	if (st->pending_wake)
		return;
	if (write(st->pipe_wr, &c, 1) == 1)
		st->pending_wake = 1;
}

void
status_store_post(struct status_store *st, struct observation *obs)
{
	struct status_entry *e;
	bool found;
	size_t at;

	pthread_mutex_lock(&st->lock);
	at = find_entry(st, obs->key, &found);
	if (found) {
		e = &st->entries[at];
		obs_unref(e->obs);
		e->obs = obs;
	} else {
		e = insert_entry(st, at, obs);
	}
	if (obs->has_value && e->ring != NULL) {
		e->ring[e->ring_head] = obs->value;
		e->ring_head = (e->ring_head + 1) % st->history_len;
		if (e->ring_len < st->history_len)
			e->ring_len++;
	}
	st->generation++;
	wake(st);
	pthread_mutex_unlock(&st->lock);
}

void
status_store_expect(struct status_store *st, enum site_role site,
		    const char *probe, const char *key, const char *subject)
{
	bool found;
	size_t at;

	pthread_mutex_lock(&st->lock);
	at = find_entry(st, key, &found);
	if (!found) {
		struct observation *obs = obs_create(site, probe, key, subject);

		obs_set(obs, OBS_PENDING, "pending", "no result yet");
		insert_entry(st, at, obs);
		st->generation++;
		wake(st);
	}
	pthread_mutex_unlock(&st->lock);
}

unsigned long long
status_store_generation(struct status_store *st)
{
	unsigned long long g;

	pthread_mutex_lock(&st->lock);
	g = st->generation;
	pthread_mutex_unlock(&st->lock);
	return g;
}

int
status_store_fd(const struct status_store *st)
{
	return st->pipe_rd;
}

void
status_store_drain(struct status_store *st)
{
	char buf[64];

	pthread_mutex_lock(&st->lock);
	while (read(st->pipe_rd, buf, sizeof buf) > 0)
		;
	st->pending_wake = 0;
	pthread_mutex_unlock(&st->lock);
}

struct status_snapshot *
status_store_snapshot(struct status_store *st)
{
	struct status_snapshot *snap = xcalloc(1, sizeof *snap);

	pthread_mutex_lock(&st->lock);
	snap->items = xcalloc(st->n, sizeof *snap->items);
	snap->n = st->n;
	for (size_t i = 0; i < st->n; i++)
		snap->items[i] = obs_ref(st->entries[i].obs);
	snap->generation = st->generation;
	pthread_mutex_unlock(&st->lock);
	return snap;
}

struct observation *
status_store_get(struct status_store *st, const char *key)
{
	struct observation *obs = NULL;
	bool found;
	size_t at;

	pthread_mutex_lock(&st->lock);
	at = find_entry(st, key, &found);
	if (found)
		obs = obs_ref(st->entries[at].obs);
	pthread_mutex_unlock(&st->lock);
	return obs;
}

size_t
status_store_history(struct status_store *st, const char *key, double *out,
		     size_t max)
{
	size_t n = 0;
	bool found;
	size_t at;

	pthread_mutex_lock(&st->lock);
	at = find_entry(st, key, &found);
	if (found && st->history_len > 0) {
		const struct status_entry *e = &st->entries[at];
		size_t count = e->ring_len < max ? e->ring_len : max;
		size_t start = (e->ring_head + st->history_len - count) % st->history_len;

		for (n = 0; n < count; n++)
			out[n] = e->ring[(start + n) % st->history_len];
	}
	pthread_mutex_unlock(&st->lock);
	return n;
}

const struct observation *
status_snapshot_get(const struct status_snapshot *snap, const char *key)
{
	size_t lo = 0, hi = snap->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(snap->items[mid]->key, key);

		if (c == 0)
			return snap->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
status_snapshot_free(struct status_snapshot *snap)
{
	if (snap == NULL)
		return;
	for (size_t i = 0; i < snap->n; i++)
		obs_unref(snap->items[i]);
	free(snap->items);
	free(snap);
}
