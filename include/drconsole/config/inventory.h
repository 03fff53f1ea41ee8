/*
 * inventory.h: Ansible INI inventories, read exactly as Ansible 2.14's ini
 * plugin reads them (the dialect commcare-cloud environments use, and the
 * rest of it): sections, :children with forward references, :vars split at
 * the first "=", shell-like host lines, Python-literal values, host ranges,
 * host:port, merged duplicate sections and hosts in many sections. Anything
 * Ansible rejects is an error here too, with file:line:col.
 */
#ifndef DRCONSOLE_INVENTORY_H
#define DRCONSOLE_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "drconsole/util/diag.h"
#include "drconsole/util/strmap.h"
#include "drconsole/util/value.h"

struct inv_var {
	char *key;
	struct value *val;
};

struct inv_vars {
	struct inv_var *items;	/* in order of first assignment; later ones replace */
	size_t n;
	size_t cap;
};

struct inv_host {
	char *name;
	unsigned line;		/* first mention */
	struct inv_vars vars;	/* the host's own vars */
	size_t *groups;		/* direct groups, by index */
	size_t n_groups;
	size_t cap_groups;
	size_t *member;		/* groups it belongs to, directly or through children ("all"
				   included), as indices in ascending order */
	size_t n_member;
};

struct inv_group {
	char *name;
	unsigned line;		/* first section */
	size_t *hosts;		/* direct hosts, in order */
	size_t n_hosts;
	size_t cap_hosts;
	size_t *children;	/* child groups, in order */
	size_t n_children;
	size_t cap_children;
	size_t *parents;
	size_t n_parents;
	size_t cap_parents;
	struct inv_vars vars;
	int depth;		/* longest path from "all" */
	int priority;		/* ansible_group_priority, default 1 */
};

struct inventory {
	char *path;
	struct inv_host *hosts;
	size_t n_hosts;
	size_t cap_hosts;
	struct inv_group *groups;	/* [0] is "all", [1] "ungrouped" */
	size_t n_groups;
	size_t cap_groups;
	struct strmap host_index;	/* name -> index in hosts */
	struct strmap group_index;	/* name -> index in groups */
};

/* NULL only when the file cannot be read (a diagnostic says why). */
struct inventory *inventory_load(const char *path, struct diag_list *dl);
/* Parse text; errors go to dl, the inventory holds what was read before them. */
struct inventory *inventory_parse(const char *name, const char *text, size_t len,
				  struct diag_list *dl);
void inventory_free(struct inventory *inv);

const struct inv_group *inventory_group(const struct inventory *inv, const char *name);
const struct inv_host *inventory_host(const struct inventory *inv, const char *name);
/*
 * Hosts of a group, direct and through children, without duplicates, in
 * Ansible's order. Returns a malloc'd array of host indices; *n its length.
 */
size_t *inventory_group_hosts(const struct inventory *inv, const struct inv_group *g,
			      size_t *n);
bool inventory_host_in_group(const struct inventory *inv, const struct inv_host *h,
			     const char *group);
/* Steps from h's own groups up to g (0: h is listed in g itself), -1 when h is not in g. */
int inventory_host_group_distance(const struct inventory *inv, const struct inv_host *h,
				  const struct inv_group *g);
/* A host's variable after group and host precedence (NULL when unset). */
const struct value *inventory_host_var(const struct inventory *inv,
				       const struct inv_host *h, const char *key);
/* Every variable of a host, merged as Ansible does, as a VAL_MAP (caller frees). */
struct value *inventory_host_vars(const struct inventory *inv, const struct inv_host *h);
/* The shape `ansible-inventory -i FILE --list [--export]` prints. */
json_t *inventory_to_ansible_json(const struct inventory *inv, bool export);

#endif
