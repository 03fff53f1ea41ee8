/* xml_answer.c: XML answers read the one safe way (see xml_answer.h). */
#include "drconsole/probe/xml_answer.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/sanitize.h"
#include "drconsole/util/util.h"

/* needle occurs in buf[0..len) */
static bool
has_bytes(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (buf[i] == needle[0] && memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

xmlDoc *
xml_answer_read(const char *body, size_t len, size_t max, const char *what, char *err,
		size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	if (len == 0) {
		snprintf(err, errlen, "empty response");
		return NULL;
	}
	if (len > max || len > (size_t)0x7fffffff) {
		snprintf(err, errlen, "response of %zu bytes exceeds the %zu byte limit", len, max);
		return NULL;
	}
	/* refused before libxml2 reads any entity declaration */
	if (has_bytes(body, len, "<!DOCTYPE")) {
		snprintf(err, errlen, "a DTD in %s is refused", what);
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		fatal("xmlNewParserCtxt: out of memory");
	doc = xmlCtxtReadMemory(ctxt, body, (int)len, "response.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char *msg = xstrdup(e != NULL && e->message != NULL ? e->message : "malformed");
		char line[256];

		str_trim(msg);
		sanitize_copy_line(line, sizeof line, msg);
		snprintf(err, errlen, "not XML (line %d: %s)", e != NULL ? e->line : 0, line);
		free(msg);
	} else if (doc->intSubset != NULL || doc->extSubset != NULL) {
		snprintf(err, errlen, "a DTD in %s is refused", what);
		xmlFreeDoc(doc);
		doc = NULL;
	} else if (xmlDocGetRootElement(doc) == NULL) {
		snprintf(err, errlen, "no root element");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

bool
xml_named(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

const xmlNode *
xml_child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (xml_named(c, name))
			return c;
	return NULL;
}

void
xml_text_into(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *v = n != NULL ? xmlNodeGetContent(n) : NULL;

	sanitize_copy_line(buf, len, v != NULL ? (const char *)v : "");
	xmlFree(v);
}

char *
xml_text_dup(const xmlNode *n)
{
	xmlChar *v;
	char *s;

	if (n == NULL)
		return NULL;
	v = xmlNodeGetContent(n);
	s = xstrdup(v != NULL ? (const char *)v : "");
	if (v != NULL)
		memset(v, 0, strlen((const char *)v));	/* it may be a secret (STS) */
	xmlFree(v);
	return s;
}

bool
xml_aws_error(const xmlNode *root, char *code, size_t codelen, char *msg, size_t msglen)
{
	const xmlNode *e;

	if (!xml_named(root, "ErrorResponse") && !xml_named(root, "Error"))
		return false;
	e = xml_named(root, "Error") ? root : xml_child(root, "Error");
	xml_text_into(xml_child(e, "Code"), code, codelen);
	xml_text_into(xml_child(e, "Message"), msg, msglen);
	if (code[0] == '\0')
		snprintf(code, codelen, "Error");
	return true;
}
