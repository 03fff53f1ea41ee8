/*
 * exec.h: one command to run on a host, and what came of it. The SSH
 * layer runs it on a leased session (ssh_lease_exec), the host probe
 * checks a host with it, and runbook executors (executor.h) run steps and
 * the run lock's commands with it. Output is streamed raw to on_output;
 * callers sanitise before drawing or storing. Secrets go through
 * stdin_data, never the command line.
 */
#ifndef DRCONSOLE_EXEC_H
#define DRCONSOLE_EXEC_H

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

/* Frees r's strings and resets it (exit_status -1): before a run, and after. */
void exec_result_clear(struct exec_result *r);

/*
 * A POSIX shell command that prints "running" while a process of process
 * group or session pid is left on the host it runs on (kill -0, pgrep -s),
 * and "gone" otherwise (caller frees).
 */
char *exec_alive_command(long pid);

#endif
