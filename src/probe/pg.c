/*
 * pg.c: PostgreSQL replication probe.
 *
 * DESIGN: every libpq call is non-blocking and waits in poll() against the
 * job's deadline, so a server that accepts and never answers costs one
 * worker at most the probe timeout. The server also gets a statement_timeout
 * so an abandoned query does not linger. The connection is kept in the
 * target between refreshes (only one worker runs a job at a time) and
 * dropped on any error. Numeric addresses go in hostaddr so libpq never
 * calls the resolver for them; DNS names (RDS endpoints) do resolve, on the
 * worker thread.
 */
#include "drconsole/probe/probe_pg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/util/log.h"
#include "drconsole/probe/obs_fields.h"
#include "drconsole/probe/probe_registry.h"
#include "drconsole/util/sanitize.h"
#include "drconsole/util/strbuf.h"

/* Pause before a second reading of a standby with WAL pending replay. */
#define PG_SECOND_LOOK_MS 250

struct pg_target *
pg_target_create(enum site_role site, const char *name, const char *address,
		 int port, bool expect_standby, const char *user,
		 const char *dbname, const char *sslmode, const char *service,
		 long long connect_timeout_ms)
{
	struct pg_target *t = xcalloc(1, sizeof *t);

	t->site = site;
	t->name = xstrdup(name);
	t->address = xstrdup(address);
	t->port = port > 0 ? port : 5432;
	t->expect_standby = expect_standby;
	t->user = user != NULL ? xstrdup(user) : NULL;
	t->dbname = dbname != NULL ? xstrdup(dbname) : NULL;
	t->sslmode = sslmode != NULL ? xstrdup(sslmode) : NULL;
	t->service = service != NULL ? xstrdup(service) : NULL;
	t->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 5000;
	return t;
}

void
pg_target_free(void *target)
{
	struct pg_target *t = target;

	if (t == NULL)
		return;
	if (t->conn != NULL)
		PQfinish(t->conn);
	free(t->name);
	free(t->address);
	free(t->user);
	free(t->dbname);
	free(t->sslmode);
	free(t->service);
	free(t);
}

bool
pg_lsn_parse(const char *s, uint64_t *out)
{
	unsigned long long hi, lo;
	char *end;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	hi = strtoull(s, &end, 16);
	if (errno != 0 || end == s || *end != '/' || hi > 0xffffffffULL)
		return false;
	s = end + 1;
	lo = strtoull(s, &end, 16);
	if (errno != 0 || end == s || *end != '\0' || lo > 0xffffffffULL)
		return false;
	*out = (hi << 32) | lo;
	return true;
}

double
pg_standby_lag(const struct pg_standby_reading *r, double wal_sender_timeout_s,
	       bool *idle)
{
	double fresh = wal_sender_timeout_s > 0 ? wal_sender_timeout_s : 60.0;

	*idle = false;
	if (!r->in_recovery)
		return -1;
	/*
	 * Caught up with everything received while the primary is still
	 * talking to us: whatever the replay timestamp says, nothing is
	 * waiting to be replayed.
	 */
	if (r->receiver_streaming && r->replay_lsn != 0 && r->has_msg_age &&
	    r->msg_age_s <= fresh &&
	    (r->sender_end_lsn != 0 ? r->replay_lsn >= r->sender_end_lsn
	     : r->receive_lsn != 0 && r->replay_lsn >= r->receive_lsn)) {
		*idle = !r->has_replay_time || r->replay_delay_s > 1.0;
		return 0.0;
	}
	if (!r->has_replay_time)
		return -1;
	return r->replay_delay_s > 0 ? r->replay_delay_s : 0.0;
}

static void
notice_to_log(void *arg, const char *message)
{
	(void)arg;
	log_msg(LOG_DEBUG, "libpq notice: %s", message);
}

static int
wait_socket(PGconn *conn, bool for_write, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	pfd.fd = PQsocket(conn);
	pfd.events = for_write ? POLLOUT : POLLIN;
	if (pfd.fd < 0)
		return -1;
	do {
		left = deadline - time_mono_ms();
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* libpq's message, one line, without the trailing newline. */
static char *
conn_error(PGconn *conn)
{
	char *msg = xstrdup(conn != NULL ? PQerrorMessage(conn) : "out of memory");

	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = (p[1] == '\0') ? '\0' : ' ';
	str_trim(msg);
	if (*msg == '\0') {
		free(msg);
		msg = xstrdup("unknown libpq error");
	}
	return msg;
}

static bool
is_numeric_address(const char *a)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, a, buf) == 1 || inet_pton(AF_INET6, a, buf) == 1;
}

