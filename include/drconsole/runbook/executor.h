/*
 * executor.h: how runbook steps and the run lock run a command on a host.
 * One small vtable; implementations: SSH (exec_ssh.c, over the kept-session
 * pool) and the local shell (exec_local.c: steps that run on the operator's
 * machine, and tests). Output is streamed raw to on_output; callers sanitise
 * before drawing or storing. Secrets go through stdin_data, never the
 * command line.
 */
#ifndef DRCONSOLE_EXECUTOR_H
#define DRCONSOLE_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "drconsole/ssh/exec.h"

struct executor {
	const char *name;
	/* 0 when the command ran (see result), -1 when it could not be run (result->error). */
	int (*run)(struct executor *ex, const struct exec_request *req,
		   struct exec_result *result);
	void (*free)(struct executor *ex);
	void *impl;
};

/* The local shell (/bin/sh -c), in a new process group so cancel/timeout kill it all. */
struct executor *executor_local_create(void);

struct ssh_pool;
/*
 * Commands over SSH on the pool's kept sessions (ssh.h); borrows pool,
 * which must outlive the executor. req->user NULL: the pool's user.
 */
struct executor *executor_ssh_create(struct ssh_pool *pool); /* borrows pool */

/*
 * An executor that runs nothing: every request returns -1 with
 * "read-only mode (reason): refused ..." in result->error. The run driver
 * builds it instead of the SSH one for a read-only run.
 */
struct executor *executor_refusing_create(const char *reason);

/* Convenience: run and collect stdout (capped at max bytes) into *out (caller frees). */
int executor_capture(struct executor *ex, const struct exec_request *req,
		     size_t max, char **out, struct exec_result *result);

#endif
