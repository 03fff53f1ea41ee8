/* s3_bucket.c: S3 bucket naming rules (general purpose buckets). */
#include "drconsole/config/s3_bucket.h"

#include <stdbool.h>
#include <string.h>

#include "drconsole/util/util.h"

/* Four dot-separated runs of 1-3 digits, as S3 refuses them. */
static bool
looks_like_ipv4(const char *s)
{
	int parts = 0, digits = 0;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 3)
				return false;
		} else if (*s == '.' || *s == '\0') {
			if (digits == 0)
				return false;
			parts++;
			digits = 0;
			if (*s == '\0')
				break;
		} else {
			return false;
		}
	}
	return parts == 4;
}

const char *
s3_bucket_name_problem(const char *name)
{
	static const char *const prefixes[] = { "xn--", "sthree-", "amzn-s3-demo-" };
	static const char *const suffixes[] = { "-s3alias", "--ol-s3", ".mrap", "--x-s3",
						"--table-s3" };
	size_t len;

	if (name == NULL || *name == '\0')
		return "empty";
	len = strlen(name);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return "only lowercase letters, digits, '.' and '-' are allowed";
	}
	if (len < 3 || len > 63)
		return "must be 3 to 63 characters long";
	if (name[0] == '.' || name[0] == '-' || name[len - 1] == '.' || name[len - 1] == '-')
		return "must begin and end with a letter or a digit";
	if (strstr(name, "..") != NULL)
		return "must not contain two adjacent dots";
	if (looks_like_ipv4(name))
		return "must not be formatted as an IP address";
	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
		if (str_starts_with(name, prefixes[i]))
			return "begins with a prefix S3 reserves";
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++)
		if (str_ends_with(name, suffixes[i]))
			return "ends with a suffix S3 reserves";
	return NULL;
}
