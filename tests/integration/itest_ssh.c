/*
 * itest_ssh.c: the SSH layer and executor against the lab's sshd hosts.
 * Needs the variables of build/lab/lab.env (tests/integration/run.sh
 * exports them) and LAB_SH; skips every test without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/runbook/executor.h"
#include "drconsole/ssh/ssh.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

static const char *lab_dir, *lab_sh, *ssh_key, *ssh_user, *primary_env, *secondary_env;
static int ssh_port;

static bool
have_lab(void)
{
	lab_dir = getenv("LAB_DIR");
	lab_sh = getenv("LAB_SH");
	ssh_key = getenv("LAB_SSH_KEY");
	ssh_user = getenv("LAB_SSH_USER");
	primary_env = getenv("LAB_PRIMARY_ENV");
	secondary_env = getenv("LAB_SECONDARY_ENV");
	ssh_port = getenv("LAB_SSH_PORT") != NULL ? atoi(getenv("LAB_SSH_PORT")) : 2222;
	return lab_dir != NULL && lab_sh != NULL && ssh_key != NULL && primary_env != NULL &&
	       secondary_env != NULL && getenv("LAB_PRIMARY_HOSTS") != NULL;
}

#define NEED_LAB() do { if (!have_lab()) skip(); } while (0)

static char *
kh_path(const char *env)
{
	return xasprintf("%s/known_hosts", env);
}

static struct ssh_pool *
pool_for(const char *env, long long timeout_ms)
{
	char *kh = kh_path(env);
	struct ssh_options o = {
		.user = ssh_user, .identity_file = ssh_key, .agent = false,
		.env_known_hosts = kh, .user_known_hosts = NULL,
		.connect_timeout_ms = timeout_ms, .keepalive_ms = 30000,
	};
	struct ssh_pool *p = ssh_pool_create(&o);

	free(kh);
	return p;
}

/* The n-th address (0-based) of a space-separated lab host list. */
static char *
lab_host(const char *var, int n)
{
	char *list = xstrdup(getenv(var)), *save = NULL, *tok, *out = NULL;
	int i = 0;

	for (tok = strtok_r(list, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save), i++)
		if (i == n) {
			out = xstrdup(tok);
			break;
		}
	free(list);
	return out;
}

static int
lab(const char *cmd, const char *addr)
{
	char *c = xasprintf("'%s' %s %s >/dev/null 2>&1", lab_sh, cmd, addr);
	int rc = system(c);

	free(c);
	return rc;
}

/* Lines of the host's sshd log that contain needle. */
static int
sshd_log_count(const char *addr, const char *needle)
{
	char *path = xasprintf("%s/logs/sshd-%s.log", lab_dir, addr);
	size_t len;
	char *text = file_read_all(path, &len);
	int n = 0;

	free(path);
	if (text == NULL)
		return -1;
	for (char *line = text, *nl; line != NULL && *line != '\0'; line = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (strstr(line, needle) != NULL)
			n++;
	}
	free(text);
	return n;
}

struct collect {
	struct strbuf out;
	struct strbuf err;
	long long start;
	long long first_ms;	/* when the first chunk arrived, -1 none */
	int chunks;
};

static void
collect_output(void *ud, enum exec_stream stream, const char *data, size_t len)
{
	struct collect *c = ud;

	if (c->first_ms < 0)
		c->first_ms = time_mono_ms() - c->start;
	c->chunks++;
	strbuf_add(stream == EXEC_STDOUT ? &c->out : &c->err, data, len);
}

static int
run_cmd(struct executor *ex, const char *addr, const char *cmd, const char *in,
	long long timeout_ms, const int *cancel, struct collect *c, struct exec_result *res)
{
	struct exec_request req = {
		.host = addr, .address = addr, .port = ssh_port, .user = NULL, .command = cmd,
		.stdin_data = in, .timeout_ms = timeout_ms, .cancel = cancel,
		.on_output = collect_output, .ud = c,
	};

	memset(c, 0, sizeof *c);
	c->start = time_mono_ms();
	c->first_ms = -1;
	return ex->run(ex, &req, res);
}

static void
collect_free(struct collect *c)
{
	strbuf_free(&c->out);
	strbuf_free(&c->err);
}

