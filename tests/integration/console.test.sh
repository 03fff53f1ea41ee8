#!/usr/bin/env bash
# The console against the lab, in tmux: the PostgreSQL standby row shows
# streaming with its lag and a sparkline of recent samples, the RPO headline
# is OK; the detail view has the whole replication row; a stopped standby
# turns CRIT on screen after a refresh, and streams again once restarted.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR
if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: console lab (tmux is not installed)"
	exit 0
fi
. tests/e2e/lib.sh
trap e2e_cleanup EXIT
ok() { echo "PASS: console lab $1"; }
ko() { echo "FAIL: console lab $1"; screen 2>/dev/null | sed 's/^/    | /' | head -40; }
SB=$LAB_PG_STANDBY_HOST
PR=$LAB_PG_PRIMARY_HOST
row_re() { printf '%s' "$1" | sed 's/\./\\./g'; }
# a write on the primary, so the standby has something to replay (an idle
# standby that was just restarted has no measurable lag yet)
tick() {
	runuser -u postgres -- psql -X -q -h "$LAB_DIR/pg/primary" -p "$LAB_PG_PORT" -d postgres \
		-c "create table if not exists console_test_tick (t timestamptz); insert into console_test_tick values (now())" \
		>/dev/null 2>&1
}
tick

start 200 40 "$D -c $LAB_CONFIG --log $E2E_TMP/console.log"
if wait_for "SECONDARY backup-labprod" 5 &&
   wait_re "✔ OK +$(row_re "$SB") +streaming +[0-9.]+s" 12; then
	ok "standby $SB row: OK streaming with its lag"
else
	ko "standby streaming row"
fi
if wait_re "RPO 15m: exposure [0-9.]+s \(postgres\) ✔ OK" 5; then
	ok "RPO headline: exposure against the objective, OK"
else
	ko "RPO headline"
fi
if screen | grep -qE "OK +$(row_re "$PR") slot standby1 +streaming"; then
	ok "primary $PR: slot standby1 streaming"
else
	ko "primary slot row"
fi
# two more samples for the sparkline
keys r
sleep 1.2
keys r
spark=0
for _ in $(seq 40); do
	screen | grep -E "$(row_re "$SB") +streaming" | grep -q "[▁▂▃▄▅▆▇█]" && { spark=1; break; }
	sleep 0.1
done
[ $spark = 1 ] && ok "standby row carries a sparkline of recent lag samples" || ko "sparkline"

keys Tab g Enter
if wait_for "receiver_status" 3 && has "standby1" && has "rpo_kind" && has "history " &&
   has "sender_host" && has "replay_lsn"; then
	ok "Enter on the standby: the full replication row with every field"
else
	ko "standby detail"
fi
keys Escape
wait_gone "receiver_status" 2

"$LAB_SH" stop-standby >/dev/null 2>&1
keys r
if wait_re "✖ CRIT +$(row_re "$SB") " 10 && wait_for "✖ CRIT   RTO" 3; then
	ok "stopped standby: CRIT on screen after a refresh, RPO headline CRIT"
else
	ko "stopped standby"
fi
"$LAB_SH" start-standby >/dev/null 2>&1
streaming=0
for _ in $(seq 30); do
	tick
	keys r
	sleep 1
	screen | grep -qE "✔ OK +$(row_re "$SB") +streaming" && { streaming=1; break; }
done
[ $streaming = 1 ] && ok "restarted standby: streaming again on screen" || ko "standby back"
keys q
if wait_for "__EXIT__ 0" 10; then ok "q quits"; else ko "q quits"; fi
