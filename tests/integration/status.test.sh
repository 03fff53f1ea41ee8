#!/usr/bin/env bash
# drconsole status/check against the lab: replication read correctly, a
# stopped standby is critical within one refresh with a clear message.
set -u
D=$DRCONSOLE
ok() { echo "PASS: status $1"; }
ko() { echo "FAIL: status $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -8 | sed 's/^/    /'; }
json() { "$D" -c "$LAB_CONFIG" status --json; }
field() { python3 -c "import json,os,sys; E=os.environ; d=json.load(sys.stdin); $1"; }

out=$("$D" -c "$LAB_CONFIG" lint 2>&1); rc=$?
[ $rc = 0 ] && ok "lint of the lab config is clean" || ko "lint" "$out"

out=$(json 2>&1)
if printf '%s' "$out" | field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
sb = o["secondary/pg/" + E["LAB_PG_STANDBY_HOST"]]; assert sb["state"] == "streaming", sb
assert sb["value"] < 5, sb
assert sb["fields"]["slot"] == "standby1", sb
sl = o["primary/pg/" + E["LAB_PG_PRIMARY_HOST"] + "/slot/standby1"]; assert sl["fields"]["active"] == "yes", sl
assert d["rpo"]["stores"][0]["status"] == "ok"' 2>/dev/null; then
	ok "standby streaming with lag near zero, slot active, RPO ok"
else
	ko "streaming standby" "$out"
fi

# under write load, lag and the independent psql reading agree on a positive WAL gap
"$LAB_SH" load 8 &
loadpid=$!
sleep 3
ours=$(json | field 'o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}; print(o["primary/pg/" + E["LAB_PG_PRIMARY_HOST"] + "/slot/standby1"]["fields"]["current_lsn"])')
theirs=$(psql -X -At -h "$LAB_PG_PRIMARY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c "select pg_current_wal_lsn()")
wait $loadpid
diffb=$(psql -X -At -h "$LAB_PG_PRIMARY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c "select pg_wal_lsn_diff('$theirs', '$ours')")
if [ -n "$ours" ] && [ -n "$diffb" ] && python3 -c "import sys; sys.exit(0 if 0 <= float('$diffb') < 64*1024*1024 else 1)"; then
	ok "WAL position under load agrees with psql (psql read $diffb bytes later)"
else
	ko "WAL under load" "ours=$ours psql=$theirs diff=$diffb"
fi

"$LAB_SH" stop-standby >/dev/null 2>&1
start=$(date +%s)
out=$(json 2>&1)
took=$(( $(date +%s) - start ))
if printf '%s' "$out" | field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
sb = o["secondary/pg/" + E["LAB_PG_STANDBY_HOST"]]; assert sb["status"] == "crit", sb
assert E["LAB_PG_STANDBY_HOST"] in sb["message"] or "connect" in sb["message"].lower(), sb
rpo = d["rpo"]["stores"][0]
bk = [x for x in o.values() if x["fields"].get("rpo_kind") == "backup" and "rpo_exposure_s" in x["fields"]]
if not bk:
    assert rpo["status"] == "crit", rpo
else:
    # an S3 backup is the recovery source left: its age, judged against the objective (rpo.h)
    best = min(bk, key=lambda x: float(x["fields"]["rpo_exposure_s"]))
    assert rpo["source"] == best["subject"] and rpo["exposure_s"] >= float(best["fields"]["rpo_exposure_s"]), (rpo, best)
    obj = d["objectives"]["rpo_s"]
    assert rpo["status"] == ("crit" if rpo["exposure_s"] > obj else "warn" if rpo["exposure_s"] > obj / 2 else "ok"), rpo' 2>/dev/null; then
	ok "a stopped standby is crit in one refresh (${took}s) with a clear message"
else
	ko "stopped standby" "$out"
fi
out=$("$D" -c "$LAB_CONFIG" check 2>&1); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q '^DRCONSOLE CRITICAL' && ok "check exits 2 CRITICAL with the standby down" || ko "check crit" "$out"
"$LAB_SH" start-standby >/dev/null 2>&1
for _ in $(seq 30); do
	[ "$(psql -X -At -h "$LAB_PG_STANDBY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c 'select status from pg_stat_wal_receiver' 2>/dev/null)" = streaming ] && break
	sleep 1
done
out=$("$D" -c "$LAB_CONFIG" check 2>&1); rc=$?
[ $rc = 0 ] && ok "check is OK again once the standby streams" || ko "check ok again" "$out"
