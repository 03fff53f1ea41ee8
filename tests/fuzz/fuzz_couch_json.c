/* libFuzzer target: CouchDB bodies (database info, the three replication listings) and endpoint URLs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/probe_couch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *src_hosts[] = { "127.0.20.30", "10.202.40.5" };
static char *dst_hosts[] = { "127.0.30.30", "10.212.40.5" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct couch_rep_match m = { "commcarehq", "commcarehq", src_hosts, 2, dst_hosts, 2 };
	struct couch_db_info info;
	struct couch_rep rep;
	char err[256], clean[256], host[64], db[64];
	char *s;

	(void)couch_db_info_parse((const char *)data, size, &info, err, sizeof err);
	(void)couch_replication_find((const char *)data, size, COUCH_VIA_SCHEDULER, &m, &rep, err, sizeof err);
	(void)couch_replication_find((const char *)data, size, COUCH_VIA_ACTIVE_TASKS, &m, &rep, err, sizeof err);
	(void)couch_replication_find((const char *)data, size, COUCH_VIA_REPLICATOR, &m, &rep, err, sizeof err);
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)couch_url_split(s, clean, sizeof clean, host, sizeof host, db, sizeof db);
	free(s);
	return 0;
}
