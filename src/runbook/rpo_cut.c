/*
 * rpo_cut.c: the RPO a run achieved, from WAL positions journaled at the cut
 * (see rpo_cut.h). The measurement is taken on the databases themselves:
 * the standby about to be promoted, the upstream it streams from, and after
 * the promote the old upstream again. Every figure goes to the journal, so
 * the report (built from the journal alone) says the same a week later.
 */
#include "drconsole/runbook/rpo_cut.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/sanitize.h"
#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"

#define RPO_CUT_FIELDS 5
/* one past the newest completed transaction: equal on both ends = nothing committed is missing */
#define XMAX_SQL "txid_snapshot_xmax(txid_current_snapshot())::text"

bool
rpo_lsn_parse(const char *s, uint64_t *out)
{
	unsigned long hi, lo;
	char *end;

	if (s == NULL || *s == '\0')
		return false;
	hi = strtoul(s, &end, 16);
	if (end == s || *end != '/' || hi > 0xffffffffUL)
		return false;
	s = end + 1;
	lo = strtoul(s, &end, 16);
	if (end == s || *end != '\0' || lo > 0xffffffffUL)
		return false;
	*out = ((uint64_t)hi << 32) | (uint64_t)lo;
	return true;
}

/*
 * One row of sql on address:port; vals[i] get the row's first n fields
 * (NULL for SQL NULL; caller frees). false with *err naming the call.
 */
static bool
query_row(const struct config *cfg, const char *address, const char *port_s, const char *sql,
	  const char *param, char **vals, int n, char **err)
{
	char port[32], timeout[32];
	const char *keys[] = { "host", "port", "user", "dbname", "sslmode", "connect_timeout",
			       "options", "application_name", NULL };
	const char *cv[9];
	PGconn *c;
	PGresult *res = NULL;
	bool ok = false;

	for (int i = 0; i < n; i++)
		vals[i] = NULL;
	snprintf(port, sizeof port, "%lld", cfg->pg.port > 0 ? cfg->pg.port : 5432);
	snprintf(timeout, sizeof timeout, "%lld",
		 cfg->pg.connect_timeout_ms > 0 ? (cfg->pg.connect_timeout_ms + 999) / 1000 : 5);
	cv[0] = address;
	cv[1] = port_s != NULL ? port_s : port;
	cv[2] = cfg->pg.user;
	cv[3] = cfg->pg.dbname != NULL ? cfg->pg.dbname : "postgres";
	cv[4] = cfg->pg.sslmode != NULL ? cfg->pg.sslmode : "prefer";
	cv[5] = timeout;
	cv[6] = "-c statement_timeout=10000";
	cv[7] = "drconsole-rpo";
	cv[8] = NULL;
	c = PQconnectdbParams(keys, cv, 0);
	if (PQstatus(c) != CONNECTION_OK) {
		char *e = sanitize_string(PQerrorMessage(c), strlen(PQerrorMessage(c)),
					  SANITIZE_ONE_LINE);

		*err = xasprintf("connect(%s:%s): %s", address, cv[1], str_trim(e));
		free(e);
		goto out;
	}
	res = param != NULL ? PQexecParams(c, sql, 1, NULL, &param, NULL, NULL, 0) : PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1 || PQnfields(res) < n) {
		const char *m = PQresultErrorMessage(res);
		char *e = sanitize_string(m, strlen(m), SANITIZE_ONE_LINE);

		*err = xasprintf("query on %s:%s: %s", address, cv[1],
				 *str_trim(e) != '\0' ? str_trim(e) : "no row");
		free(e);
		goto out;
	}
	for (int i = 0; i < n; i++)
		vals[i] = PQgetisnull(res, 0, i) ? NULL : xstrdup(PQgetvalue(res, 0, i));
	ok = true;
out:
	PQclear(res);
	PQfinish(c);
	return ok;
}

static void
free_vals(char **vals, int n)
{
	for (int i = 0; i < n; i++) {
		free(vals[i]);
		vals[i] = NULL;
	}
}

/* The standby's hot_standby_master from either inventory, when the sender is not known. */
static const char *
inventory_upstream(struct site *const sites[2], const char *address)
{
	for (int s = 0; s < 2; s++) {
		if (sites[s] == NULL)
			continue;
		for (size_t i = 0; i < sites[s]->n_pg; i++)
			if (str_eq(sites[s]->pg[i].address, address) && sites[s]->pg[i].master_address != NULL)
				return sites[s]->pg[i].master_address;
	}
	return NULL;
}

