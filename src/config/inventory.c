/*
 * inventory.c: the Ansible INI inventory parser.
 *
 * DESIGN: a line-by-line port of ansible-core 2.14's
 * plugins/inventory/ini.py and the InventoryData rules it relies on:
 * - a section header creates its group when first seen, except that a
 *   group named in some [x:children] before it has a section of its own is
 *   "pending" and is attached to its parents when its section appears; a
 *   pending group that never gets a section is an error, and so is a
 *   [g:vars] for a group that never gets one;
 * - host lines are split like POSIX shell words (quotes, backslashes, "#"
 *   comments), the first word is a host pattern (ranges, :port), the rest
 *   key=value pairs whose values go through ast.literal_eval;
 * - :vars lines split at the first "=" and go through literal_eval too;
 * - adding a group under one of its descendants is a cycle error.
 * Variable precedence follows ansible.utils.vars.combine_vars over groups
 * sorted by (depth, priority, name), then host vars.
 */
#include "drconsole/config/inventory.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/input.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

struct pending {
	char *name;
	unsigned line;
	int is_children;	/* else vars */
	size_t *parents;
	size_t n_parents;
	size_t cap_parents;
};

struct parser {
	struct inventory *inv;
	struct strmap pend_index;	/* name -> index in pend */
	struct diag_list *dl;
	const char *name;
	unsigned line;
	unsigned col;		/* first non-blank column of the line */
	struct pending *pend;
	size_t n_pend;
	size_t cap_pend;
	int failed;
};

static bool
has_index(const size_t *arr, size_t n, size_t v)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i] == v)
			return true;
	return false;
}

/* Append v, which the caller knows is not in arr yet. */
static void
append_index(size_t **arr, size_t *n, size_t *cap, size_t v)
{
	grow_array(arr, cap, *n + 1, sizeof **arr);
	(*arr)[(*n)++] = v;
}

static void push_index(size_t **arr, size_t *n, size_t *cap, size_t v)
{
	if (!has_index(*arr, *n, v))
		append_index(arr, n, cap, v);
}

static void
vars_set(struct inv_vars *vars, const char *key, struct value *val)
{
	for (size_t i = 0; i < vars->n; i++) {
		if (strcmp(vars->items[i].key, key) == 0) {
			value_free(vars->items[i].val);
			vars->items[i].val = val;
			return;
		}
	}
	grow_array(&vars->items, &vars->cap, vars->n + 1, sizeof *vars->items);
	vars->items[vars->n].key = xstrdup(key);
	vars->items[vars->n].val = val;
	vars->n++;
}

static const struct value *
vars_get(const struct inv_vars *vars, const char *key)
{
	for (size_t i = 0; i < vars->n; i++)
		if (strcmp(vars->items[i].key, key) == 0)
			return vars->items[i].val;
	return NULL;
}

static void
vars_free(struct inv_vars *vars)
{
	for (size_t i = 0; i < vars->n; i++) {
		free(vars->items[i].key);
		value_free(vars->items[i].val);
	}
	free(vars->items);
}

static long
find_group(const struct inventory *inv, const char *name)
{
	size_t i;

	return strmap_get(&inv->group_index, name, strlen(name), &i) ? (long)i : -1;
}

static long
find_host(const struct inventory *inv, const char *name)
{
	size_t i;

	return strmap_get(&inv->host_index, name, strlen(name), &i) ? (long)i : -1;
}

static size_t
add_group(struct inventory *inv, const char *name, unsigned line)
{
	struct inv_group *g;
	long i = find_group(inv, name);

	if (i >= 0)
		return (size_t)i;
	grow_array(&inv->groups, &inv->cap_groups, inv->n_groups + 1, sizeof *inv->groups);
	g = &inv->groups[inv->n_groups];
	memset(g, 0, sizeof *g);
	g->name = xstrdup(name);
	g->line = line;
	g->priority = 1;
	strmap_put(&inv->group_index, name, strlen(name), inv->n_groups);
	return inv->n_groups++;
}

