/*
 * s3_bucket.h: S3 bucket names checked against Amazon's naming rules for
 * general purpose buckets, so a name from an env dir can never carry a
 * host, a port, a path or a query into a request.
 */
#ifndef DRCONSOLE_S3_BUCKET_H
#define DRCONSOLE_S3_BUCKET_H

/*
 * NULL when name is a valid bucket name: 3 to 63 characters of lowercase
 * letters, digits, '.' and '-'; a letter or digit first and last; no "..";
 * not an IPv4 address; none of the reserved prefixes (xn--, sthree-,
 * amzn-s3-demo-) or suffixes (-s3alias, --ol-s3, .mrap, --x-s3,
 * --table-s3). Otherwise a static string saying what is wrong.
 */
const char *s3_bucket_name_problem(const char *name);

#endif