json_t *
rpo_cut_measure(const struct config *cfg, struct site *const sites[2], const struct rb_step *st,
		const char *host, const char *address, char **msg)
{
	char *sv[RPO_CUT_FIELDS + 1], *uv[3], *err = NULL;
	const char *up = NULL, *up_port = NULL;
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s}", "event", "rpo_cut", "step", st->id,
			       "host", host, "address", address);
	uint64_t replay = 0, cur = 0;

	*msg = NULL;
	if (!query_row(cfg, address, NULL,
		       "select pg_is_in_recovery()::text, pg_last_wal_replay_lsn()::text, "
		       "(select sender_host from pg_stat_wal_receiver limit 1), "
		       "(select sender_port::text from pg_stat_wal_receiver limit 1), "
		       "pg_last_wal_receive_lsn()::text, " XMAX_SQL,
		       NULL, sv, RPO_CUT_FIELDS + 1, &err)) {
		json_object_set_new(ev, "error", json_string(err));
		*msg = xasprintf("at the cut: standby %s not read: %s", host, err);
		free(err);
		return ev;
	}
	json_object_set_new(ev, "in_recovery", json_boolean(str_eq(sv[0], "true")));
	if (sv[1] != NULL)
		json_object_set_new(ev, "standby_lsn", json_string(sv[1]));
	if (sv[4] != NULL)
		json_object_set_new(ev, "received_lsn", json_string(sv[4]));
	if (sv[5] != NULL)
		json_object_set_new(ev, "standby_xmax", json_integer(strtoll(sv[5], NULL, 10)));
	up = sv[2];
	up_port = sv[3];
	if (up == NULL || *up == '/') {		/* not streaming, or over a socket */
		up = inventory_upstream(sites, address);
		up_port = NULL;
	}
	if (up == NULL) {
		json_object_set_new(ev, "error", json_string("upstream unknown: not streaming and no "
							     "hot_standby_master"));
		*msg = xasprintf("at the cut: %s replayed %s; its upstream is unknown (not streaming, "
				 "no hot_standby_master)", host, sv[1] != NULL ? sv[1] : "?");
		free_vals(sv, RPO_CUT_FIELDS + 1);
		return ev;
	}
	json_object_set_new(ev, "upstream", json_string(up));
	if (up_port != NULL)
		json_object_set_new(ev, "upstream_port", json_string(up_port));
	if (!query_row(cfg, up, up_port,
		       "select case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end, "
		       "(select extract(epoch from replay_lag)::text from pg_stat_replication "
		       " order by (client_addr::text = $1) desc nulls last, replay_lag desc nulls first limit 1), "
		       XMAX_SQL, address, uv, 3, &err)) {
		json_object_set_new(ev, "error", json_string(err));
		*msg = xasprintf("at the cut: %s replayed %s; upstream %s not reachable (%s): the "
				 "exposure is the estimate", host, sv[1] != NULL ? sv[1] : "?", up, err);
		free(err);
		free_vals(sv, RPO_CUT_FIELDS + 1);
		return ev;
	}
	if (uv[0] != NULL)
		json_object_set_new(ev, "upstream_lsn", json_string(uv[0]));
	if (uv[1] != NULL)
		json_object_set_new(ev, "lag_s", json_real(strtod(uv[1], NULL)));
	if (uv[2] != NULL)
		json_object_set_new(ev, "upstream_xmax", json_integer(strtoll(uv[2], NULL, 10)));
	if (rpo_lsn_parse(sv[1], &replay) && rpo_lsn_parse(uv[0], &cur)) {
		uint64_t gap = cur > replay ? cur - replay : 0;

		json_object_set_new(ev, "gap_bytes", json_integer((json_int_t)gap));
		*msg = xasprintf("at the cut: %s replayed %s, upstream %s is at %s: %s%" PRIu64
				 " bytes of WAL not replayed", host, sv[1], up, uv[0],
				 gap == 0 ? "zero lag, " : "", gap);
	} else {
		*msg = xasprintf("at the cut: %s replayed %s, upstream %s at %s: not comparable", host,
				 sv[1] != NULL ? sv[1] : "?", up, uv[0] != NULL ? uv[0] : "? (in recovery)");
	}
	free_vals(uv, 3);
	free_vals(sv, RPO_CUT_FIELDS + 1);
	return ev;
}