/* Connect (or reuse) within the deadline. On failure *state is "down", "timeout" or "auth failed". */
static PGconn *
pg_connect(struct pg_target *t, long long deadline, const char **state, char **err)
{
	const char *kw[12], *val[12];
	char port[16], timeout[32], options[64];
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	PGconn *conn = t->conn;
	int n = 0;

	if (conn != NULL) {
		if (PQstatus(conn) == CONNECTION_OK)
			return conn;
		PQfinish(conn);
		t->conn = NULL;
	}
	snprintf(port, sizeof port, "%d", t->port);
	snprintf(timeout, sizeof timeout, "%lld", (t->connect_timeout_ms + 999) / 1000);
	snprintf(options, sizeof options, "-c statement_timeout=%lld",
		 t->statement_timeout_ms > 0 ? t->statement_timeout_ms : t->connect_timeout_ms);
	kw[n] = is_numeric_address(t->address) ? "hostaddr" : "host";
	val[n++] = t->address;
	kw[n] = "port"; val[n++] = port;
	kw[n] = "connect_timeout"; val[n++] = timeout;
	kw[n] = "application_name";
	val[n++] = t->application_name != NULL ? t->application_name : "drconsole";
	kw[n] = "options"; val[n++] = options;
	if (t->service != NULL) { kw[n] = "service"; val[n++] = t->service; }
	if (t->user != NULL) { kw[n] = "user"; val[n++] = t->user; }
	if (t->dbname != NULL) { kw[n] = "dbname"; val[n++] = t->dbname; }
	if (t->sslmode != NULL) { kw[n] = "sslmode"; val[n++] = t->sslmode; }
	kw[n] = NULL;
	val[n] = NULL;

	conn = PQconnectStartParams(kw, val, 0);
	if (conn == NULL || PQstatus(conn) == CONNECTION_BAD) {
		*state = "down";
		*err = conn_error(conn);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, notice_to_log, NULL);
	while (ps != PGRES_POLLING_OK) {
		int r;

		if (ps == PGRES_POLLING_FAILED) {
			*err = conn_error(conn);
			*state = (strstr(*err, "authentication") != NULL ||
				  strstr(*err, "password") != NULL ||
				  strstr(*err, "no pg_hba.conf entry") != NULL)
				 ? "auth failed" : "down";
			PQfinish(conn);
			return NULL;
		}
		r = wait_socket(conn, ps == PGRES_POLLING_WRITING, deadline);
		if (r == 0) {
			*state = "timeout";
			*err = xasprintf("connect(%s:%d): no answer within %lld ms",
					 t->address, t->port, t->connect_timeout_ms);
			PQfinish(conn);
			return NULL;
		}
		if (r < 0) {
			*state = "down";
			*err = xasprintf("poll(%s:%d): %s", t->address, t->port,
					 strerror(errno));
			PQfinish(conn);
			return NULL;
		}
		ps = PQconnectPoll(conn);
	}
	t->conn = conn;
	return conn;
}

/* Run one query within the deadline; the result (TUPLES_OK) or NULL with *err. */
static PGresult *
pg_query(struct pg_target *t, const char *sql, long long deadline, char **err)
{
	PGconn *conn = t->conn;
	PGresult *res = NULL, *r;
	int flushed;

	if (!PQsendQuery(conn, sql))
		goto broken;
	while ((flushed = PQflush(conn)) == 1)
		if (wait_socket(conn, true, deadline) <= 0)
			goto timeout;
	if (flushed < 0)
		goto broken;
	for (;;) {
		while (PQisBusy(conn)) {
			int w = wait_socket(conn, false, deadline);

			if (w == 0)
				goto timeout;
			if (w < 0 || !PQconsumeInput(conn))
				goto broken;
		}
		r = PQgetResult(conn);
		if (r == NULL)
			break;
		if (res == NULL)
			res = r;
		else
			PQclear(r);
	}
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		*err = res != NULL ? xstrdup(PQresultErrorMessage(res)) : conn_error(conn);
		str_trim(*err);
		PQclear(res);
		if (PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			t->conn = NULL;
		}
		return NULL;
	}
	return res;