static void
perr(struct parser *p, unsigned col, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void
perr(struct parser *p, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(p->dl, DIAG_ERROR, p->name, p->line, col > 0 ? col : p->col, fmt, ap);
	va_end(ap);
	p->failed = 1;
}

/* Is a an ancestor of (or equal to) b? */
static bool
is_ancestor(const struct inventory *inv, size_t a, size_t b, int depth)
{
	const struct inv_group *g = &inv->groups[b];

	if (a == b)
		return true;
	if (depth > 1000)
		return true;
	for (size_t i = 0; i < g->n_parents; i++)
		if (is_ancestor(inv, a, g->parents[i], depth + 1))
			return true;
	return false;
}

static void
add_child(struct parser *p, size_t parent, size_t child)
{
	struct inventory *inv = p->inv;
	struct inv_group *pg = &inv->groups[parent], *cg = &inv->groups[child];

	/* children and parents are added together: the child's (short) list decides */
	if (has_index(cg->parents, cg->n_parents, parent))
		return;
	if (parent == child) {
		perr(p, 0, "group '%s' cannot be a child of itself", pg->name);
		return;
	}
	if (is_ancestor(inv, child, parent, 0)) {
		perr(p, 0, "adding group '%s' as a child of '%s' creates a cycle "
		     "(%s is already an ancestor of %s)", cg->name, pg->name, cg->name, pg->name);
		return;
	}
	append_index(&pg->children, &pg->n_children, &pg->cap_children, child);
	append_index(&cg->parents, &cg->n_parents, &cg->cap_parents, parent);
}

static struct pending *
find_pending(struct parser *p, const char *name)
{
	size_t i;

	if (!strmap_get(&p->pend_index, name, strlen(name), &i) || p->pend[i].name == NULL)
		return NULL;
	return &p->pend[i];
}

/* A new pending group (name not yet a group), indexed by name. */
static struct pending *
new_pending(struct parser *p, const char *name, int is_children)
{
	struct pending *pd;

	grow_array(&p->pend, &p->cap_pend, p->n_pend + 1, sizeof *p->pend);
	pd = &p->pend[p->n_pend];
	memset(pd, 0, sizeof *pd);
	pd->name = xstrdup(name);
	pd->line = p->line;
	pd->is_children = is_children;
	strmap_put(&p->pend_index, name, strlen(name), p->n_pend++);
	return pd;
}

static void
drop_pending(struct pending *pd)
{
	free(pd->name);
	free(pd->parents);
	memset(pd, 0, sizeof *pd);
}

static void
add_pending_children(struct parser *p, const char *group)
{
	struct pending *pd = find_pending(p, group);
	size_t child = (size_t)find_group(p->inv, group);
	size_t *parents, n;

	if (pd == NULL)
		return;
	parents = pd->parents;
	n = pd->n_parents;
	pd->parents = NULL;
	drop_pending(pd);
	for (size_t i = 0; i < n; i++) {
		struct pending *pp;

		add_child(p, parents[i], child);
		pp = find_pending(p, p->inv->groups[parents[i]].name);
		if (pp != NULL && pp->is_children)
			add_pending_children(p, p->inv->groups[parents[i]].name);
	}
	free(parents);
}

/* [name] or [name:type], optional trailing spaces and # comment. */
static bool
match_section(const char *line, char **name, char **type)
{
	const char *p = line + 1, *ns, *ts = NULL, *te = NULL;

	if (*line != '[')
		return false;
	ns = p;
	while (*p != '\0' && *p != ':' && *p != ']' && !isspace((unsigned char)*p))
		p++;
	if (p == ns)
		return false;
	*name = xstrndup(ns, (size_t)(p - ns));
	if (*p == ':') {
		ts = ++p;
		while (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80)
			p++;
		te = p;
		if (te == ts)
			goto no;
	}
	if (*p++ != ']')
		goto no;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0' && *p != '#')
		goto no;
	*type = ts != NULL ? xstrndup(ts, (size_t)(te - ts)) : xstrdup("hosts");
	return true;
no:
	free(*name);
	*name = NULL;
	return false;
}

/* POSIX shlex.split(line, comments=True). false with *why on unbalanced quotes. */
static bool
shell_split(const char *s, char ***out, size_t *n, const char **why)
{
	struct strbuf tok = STRBUF_INIT;
	size_t cap = 0;
	bool in_tok = false;

	*out = NULL;
	*n = 0;
	for (;;) {
		char c = *s;

		if (c == '\0' || c == '#' || isspace((unsigned char)c)) {
			if (in_tok) {
				grow_array(out, &cap, *n + 1, sizeof **out);
				(*out)[(*n)++] = strbuf_detach(&tok);
				in_tok = false;
			}
			if (c == '\0' || c == '#')
				break;
			s++;
			continue;
		}
		in_tok = true;
		if (c == '\\') {
			if (s[1] == '\0') {
				*why = "no escaped character";
				goto fail;
			}
			strbuf_putc(&tok, s[1]);
			s += 2;
		} else if (c == '\'') {
			const char *e = strchr(s + 1, '\'');

			if (e == NULL) {
				*why = "no closing quotation";
				goto fail;
			}
			strbuf_add(&tok, s + 1, (size_t)(e - s - 1));
			if (tok.buf == NULL)
				strbuf_add(&tok, "", 0);
			s = e + 1;
		} else if (c == '"') {
			s++;
			if (tok.buf == NULL)
				strbuf_add(&tok, "", 0);
			while (*s != '"') {
				if (*s == '\0') {
					*why = "no closing quotation";
					goto fail;
				}
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) {
					strbuf_putc(&tok, s[1]);
					s += 2;
				} else {
					strbuf_putc(&tok, *s++);
				}
			}
			s++;
		} else {
			strbuf_putc(&tok, c);
			s++;
		}
	}
	strbuf_free(&tok);
	return true;
fail:
	strbuf_free(&tok);
	str_array_free(*out, *n);
	*out = NULL;
	*n = 0;
	return false;
}