json_t *
rpo_cut_switch(const struct config *cfg, const struct rb_step *st, const char *host,
	       const char *address, char **msg)
{
	char *v[2], *err = NULL;
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s}", "event", "rpo_switch", "step", st->id,
			       "host", host, "address", address);

	if (!query_row(cfg, address, NULL,
		       "select pg_is_in_recovery()::text, pg_last_wal_replay_lsn()::text", NULL, v, 2,
		       &err)) {
		json_object_set_new(ev, "error", json_string(err));
		*msg = xasprintf("switch point of %s not read: %s", host, err);
		free(err);
		return ev;
	}
	if (v[1] != NULL && str_eq(v[0], "false")) {
		json_object_set_new(ev, "switch_lsn", json_string(v[1]));
		*msg = xasprintf("switch point of %s: %s", host, v[1]);
	} else {
		json_object_set_new(ev, "error", json_string(str_eq(v[0], "true") ?
							     "still in recovery" : "no replay position"));
		*msg = xasprintf("switch point of %s not known (%s)", host,
				 str_eq(v[0], "true") ? "still in recovery" : "no replay position");
	}
	free_vals(v, 2);
	return ev;
}

static const char *
ev_str(const json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

void
rpo_cut_check_old(const struct config *cfg, json_t *const *events, size_t n, json_t *out,
		  char **msg)
{
	struct strbuf sb = STRBUF_INIT;

	*msg = NULL;
	/* each switch point, against the upstream its standby had at the cut */
	for (size_t i = 0; i < n; i++) {
		const json_t *sw = events[i], *cut = NULL;
		const char *sw_lsn = ev_str(sw, "switch_lsn"), *up, *port;
		char *v[3], *err = NULL;
		uint64_t a = 0, b = 0;
		json_t *ev;
		const json_t *cx;

		if (!str_eq(ev_str(sw, "event"), "rpo_switch") || sw_lsn == NULL)
			continue;
		for (size_t k = 0; k < i; k++)	/* the first cut of that host */
			if (str_eq(ev_str(events[k], "event"), "rpo_cut") &&
			    str_eq(ev_str(events[k], "address"), ev_str(sw, "address"))) {
				cut = events[k];
				break;
			}
		up = cut != NULL ? ev_str(cut, "upstream") : NULL;
		if (up == NULL)
			continue;
		port = ev_str(cut, "upstream_port");
		ev = json_pack("{s:s,s:s,s:s,s:s}", "event", "rpo_diverged", "upstream", up,
			       "host", ev_str(sw, "host"), "switch_lsn", sw_lsn);
		if (!query_row(cfg, up, port,
			       "select pg_is_in_recovery()::text, case when pg_is_in_recovery() then "
			       "pg_last_wal_replay_lsn()::text else pg_current_wal_lsn()::text end, " XMAX_SQL,
			       NULL, v, 3, &err)) {
			json_object_set_new(ev, "reachable", json_false());
			json_object_set_new(ev, "error", json_string(err));
			strbuf_printf(&sb, "%sold upstream %s not reachable: %s", *strbuf_str(&sb) != '\0' ? "\n" : "",
				       up, err);
			free(err);
		} else if (str_eq(v[0], "true")) {
			/* re-seeded or rewound: what it held after the cut is gone, not comparable */
			json_object_set_new(ev, "reachable", json_true());
			json_object_set_new(ev, "in_recovery", json_true());
			strbuf_printf(&sb, "%sold upstream %s is a standby now: not comparable",
				       *strbuf_str(&sb) != '\0' ? "\n" : "", up);
		} else if (rpo_lsn_parse(v[1], &a) && rpo_lsn_parse(sw_lsn, &b)) {
			uint64_t lost = a > b ? a - b : 0;

			json_object_set_new(ev, "reachable", json_true());
			json_object_set_new(ev, "lsn", json_string(v[1]));
			json_object_set_new(ev, "lost_bytes", json_integer((json_int_t)lost));
			/* transactions completed there since the cut (WAL alone may be a checkpoint) */
			cx = json_object_get(cut, "upstream_xmax");
			if (v[2] != NULL && json_is_integer(cx)) {
				long long x = strtoll(v[2], NULL, 10) - (long long)json_integer_value(cx);

				json_object_set_new(ev, "lost_xacts", json_integer(x > 0 ? x : 0));
				if (lost > 0 && x <= 0)
					lost = 0;	/* said below as WAL without a transaction */
			}
			if (lost == 0 && json_integer_value(json_object_get(ev, "lost_bytes")) > 0)
				strbuf_printf(&sb, "%sold primary %s wrote %lld bytes of WAL after the cut "
					      "but completed no transaction: nothing lost", *strbuf_str(&sb) != '\0' ? "\n" : "",
					      up, (long long)json_integer_value(json_object_get(ev, "lost_bytes")));
			else if (lost > 0)
				strbuf_printf(&sb, "%sDATA THAT DID NOT MAKE IT: the old primary %s wrote "
					       "%" PRIu64 " bytes of WAL after the cut (at %s, switch "
					       "point %s)", *strbuf_str(&sb) != '\0' ? "\n" : "", up, lost, v[1], sw_lsn);
			else
				strbuf_printf(&sb, "%sold primary %s: nothing written after the cut "
					       "(at %s, switch point %s)", *strbuf_str(&sb) != '\0' ? "\n" : "", up, v[1],
					       sw_lsn);
		} else {
			json_object_set_new(ev, "reachable", json_true());
			json_object_set_new(ev, "error", json_string("no WAL position"));
			strbuf_printf(&sb, "%sold primary %s: no WAL position to compare (read '%s', switch point '%s')",
				      *strbuf_str(&sb) != '\0' ? "\n" : "", up, v[1] != NULL ? v[1] : "",
				      sw_lsn);
		}
		free_vals(v, 3);
		json_array_append_new(out, ev);
	}
	if (*strbuf_str(&sb) != '\0')
		*msg = strbuf_detach(&sb);
	strbuf_free(&sb);
}

bool
rpo_cut_recorded(json_t *const *events, size_t n, const char *step, bool any_estimate)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = ev_str(events[i], "event");

		if (str_eq(e, "rpo_cut") && str_eq(ev_str(events[i], "step"), step))
			return true;
		if (any_estimate && str_eq(e, "rpo"))
			return true;
	}
	return false;
}

