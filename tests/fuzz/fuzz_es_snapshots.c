/* libFuzzer target: Elasticsearch `GET _snapshot/<repo>/_all` bodies, then the daily judgement. */
#include <stddef.h>
#include <stdint.h>

#include "drconsole/probe/probe_es.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct es_snapshot_summary s;
	char err[256];
	long long due;

	if (es_snapshots_parse((const char *)data, size, 200, &s, err, sizeof err) == 0)
		(void)es_snapshots_judge(&s, (int)(size % 24), 1787083200000LL + (long long)size, &due);
	return 0;
}
