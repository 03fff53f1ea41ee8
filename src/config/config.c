/*
 * config.c: loading drconsole.yml against the option table. Defaults are
 * applied first through the same setters as file values, so a default is
 * checked like anything a user writes. The system file is read separately
 * for the read-only pin, and fails closed: if it exists but cannot be read
 * or parsed, or its read_only is anything but a boolean, read-only is
 * pinned and a warning (lint: an error) says why.
 */
#include "drconsole/config/config.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/config/config_table.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/state_dir.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/config/yaml_doc.h"

_Static_assert(offsetof(struct config, n_runbooks) ==
	       offsetof(struct config, runbooks) + sizeof(char **),
	       "COPT_PATH_LIST expects the count right after the list");

struct loader {
	struct config *cfg;
	const struct config_sources *src;
	struct diag_list *dl;
	const char *file;
	char *dir;		/* of the config file, for relative paths */
	bool *set;		/* per option */
};

static size_t
n_options(void)
{
	size_t n = 0;

	while (config_options[n].path != NULL)
		n++;
	return n;
}

static void *
slot(struct config *cfg, const struct config_option *o)
{
	return (char *)cfg + o->offset;
}

static char *
expand_path(const struct loader *ld, const char *p)
{
	const char *home = ld->src->home != NULL ? ld->src->home : "/";

	if (strcmp(p, "~") == 0)
		return xstrdup(home);
	if (str_starts_with(p, "~/"))
		return xasprintf("%s/%s", home, p + 2);
	if (str_starts_with(p, "$HOME/"))
		return xasprintf("%s/%s", home, p + 6);
	if (p[0] == '/' || ld->dir == NULL)
		return xstrdup(p);
	return xasprintf("%s/%s", ld->dir, p);
}

static bool
valid_env_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Set option o from a text value (a default) or a node; false on error. */
static bool
set_value(struct loader *ld, const struct config_option *o, const struct ynode *n,
	  const char *text)
{
	struct ynode tmp;
	void *p = slot(ld->cfg, o);
	const char *s;
	const char *why = NULL;
	unsigned line = n != NULL ? n->line : 0, col = n != NULL ? n->col : 0;

	if (n == NULL) {
		memset(&tmp, 0, sizeof tmp);
		tmp.type = YN_SCALAR;
		tmp.style = YS_PLAIN;
		tmp.value = (char *)text;
		tmp.len = strlen(text);
		n = &tmp;
	}
	if (o->type == COPT_DRIFT_IGNORE)
		return config_drift_ignore_set(ld->cfg, n, ld->file, ld->dl);
	if (o->type == COPT_PATH_LIST) {
		char ***list = p;
		size_t *count = (size_t *)((char *)p + sizeof(char **));

		if (n->type != YN_SEQ) {
			ynode_expect(ld->dl, ld->file, n, o->path, "a list of paths");
			return false;
		}
		str_array_free(*list, *count);
		*list = xcalloc(n->n, sizeof **list);
		*count = 0;
		for (size_t i = 0; i < n->n; i++) {
			if (ynode_str(n->items[i]) == NULL) {
				ynode_expect(ld->dl, ld->file, n->items[i], o->path, "a path");
				return false;
			}
			(*list)[(*count)++] = expand_path(ld, n->items[i]->value);
		}
		return true;
	}
	if (o->type == COPT_BOOL) {
		bool b;

		if (!ynode_bool(n, &b)) {
			ynode_expect(ld->dl, ld->file, n, o->path, "true or false");
			return false;
		}
		*(bool *)p = b;
		return true;
	}
	s = ynode_str(n);
	if (s == NULL && n->type == YN_SCALAR && (o->type == COPT_STRING ||
	    o->type == COPT_PATH || o->type == COPT_ENVNAME)) {
		free(*(char **)p);	/* null: unset an optional string */
		*(char **)p = NULL;
		return true;
	}
	if (s == NULL) {
		ynode_expect(ld->dl, ld->file, n, o->path, "a single value");
		return false;
	}
	switch (o->type) {
	case COPT_DURATION: {
		long long ms;

		if (!duration_parse(s, &ms, &why)) {
			diag_error(ld->dl, ld->file, line, col, "%s: bad duration '%s': %s",
				   o->path, s, why);
			return false;
		}
		if (ms < o->min || ms > o->max) {
			char a[32], b[32];

			diag_error(ld->dl, ld->file, line, col, "%s: %s is out of range (%s to %s)",
				   o->path, s, duration_format(o->min, a, sizeof a),
				   duration_format(o->max, b, sizeof b));
			return false;
		}
		*(long long *)p = ms;
		return true;
	}
	case COPT_INT: {
		long long v;

		if (!ynode_int(n, &v)) {
			ynode_expect(ld->dl, ld->file, n, o->path, "a whole number");
			return false;
		}
		if (v < o->min || v > o->max) {
			diag_error(ld->dl, ld->file, line, col, "%s: %lld is out of range (%lld to %lld)",
				   o->path, v, o->min, o->max);
			return false;
		}
		*(long long *)p = v;
		return true;
	}
	case COPT_ENUM: {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; o->choices[i] != NULL; i++) {
			if (strcmp(s, o->choices[i]) == 0) {
				strbuf_free(&sb);
				free(*(char **)p);
				*(char **)p = xstrdup(s);
				return true;
			}
			strbuf_printf(&sb, "%s%s", i > 0 ? ", " : "", o->choices[i]);
		}
		diag_error(ld->dl, ld->file, line, col, "%s: '%s' is not one of %s",
			   o->path, s, strbuf_str(&sb));
		strbuf_free(&sb);
		return false;
	}
	case COPT_ENVNAME:
		if (!valid_env_name(s)) {
			diag_error(ld->dl, ld->file, line, col,
				   "%s: '%s' is not an environment variable name (this option names the "
				   "variable that holds the value, it is not the value)", o->path, s);
			return false;
		}
		/* fall through */
	case COPT_STRING:
		free(*(char **)p);
		*(char **)p = xstrdup(s);
		return true;
	case COPT_PATH:
		free(*(char **)p);
		*(char **)p = expand_path(ld, s);
		return true;
	case COPT_BOOL:
	case COPT_PATH_LIST:
	case COPT_DRIFT_IGNORE:
		break;
	}
	return false;
}

