/*
 * site.c: building a site from its commcare-cloud environment directory.
 *
 * DESIGN: the env files are loaded once (YAML trees and the inventory are
 * kept for drift, lint and runbook variables) and every derived value is
 * computed here with commcare-cloud's defaults (group_vars/all.yml and the
 * role defaults quoted in the facts this project was built from), so the
 * rest of drconsole never guesses. Values written as Jinja are resolved with
 * jinja.c; an unresolved one is kept verbatim and reported.
 */
#include "drconsole/config/site.h"
#include "drconsole/config/site_check.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/config/jinja.h"
#include "drconsole/config/known_hosts.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

const char *
site_role_name(enum site_role role)
{
	switch (role) {
	case SITE_PRIMARY:
		return "primary";
	case SITE_SECONDARY:
		return "secondary";
	case SITE_NONE:
		break;
	}
	return "none";
}

const char *
backup_store_name(enum backup_store s)
{
	static const char *const names[] = {
		[STORE_POSTGRES] = "postgres", [STORE_COUCH] = "couch", [STORE_BLOBDB] = "blobdb",
	};

	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "?";
}

static bool
file_exists(const char *dir, const char *name, bool *is_dir)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool ok = stat(p, &st) == 0;

	if (is_dir != NULL)
		*is_dir = ok && S_ISDIR(st.st_mode);
	free(p);
	return ok;
}

static struct ydoc *
load_yaml(struct site *s, const char *name, bool required, struct diag_list *dl)
{
	char *path = xasprintf("%s/%s", s->env_dir, name);
	struct ydoc *doc = NULL;

	if (access(path, F_OK) != 0) {
		if (required)
			diag_error(dl, path, 0, 0, "missing: every commcare-cloud environment needs %s",
				   name);
	} else {
		doc = ydoc_load_file(path, dl);
	}
	/* commcare-cloud reads these as mappings of settings: nothing else will do */
	if (doc != NULL && (strcmp(name, "public.yml") == 0 || strcmp(name, "postgresql.yml") == 0)) {
		if (doc->root == NULL || ynode_is_null(doc->root))
			diag_error(dl, doc->name, 1, 1, "%s is empty: expected a mapping of settings",
				   name);
		else if (doc->root->type != YN_MAP)
			ynode_expect(dl, doc->name, doc->root, name, "a mapping of settings");
	}
	free(path);
	return doc;
}

static const char *
public_var(void *ud, const char *name)
{
	const struct site *s = ud;

	if (strcmp(name, "deploy_env") == 0)
		return s->deploy_env;
	if (strcmp(name, "env_name") == 0)
		return s->env_name;
	return ynode_str(ynode_get(s->public_yml != NULL ? s->public_yml->root : NULL, name));
}

/* Resolve Jinja in v (NULL passes through); warns at n's position when unresolved. */
static char *
resolve(struct site *s, const char *v, const struct ynode *n, const char *file,
	struct diag_list *dl)
{
	struct jinja_ctx ctx = { s->inv, public_var, s };
	bool ok;
	char *r;

	if (v == NULL)
		return NULL;
	if (s->inv == NULL)
		return xstrdup(v);
	r = jinja_resolve(&ctx, v, &ok);
	if (!ok && dl != NULL)
		diag_warning(dl, file, n != NULL ? n->line : 0, n != NULL ? n->col : 0,
			     "cannot resolve the template '%s'; it is used verbatim", v);
	return r;
}

const char *
site_public_str(const struct site *s, const char *key)
{
	return public_var((void *)s, key);
}

bool
site_public_bool(const struct site *s, const char *key, bool dflt)
{
	const struct ynode *n = ynode_get(s->public_yml != NULL ? s->public_yml->root : NULL, key);
	const char *v;
	bool b;

	if (n == NULL || ynode_is_null(n))
		return dflt;
	if (ynode_bool(n, &b))
		return b;
	v = ynode_str(n);
	if (str_truthy(v))
		return true;
	if (str_falsy(v))
		return false;
	return dflt;
}

/* Integer settings of public.yml drconsole reads, with the values commcare-cloud can use. */
static const struct {
	const char *key;
	long long min, max;
	const char *what;
} public_ints[] = {
	{ "nadir_hour", 0, 23, "an hour of the day" },
	{ "nadir_hour_frequency", 1, 24, "a step in hours" },
	{ "postgresql_backup_days", 0, INT_MAX, "a number of days" },
	{ "postgresql_backup_weeks", 0, INT_MAX, "a number of weeks" },
	{ "postgresql_backup_hours", 0, INT_MAX, "a number of hours" },
	{ "couchdb_backup_days", 0, INT_MAX, "a number of days" },
	{ "couchdb_backup_weeks", 0, INT_MAX, "a number of weeks" },
	{ "couchdb_backup_hours", 0, INT_MAX, "a number of hours" },
	{ "blobdb_backup_days", 0, INT_MAX, "a number of days" },
	{ "blobdb_backup_weeks", 0, INT_MAX, "a number of weeks" },
	{ "blobdb_backup_hours", 0, INT_MAX, "a number of hours" },
};