timeout:
	*err = xasprintf("query on %s:%d: no answer before the deadline",
			 t->address, t->port);
	PQclear(res);
	PQfinish(conn);	/* the server's statement_timeout ends the query */
	t->conn = NULL;
	return NULL;
broken:
	*err = conn_error(conn);
	PQclear(res);
	PQfinish(conn);
	t->conn = NULL;
	return NULL;
}

/* msg as one sanitised line (a server's text reaches the operator's screen). */
static char *
clean_line(const char *msg)
{
	char *c = sanitize_string(msg, strlen(msg), SANITIZE_ONE_LINE);

	str_trim(c);
	return c;
}

int
pg_sql_true(struct pg_target *t, const char *sql, long long deadline, char **msg)
{
	const char *state = NULL;
	char *err = NULL, *e;
	PGresult *res;
	int v;

	*msg = NULL;
	if (pg_connect(t, deadline, &state, &err) == NULL) {
		e = clean_line(err);
		*msg = str_starts_with(e, "connect(") ? xstrdup(e)
		       : xasprintf("connect(%s:%d): %s", t->address, t->port, e);
		free(e);
		free(err);
		return -1;
	}
	res = pg_query(t, sql, deadline, &err);
	if (res == NULL) {
		e = clean_line(err);
		*msg = xasprintf("%s on %s: %s", sql, t->name, e);
		free(e);
		free(err);
		return -1;
	}
	v = PQntuples(res) > 0 && PQnfields(res) > 0 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	*msg = xasprintf("%s on %s: %s", sql, t->name, v ? "true" : "not true");
	PQclear(res);
	return v;
}