static void
test_every_host_up_strict(void **state)
{
	(void)state;
	NEED_LAB();
	for (int s = 0; s < 2; s++) {
		struct ssh_pool *p = pool_for(s == 0 ? primary_env : secondary_env, 3000);
		const char *var = s == 0 ? "LAB_PRIMARY_HOSTS" : "LAB_SECONDARY_HOSTS";
		char *a;

		for (int i = 0; (a = lab_host(var, i)) != NULL; i++) {
			struct ssh_status st;
			struct ssh_lease *l = ssh_pool_acquire(p, a, ssh_port, NULL,
							       time_mono_ms() + 5000, &st);

			if (l == NULL)
				print_error("%s: %s\n", a, st.error);
			assert_non_null(l);
			assert_int_equal(st.state, SSH_STATE_UP);
			assert_true(str_starts_with(st.fingerprint, "SHA256:"));
			assert_string_equal(st.key_type, "ssh-ed25519");
			ssh_pool_release(l, false);
			ssh_status_clear(&st);
			free(a);
		}
		ssh_pool_free(p);
	}
}

static void
test_exec_streams_exit_stderr(void **state)
{
	struct ssh_pool *p;
	struct executor *ex;
	struct exec_result res;
	struct collect c;
	char *a;

	(void)state;
	NEED_LAB();
	p = pool_for(primary_env, 3000);
	ex = executor_ssh_create(p);
	a = lab_host("LAB_PRIMARY_HOSTS", 0);
	/* warm the session so the first-chunk time measures streaming, not the handshake */
	assert_int_equal(run_cmd(ex, a, "true", NULL, 5000, NULL, &c, &res), 0);
	exec_result_clear(&res);
	collect_free(&c);

	assert_int_equal(run_cmd(ex, a, "echo a; sleep 1; echo b", NULL, 10000, NULL, &c, &res), 0);
	assert_string_equal(strbuf_str(&c.out), "a\nb\n");
	assert_true(c.chunks >= 2);
	assert_true(c.first_ms >= 0 && c.first_ms < 1000);
	assert_true(res.duration_ms >= 1000);
	assert_int_equal(res.exit_status, 0);
	exec_result_clear(&res);
	collect_free(&c);

	assert_int_equal(run_cmd(ex, a, "echo out; echo err >&2; exit 3", NULL, 10000, NULL, &c, &res), 0);
	assert_int_equal(res.exit_status, 3);
	assert_int_equal(res.exit_signal, 0);
	assert_string_equal(strbuf_str(&c.out), "out\n");
	assert_string_equal(strbuf_str(&c.err), "err\n");
	exec_result_clear(&res);
	collect_free(&c);

	assert_int_equal(run_cmd(ex, a, "kill -TERM $$", NULL, 10000, NULL, &c, &res), 0);
	assert_int_equal(res.exit_signal, 15);
	assert_int_equal(res.exit_status, -1);
	exec_result_clear(&res);
	collect_free(&c);

	ex->free(ex);
	ssh_pool_free(p);
	free(a);
}

