/*
 * aws_env.c: terraform.yml and aws-resources.yml of an AWS-hosted
 * commcare-cloud environment, as the DR model needs them. Only the keys
 * that say how data is protected are read; the rest of terraform.yml
 * (VPC ranges, load balancers, parameters) is terraform's business. A key
 * of the wrong type is an error at its position; an unknown key is not
 * (commcare-cloud's own schema owns the file).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drconsole/config/aws_env.h"
#include "drconsole/util/util.h"
#include "drconsole/config/yaml_doc.h"

static char *
opt_str(const struct ynode *map, const char *key, const char *file, struct diag_list *dl)
{
	const struct ynode *n = ynode_get(map, key);

	if (n == NULL || ynode_is_null(n))
		return NULL;
	if (n->type != YN_SCALAR) {
		ynode_expect(dl, file, n, key, "a string");
		return NULL;
	}
	return xstrdup(n->value);
}

static long long
opt_int(const struct ynode *map, const char *key, long long min, long long max,
	const char *file, struct diag_list *dl)
{
	const struct ynode *n = ynode_get(map, key);
	long long v;

	if (n == NULL || ynode_is_null(n))
		return -1;
	if (!ynode_int(n, &v)) {
		ynode_expect(dl, file, n, key, "a whole number");
		return -1;
	}
	if (v < min || v > max) {
		diag_error(dl, file, n->line, n->col, "%s: %lld is out of range (%lld..%lld)",
			   key, v, min, max);
		return -1;
	}
	return v;
}

static bool
opt_bool(const struct ynode *map, const char *key, const char *file, struct diag_list *dl)
{
	const struct ynode *n = ynode_get(map, key);
	bool v = false;

	if (n == NULL || ynode_is_null(n))
		return false;
	if (!ynode_bool(n, &v)) {
		ynode_expect(dl, file, n, key, "true or false");
		return false;
	}
	return v;
}

/* A list of mappings under key, or NULL (with an error when it is something else). */
static const struct ynode *
opt_list(const struct ynode *map, const char *key, const char *file, struct diag_list *dl)
{
	const struct ynode *n = ynode_get(map, key);

	if (n == NULL || ynode_is_null(n))
		return NULL;
	if (n->type != YN_SEQ) {
		ynode_expect(dl, file, n, key, "a list");
		return NULL;
	}
	return n;
}

char *
aws_rds_group(const char *identifier, const char *environment)
{
	size_t n = strlen(identifier), e = environment != NULL ? strlen(environment) : 0;

	if (e > 0 && n > e + 1 && identifier[n - e - 1] == '-' &&
	    strcmp(identifier + n - e, environment) == 0)
		n -= e + 1;
	return xasprintf("rds_%.*s", (int)n, identifier);
}

static void
read_rds(struct aws_env *a, const struct ynode *list, struct diag_list *dl)
{
	a->rds = xcalloc(list->n == 0 ? 1 : list->n, sizeof *a->rds);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *m = list->items[i];
		struct aws_rds *r = &a->rds[a->n_rds];
		char *id;

		if (m->type != YN_MAP) {
			ynode_expect(dl, a->file, m, "rds_instances[]", "a mapping");
			continue;
		}
		id = opt_str(m, "identifier", a->file, dl);
		if (id == NULL) {
			diag_error(dl, a->file, m->line, m->col, "rds_instances[%zu]: no identifier", i);
			continue;
		}
		r->identifier = id;
		r->line = m->line;
		r->col = m->col;
		r->instance_type = opt_str(m, "instance_type", a->file, dl);
		r->storage_gb = opt_int(m, "storage", 1, 1LL << 40, a->file, dl);
		r->multi_az = opt_bool(m, "multi_az", a->file, dl);
		r->engine_version = opt_str(m, "engine_version", a->file, dl);
		r->backup_window = opt_str(m, "backup_window", a->file, dl);
		r->backup_retention = (int)opt_int(m, "backup_retention", 0, 35, a->file, dl);
		r->cross_region = opt_bool(m, "enable_cross_region_backup", a->file, dl);
		r->group = aws_rds_group(id, a->environment);
		a->n_rds++;
	}
}

static void
read_plan(struct aws_env *a, const struct ynode *root, struct diag_list *dl)
{
	const struct ynode *m = ynode_get(root, "backup_plan");
	struct aws_backup_plan *p = &a->plan;

	p->daily_retention = p->weekly_retention = p->monthly_retention = -1;
	p->quarterly_retention = p->cold_storage_after = -1;
	if (m == NULL || ynode_is_null(m))
		return;
	if (m->type != YN_MAP) {
		ynode_expect(dl, a->file, m, "backup_plan", "a mapping");
		return;
	}
	p->present = true;
	p->line = m->line;
	p->local_vault = opt_str(m, "local_vault_name", a->file, dl);
	p->remote_vault = opt_str(m, "remote_vault_name", a->file, dl);
	p->remote_region = opt_str(m, "remote_vault_region", a->file, dl);
	p->outside_account = opt_str(m, "outside_account_id", a->file, dl);
	p->daily_retention = (int)opt_int(m, "daily_retention", 0, 36500, a->file, dl);
	p->weekly_retention = (int)opt_int(m, "weekly_retention", 0, 36500, a->file, dl);
	p->monthly_retention = (int)opt_int(m, "monthly_retention", 0, 36500, a->file, dl);
	p->quarterly_retention = (int)opt_int(m, "quarterly_retention", 0, 36500, a->file, dl);
	p->cold_storage_after = (int)opt_int(m, "cold_storage_after", 0, 36500, a->file, dl);
	if (p->remote_vault == NULL)
		diag_warning(dl, a->file, m->line, m->col,
			     "backup_plan has no remote_vault_name: nothing is copied out of %s",
			     a->region != NULL ? a->region : "the region");
}

