#!/usr/bin/env bash
# A standby restarted while the primary is quiet is caught up, not "lag
# unknown": a fresh standby that has replayed no transaction yet is
# restarted with no writes on the primary (its receive position is then the
# start of a WAL segment, behind its replay position), and `check` stays OK
# with the standby streaming at lag 0 and the RPO exposure known.
set -u
D=$DRCONSOLE
ok() { echo "PASS: quiet standby $1"; }
ko() { echo "FAIL: quiet standby $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }
sq() { psql -X -At -h "$LAB_PG_STANDBY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c "$1" 2>/dev/null; }
streaming() {
	for _ in $(seq 60); do
		[ "$(sq 'select status from pg_stat_wal_receiver')" = streaming ] && return 0
		sleep 0.5
	done
	return 1
}

# a fresh standby has replayed no transaction; restarted (once or twice: the
# first restart may resume exactly where replay stands) its receive position
# falls behind its replay position
"$LAB_SH" rebuild-standby >/dev/null 2>&1
streaming || ko "rebuilt standby does not stream"
for _ in 1 2 3; do
	"$LAB_SH" stop-standby >/dev/null 2>&1
	"$LAB_SH" start-standby >/dev/null 2>&1
	streaming || ko "restarted standby does not stream"
	sleep 1
	reading=$(sq "select pg_last_xact_replay_timestamp() is null, pg_last_wal_receive_lsn() < pg_last_wal_replay_lsn()")
	[ "$reading" = "t|t" ] && break
done
# the primary writes WAL of its own now and then (running transactions,
# checkpoints): for the moment a record is in flight the standby, which has
# still replayed no transaction, has a lag nobody can know. The steady state
# is what is checked: a few readings a second apart, one must be OK at lag 0.
steady() {
	out=$("$D" -c "$LAB_CONFIG" check 2>&1); rc=$?
	js=$("$D" -c "$LAB_CONFIG" status --json 2>/dev/null)
	why="check is not OK"
	[ $rc = 0 ] && printf '%s' "$out" | grep -q '^DRCONSOLE OK - RPO exposure .*(postgres via ' || return 1
	why=$(printf '%s' "$js" | python3 -c '
import json, os, sys
d = json.load(sys.stdin)
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
sb = o["secondary/pg/" + os.environ["LAB_PG_STANDBY_HOST"]]
assert sb["status"] == "ok" and sb["state"] == "streaming" and sb["value"] == 0, {k: sb.get(k) for k in ("status", "state", "value", "detail")}
assert d["rpo"]["stores"][0]["status"] == "ok", d["rpo"]["stores"][0]' 2>&1 | tail -1)
	[ -z "$why" ]
}
for _ in 1 2 3 4 5; do steady && break; sleep 1; done
# the restart does not always leave the receive position behind the replayed
# one; when it does not, that state is not exercised and is said so
[ "$reading" = "t|t" ] || echo "SKIP: quiet standby: after 3 restarts the receive position was not behind the replayed one ($reading): the state is not reproduced this time"
if [ -z "$why" ]; then
	ok "restarted with no writes$([ "$reading" = "t|t" ] && echo " (nothing replayed, received position behind the replayed one)"): check OK, lag 0"
else
	ko "restarted with no writes ($reading)" "rc=$rc $out
$why"
fi