static const char *
cell(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static double
cell_double(const PGresult *res, int row, int col, bool *ok)
{
	const char *s = cell(res, row, col);
	char *end;
	double v;

	*ok = false;
	if (s == NULL)
		return 0;
	v = strtod(s, &end);
	if (end == s || !isfinite(v))
		return 0;
	*ok = true;
	return v;
}

/* "12.3 MB"-style byte counts. */
static void
format_bytes(char *buf, size_t len, double b)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	size_t u = 0;

	while (b >= 1024 && u + 1 < ARRAY_LEN(units)) {
		b /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f %s", b, units[u]);
	else
		snprintf(buf, len, "%.1f %s", b, units[u]);
}

static const char standby_sql[] =
	"SELECT pg_is_in_recovery(),"
	" extract(epoch from now() - pg_last_xact_replay_timestamp()),"
	" pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,"
	" w.status, w.sender_host, w.slot_name,"
	" extract(epoch from now() - w.last_msg_receipt_time),"
	" extract(epoch from current_setting('wal_receiver_timeout')::interval),"
	" current_setting('server_version'), w.latest_end_lsn::text"
	" FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver w ON true";

static const char primary_sql[] =
	"SELECT s.slot_name, s.active, r.client_addr::text, r.state,"
	" pg_wal_lsn_diff(pg_current_wal_lsn(), r.sent_lsn),"
	" pg_wal_lsn_diff(r.sent_lsn, r.flush_lsn),"
	" pg_wal_lsn_diff(r.flush_lsn, r.replay_lsn),"
	" pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn),"
	" pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn),"
	" extract(epoch from r.replay_lag),"
	" r.sent_lsn::text, r.write_lsn::text, r.flush_lsn::text, r.replay_lsn::text,"
	" pg_current_wal_lsn()::text"
	" FROM pg_replication_slots s LEFT JOIN pg_stat_replication r"
	" ON s.active_pid = r.pid WHERE s.slot_type = 'physical'"
	" ORDER BY s.slot_name";

static const char role_sql[] =
	"SELECT pg_is_in_recovery(), current_setting('server_version'),"
	" (SELECT count(*) FROM pg_stat_replication r WHERE NOT EXISTS"
	"  (SELECT 1 FROM pg_replication_slots s WHERE s.active_pid = r.pid)),"
	" CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END";

static void
post_slots(const struct pg_target *t, struct probe_ctx *ctx,
	   const PGresult *res, long long latency, int *ok_out, int *total_out)
{
	int ok = 0;

	for (int i = 0; i < PQntuples(res); i++) {
		const char *slot = cell(res, i, 0);
		bool active = str_eq(cell(res, i, 1), "t");
		const char *state = cell(res, i, 3);
		bool have_total, have_retained, have_lag;
		double total = cell_double(res, i, 7, &have_total);
		double retained = cell_double(res, i, 8, &have_retained);
		double replay_lag = cell_double(res, i, 9, &have_lag);
		char key[512], subject[256], b1[32], b2[32];
		struct observation *o;

		snprintf(key, sizeof key, "%s/pg/%s/slot/%s",
			 site_role_name(t->site), t->name, slot);
		snprintf(subject, sizeof subject, "%s slot %s", t->name, slot);
		o = obs_create(t->site, PROBE_NAME_PG, key, subject);
		format_bytes(b1, sizeof b1, have_total ? total : 0);
		format_bytes(b2, sizeof b2, have_retained ? retained : 0);
		if (!active) {
			obs_set(o, OBS_WARN, "inactive",
				"slot %s inactive: no standby attached, %s of WAL retained",
				slot, b2);
		} else if (!str_eq(state, "streaming")) {
			obs_set(o, OBS_WARN, state != NULL ? state : "attached",
				"slot %s active, standby %s", slot,
				state != NULL ? state : "not in pg_stat_replication");
		} else if (have_lag && replay_lag >= PG_LAG_CRIT_S) {
			obs_set(o, OBS_CRIT, "lagging", "replay lag %.1fs, %s behind",
				replay_lag, b1);
		} else if (have_lag && replay_lag >= PG_LAG_WARN_S) {
			obs_set(o, OBS_WARN, "lagging", "replay lag %.1fs, %s behind",
				replay_lag, b1);
		} else {
			obs_set(o, OBS_OK, "streaming", "%s behind%s", b1,
				have_lag ? "" : " (idle)");
			ok++;
		}
		if (have_total)
			obs_set_value(o, total, "B");
		obs_add_field(o, "slot", "%s", slot);
		obs_add_field(o, "active", "%s", active ? "yes" : "no");
		obs_add_field(o, "client_addr", "%s", cell(res, i, 2) ? cell(res, i, 2) : "-");
		obs_add_field(o, "state", "%s", state != NULL ? state : "-");
		obs_add_field(o, "send_lag_bytes", "%s", cell(res, i, 4) ? cell(res, i, 4) : "-");
		obs_add_field(o, "receive_lag_bytes", "%s", cell(res, i, 5) ? cell(res, i, 5) : "-");
		obs_add_field(o, "replay_lag_bytes", "%s", cell(res, i, 6) ? cell(res, i, 6) : "-");
		obs_add_field(o, "total_lag_bytes", "%s", cell(res, i, 7) ? cell(res, i, 7) : "-");
		obs_add_field(o, "retained_wal_bytes", "%s", cell(res, i, 8) ? cell(res, i, 8) : "-");
		obs_add_field(o, "replay_lag_s", "%s", cell(res, i, 9) ? cell(res, i, 9) : "-");
		obs_add_field(o, "sent_lsn", "%s", cell(res, i, 10) ? cell(res, i, 10) : "-");
		obs_add_field(o, "write_lsn", "%s", cell(res, i, 11) ? cell(res, i, 11) : "-");
		obs_add_field(o, "flush_lsn", "%s", cell(res, i, 12) ? cell(res, i, 12) : "-");
		obs_add_field(o, "replay_lsn", "%s", cell(res, i, 13) ? cell(res, i, 13) : "-");
		obs_add_field(o, "current_lsn", "%s", cell(res, i, 14) ? cell(res, i, 14) : "-");
		o->latency_ms = latency;
		status_store_post(ctx->store, o);
	}
	*ok_out = ok;
	*total_out = PQntuples(res);
}

static void
read_standby(const PGresult *res, struct pg_standby_reading *r, double *timeout_s)
{
	bool ok;

	memset(r, 0, sizeof *r);
	r->in_recovery = str_eq(cell(res, 0, 0), "t");
	r->replay_delay_s = cell_double(res, 0, 1, &r->has_replay_time);
	pg_lsn_parse(cell(res, 0, 2), &r->receive_lsn);
	pg_lsn_parse(cell(res, 0, 3), &r->replay_lsn);
	r->receiver_streaming = str_eq(cell(res, 0, 4), "streaming");
	r->msg_age_s = cell_double(res, 0, 7, &r->has_msg_age);
	pg_lsn_parse(cell(res, 0, 10), &r->sender_end_lsn);
	*timeout_s = cell_double(res, 0, 8, &ok);
	if (!ok)
		*timeout_s = 60.0;
}

/*
 * A reading worth a second look: WAL received but not yet replayed after a
 * quiet spell (the replay timestamp is that of the last commit, maybe long
 * ago, and says nothing about this WAL), or a streaming standby that has
 * replayed no transaction yet and is not caught up (just started or
 * rebuilt: its lag is unknown until the WAL in flight lands).
 */
static bool
worth_second_look(const PGresult *res)
{
	struct pg_standby_reading r;
	double timeout_s;
	bool idle;

	read_standby(res, &r, &timeout_s);
	if (!r.in_recovery || !r.receiver_streaming)
		return false;
	if (!r.has_replay_time)
		return pg_standby_lag(&r, timeout_s, &idle) < 0;
	return r.receive_lsn > r.replay_lsn && r.replay_delay_s > 1.0;
}

static void
observe_standby(enum site_role site, struct observation *o, const PGresult *res)
{
	struct pg_standby_reading r;
	bool idle = false;
	double timeout_s, lag, gap;
	const char *status = cell(res, 0, 4);

	read_standby(res, &r, &timeout_s);
	lag = pg_standby_lag(&r, timeout_s, &idle);
	gap = r.receive_lsn > r.replay_lsn ? (double)(r.receive_lsn - r.replay_lsn) : 0;

	obs_add_field(o, OBS_F_PG_ROLE, OBS_PG_ROLE_STANDBY);
	obs_add_field(o, "version", "%s", cell(res, 0, 9) ? cell(res, 0, 9) : "?");
	obs_add_field(o, OBS_F_PG_RECEIVER, "%s", status != NULL ? status : "none");
	obs_add_field(o, "sender_host", "%s", cell(res, 0, 5) ? cell(res, 0, 5) : "-");
	obs_add_field(o, "slot", "%s", cell(res, 0, 6) ? cell(res, 0, 6) : "-");
	obs_add_field(o, "receive_lsn", "%s", cell(res, 0, 2) ? cell(res, 0, 2) : "-");
	obs_add_field(o, "replay_lsn", "%s", cell(res, 0, 3) ? cell(res, 0, 3) : "-");
	obs_add_field(o, OBS_F_PG_LSN_GAP, "%.0f", gap);
	obs_add_field(o, "replay_delay_s", "%s", cell(res, 0, 1) ? cell(res, 0, 1) : "-");
	obs_add_field(o, "last_msg_age_s", "%s", cell(res, 0, 7) ? cell(res, 0, 7) : "-");
	obs_add_field(o, "sender_end_lsn", "%s", cell(res, 0, 10) ? cell(res, 0, 10) : "-");
	if (lag >= 0)
		obs_set_value(o, lag, "s");
	/* a standby on the other site is what limits data loss if this one vanishes */
	if (site == SITE_SECONDARY) {
		obs_add_field(o, OBS_F_RPO_STORE, "postgres");
		obs_add_field(o, OBS_F_RPO_KIND, OBS_RPO_KIND_REPLICA);
		if (r.receiver_streaming && lag >= 0)
			obs_add_field(o, OBS_F_RPO_EXPOSURE, "%.3f", lag);
	}

	if (!r.receiver_streaming) {
		obs_set(o, OBS_CRIT, status != NULL ? status : "not streaming",
			"standby is not receiving WAL (WAL receiver %s); last replay %s",
			status != NULL ? status : "not running",
			r.has_replay_time ? "known" : "unknown");
	} else if (lag < 0) {
		obs_set(o, OBS_UNKNOWN, "streaming", "streaming; lag unknown (nothing replayed yet)");
	} else if (lag >= PG_LAG_CRIT_S) {
		obs_set(o, OBS_CRIT, "lagging", "replay %.1fs behind, %.0f bytes received not replayed",
			lag, gap);
	} else if (lag >= PG_LAG_WARN_S) {
		obs_set(o, OBS_WARN, "lagging", "replay %.1fs behind, %.0f bytes received not replayed",
			lag, gap);
	} else {
		obs_set(o, OBS_OK, "streaming", "lag %.1fs%s", lag,
			idle ? " (primary idle)" : "");
	}
}

static void
pg_run(const struct probe_job *job, struct probe_ctx *ctx)
{
	struct pg_target *t = job->target;
	long long start = time_mono_ms();
	long long deadline = start + ctx->timeout_ms;
	const char *state = "down";
	char key[512], *err = NULL;
	struct observation *o;
	PGresult *res;

	snprintf(key, sizeof key, "%s/pg/%s", site_role_name(t->site), t->name);
	o = obs_create(t->site, PROBE_NAME_PG, key, t->name);
	obs_add_field(o, "address", "%s:%d", t->address, t->port);
	obs_add_field(o, "expected_role", "%s", t->expect_standby ? "standby" : "primary");

	if (pg_connect(t, deadline, &state, &err) == NULL) {
		obs_set(o, OBS_CRIT, state, "%s", err);
		goto post;
	}
	res = pg_query(t, role_sql, deadline, &err);
	if (res == NULL) {
		obs_set(o, OBS_CRIT, "error", "%s", err);
		goto post;
	}
	if (str_eq(cell(res, 0, 0), "t")) {
		PQclear(res);
		res = pg_query(t, standby_sql, deadline, &err);
		if (res == NULL) {
			obs_set(o, OBS_UNKNOWN, "error", "%s", err);
			goto post;
		}
		if (worth_second_look(res) && deadline - time_mono_ms() > 1000) {
			/* look again shortly; what a standby replays within the pause is not lag */
			PGresult *again;

			usleep(PG_SECOND_LOOK_MS * 1000);
			again = pg_query(t, standby_sql, deadline, &err);
			if (again != NULL) {
				PQclear(res);
				res = again;
			}
		}
		observe_standby(t->site, o, res);
		PQclear(res);
	} else {
		char version[64];
		long long extra;
		int ok = 0, total = 0;

		snprintf(version, sizeof version, "%s", cell(res, 0, 1) ? cell(res, 0, 1) : "?");
		extra = cell(res, 0, 2) ? atoll(cell(res, 0, 2)) : 0;
		obs_add_field(o, OBS_F_PG_ROLE, OBS_PG_ROLE_PRIMARY);
		obs_add_field(o, "version", "%s", version);
		obs_add_field(o, "current_lsn", "%s", cell(res, 0, 3) ? cell(res, 0, 3) : "-");
		obs_add_field(o, "replicas_without_slot", "%lld", extra);
		PQclear(res);
		res = pg_query(t, primary_sql, deadline, &err);
		if (res == NULL) {
			obs_set(o, OBS_UNKNOWN, "error", "%s", err);
			goto post;
		}
		post_slots(t, ctx, res, time_mono_ms() - start, &ok, &total);
		PQclear(res);
		obs_add_field(o, "slots", "%d", total);
		if (t->expect_standby)
			obs_set(o, OBS_WARN, "primary",
				"accepting writes, but listed in pg_standby (promoted?)");
		else if (total == 0)
			obs_set(o, OBS_OK, "primary", "primary, no replication slots");
		else
			obs_set(o, ok == total ? OBS_OK : OBS_WARN, "primary",
				"primary, %d/%d slot%s streaming", ok, total,
				total == 1 ? "" : "s");
	}
post:
	if (t->expect_standby && o->status == OBS_OK && str_eq(o->state, "primary"))
		o->status = OBS_WARN;
	o->latency_ms = time_mono_ms() - start;
	status_store_post(ctx->store, o);
	free(err);
}

const struct probe_type probe_pg = {
	.name = "pg",
	.run = pg_run,
	.free_target = pg_target_free,
};

size_t
pg_add_jobs(const struct probe_setup *ps)
{
	const struct config *cfg = ps->cfg;
	size_t n = 0;

	for (int r = 0; r < 2; r++) {
		const struct site *site = ps->sites[r];

		for (size_t i = 0; site != NULL && i < site->n_pg; i++) {
			const struct site_pg_server *p = &site->pg[i];
			char key[512];

			if (p->remote)
				continue;
			snprintf(key, sizeof key, "%s/pg/%s", site_role_name(site->role), p->host);
			status_store_expect(ps->store, site->role, PROBE_NAME_PG, key, p->host);
			scheduler_add(ps->sched, &probe_pg, key,
				      pg_target_create(site->role, p->host, p->address, (int)cfg->pg.port,
						       p->is_standby, cfg->pg.user, cfg->pg.dbname,
						       cfg->pg.sslmode, cfg->pg.service,
						       cfg->pg.connect_timeout_ms),
				      cfg->probe_timeout_ms);
			n++;
		}
	}
	return n;
}