static void
read_servers(struct aws_env *a, const struct ynode *list, const char *key, struct diag_list *dl)
{
	a->servers = xreallocarray(a->servers, a->n_servers + list->n + 1, sizeof *a->servers);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *m = list->items[i], *bd;
		struct aws_server *s = &a->servers[a->n_servers];
		long long count;

		memset(s, 0, sizeof *s);
		if (m->type != YN_MAP) {
			ynode_expect(dl, a->file, m, key, "a mapping");
			continue;
		}
		s->name = opt_str(m, "server_name", a->file, dl);
		if (s->name == NULL) {
			diag_error(dl, a->file, m->line, m->col, "%s[%zu]: no server_name", key, i);
			continue;
		}
		s->line = m->line;
		s->group = opt_str(m, "group", a->file, dl);
		s->instance_type = opt_str(m, "server_instance_type", a->file, dl);
		count = opt_int(m, "count", 0, 10000, a->file, dl);
		s->count = count < 0 ? 1 : (int)count;
		s->root_cross_region = opt_bool(m, "enable_cross_region_backup", a->file, dl);
		s->data_size_gb = -1;
		bd = ynode_get(m, "block_device");
		if (bd != NULL && !ynode_is_null(bd)) {
			if (bd->type != YN_MAP) {
				ynode_expect(dl, a->file, bd, "block_device", "a mapping");
			} else {
				s->data_volume = true;
				s->data_size_gb = opt_int(bd, "volume_size", 1, 1LL << 40, a->file, dl);
				s->data_cross_region = opt_bool(bd, "enable_cross_region_backup",
								a->file, dl);
			}
		}
		a->n_servers++;
	}
}

static void
read_resources(struct aws_env *a, const char *env_dir, struct diag_list *dl)
{
	char *path = xasprintf("%s/aws-resources.yml", env_dir);
	struct stat st;
	struct ydoc *doc;

	if (stat(path, &st) != 0) {
		free(path);
		return;
	}
	a->resources_file = path;
	doc = ydoc_load_file(path, dl);
	if (doc == NULL)
		return;
	if (doc->root != NULL && doc->root->type != YN_MAP) {
		ynode_expect(dl, path, doc->root, "aws-resources.yml", "a mapping");
	} else {
		for (size_t i = 0; i < a->n_rds; i++)
			a->rds[i].endpoint = opt_str(doc->root, a->rds[i].identifier, path, dl);
	}
	ydoc_free(doc);
}

struct aws_env *
aws_env_load(const char *env_dir, struct diag_list *dl)
{
	char *path = xasprintf("%s/terraform.yml", env_dir);
	struct stat st;
	struct ydoc *doc;
	struct aws_env *a;
	const struct ynode *root, *l;

	if (stat(path, &st) != 0) {
		free(path);
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->file = path;
	a->plan.daily_retention = a->plan.weekly_retention = -1;
	a->plan.monthly_retention = a->plan.quarterly_retention = a->plan.cold_storage_after = -1;
	doc = ydoc_load_file(path, dl);
	if (doc == NULL)
		return a;
	root = doc->root;
	if (root == NULL || root->type != YN_MAP) {
		if (root != NULL)
			ynode_expect(dl, path, root, "terraform.yml", "a mapping");
		else
			diag_error(dl, path, 1, 1, "terraform.yml is empty");
		ydoc_free(doc);
		return a;
	}
	a->account_alias = opt_str(root, "account_alias", path, dl);
	a->region = opt_str(root, "region", path, dl);
	a->environment = opt_str(root, "environment", path, dl);
	if (a->region == NULL)
		diag_warning(dl, path, 1, 1, "terraform.yml has no region");
	if ((l = opt_list(root, "rds_instances", path, dl)) != NULL)
		read_rds(a, l, dl);
	read_plan(a, root, dl);
	if ((l = opt_list(root, "servers", path, dl)) != NULL)
		read_servers(a, l, "servers", dl);
	if ((l = opt_list(root, "proxy_servers", path, dl)) != NULL)
		read_servers(a, l, "proxy_servers", dl);
	ydoc_free(doc);
	read_resources(a, env_dir, dl);
	for (size_t i = 0; a->plan.present && i < a->n_rds; i++)
		if (!a->rds[i].cross_region)
			diag_warning(dl, path, a->rds[i].line, a->rds[i].col,
				     "RDS instance %s is not in the AWS Backup plan "
				     "(enable_cross_region_backup is not true): if %s is lost, "
				     "nothing outside it can restore this instance",
				     a->rds[i].identifier, a->region != NULL ? a->region : "the region");
	return a;
}

size_t
aws_env_ebs_in_plan(const struct aws_env *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_servers; i++)
		n += (size_t)a->servers[i].count *
		     ((a->servers[i].root_cross_region ? 1u : 0u) +
		      (a->servers[i].data_cross_region ? 1u : 0u));
	return n;
}