static bool
is_secret_key(const char *k)
{
	static const char *const secrets[] = {
		"password", "passwd", "pass", "secret", "secret_key", "access_key",
		"token", "session_token", "aws_access_key_id", "aws_secret_access_key",
		"private_key", "passphrase",
	};

	for (size_t i = 0; i < ARRAY_LEN(secrets); i++)
		if (strcmp(k, secrets[i]) == 0)
			return true;
	return false;
}

/* The option names one level below prefix (NULL: top level), comma-separated. */
static char *
known_keys(const char *prefix)
{
	struct strbuf sb = STRBUF_INIT;
	size_t pl = prefix != NULL ? strlen(prefix) : 0;

	for (size_t o = 0; config_options[o].path != NULL; o++) {
		const char *op = config_options[o].path, *rest, *dot;
		char *name, *needle, *hay;

		if (prefix != NULL && (strncmp(op, prefix, pl) != 0 || op[pl] != '.'))
			continue;
		rest = prefix != NULL ? op + pl + 1 : op;
		dot = strchr(rest, '.');
		name = xstrndup(rest, dot != NULL ? (size_t)(dot - rest) : strlen(rest));
		needle = xasprintf(", %s,", name);
		hay = xasprintf(", %s,", strbuf_str(&sb));
		if (strstr(hay, needle) == NULL)
			strbuf_printf(&sb, "%s%s", sb.len > 0 ? ", " : "", name);
		free(name);
		free(needle);
		free(hay);
	}
	return strbuf_detach(&sb);
}

