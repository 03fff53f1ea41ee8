#!/usr/bin/env bash
# Drill cadence (objectives.drill_every) against the lab: `check` warns when
# a configured runbook model has no completed drill within the cadence, says
# which, and is OK again once a drill of that model completed recently; the
# journals are the record. Each case has its own state dir.
set -u
D=$DRCONSOLE
ok() { echo "PASS: drills $1"; }
ko() { echo "FAIL: drills $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }
T=$LAB_DIR/drills-test
rm -rf "$T"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
umask 077

conf() {	# $1 = name, $2 = drill_every -> prints the config path (beside the lab's: relative paths resolve)
	local f=$LAB_DIR/drills-$1.yml
	sed -e "s#^objectives: .*#objectives: { rpo: 15m, rto: 2h, drill_every: $2 }#" \
	    -e "s#^state_dir: .*#state_dir: $T/$1#" "$LAB_CONFIG" > "$f"
	echo "$f"
}
journal() {	# $1 = state dir, $2 = run id, $3 = end (epoch s), $4 = outcome: a drill of the lab's failover runbook
	local end_ms=$(($3 * 1000)) rb
	rb=$(sed -n 's#^runbooks: \[[^,]*, *\(.*\)\]#\1#p' "$LAB_CONFIG")
	mkdir -p "$1/runs"
	chmod 700 "$1" "$1/runs"
	printf '%s\n' \
		"{\"event\":\"run_start\",\"runbook\":\"$rb\",\"name\":\"Failover\",\"model\":\"replicated\",\"mode\":\"drill\",\"user\":\"op\",\"seq\":1,\"t\":$((end_ms - 600000))}" \
		"{\"event\":\"run_end\",\"outcome\":\"$4\",\"seq\":2,\"t\":$end_ms}" > "$1/runs/$2.journal"
	chmod 600 "$1/runs/$2.journal"
}
now=$(date +%s)

c=$(conf never 90d)
out=$("$D" -c "$c" check 2>&1); rc=$?
if [ $rc = 1 ] && printf '%s\n' "$out" | grep -q '^DRCONSOLE WARNING - .*; 1 drill due;' &&
   printf '%s\n' "$out" | grep -qx 'WARN drill: failover drill due: never drilled (every 90d)'; then
	ok "check warns (exit 1) when the failover model was never drilled, and says which"
else
	ko "never drilled (rc=$rc)" "$out"
fi

c=$(conf old 90d)
journal "$T/old" 20260801-drill $((now - 100 * 86400)) completed
journal "$T/old" 20261201-failed $((now - 2 * 86400)) failed
out=$("$D" -c "$c" check 2>&1); rc=$?
if [ $rc = 1 ] && printf '%s\n' "$out" | grep -qx 'WARN drill: failover drill due: last 100 days ago (every 90d)'; then
	ok "check warns past the cadence (a failed drill since does not count)"
else
	ko "past the cadence (rc=$rc)" "$out"
fi

c=$(conf recent 90d)
journal "$T/recent" 20261120-drill $((now - 10 * 86400)) completed
out=$("$D" -c "$c" check 2>&1); rc=$?
m=$("$D" -c "$c" status --offline --format openmetrics 2>&1)
if [ $rc = 0 ] && ! printf '%s\n' "$out" | grep -q 'drill due' &&
   printf '%s\n' "$m" | grep -qx "drconsole_last_drill_timestamp_seconds{model=\"failover\"} $((now - 10 * 86400))"; then
	ok "check is OK with a drill completed 10 days ago; the metric has its end time"
else
	ko "recent drill (rc=$rc)" "$out
$m"
fi

c=$(conf off 0)
out=$("$D" -c "$c" check 2>&1); rc=$?
[ $rc = 0 ] && ! printf '%s\n' "$out" | grep -q 'drill' && ok "drill_every: 0 judges no cadence" ||
	ko "drill_every 0 (rc=$rc)" "$out"
rm -f "$LAB_DIR"/drills-{never,old,recent,off}.yml
