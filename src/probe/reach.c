/*
 * reach.c: TCP reachability (probe_reach.h). A non-blocking connect waited
 * for in poll(), so an address that drops packets costs the timeout, no
 * more; the first address the resolver gives is tried.
 */
#include "drconsole/probe/probe_reach.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool
reach_tcp(const char *address, int port, long long timeout_ms)
{
	struct addrinfo hints, *ai = NULL;
	char sport[16];
	bool ok = false;
	int fd;

	if (address == NULL)
		return false;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(sport, sizeof sport, "%d", port > 0 ? port : 22);
	if (getaddrinfo(address, sport, &hints, &ai) != 0 || ai == NULL)
		return false;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ok = true;
		} else if (errno == EINPROGRESS) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			int soerr = 0;
			socklen_t sl = sizeof soerr;

			if (poll(&pfd, 1, (int)(timeout_ms > 0 ? timeout_ms : 5000)) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				ok = true;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}