static void
walk_map(struct loader *ld, const struct ynode *map, const char *prefix)
{
	if (map->type != YN_MAP) {
		ynode_expect(ld->dl, ld->file, map, prefix != NULL ? prefix : "the configuration",
			     "a mapping");
		return;
	}
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key, *v = map->pairs[i].value;
		char *path = prefix != NULL ? xasprintf("%s.%s", prefix, k->value) : xstrdup(k->value);
		size_t plen = strlen(path);
		bool found = false, section = false;

		if (is_secret_key(k->value)) {
			diag_error(ld->dl, ld->file, k->line, k->col,
				   "'%s': credentials are never taken from this file. PostgreSQL "
				   "passwords come from .pgpass, PGPASSFILE, PGPASSWORD or a service file; "
				   "S3 and CouchDB credentials from the environment variables named by "
				   "s3.access_key_env/s3.secret_key_env and couchdb.user_env/password_env",
				   path);
			free(path);
			continue;
		}
		for (size_t o = 0; config_options[o].path != NULL; o++) {
			const char *op = config_options[o].path;

			if (strcmp(op, path) == 0) {
				if (set_value(ld, &config_options[o], v, NULL)) {
					ld->set[o] = true;
					ld->cfg->pos[o].line = v->line;
					ld->cfg->pos[o].col = v->col;
				}
				found = true;
				break;
			}
			if (strncmp(op, path, plen) == 0 && op[plen] == '.')
				section = true;
		}
		if (!found && section)
			walk_map(ld, v, path);
		else if (!found) {
			char *known = known_keys(prefix);

			diag_error(ld->dl, ld->file, k->line, k->col, "unknown option '%s' (known%s%s: %s)",
				   path, prefix != NULL ? " in " : "", prefix != NULL ? prefix : "",
				   known);
			free(known);
		}
		free(path);
	}
}

static void
apply_defaults(struct loader *ld)
{
	for (size_t o = 0; config_options[o].path != NULL; o++)
		if (config_options[o].dflt != NULL &&
		    !set_value(ld, &config_options[o], NULL, config_options[o].dflt))
			fatal("bad default for option %s", config_options[o].path);
}

int
config_load_file(const char *path, const struct config_sources *src,
		 struct config *cfg, struct diag_list *dl)
{
	struct loader ld = { cfg, src, dl, path, NULL, NULL };
	size_t before = dl->errors;
	struct ydoc *doc;
	char *tmp;

	memset(cfg, 0, sizeof *cfg);
	cfg->path = xstrdup(path);
	tmp = xstrdup(path);
	ld.dir = xstrdup(dirname(tmp));
	free(tmp);
	ld.set = xcalloc(n_options(), sizeof *ld.set);
	cfg->pos = xcalloc(n_options(), sizeof *cfg->pos);
	apply_defaults(&ld);
	doc = ydoc_load_input(path, INPUT_CONFIG, dl);
	if (doc != NULL && doc->root == NULL)
		diag_error(dl, path, 1, 1, "the configuration file is empty");
	else if (doc != NULL)
		walk_map(&ld, doc->root, NULL);
	if (doc != NULL && doc->root != NULL)
		for (size_t o = 0; config_options[o].path != NULL; o++)
			if (config_options[o].required && !ld.set[o])
				diag_error(dl, path, 1, 1, "missing required option %s (%s)",
					   config_options[o].path, config_options[o].help);
	if (cfg->state_dir == NULL) {
		if (src->xdg_state_home != NULL && *src->xdg_state_home == '/')
			cfg->state_dir = xasprintf("%s/drconsole", src->xdg_state_home);
		else
			cfg->state_dir = xasprintf("%s/.local/state/drconsole",
						   src->home != NULL ? src->home : "");
	}
	if (cfg->log == NULL)
		cfg->log = state_dir_user_file(cfg->state_dir, "drconsole", "log");
	ydoc_free(doc);
	free(ld.set);
	free(ld.dir);
	return dl->errors > before ? -1 : 0;
}

void
config_sources_from_env(struct config_sources *src, const char *explicit_path)
{
	static char cwd[4096];

	memset(src, 0, sizeof *src);
	src->explicit_path = explicit_path;
	src->env_config = getenv("DRCONSOLE_CONFIG");
	if (src->env_config != NULL && *src->env_config == '\0')
		src->env_config = NULL;
	src->cwd = getcwd(cwd, sizeof cwd) != NULL ? cwd : ".";
	src->xdg_config_home = getenv("XDG_CONFIG_HOME");
	src->xdg_state_home = getenv("XDG_STATE_HOME");
	src->home = getenv("HOME");
	src->system_path = CONFIG_SYSTEM_PATH;
	/* only ever adds a pin: the system file is checked whatever this says */
	src->pin_path = getenv("DRCONSOLE_PIN_CONFIG");
}

