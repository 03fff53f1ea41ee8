/*
 * theme.c: console themes from themes/NAME.yml.
 *
 * DESIGN: the file is read with the yaml_doc loader, so every error names
 * file:line:col: an unknown element, an unknown key, a colour that is not a
 * name or 0..255, an 8-colour value above 7. Elements a theme leaves out
 * inherit "normal". Applying a theme makes one colour pair per element; on
 * a terminal with 256 colours the fg256/bg256 values win where given.
 */
#include "drconsole/ui/ui_theme.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/config/yaml_doc.h"

#ifndef DRCONSOLE_DATADIR
#define DRCONSOLE_DATADIR "/usr/local/share/drconsole"
#endif

static const char *const elem_names[] = {
#define UI_ELEM_NAME(id, help) #id,
	UI_ELEMENTS(UI_ELEM_NAME)
#undef UI_ELEM_NAME
};

static int elem_attr[UI_ELEM_COUNT];
/* State words drawn on the header line (the RPO status), as badges. */
static int over_header[UI_ELEM_COUNT];

const char *
ui_elem_name(enum ui_elem e)
{
	return (unsigned)e < UI_ELEM_COUNT ? elem_names[e] : "?";
}

int
ui_elem_find(const char *name)
{
	for (int i = 0; i < UI_ELEM_COUNT; i++)
		if (strcmp(elem_names[i], name) == 0)
			return i;
	return -1;
}

static bool
is_file(const char *p)
{
	return access(p, R_OK) == 0;
}