static bool
remote_sleep_running(const char *marker)
{
	char *cmd = xasprintf("pgrep -f '^sleep %s$' >/dev/null", marker);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

static void
test_exec_timeout(void **state)
{
	struct ssh_pool *p;
	struct executor *ex;
	struct exec_result res;
	struct collect c;
	char *a;
	long long t0;

	(void)state;
	NEED_LAB();
	p = pool_for(primary_env, 3000);
	ex = executor_ssh_create(p);
	a = lab_host("LAB_PRIMARY_HOSTS", 1);
	/* warm the session: the bound below is on the command, not the handshake */
	assert_int_equal(run_cmd(ex, a, "true", NULL, 5000, NULL, &c, &res), 0);
	exec_result_clear(&res);
	collect_free(&c);
	t0 = time_mono_ms();
	assert_int_equal(run_cmd(ex, a, "echo started; sleep 30.1", NULL, 1500, NULL, &c, &res), 0);
	assert_true(res.timed_out);
	assert_false(res.cancelled);
	assert_int_equal(res.exit_status, -1);
	/* back at the timeout, not the command's end (30 s); slack for a loaded machine */
	assert_true(time_mono_ms() - t0 >= 1500);
	assert_true(time_mono_ms() - t0 < 10000);
	assert_string_equal(strbuf_str(&c.out), "started\n");
	exec_result_clear(&res);
	collect_free(&c);
	/* the host is usable again at once (a fresh session) */
	assert_int_equal(run_cmd(ex, a, "echo again", NULL, 5000, NULL, &c, &res), 0);
	assert_string_equal(strbuf_str(&c.out), "again\n");
	exec_result_clear(&res);
	collect_free(&c);
	/* the remote sleep is ended (see ssh_exec.c) within a few seconds */
	for (int i = 0; i < 50 && remote_sleep_running("30.1"); i++)
		usleep(100000);
	assert_false(remote_sleep_running("30.1"));
	ex->free(ex);
	ssh_pool_free(p);
	free(a);
}

struct canceller {
	int *flag;
	long long after_ms;
};

static void *
cancel_later(void *arg)
{
	struct canceller *c = arg;

	usleep((useconds_t)(c->after_ms * 1000));
	__atomic_store_n(c->flag, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void
test_exec_cancel(void **state)
{
	struct ssh_pool *p;
	struct executor *ex;
	struct exec_result res;
	struct collect c;
	int flag = 0;
	struct canceller cc = { &flag, 700 };
	pthread_t th;
	char *a;
	long long t0;

	(void)state;
	NEED_LAB();
	p = pool_for(primary_env, 3000);
	ex = executor_ssh_create(p);
	a = lab_host("LAB_PRIMARY_HOSTS", 2);
	pthread_create(&th, NULL, cancel_later, &cc);
	t0 = time_mono_ms();
	assert_int_equal(run_cmd(ex, a, "sleep 30.2", NULL, 0, &flag, &c, &res), 0);
	pthread_join(th, NULL);
	assert_true(res.cancelled);
	assert_false(res.timed_out);
	/* back at the cancel (0.7 s), not the command's end (30 s); slack for a loaded machine */
	assert_true(time_mono_ms() - t0 < 10000);
	exec_result_clear(&res);
	collect_free(&c);
	for (int i = 0; i < 50 && remote_sleep_running("30.2"); i++)
		usleep(100000);
	assert_false(remote_sleep_running("30.2"));
	ex->free(ex);
	ssh_pool_free(p);
	free(a);
}

/* Window handling: 2 MB out on both streams, 256 kB in through cat. */
static void
test_exec_bulk(void **state)
{
	struct ssh_pool *p;
	struct executor *ex;
	struct exec_result res;
	struct collect c;
	char *a, *in;
	size_t in_len = 256 * 1024;

	(void)state;
	NEED_LAB();
	p = pool_for(primary_env, 3000);
	ex = executor_ssh_create(p);
	a = lab_host("LAB_PRIMARY_HOSTS", 0);
	assert_int_equal(run_cmd(ex, a, "head -c 2000000 /dev/zero | tr '\\0' x; "
				 "head -c 1000000 /dev/zero | tr '\\0' y >&2", NULL, 20000, NULL, &c, &res), 0);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(c.out.len, 2000000);
	assert_int_equal(c.err.len, 1000000);
	assert_int_equal(strspn(strbuf_str(&c.out), "x"), 2000000);
	assert_int_equal(strspn(strbuf_str(&c.err), "y"), 1000000);
	exec_result_clear(&res);
	collect_free(&c);
	in = xmalloc(in_len + 1);
	for (size_t i = 0; i < in_len; i++)
		in[i] = (char)('a' + i % 26);
	in[in_len] = '\0';
	assert_int_equal(run_cmd(ex, a, "cat", in, 20000, NULL, &c, &res), 0);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(c.out.len, in_len);
	assert_memory_equal(c.out.buf, in, in_len);
	exec_result_clear(&res);
	collect_free(&c);
	free(in);
	ex->free(ex);
	ssh_pool_free(p);
	free(a);
}

/* Any process whose command line holds needle. */
static bool
argv_contains(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300], buf[8192];
		ssize_t n;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, needle) != NULL)
				found = true;
		}
	}
	closedir(d);
	return found;
}

struct stdin_run {
	struct executor *ex;
	const char *addr;
	struct collect c;
	struct exec_result res;
	int rc;
};

static void *
stdin_thread(void *arg)
{
	struct stdin_run *r = arg;

	r->rc = run_cmd(r->ex, r->addr, "cat; sleep 1.5", "s3cret-Zq81\nline2\n", 10000, NULL,
			&r->c, &r->res);
	return NULL;
}

