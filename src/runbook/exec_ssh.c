/*
 * exec_ssh.c: the executor over the kept-session pool (ssh.h). A command
 * runs on the host's kept session; when a reused session turns out dead
 * before anything reached the server (channel open fails), it is replaced
 * once, transparently. Output streams raw to on_output; callers sanitise.
 * Timeout and cancel close the session (see ssh_exec.c for what the remote
 * side sees); the next command on that host connects afresh.
 */
#include "drconsole/runbook/executor.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/ssh/ssh.h"
#include "drconsole/util/util.h"

static int
ssh_run(struct executor *ex, const struct exec_request *req, struct exec_result *res)
{
	struct ssh_pool *pool = ex->impl;
	long long start = time_mono_ms();
	long long bound = ssh_pool_connect_timeout(pool);
	int rc = -1;

	memset(res, 0, sizeof *res);
	res->exit_status = -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct ssh_status st;
		struct ssh_lease *lease;
		long long deadline = time_mono_ms() + bound;
		bool started = false, reused;

		if (req->timeout_ms > 0 && start + req->timeout_ms < deadline)
			deadline = start + req->timeout_ms;
		lease = ssh_pool_acquire(pool, req->address, req->port, req->user, deadline, &st);
		if (lease == NULL) {
			free(res->error);
			res->error = xasprintf("%s: %s", req->host != NULL ? req->host : req->address,
					       st.error != NULL ? st.error : ssh_state_name(st.state));
			res->timed_out = st.state == SSH_STATE_TIMEOUT && req->timeout_ms > 0 &&
					 time_mono_ms() - start >= req->timeout_ms;
			ssh_status_clear(&st);
			break;
		}
		reused = st.reused;
		ssh_status_clear(&st);
		exec_result_clear(res);
		{
			struct exec_request r = *req;

			if (r.timeout_ms > 0) {
				r.timeout_ms -= time_mono_ms() - start;
				if (r.timeout_ms < 1)
					r.timeout_ms = 1;
			}
			rc = ssh_lease_exec(lease, &r, res, &started);
		}
		ssh_pool_release(lease, rc != 0);
		if (rc == 0 || started || !reused)
			break;
	}
	res->duration_ms = time_mono_ms() - start;
	return rc;
}

static void
ssh_free(struct executor *ex)
{
	free(ex);
}

struct executor *
executor_ssh_create(struct ssh_pool *pool)
{
	struct executor *ex = xcalloc(1, sizeof *ex);

	ex->name = "ssh";
	ex->run = ssh_run;
	ex->free = ssh_free;
	ex->impl = pool;
	return ex;
}
