/*
 * site_check.c: shapes of real commcare-cloud env dirs the site model must
 * not misread. Small envs run Ansible on the control host itself
 * (`localhost ansible_connection=local`); AWS envs list load balancers (an
 * NLB in front of PostgreSQL) by DNS name in database groups; envs without
 * a [control] group need to be told where the control host is.
 */
#include "drconsole/config/site_check.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drconsole/util/util.h"

static const char *
host_str(const struct inventory *inv, const struct inv_host *h, const char *key)
{
	const struct value *v = inventory_host_var(inv, h, key);

	return v != NULL && v->type == VAL_STRING ? v->s : NULL;
}

bool
site_host_is_local(const struct inventory *inv, const struct inv_host *h)
{
	const char *c = host_str(inv, h, "ansible_connection");

	return c != NULL && strcmp(c, "local") == 0;
}

static bool
is_balancer_name(const char *n)
{
	size_t len = n != NULL ? strlen(n) : 0;
	const char *suffix = ".amazonaws.com";

	if (len <= strlen(suffix) || strcasecmp(n + len - strlen(suffix), suffix) != 0)
		return false;
	return strstr(n, ".elb.") != NULL;
}

bool
site_host_is_balancer(const struct inventory *inv, const struct inv_host *h)
{
	return is_balancer_name(h->name) || is_balancer_name(host_str(inv, h, "ansible_host"));
}

/* A host worth suggesting as the control host, or NULL. */
static const char *
control_candidate(const struct inventory *inv)
{
	static const char *const groups[] = { "django_manage", "webworkers", "celery" };

	for (size_t i = 0; i < ARRAY_LEN(groups); i++) {
		const struct inv_group *g = inventory_group(inv, groups[i]);
		size_t n = 0, *hosts = g != NULL ? inventory_group_hosts(inv, g, &n) : NULL;
		const char *name = n > 0 ? inv->hosts[hosts[0]].name : NULL;

		free(hosts);
		if (name != NULL)
			return name;
	}
	return NULL;
}

void
site_control_missing(const struct config *cfg, const char *rn, const struct inventory *inv,
		     const char *ref, struct diag_list *dl)
{
	char *opt = xasprintf("sites.%s.control", rn), *envopt = xasprintf("sites.%s.env_dir", rn);
	const char *cand = control_candidate(inv);
	unsigned line = 0, col = 0;
	bool set = config_option_pos(cfg, opt, &line, &col);

	/* point at the control setting, else at the site's env_dir next to where it belongs */
	if (!set)
		(void)config_option_pos(cfg, envopt, &line, &col);
	diag_error(dl, cfg->path, line, col,
		   "%s: no host or group '%s' in %s: add a [control] group with the host "
		   "commcare-cloud runs from to the inventory, or set %s: to an inventory host "
		   "or group%s%s%s", opt, ref, inv->path, opt, cand != NULL ? " (e.g. " : "",
		   cand != NULL ? cand : "", cand != NULL ? ")" : "");
	free(opt);
	free(envopt);
}