void
aws_env_set_profiles(struct aws_env *a, const char *profile, const char *remote_profile)
{
	if (a == NULL)
		return;
	free(a->profile);
	free(a->remote_profile);
	a->profile = profile != NULL && *profile != '\0' ? xstrdup(profile) : NULL;
	a->remote_profile = remote_profile != NULL && *remote_profile != '\0' ? xstrdup(remote_profile) : NULL;
}

void
aws_env_free(struct aws_env *a)
{
	if (a == NULL)
		return;
	free(a->profile);
	free(a->remote_profile);
	for (size_t i = 0; i < a->n_rds; i++) {
		struct aws_rds *r = &a->rds[i];

		free(r->identifier);
		free(r->instance_type);
		free(r->engine_version);
		free(r->backup_window);
		free(r->group);
		free(r->endpoint);
		for (size_t k = 0; k < r->n_databases; k++)
			free(r->databases[k]);
		free(r->databases);
	}
	free(a->rds);
	free(a->plan.local_vault);
	free(a->plan.remote_vault);
	free(a->plan.remote_region);
	free(a->plan.outside_account);
	for (size_t i = 0; i < a->n_servers; i++) {
		free(a->servers[i].name);
		free(a->servers[i].group);
		free(a->servers[i].instance_type);
	}
	free(a->servers);
	free(a->file);
	free(a->resources_file);
	free(a->account_alias);
	free(a->region);
	free(a->environment);
	free(a);
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jint(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *
aws_env_to_json(const struct aws_env *a)
{
	json_t *o = json_object(), *rds = json_array(), *servers = json_array();
	const struct aws_backup_plan *p = &a->plan;

	json_object_set_new(o, "terraform", json_string(a->file));
	json_object_set_new(o, "account_alias", jstr(a->account_alias));
	json_object_set_new(o, "region", jstr(a->region));
	json_object_set_new(o, "environment", jstr(a->environment));
	for (size_t i = 0; i < a->n_rds; i++) {
		const struct aws_rds *r = &a->rds[i];
		json_t *dbs = json_array();

		for (size_t k = 0; k < r->n_databases; k++)
			json_array_append_new(dbs, json_string(r->databases[k]));
		json_array_append_new(rds, json_pack("{s:s,s:o,s:o,s:b,s:o,s:o,s:o,s:b,s:s,s:b,s:o,s:o}",
			"identifier", r->identifier, "instance_type", jstr(r->instance_type),
			"storage_gb", jint(r->storage_gb), "multi_az", r->multi_az,
			"engine_version", jstr(r->engine_version),
			"backup_window", jstr(r->backup_window),
			"backup_retention_days", jint(r->backup_retention),
			"cross_region_backup", r->cross_region, "inventory_group", r->group,
			"in_inventory", r->in_inventory, "endpoint", jstr(r->endpoint),
			"databases", dbs));
	}
	json_object_set_new(o, "rds_instances", rds);
	if (p->present)
		json_object_set_new(o, "backup_plan", json_pack(
			"{s:o,s:o,s:o,s:o,s:{s:o,s:o,s:o,s:o},s:o}",
			"local_vault", jstr(p->local_vault), "remote_vault", jstr(p->remote_vault),
			"remote_region", jstr(p->remote_region),
			"outside_account_id", jstr(p->outside_account),
			"retention_days", "daily", jint(p->daily_retention),
			"weekly", jint(p->weekly_retention), "monthly", jint(p->monthly_retention),
			"quarterly", jint(p->quarterly_retention),
			"cold_storage_after_days", jint(p->cold_storage_after)));
	else
		json_object_set_new(o, "backup_plan", json_null());
	for (size_t i = 0; i < a->n_servers; i++) {
		const struct aws_server *s = &a->servers[i];

		json_array_append_new(servers, json_pack("{s:s,s:o,s:o,s:i,s:b,s:b,s:o,s:b}",
			"server_name", s->name, "group", jstr(s->group),
			"instance_type", jstr(s->instance_type), "count", s->count,
			"root_volume_in_plan", s->root_cross_region, "data_volume", s->data_volume,
			"data_volume_gb", jint(s->data_size_gb),
			"data_volume_in_plan", s->data_cross_region));
	}
	json_object_set_new(o, "servers", servers);
	json_object_set_new(o, "ebs_volumes_in_plan", json_integer((json_int_t)aws_env_ebs_in_plan(a)));
	return o;
}