static const struct rb_step *
step_by_id(const struct runbook *rb, const char *id)
{
	for (size_t i = 0; id != NULL && i < rb->n_steps; i++)
		if (str_eq(rb->steps[i].id, id))
			return &rb->steps[i];
	return NULL;
}

static void
fmt_s(char *buf, size_t len, double s)
{
	long long v = (long long)(s + 0.5);

	if (v < 60)
		snprintf(buf, len, "%llds", v);
	else if (v < 3600)
		snprintf(buf, len, "%lldm%02llds", v / 60, v % 60);
	else
		snprintf(buf, len, "%lldh%02lldm", v / 3600, (v % 3600) / 60);
}

void
rpo_cut_summarise(const struct runbook *rb, json_t *const *events, size_t n,
		  struct rpo_cut_summary *out)
{
	bool any_cut = false, all_gaps = true, lost_known = false;
	/* per fences: step: 1 failed/skipped, 0 done, -1 not run */
	int fence_state[64];
	double base;
	char d1[32], prev[sizeof out->basis];

	memset(out, 0, sizeof *out);
	out->estimate_s = -1;
	out->lag_s = -1;
	out->rpo_s = -1;
	for (size_t k = 0; k < 64; k++)
		fence_state[k] = -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *ev = events[i];
		const char *e = ev_str(ev, "event");
		long long t = (long long)json_integer_value(json_object_get(ev, "t"));
		const struct rb_step *st;

