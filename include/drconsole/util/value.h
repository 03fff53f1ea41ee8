/*
 * value.h: small dynamic values (null, bool, int, float, string, list,
 * map), as inventory variables are once Ansible has read them, and a
 * Python-literal evaluator that mirrors ast.literal_eval for what can appear
 * in an INI inventory.
 */
#ifndef DRCONSOLE_VALUE_H
#define DRCONSOLE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum value_type {
	VAL_NULL,
	VAL_BOOL,
	VAL_INT,
	VAL_FLOAT,
	VAL_STRING,
	VAL_LIST,
	VAL_MAP,
};

struct value {
	enum value_type type;
	bool b;
	long long i;
	double f;
	char *s;		/* VAL_STRING */
	size_t len;		/* VAL_STRING length (may hold NULs) */
	struct value **items;	/* VAL_LIST elements, VAL_MAP values */
	char **keys;		/* VAL_MAP keys, insertion order */
	size_t n;
	size_t cap;
};

struct value *value_string(const char *s, size_t len);
struct value *value_copy(const struct value *v);
void value_free(struct value *v);
bool value_equal(const struct value *a, const struct value *b);
json_t *value_to_json(const struct value *v);
/* The string of a VAL_STRING, else NULL. */
const char *value_str(const struct value *v);

/*
 * Evaluate s[0..len) as Python's ast.literal_eval would: strings (quotes,
 * escapes, r/u prefixes, implicit concatenation, triple quotes), ints
 * (0x/0o/0b, underscores, one sign), floats, True/False/None, lists,
 * tuples (as lists), dicts; leading spaces and tabs are skipped and a
 * trailing "# comment" ignored. NULL when literal_eval would raise, and also
 * for the few literals that have no JSON form (bytes, complex, sets,
 * Ellipsis, integers beyond 64 bits): the caller keeps the raw text.
 */
struct value *pyliteral_eval(const char *s, size_t len);

#endif
