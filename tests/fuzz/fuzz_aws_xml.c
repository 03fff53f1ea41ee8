/*
 * libFuzzer target: the AWS XML answers (xml_answer.c) through each parser
 * that reads them: the first byte picks RDS DescribeDBInstances, RDS
 * DescribeDBInstanceAutomatedBackups, STS AssumeRole or CloudWatch
 * GetMetricStatistics (ReplicaLag); the rest is the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "drconsole/probe/aws_creds.h"
#include "drconsole/probe/aws_session.h"
#include "drconsole/probe/probe_rds.h"
#include "drconsole/probe/rds_replica_lag.h"
#include "drconsole/probe/rds_replicas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	char err[256];

	if (size < 1)
		return 0;
	size--;
	switch (data[0] % 4) {
	case 0: {
		struct rds_page p;

		if (rds_page_parse(body, size, &p, err, sizeof err) == 0)
			rds_page_free(&p);
		break;
	}
	case 1: {
		struct rds_auto_list l = { 0 };

		(void)rds_auto_backups_parse(body, size, &l, err, sizeof err);
		rds_auto_list_free(&l);
		break;
	}
	case 2: {
		struct aws_creds c;
		long long exp;

		if (aws_sts_parse(body, size, &c, &exp, err, sizeof err) == 0)
			aws_creds_clear(&c);
		break;
	}
	default: {
		struct rds_lag_answer a;

		(void)rds_lag_parse(body, size, &a, err, sizeof err);
		break;
	}
	}
	return 0;
}
