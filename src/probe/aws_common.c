/*
 * aws_common.c: what every AWS caller shares, below the credential chain
 * (aws_creds.c) and the session services it calls (aws_session.c): a
 * credentials value, the service endpoint and the retry back-off.
 */
#include "drconsole/probe/aws_creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drconsole/util/util.h"

void
aws_creds_clear(struct aws_creds *c)
{
	/* secrets are wiped before their memory is given back */
	if (c->secret_key != NULL)
		memset(c->secret_key, 0, strlen(c->secret_key));
	if (c->token != NULL)
		memset(c->token, 0, strlen(c->token));
	free(c->access_key);
	free(c->secret_key);
	free(c->token);
	free(c->source);
	memset(c, 0, sizeof *c);
}


char *
aws_creds_token_header(const struct aws_creds *c)
{
	return c->token != NULL && *c->token != '\0' ? xasprintf("X-Amz-Security-Token: %s", c->token) : NULL;
}


char *
aws_service_endpoint(const char *service, const char *region)
{
	return aws_service_endpoint_host(service, service, region);
}

char *
aws_service_endpoint_host(const char *service_id, const char *host, const char *region)
{
	char name[64], *u;
	const char *e;
	size_t n;

	snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", service_id);
	for (char *c = name; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	e = getenv(name);
	if (e == NULL || *e == '\0')
		e = getenv("AWS_ENDPOINT_URL");
	if (e == NULL || *e == '\0')
		return xasprintf("https://%s.%s.amazonaws.com", host, region);
	u = xstrdup(e);
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}


void
aws_backoff(long long *delay_ms)
{
	struct timespec ts = { *delay_ms / 1000, (*delay_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	*delay_ms *= 2;
}

bool
aws_error_is_throttling(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled", "SlowDown",
	};

	for (size_t i = 0; i < ARRAY_LEN(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}
