/*
 * jinja.h: the few Jinja forms commcare-cloud writes in environment files,
 * resolved against the env's inventory and variables:
 *   {{ groups.NAME.0 }}  {{ groups.NAME[0] }}  {{ groups['NAME'][0] }}
 *   {{ hostvars[groups.NAME.0].VAR }}  {{ hostvars['HOST'].VAR }}
 *   {{ var }}  (a top-level variable of the env's YAML files)
 * with literal text around them. Anything else stays verbatim and is
 * reported unresolved: never a silently wrong value.
 */
#ifndef DRCONSOLE_JINJA_H
#define DRCONSOLE_JINJA_H

#include <stdbool.h>

#include "drconsole/config/inventory.h"

/* Top-level variables: NULL when unknown. */
typedef const char *(*jinja_var_fn)(void *ud, const char *name);

struct jinja_ctx {
	const struct inventory *inv;
	jinja_var_fn var;
	void *ud;
};

/*
 * Resolve s; returns a malloc'd string. *resolved is false when some
 * expression could not be resolved (the result then keeps s verbatim).
 */
char *jinja_resolve(const struct jinja_ctx *ctx, const char *s, bool *resolved);

#endif
