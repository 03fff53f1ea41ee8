/*
 * site_check.h: how the site model reads a few shapes of real env dirs:
 * hosts Ansible runs locally, load-balancer DNS names in database groups,
 * and a control host that cannot be found (with where to write one).
 */
#ifndef DRCONSOLE_SITE_CHECK_H
#define DRCONSOLE_SITE_CHECK_H

#include <stdbool.h>

#include "drconsole/config/config.h"
#include "drconsole/util/diag.h"
#include "drconsole/config/inventory.h"

/* ansible_connection=local (e.g. `localhost ansible_connection=local`): never an SSH host. */
bool site_host_is_local(const struct inventory *inv, const struct inv_host *h);
/* An AWS load balancer's DNS name (NAME.elb.REGION.amazonaws.com): a front, not a server to probe. */
bool site_host_is_balancer(const struct inventory *inv, const struct inv_host *h);
/* The error for sites.ROLE.control naming nothing in inv: where to fix it and how. */
void site_control_missing(const struct config *cfg, const char *role, const struct inventory *inv,
			  const char *ref, struct diag_list *dl);

#endif