static struct value *
parse_value(const char *v)
{
	struct value *lit = pyliteral_eval(v, strlen(v));

	return lit != NULL ? lit : value_string(v, strlen(v));
}

/* One hostname label: \w or ranges, then \w, _, - or ranges, not ending in _ or -. */
static bool
valid_hostname(const char *s)
{
	const char *p = s;

	if (*s == '\0')
		return false;
	for (;;) {
		const char *start = p;
		char last = 0;

		while (*p != '\0' && *p != '.') {
			if (*p == '[') {
				const char *e = strchr(p, ']');

				if (e == NULL)
					return false;
				p = e + 1;
				last = ']';
				continue;
			}
			if (!(isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80 ||
			      (*p == '-' && p != start)))
				return false;
			last = *p++;
		}
		if (p == start || last == '_' || last == '-')
			return false;
		if (*p == '\0')
			return true;
		p++;
	}
}

/* Ansible's parse_address(allow_ranges=True): split a trailing :port off. */
static void
split_port(const char *pattern, char **host, long *port)
{
	const char *colon = strrchr(pattern, ':');
	char *h;

	*port = -1;
	*host = xstrdup(pattern);
	if (pattern[0] == '[') {
		const char *close = strchr(pattern, ']');

		if (close != NULL && close[1] == ':' && close[2] != '\0' &&
		    strspn(close + 2, "0123456789") == strlen(close + 2)) {
			free(*host);
			*host = xstrndup(pattern + 1, (size_t)(close - pattern - 1));
			*port = strtol(close + 2, NULL, 10);
		}
		return;
	}
	if (colon == NULL || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return;
	h = xstrndup(pattern, (size_t)(colon - pattern));
	/* no bare ':' may remain outside [..] ranges */
	for (const char *p = h; *p != '\0'; p++) {
		if (*p == '[') {
			const char *e = strchr(p, ']');

			if (e == NULL)
				break;
			p = e;
		} else if (*p == ':') {
			free(h);
			return;
		}
	}
	if (!valid_hostname(h)) {
		free(h);
		return;
	}
	free(*host);
	*host = h;
	*port = strtol(colon + 1, NULL, 10);
}

/* expand_hostname_range; false with *why on a malformed range. */
static bool
expand_range(const char *pattern, char ***out, size_t *n, size_t *cap, const char **why)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char *open = strchr(pattern, '['), *close;
	char *head, *range, *tail, *bounds[3] = { NULL, NULL, NULL };
	size_t nb = 0;
	long step = 1;
	bool ok = false;

	if (open == NULL) {
		grow_array(out, cap, *n + 1, sizeof **out);
		(*out)[(*n)++] = xstrdup(pattern);
		return true;
	}
	close = strchr(open, ']');
	if (close == NULL) {
		*why = "host range must be begin:end or begin:end:step";
		return false;
	}
	head = xstrndup(pattern, (size_t)(open - pattern));
	range = xstrndup(open + 1, (size_t)(close - open - 1));
	tail = xstrdup(close + 1);
	for (char *r = range, *c; nb < 3; r = c + 1) {
		c = strchr(r, ':');
		bounds[nb++] = c != NULL ? xstrndup(r, (size_t)(c - r)) : xstrdup(r);
		if (c == NULL)
			break;
		if (nb == 3) {
			nb = 4;
			break;
		}
	}
	if (nb != 2 && nb != 3) {
		*why = "host range must be begin:end or begin:end:step";
		goto out;
	}
	if (nb == 3) {
		char *e;

		step = strtol(bounds[2], &e, 10);
		if (*bounds[2] == '\0' || *e != '\0' || step <= 0) {
			*why = "host range step must be a positive number";
			goto out;
		}
	}
	if (*bounds[0] == '\0') {
		free(bounds[0]);
		bounds[0] = xstrdup("0");
	}
	if (*bounds[1] == '\0') {
		*why = "host range must specify end value";
		goto out;
	}
	if (strlen(bounds[0]) == 1 && strlen(bounds[1]) == 1 &&
	    strchr(letters, bounds[0][0]) != NULL && strchr(letters, bounds[1][0]) != NULL) {
		long b = strchr(letters, bounds[0][0]) - letters;
		long e = strchr(letters, bounds[1][0]) - letters;

		if (b > e) {
			*why = "host range must have begin <= end";
			goto out;
		}
		for (long i = b; i <= e; i += step) {
			char *name = xasprintf("%s%c%s", head, letters[i], tail);
			bool r = expand_range(name, out, n, cap, why);

			free(name);
			if (!r)
				goto out;
		}
	} else {
		char *e1, *e2;
		long b = strtol(bounds[0], &e1, 10), e = strtol(bounds[1], &e2, 10);
		int width = 0;

		if (*e1 != '\0' || *e2 != '\0') {
			*why = "host range bounds must be numbers or single letters";
			goto out;
		}
		if (bounds[0][0] == '0' && strlen(bounds[0]) > 1) {
			if (strlen(bounds[0]) != strlen(bounds[1])) {
				*why = "host range must specify equal-length begin and end formats";
				goto out;
			}
			width = (int)strlen(bounds[0]);
		}
		if (e - b > 100000) {
			*why = "host range too large";
			goto out;
		}
		for (long i = b; i <= e; i += step) {
			char *name = xasprintf("%s%0*ld%s", head, width, i, tail);
			bool r = expand_range(name, out, n, cap, why);

			free(name);
			if (!r)
				goto out;
		}
	}
	ok = true;
out:
	for (size_t i = 0; i < 3; i++)
		free(bounds[i]);
	free(head);
	free(range);
	free(tail);
	return ok;
}

