/*
 * bench_s3_list: parse time of one full S3 list page (1000 keys, AWS's
 * ListObjectsV2 shape) and of judging every key, the work one page costs
 * the S3 probe besides the request itself.
 *   usage: bench_s3_list [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>

#include "drconsole/probe/probe_s3.h"
#include "drconsole/util/strbuf.h"

int
main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 200;
	struct strbuf sb = STRBUF_INIT;
	long long start, parse_ms, keys = 0;

	strbuf_puts(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
		    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>dimagi-production-"
		    "postgres-backups</Name><Prefix>postgres_production_</Prefix><KeyCount>1000"
		    "</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>"
		    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>");
	for (int i = 0; i < 1000; i++)
		strbuf_printf(&sb, "<Contents><Key>postgres_production_%s_%04d_%02d_%02d.tar.gz</Key>"
			      "<LastModified>%04d-%02d-%02dT16:50:30.000Z</LastModified><ETag>&quot;"
			      "9c8af9a76df052144598c115ef33e511&quot;</ETag><Size>%d</Size><StorageClass>"
			      "STANDARD</StorageClass></Contents>", i % 7 ? "daily" : "weekly",
			      2020 + i / 336, i / 28 % 12 + 1, i % 28 + 1, 2020 + i / 336, i / 28 % 12 + 1,
			      i % 28 + 1, 4000000 + i);
	strbuf_puts(&sb, "</ListBucketResult>");
	start = time_mono_ms();
	for (int n = 0; n < iters; n++) {
		struct s3_list l;
		char *err = NULL;

		if (s3_list_parse(sb.buf, sb.len, &l, &err) != 0) {
			fprintf(stderr, "bench_s3_list: %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < l.n; i++) {
			struct backup_key k;

			keys += backup_key_parse(STORE_POSTGRES, "production", "plain", l.objects[i].key, &k);
		}
		s3_list_free(&l);
	}
	parse_ms = time_mono_ms() - start;
	printf("  one 1000-key page (%zu bytes): parse + judge %.2f ms (mean of %d); %lld keys recognised\n",
	       sb.len, (double)parse_ms / iters, iters, keys / iters);
	strbuf_free(&sb);
	return 0;
}
