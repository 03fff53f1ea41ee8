/*
 * probe_pg.h: PostgreSQL replication probe (libpq). One job per PostgreSQL
 * server. On a primary it reports every replication slot joined with
 * pg_stat_replication (byte lag, replay_lag, WAL retained); on a standby,
 * recovery state, receive/replay LSN, replay delay and the WAL receiver.
 * Passwords come only from libpq's own sources (.pgpass, PGPASSFILE,
 * PGPASSWORD, service file); none is ever passed in here.
 *
 * Observation keys:
 *   <site>/pg/<host>               the server: role, version, lag on a standby
 *   <site>/pg/<host>/slot/<slot>   one slot on a primary
 */
#ifndef DRCONSOLE_PROBE_PG_H
#define DRCONSOLE_PROBE_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drconsole/probe/scheduler.h"

/* Standby lag thresholds (commcare-cloud's replication-delay monitor). */
#define PG_LAG_WARN_S 60.0
#define PG_LAG_CRIT_S 90.0

struct pg_target {
	enum site_role site;
	char *name;		/* inventory host name */
	char *address;
	int port;		/* 0: 5432 */
	bool expect_standby;	/* listed in pg_standby */
	char *user;		/* NULL: libpq default */
	char *dbname;
	char *sslmode;
	char *service;
	long long connect_timeout_ms;
	long long statement_timeout_ms;	/* 0: connect_timeout_ms */
	const char *application_name;	/* static storage; NULL: "drconsole" */
	void *conn;		/* private: the kept PGconn */
};

/* Copies every string; NULLs allowed except name and address. */
struct pg_target *pg_target_create(enum site_role site, const char *name,
				   const char *address, int port,
				   bool expect_standby, const char *user,
				   const char *dbname, const char *sslmode,
				   const char *service,
				   long long connect_timeout_ms);
void pg_target_free(void *target);

/* What a standby says about itself; see pg_standby_lag. */
struct pg_standby_reading {
	bool in_recovery;
	bool receiver_streaming;	/* pg_stat_wal_receiver.status = streaming */
	bool has_replay_time;
	double replay_delay_s;		/* now() - pg_last_xact_replay_timestamp() */
	uint64_t receive_lsn;
	uint64_t replay_lsn;
	bool has_msg_age;
	double msg_age_s;		/* now() - last_msg_receipt_time */
	uint64_t sender_end_lsn;	/* latest_end_lsn: the primary's WAL end it last reported, 0 unknown */
};

/*
 * The standby's lag in seconds, reading the replay delay together with the
 * LSN gap: when everything received is replayed and the primary's last
 * message is recent, an old replay timestamp (or none: nothing replayed
 * since a restart) means an idle primary, not lag (*idle set true, lag 0).
 * "Everything" is the primary's reported WAL end when known, else what was
 * received: after a restart without writes the receive position is the
 * start of the segment streaming resumed from, behind the replay position.
 * Returns -1 when unknown.
 */
double pg_standby_lag(const struct pg_standby_reading *r, double wal_sender_timeout_s,
		      bool *idle);

/*
 * Does sql's first value read true on t's server? One attempt before
 * deadline (time_mono_ms), over the target's kept connection (connected
 * when there is none). Returns 1 true, 0 not true, -1 could not tell; *msg
 * (caller frees, sanitised, one line) says which: "connect(ADDR:PORT): ..."
 * or "SQL on NAME: true|not true|the server's error".
 */
int pg_sql_true(struct pg_target *t, const char *sql, long long deadline, char **msg);

/* Parse "16/B374D848" into a 64-bit position; false when malformed. */
bool pg_lsn_parse(const char *s, uint64_t *out);

extern const struct probe_type probe_pg;

struct probe_setup;
/* One job per PostgreSQL server of either site that is SSH-able (not RDS endpoints). */
size_t pg_add_jobs(const struct probe_setup *ps);

#endif