static void
test_stdin_secret(void **state)
{
	struct ssh_pool *p;
	struct stdin_run r;
	pthread_t th;
	bool seen_in_argv = false;
	char *a;

	(void)state;
	NEED_LAB();
	p = pool_for(primary_env, 3000);
	memset(&r, 0, sizeof r);
	r.ex = executor_ssh_create(p);
	a = lab_host("LAB_PRIMARY_HOSTS", 3);
	r.addr = a;
	pthread_create(&th, NULL, stdin_thread, &r);
	for (int i = 0; i < 15; i++) {
		seen_in_argv |= argv_contains("s3cret-Zq81");
		usleep(100000);
	}
	pthread_join(th, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.exit_status, 0);
	assert_string_equal(strbuf_str(&r.c.out), "s3cret-Zq81\nline2\n");
	assert_false(seen_in_argv);
	assert_int_equal(sshd_log_count(a, "s3cret"), 0);
	exec_result_clear(&r.res);
	collect_free(&r.c);
	r.ex->free(r.ex);
	ssh_pool_free(p);
	free(a);
}

static void
test_session_reused(void **state)
{
	struct ssh_pool *p;
	struct executor *ex;
	char *a;
	int before, after;

	(void)state;
	NEED_LAB();
	p = pool_for(secondary_env, 3000);
	ex = executor_ssh_create(p);
	a = lab_host("LAB_SECONDARY_HOSTS", 0);
	before = sshd_log_count(a, "Accepted publickey");
	for (int round = 0; round < 3; round++) {
		struct ssh_status st;
		struct ssh_lease *l = ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st);
		struct exec_request req = { .address = a, .port = ssh_port, .command = "true",
					    .timeout_ms = 5000 };
		struct exec_result res;
		bool started;

		assert_non_null(l);
		assert_int_equal(st.reused, round > 0);
		assert_int_equal(ssh_lease_exec(l, &req, &res, &started), 0);
		assert_int_equal(res.exit_status, 0);
		exec_result_clear(&res);
		ssh_pool_release(l, false);
		ssh_status_clear(&st);
	}
	after = sshd_log_count(a, "Accepted publickey");
	assert_int_equal(after, before + 1);
	assert_int_equal(ssh_pool_size(p), 1);
	ex->free(ex);
	ssh_pool_free(p);
	free(a);
}

/* pids of the processes named cat on this machine (the lab hosts are local), "" none */
static char *
cat_pids(void)
{
	FILE *fp = popen("pgrep -x cat | sort -n | tr '\\n' ' '", "r");
	char buf[4096] = "";
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	pclose(fp);
	return xstrdup(buf);
}

/*
 * The steady check of a kept session: one echoed line over a `cat` kept in
 * a channel, opened once; when that cat dies the check fails and the lease
 * is broken (the host probe then reconnects).
 */
static void
test_echo_check(void **state)
{
	struct ssh_pool *p;
	struct ssh_status st;
	struct ssh_lease *l;
	char *a, *err = NULL, *before, *after, *cmd;
	bool opened;
	int accepted;

	(void)state;
	NEED_LAB();
	p = pool_for(secondary_env, 3000);
	a = lab_host("LAB_SECONDARY_HOSTS", 2);
	accepted = sshd_log_count(a, "Accepted publickey");
	before = cat_pids();
	for (int round = 0; round < 3; round++) {
		l = ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st);
		assert_non_null(l);
		assert_int_equal(ssh_lease_echo(l, time_mono_ms() + 5000, &opened, &err), 0);
		assert_null(err);
		assert_int_equal(opened, round == 0);	/* the channel is opened once */
		ssh_pool_release(l, false);
		ssh_status_clear(&st);
	}
	assert_int_equal(sshd_log_count(a, "Accepted publickey"), accepted + 1);
	after = cat_pids();
	/* the new cat is the session's: end it, as an operator's kill would */
	cmd = xasprintf("for p in %s; do case ' %s' in *\" $p \"*) ;; *) kill $p;; esac; done", after, before);
	assert_int_equal(system(cmd), 0);
	usleep(200000);
	l = ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st);
	assert_non_null(l);
	assert_true(st.reused);
	assert_int_equal(ssh_lease_echo(l, time_mono_ms() + 5000, &opened, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, a));
	assert_true(ssh_lease_broken(l));
	ssh_pool_release(l, true);
	ssh_status_clear(&st);
	free(err);
	/* a fresh session answers again */
	l = ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st);
	assert_non_null(l);
	assert_false(st.reused);
	assert_int_equal(ssh_lease_echo(l, time_mono_ms() + 5000, &opened, &err), 0);
	assert_true(opened);
	ssh_pool_release(l, false);
	ssh_status_clear(&st);
	ssh_pool_free(p);
	free(cmd);
	free(before);
	free(after);
	free(a);
}