static size_t
add_host(struct parser *p, const char *name, size_t group, long port)
{
	struct inventory *inv = p->inv;
	long hi = find_host(inv, name);
	struct inv_host *h;
	struct inv_group *g;

	if (hi < 0) {
		grow_array(&inv->hosts, &inv->cap_hosts, inv->n_hosts + 1, sizeof *inv->hosts);
		h = &inv->hosts[inv->n_hosts];
		memset(h, 0, sizeof *h);
		h->name = xstrdup(name);
		h->line = p->line;
		strmap_put(&inv->host_index, name, strlen(name), inv->n_hosts);
		hi = (long)inv->n_hosts++;
		if (port >= 0) {
			struct value *v = value_string("", 0);

			free(v->s);
			v->s = NULL;
			v->type = VAL_INT;
			v->i = port;
			vars_set(&h->vars, "ansible_port", v);
		}
	}
	h = &inv->hosts[hi];
	/* a host's groups and a group's hosts are added together: the host's (short) list decides */
	if (has_index(h->groups, h->n_groups, group))
		return (size_t)hi;
	append_index(&h->groups, &h->n_groups, &h->cap_groups, group);
	g = &inv->groups[group];
	append_index(&g->hosts, &g->n_hosts, &g->cap_hosts, (size_t)hi);
	return (size_t)hi;
}

static void
parse_host_line(struct parser *p, const char *line, size_t group)
{
	char **tok = NULL, **names = NULL, *host;
	size_t ntok = 0, nnames = 0, cap = 0;
	const char *why = NULL;
	long port;

	if (!shell_split(line, &tok, &ntok, &why)) {
		perr(p, 0, "cannot parse host definition '%s': %s", line, why);
		return;
	}
	if (ntok == 0) {
		perr(p, 0, "expected a host definition, got '%s'", line);
		goto out;
	}
	if (tok[0][0] != '\0' && tok[0][strlen(tok[0]) - 1] == ':') {
		perr(p, 0, "invalid host pattern '%s': a trailing ':' is reserved for a port", tok[0]);
		goto out;
	}
	if (strcmp(tok[0], "---") == 0) {
		perr(p, 0, "invalid host pattern '---' (is this a YAML file?)");
		goto out;
	}
	split_port(tok[0], &host, &port);
	if (!expand_range(host, &names, &nnames, &cap, &why)) {
		perr(p, 0, "invalid host range '%s': %s", host, why);
		free(host);
		goto out;
	}
	free(host);
	for (size_t t = 1; t < ntok; t++) {
		if (strchr(tok[t], '=') == NULL) {
			const char *at = strstr(line, tok[t]);

			perr(p, at != NULL ? p->col + (unsigned)(at - line) : 0,
			     "expected key=value host variable, got '%s'", tok[t]);
			goto out;
		}
	}
	for (size_t i = 0; i < nnames; i++) {
		size_t hi = add_host(p, names[i], group, port);

		for (size_t t = 1; t < ntok; t++) {
			char *eq = strchr(tok[t], '=');

			*eq = '\0';
			vars_set(&p->inv->hosts[hi].vars, tok[t], parse_value(eq + 1));
			*eq = '=';
		}
	}
out:
	str_array_free(names, nnames);
	str_array_free(tok, ntok);
}

