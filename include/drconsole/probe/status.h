/*
 * status.h: the status store. Workers post observations; the UI (or the
 * `status`/`check` commands) takes snapshots. The store keeps the latest
 * observation per key and a short history of numeric values per key (for
 * sparklines), and wakes a reader through a self-pipe: one byte per post
 * batch, so the UI can poll() stdin, the pipe and its timer together.
 * All functions are thread-safe.
 */
#ifndef DRCONSOLE_STATUS_H
#define DRCONSOLE_STATUS_H

#include <stddef.h>

#include "drconsole/probe/observation.h"

struct status_store;

struct status_snapshot {
	struct observation **items;	/* sorted by key; each holds a reference */
	size_t n;
	unsigned long long generation;	/* the store's generation when taken */
};

struct status_store *status_store_create(size_t history_len);
void status_store_free(struct status_store *st);

/* Takes the caller's reference to obs; replaces the previous one for obs->key. */
void status_store_post(struct status_store *st, struct observation *obs);
/* Post a PENDING placeholder unless the key already has an observation. */
void status_store_expect(struct status_store *st, enum site_role site,
			 const char *probe, const char *key, const char *subject);
/* Counter that changes on every post. */
unsigned long long status_store_generation(struct status_store *st);

/* Read end of the wake-up pipe (non-blocking); drain it with status_store_drain. */
int status_store_fd(const struct status_store *st);
void status_store_drain(struct status_store *st);

struct status_snapshot *status_store_snapshot(struct status_store *st);
/* A new reference to the latest observation for key, or NULL. */
struct observation *status_store_get(struct status_store *st, const char *key);
/* Copy up to max recent values of key, oldest first; returns how many. */
size_t status_store_history(struct status_store *st, const char *key,
			    double *out, size_t max);
const struct observation *status_snapshot_get(const struct status_snapshot *snap,
					      const char *key);
void status_snapshot_free(struct status_snapshot *snap);

#endif
