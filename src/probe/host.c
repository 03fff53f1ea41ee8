/*
 * host.c: host reachability probe over the kept SSH sessions.
 *
 * DESIGN: the SSH pool does the work (and bounds it); this file only turns
 * what it found into an observation. A new session is checked with an exec
 * of `true`; a kept one with one echoed line over its `cat` channel
 * (ssh_lease_echo: one round trip instead of the exec's four). A kept
 * session that died between runs is replaced inside ssh_pool_acquire (a
 * peeked EOF); one that fails its check is retried once on a fresh
 * connection, so a restarted sshd shows "up" on the next run, not "down"
 * once.
 */
#include "drconsole/probe/probe_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/probe/probes.h"
#include "drconsole/ssh/ssh.h"

struct host_target *
host_target_create(enum site_role site, const char *name, const char *address, int port,
		   const char *user, const char *group)
{
	struct host_target *t = xcalloc(1, sizeof *t);

	t->site = site;
	t->name = xstrdup(name);
	t->address = xstrdup(address);
	t->port = port > 0 ? port : 22;
	t->user = user != NULL ? xstrdup(user) : NULL;
	t->group = group != NULL ? xstrdup(group) : NULL;
	return t;
}

void
host_target_free(void *target)
{
	struct host_target *t = target;

	if (t == NULL)
		return;
	free(t->name);
	free(t->address);
	free(t->user);
	free(t->group);
	free(t);
}

static enum obs_status
state_status(enum ssh_state st)
{
	switch (st) {
	case SSH_STATE_UP: return OBS_OK;
	case SSH_STATE_HOSTKEY_UNKNOWN: return OBS_WARN;
	case SSH_STATE_DOWN:
	case SSH_STATE_TIMEOUT:
	case SSH_STATE_AUTH_FAILED:
	case SSH_STATE_HOSTKEY_CHANGED:
	case SSH_STATE_HOSTKEY_REVOKED: return OBS_CRIT;
	case SSH_STATE_ERROR: break;
	}
	return OBS_UNKNOWN;
}

static void
host_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	struct host_target *t = job->target;
	struct probe_env *env = ctx->env;
	struct ssh_pool *pool = env != NULL && t->site < SITE_NONE ? env->ssh[t->site] : NULL;
	long long start = time_mono_ms(), deadline = start + ctx->timeout_ms;
	char key[512];
	struct observation *o;
	struct ssh_status st;
	struct exec_result res;
	bool reused = false, opened = false, echoed = false;

	snprintf(key, sizeof key, "%s/host/%s", site_role_name(t->site), t->name);
	o = obs_create(t->site, PROBE_NAME_HOST, key, t->name);
	obs_add_field(o, "address", "%s", t->address);
	obs_add_field(o, "port", "%d", t->port);
	obs_add_field(o, "user", "%s", t->user != NULL ? t->user :
		      pool != NULL ? ssh_pool_user(pool) : "-");
	if (t->group != NULL)
		obs_add_field(o, OBS_F_GROUP, "%s", t->group);
	memset(&st, 0, sizeof st);
	memset(&res, 0, sizeof res);
	if (pool == NULL) {
		obs_set(o, OBS_UNKNOWN, "error", "no SSH pool for the %s site", site_role_name(t->site));
		goto post;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		struct exec_request req = {
			.host = t->name, .address = t->address, .port = t->port, .user = t->user,
			.command = "true",
		};
		struct ssh_lease *lease;
		bool started = false;
		int rc;

		ssh_status_clear(&st);
		exec_result_clear(&res);
		lease = ssh_pool_acquire(pool, t->address, t->port, t->user, deadline, &st);
		if (lease == NULL)
			break;
		reused = st.reused;
		ssh_lease_set_remote_kill(lease, false);	/* `true` needs no ending */
		req.timeout_ms = deadline - time_mono_ms();
		if (req.timeout_ms < 1)
			req.timeout_ms = 1;
		if (reused) {
			char *err = NULL;

			echoed = true;
			rc = ssh_lease_echo(lease, deadline, &opened, &err);
			if (rc != 0) {
				res.error = err;
				ssh_pool_release(lease, true);
				continue;	/* a fresh session, checked with an exec */
			}
			ssh_pool_release(lease, false);
			break;
		}
		echoed = false;
		rc = ssh_lease_exec(lease, &req, &res, &started);
		ssh_pool_release(lease, rc != 0);
		if (rc == 0 || started || !reused)
			break;
	}
	if (st.fingerprint[0] != '\0') {
		obs_add_field(o, "key_type", "%s", st.key_type);
		obs_add_field(o, "fingerprint", "%s", st.fingerprint);
	}
	if (st.state != SSH_STATE_UP) {
		obs_set(o, state_status(st.state), ssh_state_name(st.state), "%s",
			st.error != NULL ? st.error : ssh_state_name(st.state));
		goto post;
	}
	obs_add_field(o, "reused", "%s", reused ? "yes" : "no");
	obs_add_field(o, "check", "%s", !echoed ? "exec" : opened ? "echo (channel opened)" : "echo");
	if (res.error != NULL) {
		obs_set(o, OBS_CRIT, "down", "%s", res.error);
	} else if (res.timed_out) {
		obs_set(o, OBS_CRIT, "timeout", "exec on %s:%d: no answer before the deadline",
			t->address, t->port);
	} else if (!echoed && res.exit_status != 0) {
		obs_add_field(o, "exit_status", "%d", res.exit_status);
		obs_set(o, OBS_WARN, "up", "connected, but `true` exited %d (signal %d)",
			res.exit_status, res.exit_signal);
	} else {
		long long ms = time_mono_ms() - start;

		if (!echoed)
			obs_add_field(o, "exit_status", "0");
		obs_set_value(o, (double)ms, "ms");
		obs_set(o, OBS_OK, "up", "%lld ms (%s)", ms,
			reused ? "kept session" : "new session");
	}
post:
	o->latency_ms = time_mono_ms() - start;
	status_store_post(ctx->store, o);
	ssh_status_clear(&st);
	exec_result_clear(&res);
}

const struct probe_type probe_host = {
	.name = "host",
	.run = host_run,
	.free_target = host_target_free,
};

size_t
host_add_jobs(const struct probe_setup *ps)
{
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = ps->sites[r];

		for (size_t i = 0; site != NULL && i < site->n_hosts; i++) {
			const struct site_host *h = &site->hosts[i];
			char key[512];

			snprintf(key, sizeof key, "%s/host/%s", site_role_name(site->role), h->name);
			status_store_expect(ps->store, site->role, PROBE_NAME_HOST, key, h->name);
			scheduler_add(ps->sched, &probe_host, key,
				      host_target_create(site->role, h->name, h->address, h->port,
							 h->user, h->group),
				      ps->cfg->probe_timeout_ms);
			n++;
		}
	}
	return n;
}
