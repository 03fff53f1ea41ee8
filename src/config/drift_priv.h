/*
 * drift_priv.h: shared by drift.c (classification, ranking), drift_tree.c
 * (trees and the list of findings) and drift_roles.c (app-processes by role,
 * inventory topology, file lists).
 */
#ifndef DRCONSOLE_DRIFT_PRIV_H
#define DRCONSOLE_DRIFT_PRIV_H

#include "drconsole/config/drift.h"

enum dnode_type {
	DN_SCALAR,
	DN_MAP,
	DN_SEQ,		/* compared as its rendered text */
};

/* A YAML tree as drift compares it (app-processes.yml rewritten by role). */
struct dnode {
	char *key;		/* NULL for a root or a sequence item */
	enum dnode_type type;
	char *text;		/* scalar or rendered sequence; NULL for a map */
	bool null;		/* an empty scalar (~, null, nothing) */
	unsigned line;
	struct dnode *kids;	/* DN_MAP */
	size_t n;
	size_t cap;
};

struct dnode *dnode_from_ynode(const struct ynode *n);
struct dnode *dnode_map(unsigned line);
struct dnode *dnode_child(struct dnode *map, const char *key);
/* Append a child (deep copy of src under key); returns it. */
struct dnode *dnode_add_copy(struct dnode *map, const char *key, const struct dnode *src);
void dnode_free(struct dnode *n);
void dnode_remove(struct dnode *map, const char *key);

/* drift.c: compare two trees of one file. */
void drift_compare_tree(const struct site *p, const struct site *s, const char *file,
			const struct dnode *pn, const struct dnode *sn, struct drift *out);
/* drift_tree.c: add a finding (why is taken over). */
void drift_add(struct drift *d, const char *file, const char *path, enum drift_kind kind,
	       char *why, const char *pv, unsigned pl, const char *sv, unsigned sl);

/* app-processes.yml with host keys replaced by roles (NULL doc: NULL). */
struct dnode *drift_app_processes_by_role(const struct site *s, const struct ydoc *doc);
void drift_compare_topology(const struct site *p, const struct site *s, struct drift *out);
void drift_compare_files(const struct site *p, const struct site *s, struct drift *out);
void drift_compare_users(const struct site *p, const struct site *s, struct drift *out);

#endif