char *
config_read_only_reason(const struct config *cfg, bool flag)
{
	if (cfg->read_only_pinned)
		return xasprintf("pinned by %s (%s)",
				 cfg->pinned_by != NULL ? cfg->pinned_by : CONFIG_SYSTEM_PATH,
				 cfg->pin_why != NULL ? cfg->pin_why : "read_only: true");
	if (cfg->read_only)
		return xasprintf("read_only: true in %s", cfg->path != NULL ? cfg->path : "the configuration");
	if (flag)
		return xstrdup("started with --read-only");
	return NULL;
}

/*
 * Does a pin file (the system file, or $DRCONSOLE_PIN_CONFIG) pin read-only?
 * It fails closed: only a file that does not exist, or one whose read_only
 * is absent or a literal boolean false, leaves the mode alone. A file that
 * exists but cannot be read (EACCES on it or on its directory) or parsed,
 * a document that is not a mapping and a read_only that is not a boolean
 * (a quoted "true", 1, [true], null) all pin, with a warning (an error when
 * strict: lint). Returns why it pins (caller frees), or NULL.
 */
static char *
system_pin(const char *path, bool strict, struct diag_list *dl)
{
	static const char *const fixing = "read-only mode is pinned until it is fixed";
	enum diag_severity sev = strict ? DIAG_ERROR : DIAG_WARNING;
	struct diag_list tmp = DIAG_LIST_INIT;
	const struct ynode *v;
	struct ydoc *doc;
	struct stat st;
	char *why = NULL;
	bool ro = false;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return NULL;
		diag_add(dl, sev, path, 0, 0, "cannot read the system configuration (%s); %s",
			 strerror(errno), fixing);
		return xasprintf("cannot read it: %s", strerror(errno));
	}
	doc = ydoc_load_input(path, INPUT_CONFIG, &tmp);
	if (doc == NULL || tmp.errors > 0) {
		const char *msg = tmp.n > 0 ? tmp.items[0].message : "invalid";

		diag_add(dl, sev, path, 0, 0, "cannot read the system configuration (%s); %s",
			 msg, fixing);
		why = xasprintf("cannot read it: %s", msg);
	} else if (doc->root != NULL && doc->root->type != YN_MAP) {
		diag_add(dl, sev, path, doc->root->line, doc->root->col,
			 "the system configuration is %s, not a mapping; %s",
			 ynode_type_name(doc->root), fixing);
		why = xasprintf("it is %s, not a mapping", ynode_type_name(doc->root));
	} else if ((v = ynode_get(doc->root, "read_only")) != NULL) {
		/* a plain true/false (yes/no, on/off) and no tag but !!bool: nothing else unpins */
		if (!ynode_bool(v, &ro) || (v->tag != NULL && strcmp(v->tag, "tag:yaml.org,2002:bool") != 0)) {
			diag_add(dl, sev, path, v->line, v->col,
				 "read_only must be true or false, not %s; %s",
				 v->tag != NULL ? "a tagged value" : ynode_type_name(v), fixing);
			why = xasprintf("read_only is %s, not true or false",
					v->tag != NULL ? "a tagged value" : ynode_type_name(v));
		} else if (ro) {
			why = xstrdup("read_only: true");
		}
	}
	ydoc_free(doc);
	diag_list_free(&tmp);
	return why;
}