		if (str_eq(e, "rpo") && out->estimate_s < 0 && json_is_number(json_object_get(ev, "exposure_s"))) {
			out->estimate_s = json_number_value(json_object_get(ev, "exposure_s"));
		} else if (str_eq(e, "rpo_cut")) {
			const json_t *g = json_object_get(ev, "gap_bytes");
			const json_t *l = json_object_get(ev, "lag_s");

			/* a later cut of a host already cut (a re-run) does not count */
			bool again = false;

			for (size_t k = 0; k < i; k++)
				if (str_eq(ev_str(events[k], "event"), "rpo_cut") &&
				    str_eq(ev_str(events[k], "address"), ev_str(ev, "address")))
					again = true;
			if (again)
				continue;
			if (!any_cut)
				out->cut_ms = t;
			any_cut = true;
			if (json_is_integer(g)) {
				const json_t *ux = json_object_get(ev, "upstream_xmax");
				const json_t *sx = json_object_get(ev, "standby_xmax");

				if ((uint64_t)json_integer_value(g) > out->gap_bytes)
					out->gap_bytes = (uint64_t)json_integer_value(g);
				/* WAL not replayed, but every transaction completed there was */
				if (json_integer_value(g) > 0 && !(json_is_integer(ux) && json_is_integer(sx) &&
				    json_integer_value(ux) <= json_integer_value(sx)))
					out->gap_xacts = true;
			} else {
				all_gaps = false;
			}
			if (json_is_number(l) && json_number_value(l) > out->lag_s)
				out->lag_s = json_number_value(l);
		} else if (str_eq(e, "rpo_diverged")) {
			const json_t *lb = json_object_get(ev, "lost_bytes");

			if (json_is_true(json_object_get(ev, "reachable")) && json_is_integer(lb)) {
				uint64_t v = (uint64_t)json_integer_value(lb);
				const json_t *lx = json_object_get(ev, "lost_xacts");

				if (json_is_integer(lx) && json_integer_value(lx) == 0) {
					if (v > out->wal_only_bytes)
						out->wal_only_bytes = v;
					v = 0;	/* WAL without a transaction: no data */
				}
				if (json_is_integer(lx) && v > 0 && json_integer_value(lx) > out->lost_xacts)
					out->lost_xacts = json_integer_value(lx);

				out->old_checked = true;
				lost_known = true;
				if (v > out->lost_bytes) {
					out->lost_bytes = v;
					out->lost_seen_ms = t;
					snprintf(out->old_host, sizeof out->old_host, "%s", ev_str(ev, "upstream"));
					snprintf(out->old_lsn, sizeof out->old_lsn, "%s", ev_str(ev, "lsn"));
					snprintf(out->switch_lsn, sizeof out->switch_lsn, "%s",
						 ev_str(ev, "switch_lsn"));
				}
			}
		} else if ((st = step_by_id(rb, ev_str(ev, "step"))) != NULL && st->fences &&
			   (size_t)(st - rb->steps) < 64) {
			int *fs = &fence_state[st - rb->steps];
			const char *reason = ev_str(ev, "reason");

			if (str_eq(e, "step_end"))
				*fs = json_is_true(json_object_get(ev, "ok")) ? 0 : 1;
			else if (str_eq(e, "skip") && !str_eq(reason, "condition false") &&
				 (reason == NULL || strncmp(reason, "dry-run", 7) != 0))
				*fs = 1;
			else if (str_eq(e, "decision") && str_eq(ev_str(ev, "decision"), "skip"))
				*fs = 1;
			else if (str_eq(e, "decision") && str_eq(ev_str(ev, "decision"), "mark_done"))
				*fs = 0;
		}
	}
	for (size_t k = 0; k < rb->n_steps && k < 64; k++)
		if (fence_state[k] == 1) {
			snprintf(out->fence_failed, sizeof out->fence_failed, "%s", rb->steps[k].id);
			break;
		}
	out->gap_measured = any_cut && all_gaps;
	(void)lost_known;

	/* the exposure at the cut */
	if (out->gap_measured && (out->gap_bytes == 0 || !out->gap_xacts)) {
		base = 0;
		snprintf(out->basis, sizeof out->basis, out->gap_bytes == 0 ?
			 "zero lag confirmed at the cut (standby replayed all of its upstream's WAL)" :
			 "zero lag confirmed at the cut (standby replayed every transaction its "
			 "upstream completed)");
	} else if (out->gap_measured && out->lag_s >= 0) {
		base = out->lag_s;
		fmt_s(d1, sizeof d1, base);
		snprintf(out->basis, sizeof out->basis, "replay lag %s at the cut (%" PRIu64 " bytes of "
			 "WAL not replayed)", d1, out->gap_bytes);
	} else if (out->estimate_s >= 0 && rb->model != RB_MODEL_FAILBACK) {
		base = out->estimate_s;
		snprintf(out->basis, sizeof out->basis, "estimate when replication ended%s",
			 out->gap_measured ? "" : " (the upstream's WAL position was not read at the cut)");
	} else {
		base = -1;
		snprintf(out->basis, sizeof out->basis, "%s", any_cut ?
			 "not measured: the lag at the cut could not be read" :
			 out->estimate_s >= 0 ? "not measured: no lag read at the switchover" :
			 "not measured: no cut journaled");
	}
	if (out->lost_bytes > 0) {
		double after = out->cut_ms > 0 && out->lost_seen_ms > out->cut_ms ?
			       (double)(out->lost_seen_ms - out->cut_ms) / 1000.0 : 0;

		out->rpo_s = (base > 0 ? base : 0) + after;
		out->rpo_upper_bound = true;
		fmt_s(d1, sizeof d1, after);
		snprintf(out->basis, sizeof out->basis, "%" PRIu64 " bytes written to the old primary "
			 "after the cut did not make it (seen %s after the cut; at most that much data)",
			 out->lost_bytes, d1);
	} else if (out->fence_failed[0] != '\0' && !out->old_checked) {
		out->rpo_s = -1;
		snprintf(out->basis, sizeof out->basis, "not measured: fence step %s did not succeed and "
			 "the old primary was not checked after the cut, so writes after it cannot be "
			 "ruled out", out->fence_failed);
	} else {
		out->rpo_s = base;
		if (base >= 0 && out->old_checked) {
			memcpy(prev, out->basis, sizeof prev);
			snprintf(out->basis, sizeof out->basis, "%.180s; the old primary completed no "
				 "transaction after the cut", prev);
		}
	}
}