/* End the lab sshd processes serving established connections to addr (the kept sessions). */
static void
kill_server_side(const char *addr)
{
	char *cmd = xasprintf("ss -Htnp state established '( sport = :%d )' | awk '$3 == \"%s:%d\"' | "
			      "grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | xargs -r kill",
			      ssh_port, addr, ssh_port);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	usleep(200000);
}

static void
test_down_then_reestablished(void **state)
{
	struct ssh_pool *p, *fresh;
	struct executor *ex;
	struct exec_result res;
	struct collect c;
	struct ssh_status st;
	char *a;
	int before;

	(void)state;
	NEED_LAB();
	p = pool_for(secondary_env, 3000);
	ex = executor_ssh_create(p);
	a = lab_host("LAB_SECONDARY_HOSTS", 1);
	assert_int_equal(run_cmd(ex, a, "echo one", NULL, 5000, NULL, &c, &res), 0);
	exec_result_clear(&res);
	collect_free(&c);
	assert_int_equal(ssh_pool_size(p), 1);
	assert_int_equal(lab("stop-sshd", a), 0);
	kill_server_side(a);

	fresh = pool_for(secondary_env, 3000);
	assert_null(ssh_pool_acquire(fresh, a, ssh_port, NULL, time_mono_ms() + 3000, &st));
	assert_int_equal(st.state, SSH_STATE_DOWN);
	assert_non_null(strstr(st.error, "Connection refused"));
	assert_non_null(strstr(st.error, a));
	ssh_status_clear(&st);
	ssh_pool_free(fresh);
	/* the kept session is found dead; reconnecting is refused */
	assert_int_equal(run_cmd(ex, a, "echo lost", NULL, 5000, NULL, &c, &res), -1);
	assert_non_null(strstr(res.error, "Connection refused"));
	exec_result_clear(&res);
	collect_free(&c);

	assert_int_equal(lab("start-sshd", a), 0);
	before = sshd_log_count(a, "Accepted publickey");
	assert_int_equal(run_cmd(ex, a, "echo two", NULL, 5000, NULL, &c, &res), 0);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(strbuf_str(&c.out), "two\n");
	assert_int_equal(sshd_log_count(a, "Accepted publickey"), before + 1);
	exec_result_clear(&res);
	collect_free(&c);
	ex->free(ex);
	ssh_pool_free(p);
	free(a);
}

/* The server side of a kept session goes away while sshd keeps listening. */
static void
test_dead_kept_session_replaced(void **state)
{
	struct ssh_pool *p;
	struct executor *ex;
	struct exec_result res;
	struct collect c;
	char *a;

	(void)state;
	NEED_LAB();
	p = pool_for(secondary_env, 3000);
	ex = executor_ssh_create(p);
	a = lab_host("LAB_SECONDARY_HOSTS", 2);
	assert_int_equal(run_cmd(ex, a, "echo one", NULL, 5000, NULL, &c, &res), 0);
	exec_result_clear(&res);
	collect_free(&c);
	kill_server_side(a);
	assert_int_equal(run_cmd(ex, a, "echo two", NULL, 5000, NULL, &c, &res), 0);
	assert_int_equal(res.exit_status, 0);
	assert_string_equal(strbuf_str(&c.out), "two\n");
	exec_result_clear(&res);
	collect_free(&c);
	ex->free(ex);
	ssh_pool_free(p);
	free(a);
}

static char *
new_fingerprint(const char *addr)
{
	char *cmd = xasprintf("ssh-keygen -lf '%s/ssh/%s/ssh_host_ed25519_key.pub' | awk '{print $2}'",
			      lab_dir, addr);
	FILE *fp = popen(cmd, "r");
	char buf[256] = "";

	free(cmd);
	if (fp == NULL)
		return NULL;
	if (fgets(buf, sizeof buf, fp) == NULL)
		buf[0] = '\0';
	pclose(fp);
	str_trim(buf);
	return xstrdup(buf);
}

static int
auth_lines(const char *addr)
{
	return sshd_log_count(addr, "publickey") + sshd_log_count(addr, "authenticating user") +
	       sshd_log_count(addr, "Failed") + sshd_log_count(addr, "userauth");
}