/* Digits with an optional sign: an integer, whether or not it fits. */
static bool
looks_integer(const char *v)
{
	if (*v == '-' || *v == '+')
		v++;
	if (*v == '\0')
		return false;
	for (; *v != '\0'; v++)
		if (!isdigit((unsigned char)*v))
			return false;
	return true;
}

/* Each public_ints setting present must be an integer in its range (templates are left to Ansible). */
static void
check_public_ints(const struct site *s, struct diag_list *dl)
{
	const struct ynode *root = s->public_yml != NULL ? s->public_yml->root : NULL;
	const char *file = s->public_yml != NULL ? s->public_yml->name : NULL;

	for (size_t i = 0; i < ARRAY_LEN(public_ints); i++) {
		const struct ynode *n = ynode_get(root, public_ints[i].key);
		const char *v = ynode_str(n);
		long long x;

		if (n == NULL || ynode_is_null(n) || (v != NULL && strstr(v, "{{") != NULL))
			continue;
		if (ynode_int(n, &x) && x >= public_ints[i].min && x <= public_ints[i].max)
			continue;
		if (ynode_int(n, &x) || (v != NULL && looks_integer(v)))
			diag_error(dl, file, n->line, n->col, "%s: %s is out of range (%s, %lld to %lld)",
				   public_ints[i].key, v, public_ints[i].what, public_ints[i].min,
				   public_ints[i].max);
		else
			ynode_expect(dl, file, n, public_ints[i].key, "an integer");
	}
}

static int
public_int(const struct site *s, const char *key, int dflt)
{
	long long v;

	if (ynode_int(ynode_get(s->public_yml != NULL ? s->public_yml->root : NULL, key), &v))
		return (int)v;
	return dflt;
}

static char *
value_text(const struct value *v)
{
	if (v == NULL)
		return NULL;
	if (v->type == VAL_STRING)
		return xstrdup(v->s);
	if (v->type == VAL_INT)
		return xasprintf("%lld", v->i);
	return NULL;
}

static char *
host_var_text(const struct site *s, const struct inv_host *h, const char *key)
{
	return value_text(inventory_host_var(s->inv, h, key));
}

/* The functional group a host is shown under: the nearest one in its group
 * tree (its own group before a grandparent), in display order on a tie. */
static const char *
display_group(const struct site *s, const struct inv_host *h)
{
	static const char *const order[] = {
		"control", "proxy", "webworkers", "celery", "pillowtop", "formplayer",
		"pg_standby", "postgresql", "pgbouncer", "couchdb2", "elasticsearch",
		"kafka", "zookeeper", "redis", "rabbitmq", "pg_backup", "shared_dir_host",
		"django_manage",
	};
	const char *best = NULL;
	int best_d = 0;

	for (size_t i = 0; i < ARRAY_LEN(order); i++) {
		const struct inv_group *g = inventory_group(s->inv, order[i]);
		int d = g != NULL ? inventory_host_group_distance(s->inv, h, g) : -1;

		if (d >= 0 && (best == NULL || d < best_d)) {
			best = order[i];
			best_d = d;
		}
	}
	if (best != NULL)
		return best;
	return h->n_groups > 0 ? s->inv->groups[h->groups[0]].name : "ungrouped";
}

static char *
all_groups(const struct site *s, const struct inv_host *h)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < h->n_member; i++)
		if (h->member[i] >= 2)
			strbuf_printf(&sb, "%s%s", sb.len > 0 ? "," : "", s->inv->groups[h->member[i]].name);
	return strbuf_detach(&sb);
}

static void
build_hosts(struct site *s, const struct config *cfg)
{
	struct known_hosts kh;
	bool have_kh = s->known_hosts_path != NULL && known_hosts_load(s->known_hosts_path, &kh) == 0;
	size_t cap = 0;

	for (size_t i = 0; i < s->inv->n_hosts; i++) {
		const struct inv_host *h = &s->inv->hosts[i];
		const struct value *port = inventory_host_var(s->inv, h, "ansible_port");
		char *addr = host_var_text(s, h, "ansible_host");
		char *user = host_var_text(s, h, "ansible_user");
		struct site_host *sh;

		if (inventory_host_in_group(s->inv, h, "ansible_skip") || site_host_is_local(s->inv, h)) {
			free(addr);
			free(user);
			continue;
		}
		grow_array(&s->hosts, &cap, s->n_hosts + 1, sizeof *s->hosts);
		sh = &s->hosts[s->n_hosts++];
		memset(sh, 0, sizeof *sh);
		sh->name = xstrdup(h->name);
		sh->address = addr != NULL ? addr : xstrdup(h->name);
		sh->port = port != NULL && port->type == VAL_INT ? (int)port->i :
			   port != NULL && port->type == VAL_STRING ? atoi(port->s) : 22;
		if (cfg->ssh.user != NULL) {
			sh->user = xstrdup(cfg->ssh.user);
			free(user);
		} else {
			sh->user = user != NULL ? user : xstrdup(s->remote_user);
		}
		sh->group = xstrdup(display_group(s, h));
		sh->groups = all_groups(s, h);
		sh->known = have_kh && (known_hosts_covers(&kh, sh->address, sh->port) ||
					known_hosts_covers(&kh, sh->name, sh->port));
		sh->line = h->line;
	}
	if (have_kh)
		known_hosts_free(&kh);
}

