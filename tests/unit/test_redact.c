/* Unit tests: presigned-URL credentials taken out of text (redact.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/redact.h"

static void
check(const char *in, const char *want)
{
	size_t n = 0;
	char *out = redact(in, strlen(in), &n);

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	free(out);
}

static void
test_presigned_url(void **state)
{
	(void)state;
	/* a rendered step: the URL shell-quoted inside a curl command */
	check("curl -fsS -o x.part 'http://127.0.0.1:4569/b/k.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	      "&X-Amz-Credential=AKID%2F20261203%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261203T000000Z"
	      "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
	      "&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' && ok",
	      "curl -fsS -o x.part 'http://127.0.0.1:4569/b/k.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	      "&X-Amz-Credential=AKID%2F20261203%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261203T000000Z"
	      "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED' && ok");
	/* a session token, then the signature; names in any case; JSON quoting */
	check("{\"command\":\"u?x-amz-security-token=FQoG%2Fabc%3D&X-AMZ-SIGNATURE=ffee\"}",
	      "{\"command\":\"u?x-amz-security-token=REDACTED&X-AMZ-SIGNATURE=REDACTED\"}");
	/* at the very end, and twice in one line */
	check("a X-Amz-Signature=1 b X-Amz-Signature=22", "a X-Amz-Signature=REDACTED b X-Amz-Signature=REDACTED");
}

static void
test_nothing_to_redact(void **state)
{
	(void)state;
	assert_false(redact_needed("postgres_daily.tar.gz X-Amz-Date=1", 34));
	assert_true(redact_needed("?X-Amz-Signature=ab", 19));
	/* the name cut by the length given is not a match */
	assert_false(redact_needed("?X-Amz-Signature=ab", 10));
	check("", "");
	check("no url here: X-Amz-Credential=AKID", "no url here: X-Amz-Credential=AKID");
	/* an empty value stays empty */
	check("X-Amz-Signature=&x=1", "X-Amz-Signature=&x=1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presigned_url),
		cmocka_unit_test(test_nothing_to_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
