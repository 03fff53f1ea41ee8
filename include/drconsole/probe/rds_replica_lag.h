/*
 * rds_replica_lag.h: how far RDS read replicas lag behind their source,
 * CloudWatch's ReplicaLag (namespace AWS/RDS, dimension DBInstanceIdentifier
 * = the replica, unit Seconds), which DescribeDBInstances does not return.
 *
 * One GetMetricStatistics request per replica and refresh (Query API,
 * Version 2010-08-01, a POST form body signed with SigV4 for the service
 * "monitoring"): Period 60, statistic Maximum, the last RDS_LAG_WINDOW_S
 * seconds. The newest datapoint's Maximum is the lag; none in the window
 * is "not reported", not an error. Endpoint: $AWS_ENDPOINT_URL_CLOUDWATCH,
 * else $AWS_ENDPOINT_URL, else https://monitoring.<region>.amazonaws.com.
 * IAM: cloudwatch:GetMetricStatistics.
 */
#ifndef DRCONSOLE_RDS_REPLICA_LAG_H
#define DRCONSOLE_RDS_REPLICA_LAG_H

#include <stdbool.h>
#include <stddef.h>

#define RDS_LAG_WINDOW_S 600
#define RDS_LAG_MAX_BODY (256u * 1024u)

/* A GetMetricStatistics answer, or an ErrorResponse (strings sanitised). */
struct rds_lag_answer {
	size_t n_points;		/* Datapoints with a Timestamp and a Maximum */
	long long at_s;			/* the newest one's Timestamp, epoch s; -1: none */
	double maximum;			/* its Maximum */
	char unit[24];			/* its Unit */
	bool is_error;
	char code[64];			/* AccessDenied, Throttling, ... */
	char message[512];
};

/*
 * Parse a GetMetricStatistics answer or an ErrorResponse: 0 on either; -1
 * with err filled when the body is neither (not XML, a DTD, unexpected).
 */
int rds_lag_parse(const char *body, size_t len, struct rds_lag_answer *out, char *err, size_t errlen);

enum rds_lag_state {
	RDS_LAG_NOT_READ,		/* not asked */
	RDS_LAG_SEEN,			/* lag_s at at_s */
	RDS_LAG_NONE,			/* asked: no datapoint in the window */
	RDS_LAG_ERROR,			/* asked: reason and error say why there is no answer */
};

struct rds_replica_lag {
	enum rds_lag_state state;
	double lag_s;
	long long at_s;			/* the datapoint's time, epoch s */
	char reason[64];		/* AWS's code (AccessDenied), "no answer", "probe deadline" */
	char error[512];		/* the whole message, naming the call and the endpoint */
};

/*
 * ReplicaLag of ids[0..n) in region, with profile's credentials (NULL: the
 * usual chain), each request within timeout_ms and all before deadline_ms,
 * into lags[0..n). Throttling is retried with back-off; after any other
 * failure the rest are not asked and carry the same error.
 */
void rds_replica_lag_read(const char *region, const char *profile, const char *const *ids, size_t n,
			  long long deadline_ms, long long timeout_ms, struct rds_replica_lag *lags);

#endif
