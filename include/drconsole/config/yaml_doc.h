/*
 * yaml_doc.h: YAML files as a tree of nodes that remember where they came
 * from. Every node carries its 1-based line and column, so loaders can say
 * "drconsole.yml:12:5: error: ...". Errors (libyaml's, duplicate keys,
 * more than one document, too many nodes from aliases) go to a diag_list.
 * Aliases are expanded (bounded, so a "billion laughs" file is an error, not
 * an out-of-memory); merge keys ("<<") are applied.
 */
#ifndef DRCONSOLE_YAML_DOC_H
#define DRCONSOLE_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/util/diag.h"
#include "drconsole/util/input.h"

enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
};

enum ynode_style {
	YS_PLAIN,
	YS_SINGLE,
	YS_DOUBLE,
	YS_LITERAL,
	YS_FOLDED,
	YS_BLOCK,		/* a collection */
};

struct ynode;

struct ypair {
	struct ynode *key;	/* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_type type;
	enum ynode_style style;
	unsigned line;
	unsigned col;
	char *tag;		/* explicit tag, or NULL */
	char *value;		/* scalar text (NUL-terminated; may contain NULs before len) */
	size_t len;
	struct ynode **items;	/* YN_SEQ */
	struct ypair *pairs;	/* YN_MAP, in file order */
	size_t n;
};

struct ydoc {
	char *name;		/* file name used in diagnostics */
	struct ynode *root;	/* NULL for an empty document */
};

/*
 * NULL when the file cannot be read or parsed; diagnostics in dl. The file
 * is read with input_read (a regular file within the cap of its kind);
 * ydoc_load_file reads an environment YAML file.
 */
struct ydoc *ydoc_load_input(const char *path, enum input_kind kind, struct diag_list *dl);
struct ydoc *ydoc_load_file(const char *path, struct diag_list *dl);
struct ydoc *ydoc_load_buffer(const char *name, const char *buf, size_t len,
			      struct diag_list *dl);
void ydoc_free(struct ydoc *doc);

/* The value of key in a mapping, or NULL (also when node is not a mapping). */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* The pair of key, or NULL. */
const struct ypair *ynode_get_pair(const struct ynode *map, const char *key);
/* "a mapping", "a list", "a string", ... for messages. */
const char *ynode_type_name(const struct ynode *n);
/* A plain scalar spelling null: "", "~", "null", "Null", "NULL". */
bool ynode_is_null(const struct ynode *n);
/*
 * Booleans as Ansible and commcare-cloud read YAML 1.1: true/false, yes/no,
 * on/off in lower, Title or UPPER case (plain scalars only). False when not
 * a boolean.
 */
bool ynode_bool(const struct ynode *n, bool *out);
/* A decimal integer (plain or quoted digits); false otherwise. */
bool ynode_int(const struct ynode *n, long long *out);
/* The scalar text, or NULL when n is not a scalar (or is null). */
const char *ynode_str(const struct ynode *n);

/* Add "expected X, found Y" at n's position. */
void ynode_expect(struct diag_list *dl, const char *file, const struct ynode *n,
		  const char *what, const char *expected);

#endif