static void
parse_var_line(struct parser *p, char *line, size_t group)
{
	char *eq = strchr(line, '='), *k, *v;

	if (eq == NULL) {
		perr(p, 0, "expected key=value, got '%s'", line);
		return;
	}
	*eq = '\0';
	k = str_trim(line);
	v = str_trim(eq + 1);
	if (strcmp(k, "ansible_group_priority") == 0) {
		/* a group attribute, not a variable (Group.set_variable) */
		struct value *pv = parse_value(v);
		char *end = NULL;
		long prio = pv->type == VAL_INT ? (long)pv->i :
			    pv->type == VAL_STRING ? strtol(pv->s, &end, 10) : 0;

		if (pv->type != VAL_INT && (pv->type != VAL_STRING || end == pv->s || *end != '\0'))
			perr(p, 0, "ansible_group_priority must be a whole number, got '%s'", v);
		else
			p->inv->groups[group].priority = (int)prio;
		value_free(pv);
		return;
	}
	vars_set(&p->inv->groups[group].vars, k, parse_value(v));
}

static void
parse_children_line(struct parser *p, const char *line, size_t group)
{
	const char *e = line;
	struct pending *pd;
	char *child;
	long ci;

	while (*e != '\0' && *e != ':' && *e != ']' && !isspace((unsigned char)*e))
		e++;
	{
		const char *rest = e;

		while (isspace((unsigned char)*rest))
			rest++;
		if (e == line || (*rest != '\0' && *rest != '#')) {
			perr(p, 0, "expected a group name, got '%s'", line);
			return;
		}
	}
	child = xstrndup(line, (size_t)(e - line));
	ci = find_group(p->inv, child);
	if (ci >= 0) {
		add_child(p, group, (size_t)ci);
	} else if ((pd = find_pending(p, child)) != NULL) {
		push_index(&pd->parents, &pd->n_parents, &pd->cap_parents, group);
	} else {
		pd = new_pending(p, child, 1);
		push_index(&pd->parents, &pd->n_parents, &pd->cap_parents, group);
	}
	free(child);
}

/* Longest path from "all" (memo[gi] < 0: not computed yet). */
static int
compute_depth(struct inventory *inv, size_t gi, int guard, int *memo)
{
	struct inv_group *g = &inv->groups[gi];
	int d = 0;

	if (gi == 0 || guard > 1000)
		return 0;
	if (memo[gi] >= 0)
		return memo[gi];
	for (size_t i = 0; i < g->n_parents; i++) {
		int pd = compute_depth(inv, g->parents[i], guard + 1, memo) + 1;

		if (pd > d)
			d = pd;
	}
	memo[gi] = d;
	return d;
}

/* InventoryData.reconcile_inventory: top-level groups under "all", ungrouped hosts. */
static void
reconcile(struct parser *p)
{
	struct inventory *inv = p->inv;

	for (size_t i = 2; i < inv->n_groups; i++)
		if (inv->groups[i].n_parents == 0)
			add_child(p, 0, i);
	int *memo = xcalloc(inv->n_groups, sizeof *memo);
	char *leave = xcalloc(inv->n_hosts + 1, 1);
	struct inv_group *ug = &inv->groups[1];
	size_t kept = 0;

	for (size_t i = 0; i < inv->n_groups; i++)
		memo[i] = -1;
	for (size_t i = 0; i < inv->n_groups; i++)
		inv->groups[i].depth = compute_depth(inv, i, 0, memo);
	free(memo);
	for (size_t hi = 0; hi < inv->n_hosts; hi++) {
		struct inv_host *h = &inv->hosts[hi];
		bool in_ungrouped = false, other = false;

		for (size_t k = 0; k < h->n_groups; k++) {
			if (h->groups[k] == 1)
				in_ungrouped = true;
			else if (h->groups[k] != 0)
				other = true;
		}
		if (in_ungrouped && other) {
			leave[hi] = 1;
			for (size_t k = 0; k < h->n_groups; k++)
				if (h->groups[k] == 1) {
					memmove(&h->groups[k], &h->groups[k + 1],
						(h->n_groups - k - 1) * sizeof *h->groups);
					h->n_groups--;
					break;
				}
		}
	}
	/* hosts with a group of their own leave "ungrouped", the rest keep their order */
	for (size_t k = 0; k < ug->n_hosts; k++)
		if (!leave[ug->hosts[k]])
			ug->hosts[kept++] = ug->hosts[k];
	ug->n_hosts = kept;
	free(leave);
}

static void host_groups(const struct inventory *inv, struct inv_host *h, char *mark);