int
config_load(const struct config_sources *src, struct config *cfg, struct diag_list *dl)
{
	char *candidates[4] = { NULL, NULL, NULL, NULL };
	const char *chosen = NULL, *pin_paths[2];
	int rc;

	memset(cfg, 0, sizeof *cfg);
	if (src->explicit_path != NULL || src->env_config != NULL) {
		chosen = src->explicit_path != NULL ? src->explicit_path : src->env_config;
		if (access(chosen, R_OK) != 0) {
			diag_error(dl, chosen, 0, 0, "cannot read the configuration (%s%s): %s",
				   src->explicit_path != NULL ? "-c" : "$DRCONSOLE_CONFIG", "",
				   strerror(errno));
			return -1;
		}
	} else {
		candidates[0] = xasprintf("%s/drconsole.yml", src->cwd != NULL ? src->cwd : ".");
		if (src->xdg_config_home != NULL && *src->xdg_config_home == '/')
			candidates[1] = xasprintf("%s/drconsole/config.yml", src->xdg_config_home);
		else if (src->home != NULL)
			candidates[1] = xasprintf("%s/.config/drconsole/config.yml", src->home);
		if (src->system_path != NULL)
			candidates[2] = xstrdup(src->system_path);
		for (size_t i = 0; i < 3 && chosen == NULL; i++)
			if (candidates[i] != NULL && access(candidates[i], F_OK) == 0)
				chosen = candidates[i];
		if (chosen == NULL) {
			diag_error(dl, NULL, 0, 0, "no configuration found: looked for %s, %s%s%s "
				   "(use -c FILE or $DRCONSOLE_CONFIG; see docs/drconsole.example.yml)",
				   candidates[0], candidates[1] != NULL ? candidates[1] : "",
				   candidates[2] != NULL ? ", " : "", candidates[2] != NULL ? candidates[2] : "");
			for (size_t i = 0; i < 3; i++)
				free(candidates[i]);
			return -1;
		}
	}
	rc = config_load_file(chosen, src, cfg, dl);
	pin_paths[0] = src->system_path;
	pin_paths[1] = src->pin_path;
	for (size_t i = 0; i < 2; i++) {
		char *why;

		if (pin_paths[i] == NULL || *pin_paths[i] == '\0')
			continue;
		why = system_pin(pin_paths[i], src->strict_pin, dl);
		if (why != NULL && !cfg->read_only_pinned) {
			cfg->read_only = true;
			cfg->read_only_pinned = true;
			cfg->pinned_by = xstrdup(pin_paths[i]);
			cfg->pin_why = why;
		} else {
			free(why);
		}
	}
	for (size_t i = 0; i < 3; i++)
		free(candidates[i]);
	return rc;
}

void
config_free(struct config *cfg)
{
	for (size_t o = 0; config_options[o].path != NULL; o++) {
		void *p = slot(cfg, &config_options[o]);

		switch (config_options[o].type) {
		case COPT_STRING:
		case COPT_PATH:
		case COPT_ENUM:
		case COPT_ENVNAME:
			free(*(char **)p);
			*(char **)p = NULL;
			break;
		case COPT_PATH_LIST:
			str_array_free(*(char ***)p, *(size_t *)((char *)p + sizeof(char **)));
			*(char ***)p = NULL;
			break;
		default:
			break;
		}
	}
	free(cfg->path);
	free(cfg->pinned_by);
	free(cfg->pin_why);
	free(cfg->pos);
	config_drift_ignore_free(cfg);
	memset(cfg, 0, sizeof *cfg);
}

bool
config_option_pos(const struct config *cfg, const char *path, unsigned *line, unsigned *col)
{
	for (size_t o = 0; cfg->pos != NULL && config_options[o].path != NULL; o++)
		if (strcmp(config_options[o].path, path) == 0 && cfg->pos[o].line > 0) {
			*line = cfg->pos[o].line;
			*col = cfg->pos[o].col;
			return true;
		}
	return false;
}

void
config_print_options(FILE *fp)
{
	static const char *const types[] = {
		[COPT_DURATION] = "duration", [COPT_STRING] = "string", [COPT_PATH] = "path",
		[COPT_PATH_LIST] = "list of paths", [COPT_BOOL] = "boolean", [COPT_INT] = "integer",
		[COPT_ENUM] = "choice", [COPT_ENVNAME] = "env var name",
		[COPT_DRIFT_IGNORE] = "list of {key, reason}",
	};

	fputs("| option | type | default | meaning |\n|---|---|---|---|\n", fp);
	for (size_t o = 0; config_options[o].path != NULL; o++) {
		const struct config_option *op = &config_options[o];

		fprintf(fp, "| `%s` | %s | %s | %s |\n", op->path, types[op->type],
			op->required ? "required" : op->dflt != NULL ? op->dflt : "-", op->help);
	}
}
