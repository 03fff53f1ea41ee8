/*
 * cmd_status.c: `drconsole status [--json] [--offline]`. Offline, the
 * site model of both sites; live, one refresh of every probe too.
 */
#include <stdio.h>
#include <string.h>

#include "drconsole/cli/app.h"
#include "drconsole/cli/output.h"
#include "drconsole/cli/status_report.h"

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* The AWS side of an AWS-hosted env: RDS instances and the AWS Backup plan. */
static void
print_aws(const struct aws_env *a)
{
	const struct aws_backup_plan *p = &a->plan;

	printf("  AWS          region %s, terraform environment %s\n", a->region != NULL ? a->region : "-",
	       a->environment != NULL ? a->environment : "-");
	printf("    RDS (%zu instance%s)\n", a->n_rds, a->n_rds == 1 ? "" : "s");
	for (size_t i = 0; i < a->n_rds; i++) {
		const struct aws_rds *r = &a->rds[i];

		printf("      %-26s %-15s multi-AZ %-3s PITR %s  remote copy %-3s group %s%s",
		       r->identifier, r->instance_type != NULL ? r->instance_type : "-",
		       yes_no(r->multi_az), r->backup_retention > 0 ? "on " : "off",
		       yes_no(r->cross_region), r->group, r->in_inventory ? "" : " (not in inventory)");
		if (r->backup_retention > 0)
			printf(" retention %dd", r->backup_retention);
		if (r->n_databases > 0) {
			printf(" dbs:");
			for (size_t k = 0; k < r->n_databases; k++)
				printf(" %s", r->databases[k]);
		}
		putchar('\n');
	}
	if (p->present) {
		printf("    AWS Backup plan: local vault %s, remote vault %s in %s\n",
		       p->local_vault != NULL ? p->local_vault : "-",
		       p->remote_vault != NULL ? p->remote_vault : "-",
		       p->remote_region != NULL ? p->remote_region : "-");
		printf("      retention daily %dd weekly %dd monthly %dd quarterly %dd; "
		       "%zu EBS volume%s in the plan\n",
		       p->daily_retention, p->weekly_retention, p->monthly_retention,
		       p->quarterly_retention, aws_env_ebs_in_plan(a),
		       aws_env_ebs_in_plan(a) == 1 ? "" : "s");
	} else {
		printf("    AWS Backup plan: none (no backup_plan in terraform.yml)\n");
	}
}

static void
print_site(const struct site *s)
{
	printf("%s %s (deploy_env %s)\n", s->role == SITE_PRIMARY ? "PRIMARY" : "SECONDARY",
	       s->env_name, s->deploy_env);
	printf("  env dir      %s\n", s->env_dir);
	printf("  SITE_HOST    %s\n", s->site_host != NULL ? s->site_host : "-");
	printf("  control      %s\n", s->control != NULL ? s->control : "- (not found)");
	if (s->pg_version != NULL)
		printf("  PostgreSQL %s\n", s->pg_version);
	else
		printf("  PostgreSQL   none (bare_non_cchq_environment: no postgresql.yml)\n");
	for (size_t i = 0; i < s->n_pg; i++) {
		const struct site_pg_server *p = &s->pg[i];

		printf("    %-28s %-8s%s", p->host, p->is_standby ? "standby" : "primary",
		       p->remote ? " (remote/RDS)" : "");
		if (p->is_standby)
			printf(" of %s via slot %s", p->master != NULL ? p->master : "?",
			       p->slot != NULL ? p->slot : "(none)");
		else if (p->n_slots > 0) {
			printf(" slots:");
			for (size_t k = 0; k < p->n_slots; k++)
				printf(" %s", p->slots[k]);
		}
		putchar('\n');
	}
	for (size_t i = 0; i < s->n_dbs; i++)
		printf("    db %-12s %-24s on %s\n", s->dbs[i].alias, s->dbs[i].name,
		       s->dbs[i].host != NULL ? s->dbs[i].host : "(unresolved)");
	printf("  Backups (nadir hour %d, region %s)\n", s->nadir_hour,
	       s->aws_region != NULL ? s->aws_region : "-");
	for (int st = 0; st < STORE_COUNT; st++) {
		const struct site_backup *b = &s->backups[st];

		if (!b->enabled) {
			printf("    %-8s off: %s\n", backup_store_name(st),
			       b->off_reason != NULL ? b->off_reason : "disabled");
			continue;
		}
		printf("    %-8s daily%s, keep %dd/%dw, %s%s%s\n", backup_store_name(st),
		       b->hourly ? "+hourly" : "", b->days, b->weeks,
		       b->s3 ? "S3 bucket " : "local only", b->s3 ? b->bucket : "",
		       b->s3 ? (b->versioned ? " (fixed keys, versions)" : " (dated keys)") : "");
	}
	if (s->aws != NULL)
		print_aws(s->aws);
	if (s->bare && s->n_couch == 0)
		printf("  CouchDB      none (bare_non_cchq_environment)\n");
	else
		printf("  CouchDB      %zu node%s, db %s\n", s->n_couch, s->n_couch == 1 ? "" : "s",
		       s->couch_db);
	printf("  Elasticsearch %zu node%s, snapshots %s\n", s->n_es, s->n_es == 1 ? "" : "s",
	       s->es_snapshots ? s->es_repository : "off");
	printf("  Hosts (%zu SSH-able)\n", s->n_hosts);
	for (size_t i = 0; i < s->n_hosts; i++) {
		const struct site_host *h = &s->hosts[i];

		printf("    %-16s %-22s %s@%s:%d%s\n", h->group, h->name, h->user, h->address, h->port,
		       h->known ? "" : "  (not in known_hosts)");
	}
}