static void
test_hostkey_changed_no_auth(void **state)
{
	struct ssh_pool *p;
	struct ssh_status st;
	struct ssh_lease *l;
	char *a, *fp;
	int before;

	(void)state;
	NEED_LAB();
	p = pool_for(primary_env, 3000);
	a = lab_host("LAB_PRIMARY_HOSTS", 4);
	assert_int_equal(lab("rekey", a), 0);
	fp = new_fingerprint(a);
	before = auth_lines(a);
	l = ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st);
	assert_null(l);
	assert_int_equal(st.state, SSH_STATE_HOSTKEY_CHANGED);
	assert_string_equal(st.fingerprint, fp);
	assert_non_null(strstr(st.error, "CHANGED"));
	assert_non_null(strstr(st.error, fp));
	usleep(300000);	/* let sshd write whatever it logs about the connection */
	assert_int_equal(auth_lines(a), before);
	ssh_status_clear(&st);
	assert_int_equal(lab("restore-key", a), 0);
	l = ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st);
	assert_non_null(l);
	ssh_pool_release(l, false);
	ssh_status_clear(&st);
	ssh_pool_free(p);
	free(fp);
	free(a);
}

static void
test_hostkey_unknown_and_wrong_file(void **state)
{
	struct ssh_options o = { .user = NULL, .identity_file = NULL, .connect_timeout_ms = 3000 };
	struct ssh_pool *p;
	struct ssh_status st;
	char *a, *other;
	int before;

	(void)state;
	NEED_LAB();
	o.user = ssh_user;
	o.identity_file = ssh_key;
	o.env_known_hosts = "/nonexistent/known_hosts";
	p = ssh_pool_create(&o);
	a = lab_host("LAB_PRIMARY_HOSTS", 0);
	before = auth_lines(a);
	assert_null(ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st));
	assert_int_equal(st.state, SSH_STATE_HOSTKEY_UNKNOWN);
	assert_true(str_starts_with(st.fingerprint, "SHA256:"));
	usleep(300000);
	assert_int_equal(auth_lines(a), before);
	ssh_status_clear(&st);
	ssh_pool_free(p);
	/* the other site's file does not list this host */
	other = kh_path(secondary_env);
	o.env_known_hosts = other;
	p = ssh_pool_create(&o);
	assert_null(ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st));
	assert_int_equal(st.state, SSH_STATE_HOSTKEY_UNKNOWN);
	ssh_status_clear(&st);
	ssh_pool_free(p);
	free(other);
	free(a);
}

static void
test_auth_failed(void **state)
{
	char dir[] = "/tmp/drc-itest-XXXXXX", *key, *cmd, *kh;
	struct ssh_options o = { .connect_timeout_ms = 3000 };
	struct ssh_pool *p;
	struct ssh_status st;
	char *a;

	(void)state;
	NEED_LAB();
	assert_non_null(mkdtemp(dir));
	key = xasprintf("%s/other", dir);
	cmd = xasprintf("ssh-keygen -q -t ed25519 -N '' -f '%s'", key);
	assert_int_equal(system(cmd), 0);
	kh = kh_path(primary_env);
	o.user = ssh_user;
	o.identity_file = key;
	o.env_known_hosts = kh;
	p = ssh_pool_create(&o);
	a = lab_host("LAB_PRIMARY_HOSTS", 1);
	assert_null(ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st));
	assert_int_equal(st.state, SSH_STATE_AUTH_FAILED);
	assert_non_null(strstr(st.error, a));
	ssh_status_clear(&st);
	ssh_pool_free(p);
	free(cmd);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(key);
	free(kh);
	free(a);
}

