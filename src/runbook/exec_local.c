/*
 * exec_local.c: run a command with /bin/sh -c on this machine. The child
 * gets its own process group; on timeout or cancel the whole group receives
 * SIGTERM, then SIGKILL two seconds later; the kill counts as confirmed
 * once no process of the group is left. Output is read with poll() so
 * stdout and stderr stream as they come.
 */
#define _GNU_SOURCE
#include "drconsole/runbook/executor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

/* Is a process of group pgid left that is not a zombie? */
static bool
group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool alive = false;

	if (d == NULL)
		return kill(-pgid, 0) == 0;
	while (!alive && (de = readdir(d)) != NULL) {
		char path[300], buf[512], *p, state;
		int pgrp;
		FILE *fp;
		size_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		/* pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses */
		if ((p = strrchr(buf, ')')) != NULL && sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2 &&
		    pgrp == pgid && state != 'Z')
			alive = true;
	}
	closedir(d);
	return alive;
}

static int
local_run(struct executor *ex, const struct exec_request *req,
	  struct exec_result *res)
{
	int out[2], err[2], in[2];
	long long start = time_mono_ms(), kill_at = -1;
	struct pollfd pfd[3];
	int open_fds = 2, status;
	size_t in_off = 0, in_len = req->stdin_data ? strlen(req->stdin_data) : 0;
	pid_t pid;

	(void)ex;
	memset(res, 0, sizeof *res);
	res->exit_status = -1;
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
	    pipe2(in, O_CLOEXEC) != 0) {
		res->error = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		res->error = xasprintf("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		close(err[0]); close(err[1]);
		execl("/bin/sh", "sh", "-c", req->command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	if (in_len == 0) {
		close(in[1]);
		in[1] = -1;
	}
	pfd[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
	while (open_fds > 0) {
		long long now = time_mono_ms();
		int wait_ms = 200;

		if (kill_at < 0 && req->timeout_ms > 0 && now - start >= req->timeout_ms) {
			res->timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = now + 2000;
		}
		if (kill_at < 0 && req->cancel != NULL &&
		    __atomic_load_n(req->cancel, __ATOMIC_RELAXED)) {
			res->cancelled = true;
			kill(-pid, SIGTERM);
			kill_at = now + 2000;
		}
		if (kill_at >= 0 && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = now + 60000;
		}
		if (poll(pfd, 3, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			char buf[4096];
			ssize_t n;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof buf);
			if (n > 0) {
				if (req->on_output != NULL)
					req->on_output(req->ud, i == 0 ? EXEC_STDOUT : EXEC_STDERR,
						       buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			}
		}
		if (pfd[2].fd >= 0 && (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(pfd[2].fd, req->stdin_data + in_off, in_len - in_off);

			if (w > 0)
				in_off += (size_t)w;
			if (w < 0 || in_off >= in_len) {
				close(pfd[2].fd);
				pfd[2].fd = -1;
			}
		}
	}
	if (pfd[2].fd >= 0)
		close(pfd[2].fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		res->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->exit_signal = WTERMSIG(status);
	if (res->timed_out || res->cancelled) {
		/* the shell is reaped; what else of its group is left gets SIGKILL */
		res->pid = pid;
		if (group_alive(pid))
			kill(-pid, SIGKILL);
		for (int i = 0; i < 20 && group_alive(pid); i++)
			usleep(50 * 1000);
		res->kill_confirmed = !group_alive(pid);
	}
	res->duration_ms = time_mono_ms() - start;
	return 0;
}

static void
local_free(struct executor *ex)
{
	free(ex);
}

struct executor *
executor_local_create(void)
{
	struct executor *ex = xcalloc(1, sizeof *ex);

	ex->name = "local";
	ex->run = local_run;
	ex->free = local_free;
	return ex;
}

struct capture {
	struct strbuf sb;
	size_t max;
};

static void
capture_output(void *ud, enum exec_stream stream, const char *data, size_t len)
{
	struct capture *c = ud;

	if (stream != EXEC_STDOUT || c->sb.len >= c->max)
		return;
	if (len > c->max - c->sb.len)
		len = c->max - c->sb.len;
	strbuf_add(&c->sb, data, len);
}

int
executor_capture(struct executor *ex, const struct exec_request *req,
		 size_t max, char **out, struct exec_result *result)
{
	struct exec_request r = *req;
	struct capture c = { STRBUF_INIT, max };
	int rc;

	r.on_output = capture_output;
	r.ud = &c;
	rc = ex->run(ex, &r, result);
	*out = strbuf_detach(&c.sb);
	return rc;
}