struct inventory *
inventory_parse(const char *name, const char *text, size_t len, struct diag_list *dl)
{
	struct parser p;
	struct inventory *inv = xcalloc(1, sizeof *inv);
	size_t group;
	enum { ST_HOSTS, ST_CHILDREN, ST_VARS } state = ST_HOSTS;
	const char *s = text, *end = text + len;

	memset(&p, 0, sizeof p);
	p.inv = inv;
	p.dl = dl;
	p.name = name;
	inv->path = xstrdup(name);
	add_group(inv, "all", 0);
	add_group(inv, "ungrouped", 0);
	push_index(&inv->groups[0].children, &inv->groups[0].n_children,
		   &inv->groups[0].cap_children, 1);
	push_index(&inv->groups[1].parents, &inv->groups[1].n_parents,
		   &inv->groups[1].cap_parents, 0);
	group = 1;

	while (s < end && !p.failed) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
		char *raw = xstrndup(s, l), *line;
		char *gname = NULL, *type = NULL;

		p.line++;
		s = nl != NULL ? nl + 1 : end;
		if (memchr(s - (nl != NULL ? 1 : 0) - l, '\0', l) != NULL) {
			p.col = 1;
			perr(&p, 0, "NUL byte: not a text file");
			free(raw);
			break;
		}
		line = raw;
		while (isspace((unsigned char)*line))
			line++;
		p.col = (unsigned)(line - raw) + 1;
		str_trim(line);
		if (*line == '\0' || *line == '#' || *line == ';') {
			free(raw);
			continue;
		}
		if (match_section(line, &gname, &type)) {
			struct pending *pd;

			if (strcmp(type, "hosts") != 0 && strcmp(type, "children") != 0 &&
			    strcmp(type, "vars") != 0) {
				perr(&p, 0, "section [%s:%s] has unknown type '%s' "
				     "(use hosts, children or vars)", gname, type, type);
			} else {
				state = strcmp(type, "hosts") == 0 ? ST_HOSTS :
					strcmp(type, "children") == 0 ? ST_CHILDREN : ST_VARS;
				if (find_group(inv, gname) < 0) {
					if (state == ST_VARS && find_pending(&p, gname) == NULL)
						new_pending(&p, gname, 0);
					add_group(inv, gname, p.line);
				}
				pd = find_pending(&p, gname);
				if (pd != NULL && state != ST_VARS) {
					if (pd->is_children)
						add_pending_children(&p, gname);
					else
						drop_pending(pd);
				}
				group = (size_t)find_group(inv, gname);
			}
			free(gname);
			free(type);
			free(raw);
			continue;
		}
		if (line[0] == '[' && line[strlen(line) - 1] == ']') {
			perr(&p, 0, "invalid section entry '%s': no spaces or other invalid "
			     "characters are allowed in a section name", line);
			free(raw);
			break;
		}
		if (state == ST_HOSTS)
			parse_host_line(&p, line, group);
		else if (state == ST_VARS)
			parse_var_line(&p, line, group);
		else
			parse_children_line(&p, line, group);
		free(raw);
	}
	if (!p.failed) {
		for (size_t i = 0; i < p.n_pend; i++) {
			struct pending *pd = &p.pend[i];

			if (pd->name == NULL)
				continue;
			p.line = pd->line;
			p.col = 1;
			if (pd->is_children)
				perr(&p, 0, "[%s:children] includes undefined group '%s' "
				     "(it has no section of its own)",
				     inv->groups[pd->parents[pd->n_parents - 1]].name, pd->name);
			else
				perr(&p, 0, "[%s:vars] is not valid for undefined group '%s'",
				     pd->name, pd->name);
		}
	}
	for (size_t i = 0; i < p.n_pend; i++)
		drop_pending(&p.pend[i]);
	free(p.pend);
	strmap_free(&p.pend_index);
	reconcile(&p);
	{
		char *mark = xcalloc(inv->n_groups, 1);

		for (size_t i = 0; i < inv->n_hosts; i++)
			host_groups(inv, &inv->hosts[i], mark);
		free(mark);
	}
	return inv;
}

struct inventory *
inventory_load(const char *path, struct diag_list *dl)
{
	size_t len;
	char *err = NULL, *text = input_read(path, INPUT_INVENTORY, &len, &err);
	struct inventory *inv;

	if (text == NULL) {
		diag_error(dl, path, 0, 0, "cannot read: %s", err);
		free(err);
		return NULL;
	}
	inv = inventory_parse(path, text, len, dl);
	free(text);
	return inv;
}

void
inventory_free(struct inventory *inv)
{
	if (inv == NULL)
		return;
	for (size_t i = 0; i < inv->n_hosts; i++) {
		free(inv->hosts[i].name);
		vars_free(&inv->hosts[i].vars);
		free(inv->hosts[i].groups);
		free(inv->hosts[i].member);
	}
	for (size_t i = 0; i < inv->n_groups; i++) {
		struct inv_group *g = &inv->groups[i];

		free(g->name);
		free(g->hosts);
		free(g->children);
		free(g->parents);
		vars_free(&g->vars);
	}
	free(inv->hosts);
	free(inv->groups);
	strmap_free(&inv->host_index);
	strmap_free(&inv->group_index);
	free(inv->path);
	free(inv);
}

