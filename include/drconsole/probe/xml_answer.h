/*
 * xml_answer.h: an XML answer from S3, RDS or STS, read the one safe way
 * (xml_answer.c), and the few element helpers their parsers share.
 *
 * xml_answer_read refuses, before libxml2 sees a byte: an empty body, one
 * over the caller's bound, and any DTD (no AWS API sends one; a DTD is how
 * entity expansion and external entities get in). libxml2 then parses
 * without network access and without reporting to stderr; a document that
 * still carries a DTD is refused. Errors are one line into err.
 */
#ifndef DRCONSOLE_XML_ANSWER_H
#define DRCONSOLE_XML_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/*
 * The document of body[0..len), or NULL with err: "empty response",
 * "response of N bytes exceeds the M byte limit", "a DTD in WHAT is
 * refused" (what: "an S3 response"), "not XML (line N: why)". Free it with
 * xmlFreeDoc.
 */
xmlDoc *xml_answer_read(const char *body, size_t len, size_t max, const char *what, char *err,
			size_t errlen);

/* n is an element called name (n may be NULL). */
bool xml_named(const xmlNode *n, const char *name);
/* n's first child element called name, or NULL (n may be NULL). */
const xmlNode *xml_child(const xmlNode *n, const char *name);
/* n's text, sanitised to one line, into buf ("" when n is NULL). */
void xml_text_into(const xmlNode *n, char *buf, size_t len);
/* n's text as sent (caller frees), "" when it has none, NULL when n is NULL. */
char *xml_text_dup(const xmlNode *n);

/*
 * An AWS error answer (<ErrorResponse><Error> of the Query APIs, or S3's
 * bare <Error>): its Code ("Error" when none) and Message, sanitised, into
 * code and msg, and true; false when root is not one.
 */
bool xml_aws_error(const xmlNode *root, char *code, size_t codelen, char *msg, size_t msglen);

#endif
