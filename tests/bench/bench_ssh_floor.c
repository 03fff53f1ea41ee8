/*
 * bench_ssh_floor.c: the floor under a cold round of host checks, libssh2
 * used directly and nothing else: one thread per host, all started at
 * once; each connects, verifies the host key against one known_hosts file,
 * authenticates with one key file, execs `true` and waits for its exit.
 * No pool, no scheduler, no status store, no config: what any libssh2
 * client must pay for the same round on this machine. make bench prints it
 * beside drconsole's cold `status` on the same hosts.
 * usage: bench_ssh_floor HOSTS KNOWN_HOSTS KEY USER
 *   HOSTS: one ADDRESS:PORT a line (lab.sh ssh-hosts writes hosts.txt)
 */
#include <arpa/inet.h>
#include <libssh2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct host {
	char address[256];
	int port;
	const char *known_hosts, *key, *user;
	long long ms;		/* this host's check, from its thread's start */
	const char *failed;	/* NULL: up */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
check(struct host *h)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)h->port) };
	LIBSSH2_SESSION *s = NULL;
	LIBSSH2_KNOWNHOSTS *kh;
	LIBSSH2_CHANNEL *ch;
	const char *key, *err = NULL;
	size_t len;
	int type, sock, rc, one = 1;
	char buf[256];

	if (inet_pton(AF_INET, h->address, &sa.sin_addr) != 1)
		return "address";
	sock = socket(AF_INET, SOCK_STREAM, 0);
	if (sock >= 0)
		setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof sa) != 0)
		err = "connect";
	else if ((s = libssh2_session_init()) == NULL)
		err = "session";
	else if (libssh2_session_handshake(s, sock) != 0)
		err = "handshake";
	else if ((key = libssh2_session_hostkey(s, &len, &type)) == NULL)
		err = "hostkey";
	else if ((kh = libssh2_knownhost_init(s)) == NULL)
		err = "knownhost";
	else {
		struct libssh2_knownhost *entry;

		libssh2_knownhost_readfile(kh, h->known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
		rc = libssh2_knownhost_checkp(kh, h->address, h->port, key, len,
					      LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					      LIBSSH2_KNOWNHOST_KEYENC_RAW, &entry);
		libssh2_knownhost_free(kh);
		if (rc != LIBSSH2_KNOWNHOST_CHECK_MATCH)
			err = "host key not known";
		else if (libssh2_userauth_publickey_fromfile(s, h->user, NULL, h->key, NULL) != 0)
			err = "auth";
		else if ((ch = libssh2_channel_open_session(s)) == NULL)
			err = "channel";
		else {
			if (libssh2_channel_exec(ch, "true") != 0)
				err = "exec";
			else {
				while (libssh2_channel_read(ch, buf, sizeof buf) > 0)
					;
				libssh2_channel_close(ch);
				if (libssh2_channel_get_exit_status(ch) != 0)
					err = "exit status";
			}
			libssh2_channel_free(ch);
		}
	}
	if (s != NULL) {
		libssh2_session_disconnect(s, "");
		libssh2_session_free(s);
	}
	if (sock >= 0)
		close(sock);
	return err;
}

static void *
host_main(void *arg)
{
	struct host *h = arg;
	long long t0 = now_ms();

	h->failed = check(h);
	h->ms = now_ms() - t0;
	return NULL;
}

int
main(int argc, char **argv)
{
	struct host *hosts = NULL;
	pthread_t *threads;
	size_t n = 0, cap = 0, up = 0;
	long long t0, wall, sum = 0, max = 0;
	char line[256];
	FILE *fp;

	if (argc != 5) {
		fprintf(stderr, "usage: bench_ssh_floor HOSTS KNOWN_HOSTS KEY USER\n");
		return 2;
	}
	fp = fopen(argv[1], "r");
	if (fp == NULL) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		char *colon = strrchr(line, ':');

		if (colon == NULL)
			continue;
		*colon = '\0';
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			hosts = realloc(hosts, cap * sizeof *hosts);
			if (hosts == NULL)
				return 1;
		}
		memset(&hosts[n], 0, sizeof hosts[n]);
		snprintf(hosts[n].address, sizeof hosts[n].address, "%s", line);
		hosts[n].port = atoi(colon + 1);
		hosts[n].known_hosts = argv[2];
		hosts[n].key = argv[3];
		hosts[n].user = argv[4];
		n++;
	}
	fclose(fp);
	if (n == 0 || libssh2_init(0) != 0)
		return 1;
	threads = calloc(n, sizeof *threads);
	if (threads == NULL)
		return 1;
	t0 = now_ms();
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, host_main, &hosts[i]) != 0)
			return 1;
	for (size_t i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	wall = now_ms() - t0;
	for (size_t i = 0; i < n; i++) {
		if (hosts[i].failed == NULL)
			up++;
		else
			fprintf(stderr, "%s:%d: %s\n", hosts[i].address, hosts[i].port, hosts[i].failed);
		sum += hosts[i].ms;
		if (hosts[i].ms > max)
			max = hosts[i].ms;
	}
	printf("%zu/%zu up in %lld ms (per host: mean %lld ms, max %lld ms)\n", up, n, wall,
	       sum / (long long)n, max);
	libssh2_exit();
	free(threads);
	free(hosts);
	return up == n ? 0 : 1;
}
