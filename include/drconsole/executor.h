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

enum exec_stream {
	EXEC_STDOUT = 1,
	EXEC_STDERR = 2,
};

typedef void (*exec_output_fn)(void *ud, enum exec_stream stream,
			       const char *data, size_t len);

struct exec_request {
	const char *host;		/* inventory host name, for messages */
	const char *address;
	int port;
	const char *user;
	const char *command;
	const char *stdin_data;		/* may be NULL */
	long long timeout_ms;
	const int *cancel;		/* set non-zero (atomically) to cancel */
	exec_output_fn on_output;
	void *ud;
};

struct exec_result {
	int exit_status;		/* -1 when the command did not exit normally */
	int exit_signal;		/* 0 when none */
	bool timed_out;
	bool cancelled;
	char *error;			/* transport failure (could not run at all) */
	long long duration_ms;
	/*
	 * After a timeout or cancel: the command's process group and session
	 * (the remote shell's pid over SSH; 0 unknown), and whether the kill
	 * was confirmed, i.e. no process of it was left afterwards. Not
	 * confirmed means the command may still be running on its host.
	 */
	long pid;
	bool kill_confirmed;
};

struct executor {
	const char *name;
	/* 0 when the command ran (see result), -1 when it could not be run (result->error). */
	int (*run)(struct executor *ex, const struct exec_request *req,
		   struct exec_result *result);
	void (*free)(struct executor *ex);
	void *impl;
};

void exec_result_clear(struct exec_result *r);

/* The local shell (/bin/sh -c), in a new process group so cancel/timeout kill it all. */
struct executor *executor_local_create(void);

struct ssh_pool;
/*
 * Commands over SSH on the pool's kept sessions (ssh.h); borrows pool,
 * which must outlive the executor. req->user NULL: the pool's user.
 */
struct executor *executor_ssh_create(struct ssh_pool *pool); /* borrows pool */

/*
 * A POSIX shell command that prints "running" while a process of process
 * group or session pid is left on the host it runs on (kill -0, pgrep -s),
 * and "gone" otherwise (caller frees).
 */
char *exec_alive_command(long pid);

/* Convenience: run and collect stdout (capped at max bytes) into *out (caller frees). */
int executor_capture(struct executor *ex, const struct exec_request *req,
		     size_t max, char **out, struct exec_result *result);

#endif