/* ssh-agent holding the lab key; the pool has no identity file at all. */
static void
test_agent_auth(void **state)
{
	char dir[] = "/tmp/drc-agent-XXXXXX", *sock, *cmd, *kh, *pidfile, pid[32] = "";
	struct ssh_options o = { .agent = true, .connect_timeout_ms = 3000 };
	struct ssh_pool *p;
	struct ssh_status st;
	struct ssh_lease *l;
	char *old_sock, *a;
	FILE *fp;

	(void)state;
	NEED_LAB();
	assert_non_null(mkdtemp(dir));
	sock = xasprintf("%s/agent.sock", dir);
	pidfile = xasprintf("%s/agent.pid", dir);
	cmd = xasprintf("ssh-agent -a '%s' -s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\);.*/\\1/p' > '%s' && "
			"SSH_AUTH_SOCK='%s' ssh-add -q '%s' 2>/dev/null", sock, pidfile, sock, ssh_key);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	fp = fopen(pidfile, "r");
	assert_non_null(fp);
	assert_non_null(fgets(pid, sizeof pid, fp));
	fclose(fp);
	old_sock = getenv("SSH_AUTH_SOCK") != NULL ? xstrdup(getenv("SSH_AUTH_SOCK")) : NULL;
	setenv("SSH_AUTH_SOCK", sock, 1);
	kh = kh_path(primary_env);
	o.user = ssh_user;
	o.env_known_hosts = kh;
	p = ssh_pool_create(&o);
	a = lab_host("LAB_PRIMARY_HOSTS", 2);
	l = ssh_pool_acquire(p, a, ssh_port, NULL, time_mono_ms() + 5000, &st);
	if (l == NULL)
		print_error("%s\n", st.error);
	assert_non_null(l);
	assert_int_equal(st.state, SSH_STATE_UP);
	ssh_pool_release(l, false);
	ssh_status_clear(&st);
	ssh_pool_free(p);
	if (old_sock != NULL)
		setenv("SSH_AUTH_SOCK", old_sock, 1);
	else
		unsetenv("SSH_AUTH_SOCK");
	str_trim(pid);
	cmd = xasprintf("kill %s; rm -rf '%s'", pid, dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(old_sock);
	free(kh);
	free(a);
	free(sock);
	free(pidfile);
}

/*
 * A server with ECDSA and ed25519 host keys, known only by its ed25519 key
 * (what OpenSSH writes to ~/.ssh/known_hosts): libssh2 alone would choose
 * ECDSA and call the host unknown; the known type is asked for first.
 */
static char *dual_pidfile;

/* Stops the test's own sshd even when an assertion failed. */
static int
dual_teardown(void **state)
{
	char pid[32] = "", *cmd;
	FILE *fp;

	(void)state;
	if (dual_pidfile == NULL)
		return 0;
	fp = fopen(dual_pidfile, "r");
	if (fp != NULL) {
		if (fgets(pid, sizeof pid, fp) != NULL && atoi(pid) > 1) {
			cmd = xasprintf("kill %d", atoi(pid));
			(void)!system(cmd);
			free(cmd);
		}
		fclose(fp);
	}
	unlink(dual_pidfile);
	free(dual_pidfile);
	dual_pidfile = NULL;
	return 0;
}

static void
test_hostkey_type_preference(void **state)
{
	char dir[] = "/tmp/drc-dual-XXXXXX", addr[64], *cmd, *conf, *pidfile, *kh_ed, *kh_ec;
	const char *prefix = getenv("LAB_PRIMARY_PREFIX");
	char pid[32] = "";
	FILE *fp;

	(void)state;
	NEED_LAB();
	if (prefix == NULL)
		skip();
	/* 127.N.20 -> 127.N.50.250 */
	snprintf(addr, sizeof addr, "%.*s50.250", (int)(strrchr(prefix, '.') - prefix + 1), prefix);
	assert_non_null(mkdtemp(dir));
	conf = xasprintf("%s/sshd_config", dir);
	/* in the lab's run dir, so `lab.sh down` stops it too */
	pidfile = xasprintf("%s/run/itest-dual-sshd.pid", lab_dir);
	unlink(pidfile);
	dual_pidfile = xstrdup(pidfile);
	kh_ed = xasprintf("%s/kh_ed", dir);
	kh_ec = xasprintf("%s/kh_ec", dir);
	cmd = xasprintf("cd '%s' && ssh-keygen -q -t ed25519 -N '' -f ed && ssh-keygen -q -t ecdsa -N '' -f ec && "
			"printf 'ListenAddress %s:%d\\nHostKey %s/ec\\nHostKey %s/ed\\nPidFile %s\\n"
			"AuthorizedKeysFile %s/keys/authorized_keys\\nPasswordAuthentication no\\n"
			"KbdInteractiveAuthentication no\\nUsePAM no\\nStrictModes no\\n"
			"PermitRootLogin prohibit-password\\nLogLevel ERROR\\n' > sshd_config && "
			"printf '[%s]:%d %%s\\n' \"$(cut -d' ' -f1-2 ed.pub)\" > kh_ed && "
			"printf '[%s]:%d %%s\\n' \"$(cut -d' ' -f1-2 ec.pub)\" > kh_ec && "
			"/usr/sbin/sshd -f '%s' -E '%s/log'",
			dir, addr, ssh_port, dir, dir, pidfile, lab_dir, addr, ssh_port, addr, ssh_port,
			conf, dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/*
	 * 30 s: a loaded machine. sshd creates its pid file, then writes it:
	 * wait for the pid itself, not for the file.
	 */
	for (int i = 0; i < 300 && pid[0] == '\0'; i++) {
		fp = fopen(pidfile, "r");
		if (fp != NULL) {
			if (fgets(pid, sizeof pid, fp) == NULL || strchr(pid, '\n') == NULL)
				pid[0] = '\0';
			fclose(fp);
		}
		if (pid[0] == '\0')
			usleep(100000);
	}
	str_trim(pid);
	assert_true(pid[0] != '\0');
	for (int k = 0; k < 2; k++) {
		struct ssh_options o = { .user = ssh_user, .identity_file = ssh_key,
					 .env_known_hosts = k == 0 ? kh_ed : kh_ec,
					 .connect_timeout_ms = 3000 };
		struct ssh_pool *p = ssh_pool_create(&o);
		struct ssh_status st;
		struct ssh_lease *l = ssh_pool_acquire(p, addr, ssh_port, NULL, time_mono_ms() + 5000, &st);

		if (l == NULL)
			print_error("%s\n", st.error);
		assert_non_null(l);
		assert_string_equal(st.key_type, k == 0 ? "ssh-ed25519" : "ecdsa-sha2-nistp256");
		ssh_pool_release(l, false);
		ssh_status_clear(&st);
		ssh_pool_free(p);
	}
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(conf);
	free(pidfile);
	free(kh_ed);
	free(kh_ec);
}

struct par {
	struct ssh_pool *pool;
	const char *addr;
	int port;
	long long started;
	long long took;
	enum ssh_state state;
};

static void *
par_acquire(void *arg)
{
	struct par *r = arg;
	struct ssh_status st;
	struct ssh_lease *l = ssh_pool_acquire(r->pool, r->addr, r->port, NULL,
					       time_mono_ms() + 10000, &st);

	r->state = st.state;
	ssh_pool_release(l, false);
	ssh_status_clear(&st);
	r->took = time_mono_ms() - r->started;
	return NULL;
}

static void
test_hang_bounded_others_unaffected(void **state)
{
	struct ssh_pool *p;
	struct par runs[6];
	pthread_t th[6];
	const char *hang;
	char *addrs[5];

	(void)state;
	NEED_LAB();
	hang = getenv("LAB_HANG_ADDR");
	if (hang == NULL)
		skip();
	p = pool_for(primary_env, 2000);
	for (int i = 0; i < 6; i++) {
		memset(&runs[i], 0, sizeof runs[i]);
		runs[i].pool = p;
		runs[i].port = i == 0 && getenv("LAB_HANG_PORT") ? atoi(getenv("LAB_HANG_PORT")) : ssh_port;
		addrs[i == 0 ? 0 : i - 1] = NULL;
	}
	runs[0].addr = hang;
	for (int i = 1; i < 6; i++) {
		addrs[i - 1] = lab_host("LAB_PRIMARY_HOSTS", i - 1);
		runs[i].addr = addrs[i - 1];
	}
	for (int i = 0; i < 6; i++) {
		runs[i].started = time_mono_ms();
		pthread_create(&th[i], NULL, par_acquire, &runs[i]);
	}
	for (int i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(runs[0].state, SSH_STATE_TIMEOUT);
	/* the 2 s connect timeout, with slack for a loaded machine */
	assert_true(runs[0].took >= 1900 && runs[0].took < 6000);
	for (int i = 1; i < 6; i++) {
		assert_int_equal(runs[i].state, SSH_STATE_UP);
		/* up before the hanging host's timeout: it held nobody up */
		assert_true(runs[i].took < runs[0].took);
	}
	print_message("hang timed out after %lld ms; other hosts in %lld..%lld ms\n", runs[0].took,
		      runs[1].took, runs[5].took);
	for (int i = 0; i < 5; i++)
		free(addrs[i]);
	ssh_pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_host_up_strict),
		cmocka_unit_test(test_exec_streams_exit_stderr),
		cmocka_unit_test(test_exec_timeout),
		cmocka_unit_test(test_exec_cancel),
		cmocka_unit_test(test_stdin_secret),
		cmocka_unit_test(test_exec_bulk),
		cmocka_unit_test(test_session_reused),
		cmocka_unit_test(test_echo_check),
		cmocka_unit_test(test_down_then_reestablished),
		cmocka_unit_test(test_dead_kept_session_replaced),
		cmocka_unit_test(test_hostkey_changed_no_auth),
		cmocka_unit_test(test_hostkey_unknown_and_wrong_file),
		cmocka_unit_test_teardown(test_hostkey_type_preference, dual_teardown),
		cmocka_unit_test(test_auth_failed),
		cmocka_unit_test(test_agent_auth),
		cmocka_unit_test(test_hang_bounded_others_unaffected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