static int
cmd_status_run(const struct cli_options *opts, int argc, char **argv)
{
	struct app app;
	int rc = EXIT_OK;
	bool json;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole status [--json | --format text|json|openmetrics] [--offline]\n", stderr);
		return EXIT_USAGE;
	}
	if (opts->format != NULL && !str_eq(opts->format, "text") && !str_eq(opts->format, "json") &&
	    !str_eq(opts->format, "openmetrics")) {
		fprintf(stderr, "drconsole: unknown status format '%s' (text, json or openmetrics)\n",
			opts->format);
		return EXIT_USAGE;
	}
	if (opts->json && opts->format != NULL && !str_eq(opts->format, "json")) {
		fprintf(stderr, "drconsole: --json and --format %s exclude each other\n", opts->format);
		return EXIT_USAGE;
	}
	json = opts->json || str_eq(opts->format, "json");
	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL ||
	    app.dl.errors > 0) {
		diag_print(&app.dl, stderr);
		fputs("drconsole: fix the errors above (drconsole lint lists them all)\n", stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	if (str_eq(opts->format, "openmetrics")) {
		rc = status_report_metrics(&app, opts->offline, stdout);
	} else if (opts->offline) {
		if (json) {
			json_t *o = json_object(), *sites = json_object();

			json_object_set_new(o, "version", json_string(DRCONSOLE_VERSION));
			json_object_set_new(o, "offline", json_true());
			for (int i = 0; i < 2; i++)
				json_object_set_new(sites, site_role_name(i), site_to_json(app.sites[i]));
			json_object_set_new(o, "sites", sites);
			json_object_set_new(o, "objectives", json_pack("{s:I,s:I}",
				"rpo_s", (json_int_t)(app.cfg.rpo_ms / 1000),
				"rto_s", (json_int_t)(app.cfg.rto_ms / 1000)));
			json_object_set_new(o, "failover", status_failover_json(&app));
			json_object_set_new(o, "undone", status_undone_json(&app));
			output_json(o, stdout, JSON_INDENT(2));
			json_decref(o);
		} else {
			print_site(app.sites[SITE_PRIMARY]);
			putchar('\n');
			print_site(app.sites[SITE_SECONDARY]);
			status_failover_print(&app, stdout);
			status_undone_print(&app, stdout);
		}
	} else {
		rc = status_report_live(&app, json, stdout);
	}
	app_free(&app);
	return rc;
}

const struct cli_command cmd_status = {
	.name = "status",
	.args = "[--json|--format F] [--offline]",
	.summary = "status of both sites (--offline: the model only)",
	.accepts = OPT_JSON | OPT_OFFLINE | OPT_FORMAT | OPT_MODE,
	.run = cmd_status_run,
};
