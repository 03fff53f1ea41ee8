/*
 * ssh_options.c: the session options of a site's pool, from the config and
 * the site (ssh.h): the one place both the probes' pools and a run's pools
 * get their user, identity, agent, known_hosts files and timeouts.
 */
#include "drconsole/ssh/ssh.h"

#include <string.h>

#include "drconsole/config/config.h"
#include "drconsole/config/site.h"

void
ssh_options_for_site(const struct config *cfg, const struct site *s, struct ssh_options *out)
{
	memset(out, 0, sizeof *out);
	out->user = cfg->ssh.user != NULL ? cfg->ssh.user : s != NULL ? s->remote_user : NULL;
	out->identity_file = cfg->ssh.identity_file;
	out->agent = cfg->ssh.agent;
	out->env_known_hosts = s != NULL ? s->known_hosts_path : NULL;
	out->user_known_hosts = cfg->ssh.known_hosts;
	out->connect_timeout_ms = cfg->ssh.connect_timeout_ms;
	out->keepalive_ms = cfg->ssh.keepalive_ms;
}
