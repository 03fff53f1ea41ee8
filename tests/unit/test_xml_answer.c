/* Unit tests: AWS XML answers read the one safe way (xml_answer.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/xml_answer.h"
#include "drconsole/util/util.h"

static void
expect_refused(const char *body, size_t len, size_t max, const char *want)
{
	char err[256] = "";
	xmlDoc *doc = xml_answer_read(body, len, max, "an RDS response", err, sizeof err);

	assert_null(doc);
	if (strstr(err, want) == NULL)
		fail_msg("'%s' does not hold '%s'", err, want);
}

static void
test_refused(void **state)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n <!ENTITY a \"aaaaaaaaaaaaaaaa\">\n"
		" <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n]>\n<r>&b;</r>";

	(void)state;
	expect_refused("", 0, 100, "empty response");
	expect_refused("<r/>", 4, 3, "response of 4 bytes exceeds the 3 byte limit");
	expect_refused(laughs, sizeof laughs - 1, 4096, "a DTD in an RDS response is refused");
	expect_refused("not xml", 7, 100, "not XML (line 1: ");
	expect_refused("<a><b></a>", 10, 100, "not XML (line 1: ");
	/* the DOCTYPE may sit at the very end of the body, unterminated */
	expect_refused("<r/><!DOCTYPE", 13, 100, "");
}

static void
test_elements(void **state)
{
	static const char ok[] =
		"<DescribeDBInstancesResponse><DescribeDBInstancesResult><Marker>m\xc2\x9b" "2J\nx</Marker>"
		"<Id>  two words  </Id></DescribeDBInstancesResult></DescribeDBInstancesResponse>";
	char err[256] = "", buf[64];
	xmlDoc *doc = xml_answer_read(ok, sizeof ok - 1, 4096, "an RDS response", err, sizeof err);
	const xmlNode *root, *res;
	char *raw;

	(void)state;
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_true(xml_named(root, "DescribeDBInstancesResponse"));
	assert_false(xml_named(NULL, "x"));
	res = xml_child(root, "DescribeDBInstancesResult");
	assert_non_null(res);
	assert_null(xml_child(res, "Nothing"));
	assert_null(xml_child(NULL, "Marker"));
	xml_text_into(xml_child(res, "Marker"), buf, sizeof buf);
	/* no control (a C1 CSI is valid XML, ESC is not) and one line */
	assert_null(strstr(buf, "\xc2\x9b"));
	assert_null(strchr(buf, '\n'));
	xml_text_into(NULL, buf, sizeof buf);
	assert_string_equal(buf, "");
	raw = xml_text_dup(xml_child(res, "Id"));	/* as sent */
	assert_string_equal(raw, "  two words  ");
	free(raw);
	assert_null(xml_text_dup(NULL));
	assert_false(xml_aws_error(root, buf, sizeof buf, err, sizeof err));
	xmlFreeDoc(doc);
}

static void
test_aws_errors(void **state)
{
	static const char query[] =
		"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
		"<Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>";
	static const char s3[] = "<Error><Message>no code</Message></Error>";
	char err[256], code[64], msg[128];
	xmlDoc *doc;

	(void)state;
	doc = xml_answer_read(query, sizeof query - 1, 4096, "an STS response", err, sizeof err);
	assert_true(xml_aws_error(xmlDocGetRootElement(doc), code, sizeof code, msg, sizeof msg));
	assert_string_equal(code, "Throttling");
	assert_string_equal(msg, "Rate exceeded");
	xmlFreeDoc(doc);
	doc = xml_answer_read(s3, sizeof s3 - 1, 4096, "an S3 response", err, sizeof err);
	assert_true(xml_aws_error(xmlDocGetRootElement(doc), code, sizeof code, msg, sizeof msg));
	assert_string_equal(code, "Error");
	assert_string_equal(msg, "no code");
	xmlFreeDoc(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_aws_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
