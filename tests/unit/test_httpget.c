/*
 * Unit tests: httpget_request, the one bounded fetch (httpget.h), against
 * a small HTTP server on loopback: a kept handle carries several requests
 * over one connection (the S3 listing's pages), the body cap is the
 * request's own, and a silent server is "timed out" in the error text.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "drconsole/probe/httpget.h"
#include "drconsole/util/util.h"

struct server {
	int fd, port;
	int requests;		/* answer this many, then stop */
	int accepted;		/* connections taken (read after join) */
	const char *body;
};

static int
listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* One request's head read from c (bodies are not sent to us); false at EOF. */
static bool
read_request(int c)
{
	char buf[4096];
	size_t n = 0;

	while (n < sizeof buf - 1) {
		ssize_t r = read(c, buf + n, sizeof buf - 1 - n);

		if (r <= 0)
			return false;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			return true;
	}
	return false;
}

static void *
serve(void *arg)
{
	struct server *s = arg;
	int done = 0;

	while (done < s->requests) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		int c;

		if (poll(&p, 1, 5000) <= 0)
			break;
		if ((c = accept(s->fd, NULL, NULL)) < 0)
			break;
		s->accepted++;
		while (done < s->requests && read_request(c)) {
			char *resp = xasprintf("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
					       strlen(s->body), s->body);

			if (write(c, resp, strlen(resp)) < 0) {
				free(resp);
				break;
			}
			free(resp);
			done++;
		}
		close(c);
	}
	return NULL;
}

static void
test_kept_handle_one_connection(void **state)
{
	struct server s = { .requests = 3, .body = "<ListBucketResult/>" };
	struct httpget_result r;
	pthread_t th;
	void *h;
	char *url;

	(void)state;
	s.fd = listener(&s.port);
	assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);
	url = xasprintf("http://127.0.0.1:%d/bucket?list-type=2", s.port);
	h = httpget_handle();
	assert_non_null(h);
	for (int i = 0; i < 3; i++) {
		struct httpget_request rq = { .url = url, .timeout_ms = 5000, .handle = h };

		httpget_request(&rq, &r);
		assert_null(r.error);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.len, strlen(s.body));
		assert_string_equal(r.body, s.body);
		httpget_result_free(&r);
	}
	httpget_handle_free(h);
	httpget_handle_free(NULL);
	pthread_join(th, NULL);
	assert_int_equal(s.accepted, 1);	/* three pages, one connection */
	close(s.fd);
	free(url);
}

static void
test_body_cap_is_the_requests(void **state)
{
	struct server s = { .requests = 2, .body = "0123456789abcdefghij" };
	struct httpget_result r;
	pthread_t th;
	char *url;

	(void)state;
	s.fd = listener(&s.port);
	assert_int_equal(pthread_create(&th, NULL, serve, &s), 0);
	url = xasprintf("http://127.0.0.1:%d/", s.port);
	{
		struct httpget_request rq = { .url = url, .display = "the endpoint", .timeout_ms = 5000,
					      .max_body = 10 };

		httpget_request(&rq, &r);
		assert_null(r.body);
		assert_string_equal(r.error, "GET the endpoint: response larger than 10 bytes");
		httpget_result_free(&r);
	}
	{
		struct httpget_request rq = { .url = url, .timeout_ms = 5000, .max_body = 20 };

		httpget_request(&rq, &r);
		assert_null(r.error);
		assert_string_equal(r.body, s.body);
		httpget_result_free(&r);
	}
	pthread_join(th, NULL);
	close(s.fd);
	free(url);
}

static void
test_silent_server_times_out(void **state)
{
	struct httpget_result r;
	int port, fd = listener(&port);	/* never accepts: the request waits in the backlog */
	char *url = xasprintf("http://127.0.0.1:%d/", port);
	struct httpget_request rq = { .url = url, .timeout_ms = 200 };

	(void)state;
	httpget_request(&rq, &r);
	assert_true(r.timed_out);
	assert_non_null(r.error);
	assert_non_null(strstr(r.error, "timed out"));
	assert_non_null(strstr(r.error, "200 ms"));
	httpget_result_free(&r);
	close(fd);
	free(url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_handle_one_connection),
		cmocka_unit_test(test_body_cap_is_the_requests),
		cmocka_unit_test(test_silent_server_times_out),
	};

	httpget_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