const struct inv_group *
inventory_group(const struct inventory *inv, const char *name)
{
	long i = find_group(inv, name);

	return i >= 0 ? &inv->groups[i] : NULL;
}

const struct inv_host *
inventory_host(const struct inventory *inv, const char *name)
{
	long i = find_host(inv, name);

	return i >= 0 ? &inv->hosts[i] : NULL;
}

/* Group.get_hosts: own hosts first, then each child's, depth first, deduplicated. */
static void
collect_hosts(const struct inventory *inv, size_t gi, size_t **out, size_t *n,
	      size_t *cap, char *seen_groups, char *seen_hosts)
{
	const struct inv_group *g = &inv->groups[gi];

	if (seen_groups[gi])
		return;
	seen_groups[gi] = 1;
	for (size_t i = 0; i < g->n_hosts; i++) {
		if (seen_hosts[g->hosts[i]])
			continue;
		seen_hosts[g->hosts[i]] = 1;
		append_index(out, n, cap, g->hosts[i]);
	}
	for (size_t i = 0; i < g->n_children; i++)
		collect_hosts(inv, g->children[i], out, n, cap, seen_groups, seen_hosts);
}

size_t *
inventory_group_hosts(const struct inventory *inv, const struct inv_group *g, size_t *n)
{
	char *seen = xcalloc(inv->n_groups, 1), *seen_hosts = xcalloc(inv->n_hosts + 1, 1);
	size_t *out = NULL, cap = 0;

	*n = 0;
	collect_hosts(inv, (size_t)(g - inv->groups), &out, n, &cap, seen, seen_hosts);
	free(seen);
	free(seen_hosts);
	return out;
}

/* Mark gi and its ancestors not marked yet, listing each newly marked one in h->member. */
static void
mark_ancestors(const struct inventory *inv, size_t gi, char *mark, struct inv_host *h,
	       size_t *cap)
{
	if (mark[gi])
		return;
	mark[gi] = 1;
	append_index(&h->member, &h->n_member, cap, gi);
	for (size_t i = 0; i < inv->groups[gi].n_parents; i++)
		mark_ancestors(inv, inv->groups[gi].parents[i], mark, h, cap);
}

static int
cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * h->member: the groups of h with their ancestors and "all", ascending.
 * mark is n_groups zero bytes, and zero again on return.
 */
static void
host_groups(const struct inventory *inv, struct inv_host *h, char *mark)
{
	size_t cap = 0;

	mark_ancestors(inv, 0, mark, h, &cap);
	for (size_t i = 0; i < h->n_groups; i++)
		mark_ancestors(inv, h->groups[i], mark, h, &cap);
	for (size_t i = 0; i < h->n_member; i++)
		mark[h->member[i]] = 0;
	qsort(h->member, h->n_member, sizeof *h->member, cmp_index);
}

bool
inventory_host_in_group(const struct inventory *inv, const struct inv_host *h,
			const char *group)
{
	long gi = find_group(inv, group);
	size_t key;

	if (gi < 0)
		return false;
	key = (size_t)gi;
	return bsearch(&key, h->member, h->n_member, sizeof *h->member, cmp_index) != NULL;
}

int
inventory_host_group_distance(const struct inventory *inv, const struct inv_host *h,
			      const struct inv_group *g)
{
	size_t target = (size_t)(g - inv->groups), *queue, *dist, head = 0, tail = 0;
	int found = -1;

	if (bsearch(&target, h->member, h->n_member, sizeof *h->member, cmp_index) == NULL)
		return -1;
	/* breadth first from the host's own groups up through their parents */
	queue = xcalloc(inv->n_groups, sizeof *queue);
	dist = xcalloc(inv->n_groups, sizeof *dist);	/* 0: unseen, else distance + 1 */
	for (size_t i = 0; i < h->n_groups; i++)
		if (dist[h->groups[i]] == 0) {
			dist[h->groups[i]] = 1;
			queue[tail++] = h->groups[i];
		}
	while (head < tail && found < 0) {
		size_t gi = queue[head++];
		const struct inv_group *cur = &inv->groups[gi];

		if (gi == target) {
			found = (int)dist[gi] - 1;
			break;
		}
		for (size_t k = 0; k < cur->n_parents; k++)
			if (dist[cur->parents[k]] == 0) {
				dist[cur->parents[k]] = dist[gi] + 1;
				queue[tail++] = cur->parents[k];
			}
	}
	free(queue);
	free(dist);
	return found;
}

static const struct inventory *sort_inv;