/* Hosts of a host-or-group reference: the host itself, or the group's hosts. */
static size_t *
resolve_ref(const struct site *s, const char *ref, size_t *n)
{
	const struct inv_host *h = inventory_host(s->inv, ref);
	const struct inv_group *g;
	size_t *out;

	if (h != NULL) {
		out = xcalloc(1, sizeof *out);
		out[0] = (size_t)(h - s->inv->hosts);
		*n = 1;
		return out;
	}
	g = inventory_group(s->inv, ref);
	if (g == NULL) {
		*n = 0;
		return NULL;
	}
	return inventory_group_hosts(s->inv, g, n);
}

static void
parse_slot_list(struct site_pg_server *pg, const struct value *v)
{
	struct value *parsed = NULL;

	if (v != NULL && v->type == VAL_STRING)	/* "['standby1']" in :vars */
		v = parsed = pyliteral_eval(v->s, v->len);
	if (v != NULL && v->type == VAL_LIST) {
		pg->slots = xcalloc(v->n, sizeof *pg->slots);
		for (size_t i = 0; i < v->n; i++)
			if (v->items[i]->type == VAL_STRING)
				pg->slots[pg->n_slots++] = xstrdup(v->items[i]->s);
	}
	value_free(parsed);
}

static void
build_pg(struct site *s)
{
	size_t cap = 0;

	for (size_t i = 0; i < s->inv->n_hosts; i++) {
		const struct inv_host *h = &s->inv->hosts[i];
		struct site_pg_server *pg;
		char *addr;

		if ((!inventory_host_in_group(s->inv, h, "postgresql") &&
		     !inventory_host_in_group(s->inv, h, "pg_standby")) || site_host_is_balancer(s->inv, h))
			continue;
		grow_array(&s->pg, &cap, s->n_pg + 1, sizeof *s->pg);
		pg = &s->pg[s->n_pg++];
		memset(pg, 0, sizeof *pg);
		pg->host = xstrdup(h->name);
		addr = host_var_text(s, h, "ansible_host");
		pg->address = addr != NULL ? addr : xstrdup(h->name);
		pg->is_standby = inventory_host_in_group(s->inv, h, "pg_standby");
		pg->remote = inventory_host_in_group(s->inv, h, "remote_postgresql");
		pg->master = host_var_text(s, h, "hot_standby_master");
		pg->slot = host_var_text(s, h, "replication_slot");
		pg->standby_server = host_var_text(s, h, "hot_standby_server");
		parse_slot_list(pg, inventory_host_var(s->inv, h, "postgresql_replication_slots"));
		pg->line = h->line;
	}
}