char *
ui_theme_find(const char *name_or_path, char **err)
{
	const char *name = name_or_path != NULL && *name_or_path != '\0' ? name_or_path : "default";
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	struct strbuf tried = STRBUF_INIT;
	char *dirs[3] = { NULL, NULL, NULL };
	char *found = NULL;

	if (strchr(name, '/') != NULL || str_ends_with(name, ".yml") || str_ends_with(name, ".yaml")) {
		if (is_file(name))
			return xstrdup(name);
		if (err != NULL)
			*err = xasprintf("theme file %s: cannot be read", name);
		return NULL;
	}
	dirs[0] = xstrdup("themes");
	if (xdg != NULL && *xdg != '\0')
		dirs[1] = xasprintf("%s/drconsole/themes", xdg);
	else if (home != NULL && *home != '\0')
		dirs[1] = xasprintf("%s/.local/share/drconsole/themes", home);
	if (getenv("DRCONSOLE_DATADIR") != NULL && *getenv("DRCONSOLE_DATADIR") != '\0')
		dirs[2] = xasprintf("%s/themes", getenv("DRCONSOLE_DATADIR"));
	else
		dirs[2] = xstrdup(DRCONSOLE_DATADIR "/themes");
	for (size_t i = 0; i < ARRAY_LEN(dirs) && found == NULL; i++) {
		char *p;

		if (dirs[i] == NULL)
			continue;
		p = xasprintf("%s/%s.yml", dirs[i], name);
		if (is_file(p))
			found = p;
		else {
			strbuf_printf(&tried, "%s%s", tried.len > 0 ? ", " : "", p);
			free(p);
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
		free(dirs[i]);
	if (found == NULL && err != NULL)
		*err = xasprintf("theme '%s' not found (looked for %s)", name, strbuf_str(&tried));
	strbuf_free(&tried);
	return found;
}

static void
style_unset(struct ui_style *s)
{
	s->fg = s->bg = s->fg256 = s->bg256 = UI_COLOR_UNSET;
	s->attrs = 0;
	s->attrs_set = false;
}

static struct ui_theme *
theme_new(const char *name, const char *path)
{
	struct ui_theme *t = xcalloc(1, sizeof *t);

	t->name = xstrdup(name);
	t->path = path != NULL ? xstrdup(path) : NULL;
	for (int i = 0; i < UI_ELEM_COUNT; i++)
		style_unset(&t->elems[i]);
	return t;
}

/* Elements left out take normal's colours; normal defaults to the terminal's. */
static void
theme_inherit(struct ui_theme *t)
{
	struct ui_style *n = &t->elems[UI_normal];

	if (n->fg == UI_COLOR_UNSET)
		n->fg = UI_COLOR_DEFAULT;
	if (n->bg == UI_COLOR_UNSET)
		n->bg = UI_COLOR_DEFAULT;
	for (int i = 1; i < UI_ELEM_COUNT; i++) {
		struct ui_style *s = &t->elems[i];

		if (s->fg == UI_COLOR_UNSET) {
			s->fg = n->fg;
			if (s->fg256 == UI_COLOR_UNSET)
				s->fg256 = n->fg256;
		}
		if (s->bg == UI_COLOR_UNSET) {
			s->bg = n->bg;
			if (s->bg256 == UI_COLOR_UNSET)
				s->bg256 = n->bg256;
		}
	}
}

struct ui_theme *
ui_theme_builtin(void)
{
	struct ui_theme *t = theme_new("builtin", NULL);

	t->elems[UI_header].attrs = UI_A_REVERSE;
	t->elems[UI_title].attrs = UI_A_BOLD;
	t->elems[UI_section].attrs = UI_A_BOLD;
	t->elems[UI_tab_active].attrs = UI_A_REVERSE;
	t->elems[UI_selection].attrs = UI_A_REVERSE;
	t->elems[UI_dim].attrs = UI_A_DIM;
	t->elems[UI_ok].fg = COLOR_GREEN;
	t->elems[UI_warn].fg = COLOR_YELLOW;
	t->elems[UI_warn].attrs = UI_A_BOLD;
	t->elems[UI_crit].fg = COLOR_RED;
	t->elems[UI_crit].attrs = UI_A_BOLD;
	t->elems[UI_stale].fg = COLOR_MAGENTA;
	t->elems[UI_badge_live].attrs = UI_A_REVERSE | UI_A_BOLD;
	t->elems[UI_badge_drill].attrs = UI_A_REVERSE | UI_A_BOLD;
	t->elems[UI_badge_dryrun].attrs = UI_A_REVERSE | UI_A_BOLD;
	t->elems[UI_badge_readonly].attrs = UI_A_REVERSE | UI_A_BOLD;
	t->elems[UI_key].attrs = UI_A_BOLD;
	t->elems[UI_disabled].attrs = UI_A_DIM;
	theme_inherit(t);
	return t;
}

void
ui_theme_free(struct ui_theme *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->path);
	free(t);
}

static const struct {
	const char *name;
	short value;
} color_names[] = {
	{ "default", UI_COLOR_DEFAULT }, { "black", 0 }, { "red", 1 }, { "green", 2 },
	{ "yellow", 3 }, { "blue", 4 }, { "magenta", 5 }, { "cyan", 6 }, { "white", 7 },
};

/* A colour name or number up to max; false with a diagnostic otherwise. */
static bool
parse_color(const char *file, const struct ynode *n, const char *what, int max,
	    short *out, struct diag_list *dl)
{
	const char *s = ynode_str(n);
	long long v;

	if (n == NULL || n->type != YN_SCALAR || s == NULL) {
		ynode_expect(dl, file, n, what, "a colour name or number");
		return false;
	}
	for (size_t i = 0; i < ARRAY_LEN(color_names); i++) {
		if (strcmp(s, color_names[i].name) == 0) {
			*out = color_names[i].value;
			return true;
		}
	}
	if (ynode_int(n, &v) && v >= 0 && v <= max) {
		*out = (short)v;
		return true;
	}
	diag_error(dl, file, n->line, n->col,
		   "%s: bad colour '%s' (expected default, black, red, green, yellow, blue, "
		   "magenta, cyan, white or a number 0..%d)", what, s, max);
	return false;
}

static bool
parse_attr_word(const char *file, const struct ynode *n, unsigned *attrs, struct diag_list *dl)
{
	static const struct {
		const char *name;
		unsigned bit;
	} words[] = {
		{ "bold", UI_A_BOLD }, { "reverse", UI_A_REVERSE },
		{ "underline", UI_A_UNDERLINE }, { "dim", UI_A_DIM }, { "none", 0 },
	};
	const char *s = ynode_str(n);

	if (s == NULL) {
		ynode_expect(dl, file, n, "attrs", "bold, reverse, underline, dim or none");
		return false;
	}
	for (size_t i = 0; i < ARRAY_LEN(words); i++) {
		if (strcmp(s, words[i].name) == 0) {
			*attrs |= words[i].bit;
			return true;
		}
	}
	diag_error(dl, file, n->line, n->col,
		   "attrs: unknown attribute '%s' (expected bold, reverse, underline, dim or none)", s);
	return false;
}

static void
parse_element(const char *file, struct ui_style *st, const struct ynode *map,
	      const char *elem, struct diag_list *dl)
{
	if (map->type != YN_MAP) {
		ynode_expect(dl, file, map, elem, "a mapping of fg, bg, fg256, bg256, attrs");
		return;
	}
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->pairs[i].key->value;
		const struct ynode *v = map->pairs[i].value;

		if (strcmp(k, "fg") == 0)
			parse_color(file, v, "fg", 7, &st->fg, dl);
		else if (strcmp(k, "bg") == 0)
			parse_color(file, v, "bg", 7, &st->bg, dl);
		else if (strcmp(k, "fg256") == 0)
			parse_color(file, v, "fg256", 255, &st->fg256, dl);
		else if (strcmp(k, "bg256") == 0)
			parse_color(file, v, "bg256", 255, &st->bg256, dl);
		else if (strcmp(k, "attrs") == 0) {
			st->attrs = 0;
			st->attrs_set = true;
			if (v->type == YN_SEQ) {
				for (size_t j = 0; j < v->n; j++)
					parse_attr_word(file, v->items[j], &st->attrs, dl);
			} else {
				parse_attr_word(file, v, &st->attrs, dl);
			}
		} else {
			diag_error(dl, file, map->pairs[i].key->line, map->pairs[i].key->col,
				   "%s: unknown key '%s' (expected fg, bg, fg256, bg256, attrs)", elem, k);
		}
	}
}