static int
group_order(const void *a, const void *b)
{
	const struct inv_group *ga = &sort_inv->groups[*(const size_t *)a];
	const struct inv_group *gb = &sort_inv->groups[*(const size_t *)b];

	if (ga->depth != gb->depth)
		return ga->depth < gb->depth ? -1 : 1;
	if (ga->priority != gb->priority)
		return ga->priority < gb->priority ? -1 : 1;
	return strcmp(ga->name, gb->name);
}

struct value *
inventory_host_vars(const struct inventory *inv, const struct inv_host *h)
{
	struct value *out = pyliteral_eval("{}", 2);
	size_t *order = xcalloc(h->n_member + 1, sizeof *order), n = h->n_member;
	struct inv_vars merged = { NULL, 0, 0 };

	if (n > 0)
		memcpy(order, h->member, n * sizeof *order);
	sort_inv = inv;
	qsort(order, n, sizeof *order, group_order);
	for (size_t i = 0; i < n; i++) {
		const struct inv_vars *gv = &inv->groups[order[i]].vars;

		for (size_t k = 0; k < gv->n; k++)
			vars_set(&merged, gv->items[k].key, value_copy(gv->items[k].val));
	}
	for (size_t k = 0; k < h->vars.n; k++)
		vars_set(&merged, h->vars.items[k].key, value_copy(h->vars.items[k].val));
	for (size_t k = 0; k < merged.n; k++) {
		struct value *v = merged.items[k].val;

		merged.items[k].val = NULL;
		grow_array(&out->items, &out->cap, out->n + 1, sizeof *out->items);
		out->keys = xreallocarray(out->keys, out->cap, sizeof *out->keys);
		out->keys[out->n] = xstrdup(merged.items[k].key);
		out->items[out->n++] = v;
	}
	vars_free(&merged);
	free(order);
	return out;
}

const struct value *
inventory_host_var(const struct inventory *inv, const struct inv_host *h, const char *key)
{
	const struct value *v = vars_get(&h->vars, key);
	size_t best = (size_t)-1;

	if (v != NULL)
		return v;
	sort_inv = inv;
	for (size_t i = 0; i < h->n_member; i++) {
		size_t cand = h->member[i];

		if (vars_get(&inv->groups[cand].vars, key) == NULL)
			continue;
		if (best == (size_t)-1 || group_order(&cand, &best) > 0)
			best = cand;
	}
	return best != (size_t)-1 ? vars_get(&inv->groups[best].vars, key) : NULL;
}

static json_t *
vars_json(const struct inv_vars *vars)
{
	json_t *o = json_object();

	for (size_t i = 0; i < vars->n; i++)
		json_object_set_new(o, vars->items[i].key, value_to_json(vars->items[i].val));
	return o;
}

static void
format_group(const struct inventory *inv, size_t gi, bool export, json_t *out, char *seen)
{
	const struct inv_group *g = &inv->groups[gi];
	json_t *o = json_object(), *hosts = json_array(), *children = json_array();

	for (size_t i = 0; gi != 0 && i < g->n_hosts; i++)
		json_array_append_new(hosts, json_string(inv->hosts[g->hosts[i]].name));
	for (size_t i = 0; i < g->n_children; i++) {
		json_array_append_new(children, json_string(inv->groups[g->children[i]].name));
		if (!seen[g->children[i]]) {
			seen[g->children[i]] = 1;
			format_group(inv, g->children[i], export, out, seen);
		}
	}
	if (json_array_size(hosts) > 0)
		json_object_set(o, "hosts", hosts);
	if (json_array_size(children) > 0)
		json_object_set(o, "children", children);
	if (export && (g->vars.n > 0 || g->priority != 1)) {
		json_t *vars = vars_json(&g->vars);

		if (g->priority != 1)
			json_object_set_new(vars, "ansible_group_priority", json_integer(g->priority));
		json_object_set_new(o, "vars", vars);
	}
	json_decref(hosts);
	json_decref(children);
	if (json_object_size(o) > 0)
		json_object_set_new(out, g->name, o);
	else
		json_decref(o);
}

json_t *
inventory_to_ansible_json(const struct inventory *inv, bool export)
{
	json_t *out = json_object(), *meta = json_object(), *hv = json_object();
	char *seen = xcalloc(inv->n_groups, 1);

	format_group(inv, 0, export, out, seen);
	for (size_t i = 0; i < inv->n_hosts; i++) {
		const struct inv_host *h = &inv->hosts[i];
		json_t *v;

		if (export) {
			v = vars_json(&h->vars);
		} else {
			struct value *m = inventory_host_vars(inv, h);

			v = value_to_json(m);
			value_free(m);
		}
		if (json_object_size(v) > 0)
			json_object_set_new(hv, h->name, v);
		else
			json_decref(v);
	}
	json_object_set_new(meta, "hostvars", hv);
	json_object_set_new(out, "_meta", meta);
	free(seen);
	return out;
}