/* The fixed database names commcare-cloud gives each alias. */
static const char *
db_name(const char *alias)
{
	static const char *const names[][2] = {
		{ "main", "commcarehq" }, { "synclogs", "commcarehq_synclogs" },
		{ "ucr", "commcarehq_ucr" }, { "formplayer", "formplayer" },
		{ "auditcare", "commcarehq_auditcare" }, { "repeaters", "commcarehq_repeaters" },
		{ "project_db", "commcarehq_project_db" }, { "proxy", "commcarehq_proxy" },
		{ "proxy_standby", "commcarehq_proxy_standby" },
	};

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(alias, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

static void
add_db(struct site *s, size_t *cap, const char *alias, const char *name,
       const struct ynode *spec, const char *dflt_host, const char *file, struct diag_list *dl)
{
	const struct ynode *hn = ynode_get(spec, "host");
	const char *ref = ynode_str(hn) != NULL ? ynode_str(hn) : dflt_host;
	struct site_db *db;
	size_t n = 0, *hosts;
	char *resolved;

	grow_array(&s->dbs, cap, s->n_dbs + 1, sizeof *s->dbs);
	db = &s->dbs[s->n_dbs++];
	memset(db, 0, sizeof *db);
	db->alias = xstrdup(alias);
	db->name = xstrdup(name);
	db->line = hn != NULL ? hn->line : spec != NULL ? spec->line : 0;
	db->col = hn != NULL ? hn->col : spec != NULL ? spec->col : 0;
	if (ref == NULL)
		return;
	resolved = resolve(s, ref, hn, file, dl);
	db->host_ref = resolved;
	hosts = resolve_ref(s, resolved, &n);
	if (n == 1)
		db->host = xstrdup(s->inv->hosts[hosts[0]].name);
	free(hosts);
}

static void
build_dbs(struct site *s, struct diag_list *dl)
{
	const struct ynode *root = s->postgresql_yml != NULL ? s->postgresql_yml->root : NULL;
	const struct ynode *dbs = ynode_get(root, "dbs"), *fp, *parts, *custom;
	const char *file = s->postgresql_yml != NULL ? s->postgresql_yml->name : NULL;
	const struct inv_group *pgg = inventory_group(s->inv, "postgresql");
	char *dflt = NULL;
	size_t cap = 0;

	if (ynode_str(ynode_get(root, "DEFAULT_POSTGRESQL_HOST")) != NULL) {
		dflt = xstrdup(ynode_str(ynode_get(root, "DEFAULT_POSTGRESQL_HOST")));
	} else if (pgg != NULL) {
		size_t n, *h = inventory_group_hosts(s->inv, pgg, &n);

		if (n > 0)
			dflt = xstrdup(s->inv->hosts[h[0]].name);
		free(h);
	}
	if (dbs != NULL && dbs->type == YN_MAP) {
		for (size_t i = 0; i < dbs->n; i++) {
			const char *alias = dbs->pairs[i].key->value;
			const struct ynode *spec = dbs->pairs[i].value;

			if (db_name(alias) != NULL && spec->type == YN_MAP)
				add_db(s, &cap, alias, db_name(alias), spec, dflt, file, dl);
		}
		fp = ynode_get(dbs, "form_processing");
		if (fp != NULL && fp->type == YN_MAP) {
			if (ynode_get(fp, "proxy") != NULL)
				add_db(s, &cap, "proxy", "commcarehq_proxy", ynode_get(fp, "proxy"), dflt, file, dl);
			parts = ynode_get(fp, "partitions");
			for (size_t i = 0; parts != NULL && parts->type == YN_MAP && i < parts->n; i++) {
				char *name = xasprintf("commcarehq_%s", parts->pairs[i].key->value);

				add_db(s, &cap, parts->pairs[i].key->value, name, parts->pairs[i].value,
				       dflt, file, dl);
				free(name);
			}
		}
		custom = ynode_get(dbs, "custom");
		for (size_t i = 0; custom != NULL && custom->type == YN_SEQ && i < custom->n; i++) {
			const char *name = ynode_str(ynode_get(custom->items[i], "name"));

			if (name != NULL)
				add_db(s, &cap, name, name, custom->items[i], dflt, file, dl);
		}
	}
	free(dflt);
	{
		const struct ynode *v = ynode_get(ynode_get(root, "postgres_override"),
						  "postgresql_version");

		/* a bare (non-CommCare HQ) env without postgresql.yml runs no PostgreSQL of ours */
		if (ynode_str(v) != NULL || !s->bare || s->postgresql_yml != NULL)
			s->pg_version = xstrdup(ynode_str(v) != NULL ? ynode_str(v) : "14");
	}
}

/* The group's hosts by ansible_host (else name) or by inventory name; NULL when no such group. */
static char **
group_list(const struct site *s, const char *group, bool addresses, size_t *n)
{
	const struct inv_group *g = inventory_group(s->inv, group);
	size_t *hosts;
	char **out;

	*n = 0;
	if (g == NULL)
		return NULL;
	hosts = inventory_group_hosts(s->inv, g, n);
	out = xcalloc(*n == 0 ? 1 : *n, sizeof *out);
	for (size_t i = 0; i < *n; i++) {
		const struct inv_host *h = &s->inv->hosts[hosts[i]];
		char *a = addresses ? host_var_text(s, h, "ansible_host") : NULL;

		out[i] = a != NULL ? a : xstrdup(h->name);
	}
	free(hosts);
	return out;
}

char **
site_group_addresses(const struct site *s, const char *group, size_t *n)
{
	return group_list(s, group, true, n);
}

static char **
group_names(const struct site *s, const char *group, size_t *n)
{
	return group_list(s, group, false, n);
}

/* Why a backup store is off, in the words an operator can act on. */
static char *
backup_off_reason(const struct site *s, enum backup_store st, const char *key, const struct ynode *en)
{
	const char *rds = "";

	if (s->aws != NULL && s->aws->n_rds > 0 && st == STORE_POSTGRES)
		rds = s->aws->plan.present ?
			"; the RDS databases are covered by RDS automated backups and the AWS Backup plan" :
			"; the RDS databases are covered by RDS automated backups only (no backup_plan)";

	if (en == NULL && st != STORE_POSTGRES)
		return xasprintf("%s is not set in public.yml", key);
	if (st == STORE_POSTGRES && inventory_group(s->inv, "pg_backup") == NULL &&
	    (en == NULL || ynode_str(en) == NULL || strcmp(ynode_str(en), "plain") == 0 ||
	     strcmp(ynode_str(en), "dump") == 0))
		return xasprintf("no pg_backup host in inventory.ini; the backup cron runs only there%s", rds);
	return xasprintf("%s is off in public.yml (line %u)%s", key, en->line, rds);
}

static void
build_backups(struct site *s, struct diag_list *dl)
{
	static const struct {
		const char *enabled, *s3, *bucket, *days, *weeks, *hourly, *hours, *dir, *hosts;
	} keys[STORE_COUNT] = {
		[STORE_POSTGRES] = { "backup_postgres", "postgres_s3", "postgres_snapshot_bucket",
				     "postgresql_backup_days", "postgresql_backup_weeks",
				     "postgres_backup_hourly", "postgresql_backup_hours",
				     "/opt/data/backups/postgresql", "pg_backup" },
		[STORE_COUCH] = { "backup_couch", "couch_s3", "couchdb_snapshot_bucket",
				  "couchdb_backup_days", "couchdb_backup_weeks",
				  "couch_backup_hourly", "couchdb_backup_hours",
				  "/opt/data/backups/couchdb2", "couchdb2" },
		[STORE_BLOBDB] = { "backup_blobdb", "blobdb_s3", "blobdb_snapshot_bucket",
				   "blobdb_backup_days", "blobdb_backup_weeks",
				   "blobdb_backup_hourly", "blobdb_backup_hours",
				   "/opt/data/backups/blobdb", "shared_dir_host" },
	};
	const struct ynode *root = s->public_yml != NULL ? s->public_yml->root : NULL;
	const char *file = s->public_yml != NULL ? s->public_yml->name : NULL;
	const char *region;

	check_public_ints(s, dl);
	s->nadir_hour = public_int(s, "nadir_hour", 0);
	s->nadir_hour_frequency = public_int(s, "nadir_hour_frequency", 3);
	region = site_public_str(s, "aws_region");
	s->aws_region = region != NULL ? xstrdup(region) : NULL;
	if (site_public_str(s, "aws_endpoint") != NULL)
		s->aws_endpoint = resolve(s, site_public_str(s, "aws_endpoint"),
					  ynode_get(root, "aws_endpoint"), file, dl);
	else if (region != NULL)
		s->aws_endpoint = xasprintf("s3.%s.amazonaws.com", region);
	for (int st = 0; st < STORE_COUNT; st++) {
		struct site_backup *b = &s->backups[st];
		const char *bucket = site_public_str(s, keys[st].bucket);
		const struct ynode *en = ynode_get(root, keys[st].enabled);

		if (st == STORE_POSTGRES) {
			const char *mode = ynode_str(en);
			bool off = false;

			/* backup_postgres: plain | dump (default plain); False disables */
			b->enabled = en == NULL || (mode != NULL && (strcmp(mode, "plain") == 0 ||
								  strcmp(mode, "dump") == 0));
			if (ynode_bool(en, &off) && !off)
				b->enabled = false;
			b->format = xstrdup(mode != NULL && strcmp(mode, "dump") == 0 ? "dump" : "plain");
			/* the cron job exists only on pg_backup hosts */
			if (inventory_group(s->inv, "pg_backup") == NULL)
				b->enabled = false;
		} else {
			b->enabled = site_public_bool(s, keys[st].enabled, false);
			b->format = xstrdup("plain");
		}
		b->s3 = site_public_bool(s, keys[st].s3, false);
		b->versioned = site_public_bool(s, "aws_versioning_enabled", true);
		b->hourly = site_public_bool(s, keys[st].hourly, false);
		b->days = public_int(s, keys[st].days, 2);
		b->weeks = public_int(s, keys[st].weeks, 2);
		b->hours = public_int(s, keys[st].hours, 1);
		{
			/* postgresql_backup_dir / couch_backup_dir / blobdb_backup_dir override the default */
			static const char *const dir_keys[STORE_COUNT] = {
				[STORE_POSTGRES] = "postgresql_backup_dir",
				[STORE_COUCH] = "couch_backup_dir",
				[STORE_BLOBDB] = "blobdb_backup_dir",
			};
			const char *dir = site_public_str(s, dir_keys[st]);

			b->local_dir = dir != NULL ? resolve(s, dir, ynode_get(root, dir_keys[st]), file, dl)
						   : xstrdup(keys[st].dir);
		}
		if (bucket != NULL) {
			const struct ynode *bn = ynode_get(root, keys[st].bucket);

			b->bucket = resolve(s, bucket, bn, file, dl);
			b->bucket_line = bn != NULL ? bn->line : 0;
			b->bucket_col = bn != NULL ? bn->col : 0;
		} else
			b->bucket = xasprintf("dimagi-%s-%s-backups", s->deploy_env,
					      st == STORE_POSTGRES ? "postgres" :
					      st == STORE_COUCH ? "couch" : "blobdb");
		b->hosts = group_names(s, keys[st].hosts, &b->n_hosts);
		if (!b->enabled)
			b->off_reason = backup_off_reason(s, st, keys[st].enabled, en);
	}
}

static void
check_meta(struct site *s, struct diag_list *dl)
{
	static const char *const allowed[] = {
		"deploy_env", "env_monitoring_id", "users", "slack_alerts_channel",
		"slack_notifications_channel", "bare_non_cchq_environment", "deploy_keys",
		"always_deploy_formplayer", "secrets_backend",
	};
	const struct ynode *root = s->meta != NULL ? s->meta->root : NULL;

	if (root == NULL || root->type != YN_MAP) {
		if (s->meta != NULL)
			ynode_expect(dl, s->meta->name, root, "meta.yml", "a mapping");
		return;
	}
	for (size_t i = 0; i < root->n; i++) {
		bool ok = false;

		for (size_t k = 0; k < ARRAY_LEN(allowed); k++)
			ok |= strcmp(root->pairs[i].key->value, allowed[k]) == 0;
		if (!ok)
			diag_error(dl, s->meta->name, root->pairs[i].key->line, root->pairs[i].key->col,
				   "unknown key '%s' in meta.yml (commcare-cloud rejects it)",
				   root->pairs[i].key->value);
	}
	if (ynode_str(ynode_get(root, "deploy_env")) == NULL)
		diag_error(dl, s->meta->name, root->line, root->col,
			   "meta.yml has no deploy_env (bucket and backup names depend on it)");
	else
		s->deploy_env = xstrdup(ynode_str(ynode_get(root, "deploy_env")));
}

/* Each RDS instance's inventory group and the postgresql.yml databases on it. */
static void
link_aws(struct site *s, struct diag_list *dl)
{
	if (s->aws == NULL)
		return;
	for (size_t i = 0; i < s->aws->n_rds; i++) {
		struct aws_rds *r = &s->aws->rds[i];
		const struct inv_group *g = inventory_group(s->inv, r->group);
		size_t nh = 0, *hosts = g != NULL ? inventory_group_hosts(s->inv, g, &nh) : NULL;

		r->in_inventory = g != NULL;
		if (g == NULL)
			diag_warning(dl, s->aws->file, r->line, r->col,
				     "RDS instance %s has no inventory group [%s] in inventory.ini "
				     "(commcare-cloud %s aws-fill-inventory writes it)",
				     r->identifier, r->group, s->env_name);
		r->databases = xcalloc(s->n_dbs + 1, sizeof *r->databases);
		for (size_t d = 0; d < s->n_dbs; d++) {
			bool on = s->dbs[d].host_ref != NULL && strcmp(s->dbs[d].host_ref, r->group) == 0;

			for (size_t k = 0; !on && k < nh && s->dbs[d].host != NULL; k++)
				on = strcmp(s->inv->hosts[hosts[k]].name, s->dbs[d].host) == 0;
			if (on)
				r->databases[r->n_databases++] = xstrdup(s->dbs[d].alias);
		}
		free(hosts);
	}
}

struct site *
site_load(const struct config *cfg, enum site_role role, struct diag_list *dl)
{
	struct site *s = xcalloc(1, sizeof *s);
	const char *dir = cfg->sites[role].env_dir;
	bool is_dir = false, bare;
	size_t sources = 0;
	char *inv_path;

	s->role = role;
	s->env_dir = xstrdup(dir != NULL ? dir : "");
	{
		const char *slash = strrchr(s->env_dir, '/');
		char *name = xstrdup(slash != NULL ? slash + 1 : s->env_dir);

		if (*name == '\0' && slash != NULL) {	/* trailing slash */
			free(name);
			name = xstrdup("?");
		}
		s->env_name = name;
	}
	if (dir == NULL || !file_exists(dir, ".", &is_dir) || !is_dir) {
		diag_error(dl, cfg->path, 0, 0, "sites.%s.env_dir: '%s' is not a directory",
			   site_role_name(role), dir != NULL ? dir : "(unset)");
		site_free(s);
		return NULL;
	}
	sources += file_exists(dir, "inventory.ini", NULL);
	sources += file_exists(dir, "inventory.csv", NULL);
	sources += file_exists(dir, "inventory", &is_dir) && is_dir;
	if (sources != 1) {
		diag_error(dl, s->env_dir, 0, 0, sources == 0 ?
			   "no inventory: expected inventory.ini" :
			   "more than one inventory source (inventory.ini, inventory.csv, inventory/): "
			   "commcare-cloud allows exactly one");
		if (sources == 0) {
			site_free(s);
			return NULL;
		}
	}
	if (!file_exists(dir, "inventory.ini", NULL)) {
		diag_error(dl, s->env_dir, 0, 0, "only inventory.ini inventories are supported");
		site_free(s);
		return NULL;
	}
	inv_path = xasprintf("%s/inventory.ini", dir);
	s->inv = inventory_load(inv_path, dl);
	free(inv_path);
	if (s->inv == NULL) {
		site_free(s);
		return NULL;
	}
	s->meta = load_yaml(s, "meta.yml", true, dl);
	check_meta(s, dl);
	if (s->deploy_env == NULL)
		s->deploy_env = xstrdup(s->env_name);
	s->public_yml = load_yaml(s, "public.yml", true, dl);
	bare = false;
	if (s->meta != NULL)
		(void)ynode_bool(ynode_get(s->meta->root, "bare_non_cchq_environment"), &bare);
	s->bare = bare;
	s->postgresql_yml = load_yaml(s, "postgresql.yml", !bare, dl);
	s->proxy_yml = load_yaml(s, "proxy.yml", !bare, dl);
	s->app_processes_yml = load_yaml(s, "app-processes.yml", !bare, dl);
	s->fab_settings_yml = load_yaml(s, "fab-settings.yml", !bare, dl);
	if (file_exists(dir, "known_hosts", NULL))
		s->known_hosts_path = xasprintf("%s/known_hosts", dir);
	{
		const char *ru = site_public_str(s, "commcare_cloud_remote_user");

		s->remote_user = xstrdup(ru != NULL ? ru : "ansible");
	}
	if (s->proxy_yml != NULL) {
		const struct ynode *n = ynode_get(s->proxy_yml->root, "SITE_HOST");

		if (ynode_str(n) != NULL)
			s->site_host = resolve(s, ynode_str(n), n, s->proxy_yml->name, dl);
		else if (!bare)
			diag_error(dl, s->proxy_yml->name, 1, 1, "proxy.yml has no SITE_HOST");
	}
	build_hosts(s, cfg);
	build_pg(s);
	build_dbs(s, dl);
	s->aws = aws_env_load(s->env_dir, dl);
	aws_env_set_profiles(s->aws, cfg->sites[role].aws_profile, cfg->sites[role == SITE_PRIMARY].aws_profile);
	link_aws(s, dl);
	build_backups(s, dl);
	s->couch_nodes = site_group_addresses(s, "couchdb2", &s->n_couch);
	{
		const char *db = ynode_str(ynode_get(ynode_get(ynode_get(
			s->public_yml != NULL ? s->public_yml->root : NULL, "couch_dbs"), "default"), "name"));

		s->couch_db = xstrdup(db != NULL ? db : "commcarehq");
	}
	s->es_nodes = site_group_addresses(s, "elasticsearch", &s->n_es);
	{
		const char *repo = site_public_str(s, "es_repository_name");

		s->es_repository = repo != NULL ? resolve(s, repo, NULL, NULL, NULL)
						: xasprintf("%s_es_snapshot", s->deploy_env);
		s->es_snapshots = site_public_bool(s, "backup_es_s3", false) ||
				  site_public_bool(s, "es_local_repo", false) ||
				  site_public_bool(s, "backup_es_swift", false);
	}
	{
		const char *ref = cfg->sites[role].control != NULL ? cfg->sites[role].control : "control";
		size_t n = 0, *hosts = resolve_ref(s, ref, &n);

		if (n > 0) {
			const struct site_host *h = site_host_by_name(s, s->inv->hosts[hosts[0]].name);

			s->control = xstrdup(s->inv->hosts[hosts[0]].name);
			if (h != NULL) {
				s->control_address = xstrdup(h->address);
				s->control_port = h->port;
			}
		} else {
			site_control_missing(cfg, site_role_name(role), s->inv, ref, dl);
		}
		free(hosts);
	}
	return s;
}

/* Address of host name in s's inventory, or NULL. */
static char *
address_in(const struct site *s, const char *name)
{
	const struct inv_host *h = inventory_host(s->inv, name);
	char *a;

	if (h == NULL)
		return NULL;
	a = host_var_text(s, h, "ansible_host");
	return a != NULL ? a : xstrdup(h->name);
}

void
site_link(struct site *a, struct site *b)
{
	struct site *sites[2] = { a, b };

	for (int k = 0; k < 2; k++) {
		struct site *s = sites[k], *other = sites[1 - k];

		if (s == NULL)
			continue;
		for (size_t i = 0; i < s->n_pg; i++) {
			struct site_pg_server *pg = &s->pg[i];

			if (pg->master == NULL || pg->master_address != NULL)
				continue;
			pg->master_address = address_in(s, pg->master);
			if (pg->master_address == NULL && other != NULL)
				pg->master_address = address_in(other, pg->master);
		}
	}
}

const struct site_host *
site_host_by_name(const struct site *s, const char *name)
{
	for (size_t i = 0; i < s->n_hosts; i++)
		if (strcmp(s->hosts[i].name, name) == 0)
			return &s->hosts[i];
	return NULL;
}

void
site_free(struct site *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_hosts; i++) {
		free(s->hosts[i].name);
		free(s->hosts[i].address);
		free(s->hosts[i].user);
		free(s->hosts[i].group);
		free(s->hosts[i].groups);
	}
	free(s->hosts);
	for (size_t i = 0; i < s->n_pg; i++) {
		struct site_pg_server *pg = &s->pg[i];

		free(pg->host);
		free(pg->address);
		free(pg->master);
		free(pg->master_address);
		free(pg->slot);
		str_array_free(pg->slots, pg->n_slots);
		free(pg->standby_server);
	}
	free(s->pg);
	for (size_t i = 0; i < s->n_dbs; i++) {
		free(s->dbs[i].alias);
		free(s->dbs[i].name);
		free(s->dbs[i].host_ref);
		free(s->dbs[i].host);
	}
	free(s->dbs);
	for (int st = 0; st < STORE_COUNT; st++) {
		free(s->backups[st].bucket);
		free(s->backups[st].format);
		free(s->backups[st].local_dir);
		str_array_free(s->backups[st].hosts, s->backups[st].n_hosts);
		free(s->backups[st].off_reason);
	}
	str_array_free(s->couch_nodes, s->n_couch);
	str_array_free(s->es_nodes, s->n_es);
	free(s->couch_db);
	free(s->es_repository);
	free(s->pg_version);
	free(s->aws_region);
	free(s->aws_endpoint);
	free(s->env_dir);
	free(s->env_name);
	free(s->deploy_env);
	free(s->site_host);
	free(s->control);
	free(s->control_address);
	free(s->remote_user);
	free(s->known_hosts_path);
	inventory_free(s->inv);
	ydoc_free(s->meta);
	ydoc_free(s->public_yml);
	ydoc_free(s->postgresql_yml);
	ydoc_free(s->proxy_yml);
	ydoc_free(s->app_processes_yml);
	ydoc_free(s->fab_settings_yml);
	aws_env_free(s->aws);
	free(s);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
string_array(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *
site_to_json(const struct site *s)
{
	json_t *o = json_object(), *hosts = json_array(), *pg = json_array(), *dbs = json_array();
	json_t *backups = json_object();

	json_object_set_new(o, "role", json_string(site_role_name(s->role)));
	json_object_set_new(o, "env_dir", json_string(s->env_dir));
	json_object_set_new(o, "env_name", json_string(s->env_name));
	json_object_set_new(o, "deploy_env", json_string(s->deploy_env));
	json_object_set_new(o, "site_host", str_or_null(s->site_host));
	json_object_set_new(o, "control", str_or_null(s->control));
	json_object_set_new(o, "known_hosts", str_or_null(s->known_hosts_path));
	for (size_t i = 0; i < s->n_hosts; i++) {
		const struct site_host *h = &s->hosts[i];

		json_array_append_new(hosts, json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:b}",
			"name", h->name, "address", h->address, "port", h->port, "user", h->user,
			"group", h->group, "groups", h->groups, "known_host", h->known));
	}
	json_object_set_new(o, "hosts", hosts);
	for (size_t i = 0; i < s->n_pg; i++) {
		const struct site_pg_server *p = &s->pg[i];

		json_array_append_new(pg, json_pack("{s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o}",
			"host", p->host, "address", p->address,
			"role", p->is_standby ? "standby" : "primary", "remote", p->remote,
			"hot_standby_master", str_or_null(p->master),
			"master_address", str_or_null(p->master_address),
			"replication_slot", str_or_null(p->slot),
			"replication_slots", string_array(p->slots, p->n_slots),
			"hot_standby_server", str_or_null(p->standby_server)));
	}
	json_object_set_new(o, "postgresql", json_pack("{s:o,s:o}", "version", str_or_null(s->pg_version),
							"servers", pg));
	for (size_t i = 0; i < s->n_dbs; i++)
		json_array_append_new(dbs, json_pack("{s:s,s:s,s:o,s:o}", "alias", s->dbs[i].alias,
			"name", s->dbs[i].name, "host_ref", str_or_null(s->dbs[i].host_ref),
			"host", str_or_null(s->dbs[i].host)));
	json_object_set_new(o, "databases", dbs);
	json_object_set_new(o, "couchdb", json_pack("{s:o,s:s}", "nodes",
		string_array(s->couch_nodes, s->n_couch), "database", s->couch_db));
	json_object_set_new(o, "elasticsearch", json_pack("{s:o,s:s,s:b}", "nodes",
		string_array(s->es_nodes, s->n_es), "repository", s->es_repository,
		"snapshots", s->es_snapshots));
	for (int st = 0; st < STORE_COUNT; st++) {
		const struct site_backup *b = &s->backups[st];

		json_object_set_new(backups, backup_store_name(st), json_pack(
			"{s:b,s:b,s:s,s:s,s:s,s:b,s:i,s:i,s:i,s:s,s:o}",
			"enabled", b->enabled, "to_s3", b->s3, "bucket", b->bucket,
			"key_convention", b->versioned ? "fixed-key+versions" : "dated-keys",
			"format", b->format, "hourly", b->hourly, "days", b->days, "weeks", b->weeks,
			"hours", b->hours, "local_dir", b->local_dir,
			"hosts", string_array(b->hosts, b->n_hosts)));
		json_object_set_new(json_object_get(backups, backup_store_name(st)), "off_reason",
				    str_or_null(b->off_reason));
	}
	json_object_set_new(o, "aws", s->aws != NULL ? aws_env_to_json(s->aws) : json_null());
	json_object_set_new(o, "backups", json_pack("{s:o,s:i,s:i,s:o,s:o}", "stores", backups,
		"nadir_hour", s->nadir_hour, "nadir_hour_frequency", s->nadir_hour_frequency,
		"aws_region", str_or_null(s->aws_region), "aws_endpoint", str_or_null(s->aws_endpoint)));
	return o;
}