struct ui_theme *
ui_theme_load(const char *path, struct diag_list *dl)
{
	size_t errors_before = dl->errors;
	struct ydoc *doc = ydoc_load_input(path, INPUT_THEME, dl);
	struct ui_theme *t;
	const struct ynode *root;
	const char *file;

	if (doc == NULL)
		return NULL;
	file = doc->name;
	root = doc->root;
	if (root == NULL || root->type != YN_MAP) {
		ynode_expect(dl, file, root, "theme", "a mapping with name and elements");
		ydoc_free(doc);
		return NULL;
	}
	t = theme_new("", path);
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->pairs[i].key->value;
		const struct ynode *v = root->pairs[i].value;

		if (strcmp(k, "name") == 0) {
			if (ynode_str(v) == NULL) {
				ynode_expect(dl, file, v, "name", "a string");
			} else {
				free(t->name);
				t->name = xstrdup(ynode_str(v));
			}
		} else if (strcmp(k, "description") == 0) {
			if (ynode_str(v) == NULL)
				ynode_expect(dl, file, v, "description", "a string");
		} else if (strcmp(k, "elements") == 0) {
			if (v->type != YN_MAP) {
				ynode_expect(dl, file, v, "elements", "a mapping of element names");
				continue;
			}
			for (size_t j = 0; j < v->n; j++) {
				const struct ynode *key = v->pairs[j].key;
				int e = ui_elem_find(key->value);

				if (e < 0) {
					diag_error(dl, file, key->line, key->col,
						   "unknown theme element '%s' (drconsole(1) lists them)",
						   key->value);
					continue;
				}
				parse_element(file, &t->elems[e], v->pairs[j].value, key->value, dl);
			}
		} else {
			diag_error(dl, file, root->pairs[i].key->line, root->pairs[i].key->col,
				   "unknown key '%s' (expected name, description, elements)", k);
		}
	}
	ydoc_free(doc);
	if (dl->errors > errors_before) {
		ui_theme_free(t);
		return NULL;
	}
	if (*t->name == '\0') {
		const char *base = strrchr(path, '/');

		free(t->name);
		t->name = xstrdup(base != NULL ? base + 1 : path);
	}
	theme_inherit(t);
	return t;
}

static int
curses_attrs(unsigned a)
{
	int r = A_NORMAL;

	if (a & UI_A_BOLD)
		r |= A_BOLD;
	if (a & UI_A_REVERSE)
		r |= A_REVERSE;
	if (a & UI_A_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & UI_A_DIM)
		r |= A_DIM;
	return r;
}

void
ui_theme_apply(const struct ui_theme *t, bool use_color)
{
	bool defaults = false, c256;

	if (use_color && has_colors()) {
		start_color();
		defaults = use_default_colors() == OK;
	} else {
		use_color = false;
	}
	c256 = use_color && COLORS >= 256;
	for (int i = 0; i < UI_ELEM_COUNT; i++) {
		const struct ui_style *s = &t->elems[i];
		short fg = s->fg, bg = s->bg;

		elem_attr[i] = curses_attrs(s->attrs);
		if (!use_color || i + 1 >= COLOR_PAIRS)
			continue;
		if (c256 && s->fg256 >= 0)
			fg = s->fg256;
		if (c256 && s->bg256 >= 0)
			bg = s->bg256;
		if (fg < 0)
			fg = defaults ? -1 : COLOR_WHITE;
		if (bg < 0)
			bg = defaults ? -1 : COLOR_BLACK;
		if (init_pair((short)(i + 1), fg, bg) == OK)
			elem_attr[i] |= (int)COLOR_PAIR(i + 1);
	}
	for (int i = 0; i < UI_ELEM_COUNT; i++) {
		const struct ui_style *s = &t->elems[i];
		/* a small badge: black on the state's colour, readable on any header */
		short bg = c256 && s->fg256 >= 0 ? s->fg256 : s->fg;
		short fg = c256 ? 16 : COLOR_BLACK;
		int pair = UI_ELEM_COUNT + 1 + i;

		over_header[i] = elem_attr[i];
		/* a state without a colour of its own (monochrome) keeps its attributes */
		if (!use_color || i < UI_ok || i > UI_stale || pair >= COLOR_PAIRS || bg < 0)
			continue;
		if (init_pair((short)pair, fg, bg) == OK)
			over_header[i] = curses_attrs(s->attrs & ~UI_A_REVERSE) | (int)COLOR_PAIR(pair);
	}
}

int
ui_theme_attr_over_header(enum ui_elem e)
{
	return (unsigned)e < UI_ELEM_COUNT ? over_header[e] : (int)A_NORMAL;
}

int
ui_theme_attr(enum ui_elem e)
{
	return (unsigned)e < UI_ELEM_COUNT ? elem_attr[e] : (int)A_NORMAL;
}
