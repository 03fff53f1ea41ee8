/* lint.c: cross-file rules over the site model. */
#include "drconsole/config/lint.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/config/s3_bucket.h"
#include "drconsole/util/util.h"

static const struct inv_host *
host_in(const struct site *s, const char *name)
{
	return s != NULL && s->inv != NULL ? inventory_host(s->inv, name) : NULL;
}

/* The pg server entry of name in s, or NULL. */
static const struct site_pg_server *
pg_in(const struct site *s, const char *name)
{
	for (size_t i = 0; s != NULL && i < s->n_pg; i++)
		if (strcmp(s->pg[i].host, name) == 0)
			return &s->pg[i];
	return NULL;
}

static void
lint_one(const struct site *s, const struct site *other, struct diag_list *dl)
{
	const char *inv = s->inv->path;

	if (s->known_hosts_path != NULL) {
		for (size_t i = 0; i < s->n_hosts; i++)
			if (!s->hosts[i].known)
				diag_error(dl, inv, s->hosts[i].line, 1,
					   "host %s (%s port %d) is not in %s: SSH connections to it "
					   "would be refused (run commcare-cloud %s update-local-known-hosts)",
					   s->hosts[i].name, s->hosts[i].address, s->hosts[i].port,
					   s->known_hosts_path, s->env_name);
	} else if (s->n_hosts > 0) {
		diag_warning(dl, s->env_dir, 0, 0, "no known_hosts in the environment: host keys are "
			     "checked against the user's known_hosts only");
	}
	for (size_t i = 0; i < s->n_pg; i++) {
		const struct site_pg_server *pg = &s->pg[i];
		const struct site_pg_server *master;

		if (pg->is_standby && pg->master == NULL)
			diag_error(dl, inv, pg->line, 1, "standby %s has no hot_standby_master", pg->host);
		if (pg->master != NULL) {
			const struct site *where = host_in(s, pg->master) != NULL ? s :
						   host_in(other, pg->master) != NULL ? other : NULL;

			if (where == NULL) {
				diag_error(dl, inv, pg->line, 1, "hot_standby_master of %s is '%s', which is "
					   "not a host of either inventory", pg->host, pg->master);
				continue;
			}
			master = pg_in(where, pg->master);
			if (pg->slot == NULL) {
				diag_warning(dl, inv, pg->line, 1, "standby %s has no replication_slot: "
					     "the primary may remove WAL it still needs", pg->host);
			} else if (master != NULL) {
				bool found = false;

				for (size_t k = 0; k < master->n_slots; k++)
					found |= strcmp(master->slots[k], pg->slot) == 0;
				if (!found)
					diag_error(dl, inv, pg->line, 1, "replication_slot '%s' of %s is not in "
						   "postgresql_replication_slots of its master %s", pg->slot,
						   pg->host, pg->master);
			}
		}
		if (pg->standby_server != NULL) {
			/* a standby of another site is fine (cross-site replication) */
			const struct inv_host *sh = host_in(s, pg->standby_server);
			const struct inv_host *oh = host_in(other, pg->standby_server);

			if ((sh == NULL || !inventory_host_in_group(s->inv, sh, "pg_standby")) &&
			    (oh == NULL || !inventory_host_in_group(other->inv, oh, "pg_standby")))
				diag_error(dl, inv, pg->line, 1, "hot_standby_server of %s is '%s', which is "
					   "not in pg_standby", pg->host, pg->standby_server);
		}
	}
	for (int st = 0; st < STORE_COUNT; st++) {
		const struct site_backup *b = &s->backups[st];
		const char *why = b->bucket != NULL ? s3_bucket_name_problem(b->bucket) : NULL;
		const struct ynode *de = s->meta != NULL ? ynode_get(s->meta->root, "deploy_env") : NULL;

		if (why == NULL)
			continue;
		if (b->bucket_line > 0)
			diag_error(dl, s->public_yml != NULL ? s->public_yml->name : NULL, b->bucket_line,
				   b->bucket_col, "S3 bucket '%s' of the %s backups is not a valid bucket "
				   "name (%s): it is never requested", b->bucket, backup_store_name(st), why);
		else if (b->enabled && b->s3)
			diag_error(dl, s->meta != NULL ? s->meta->name : s->env_dir,
				   de != NULL ? de->line : 0, de != NULL ? de->col : 0,
				   "S3 bucket '%s' of the %s backups (named after deploy_env) is not a "
				   "valid bucket name (%s): it is never requested", b->bucket,
				   backup_store_name(st), why);
	}
	for (size_t i = 0; i < s->n_dbs; i++) {
		const struct site_db *db = &s->dbs[i];

		if (db->host == NULL)
			diag_error(dl, s->postgresql_yml != NULL ? s->postgresql_yml->name : NULL,
				   db->line, db->col, "database %s (%s): host '%s' is neither an inventory "
				   "host nor a group with exactly one host", db->alias, db->name,
				   db->host_ref != NULL ? db->host_ref : "(none)");
	}
}

void
lint_sites(const struct site *primary, const struct site *secondary, struct diag_list *dl)
{
	if (primary != NULL)
		lint_one(primary, secondary, dl);
	if (secondary != NULL)
		lint_one(secondary, primary, dl);
	if (primary != NULL && secondary != NULL &&
	    str_eq(primary->deploy_env, secondary->deploy_env))
		diag_warning(dl, secondary->meta != NULL ? secondary->meta->name : secondary->env_dir,
			     0, 0, "both sites have deploy_env '%s': they resolve to the same backup "
			     "buckets, so the secondary could overwrite the primary's backups",
			     secondary->deploy_env);
}

static int
cmp_diag(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	int c = strcmp(x->file != NULL ? x->file : "", y->file != NULL ? y->file : "");

	if (c != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

void
lint_sort(struct diag_list *dl)
{
	/* insertion sort keeps equal positions in the order found */
	for (size_t i = 1; i < dl->n; i++) {
		struct diag d = dl->items[i];
		size_t j = i;

		while (j > 0 && cmp_diag(&dl->items[j - 1], &d) > 0) {
			dl->items[j] = dl->items[j - 1];
			j--;
		}
		dl->items[j] = d;
	}
}
