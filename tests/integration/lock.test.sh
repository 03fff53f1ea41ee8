#!/usr/bin/env bash
# The run lock on the lab, in line mode (`drconsole run`): the heartbeat is
# kept fresh while a step outlives the stale limit, and a second operator's
# `break` is refused, and a run whose lock is taken away stops before its
# next step; a fresh lock from another machine is never broken, a
# stale one only with `break`; a holder whose process runs on this machine
# is never stale; abandoning a run killed mid-step passes its lock to the
# new run at once, and is refused while the old run still runs; an odd
# deploy_env keeps the lock inside the lock directory.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/lock-test.XXXXXX")
CFG=$T.yml		# default stale limit (10m)
SHORT=$T.short.yml	# lock_stale_after: 2s
OTHER=$T.other.yml	# a second operator: own state dir
L=$LAB_DIR/locks/drconsole-backup-labprod.lock
ok() { echo "PASS: lock $1"; }
ko() { echo "FAIL: lock $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -15 | sed 's/^/    /'; }
journal_of() { ls -t "$T"/state/runs/*-"$1".journal 2>/dev/null | head -1; }
age() { echo $(( $(date +%s) - $(stat -c %Y "$1") )); }
wait_for() { for _ in $(seq 150); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T" "$T".*yml "$T.yml" "$LAB_DIR/locks" "$LAB_DIR/escape.lock"
}
trap cleanup EXIT

sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	"$LAB_CONFIG" > "$CFG"
sed 's/^lock_dir:/lock_stale_after: 2s\nlock_dir:/' "$CFG" > "$SHORT"
sed "s#^state_dir: .*#state_dir: $T/other-state#" "$SHORT" > "$OTHER"

mkrb() {	# file, then steps YAML on stdin
	{ printf 'name: %s\nmodel: replicated\nsteps:\n' "$(basename "$1" .yml)"; cat; } > "$1"
}
mkrb "$T/other.yml" <<RB
  - id: x
    on: secondary:control
    run: touch $T/other-ran
RB

# ---- a step longer than the stale limit: the heartbeat stays fresh, `break` is refused ----
mkrb "$T/long.yml" <<RB
  - id: nap
    on: secondary:control
    run: echo start >> $T/long.count; sleep 7
  - id: last
    on: secondary:control
    run: echo done >> $T/long.count
RB
"$D" -c "$SHORT" run "$T/long.yml" --drill --yes > "$T/long.out" 2>&1 </dev/null &
pid=$!; pids="$pids $pid"
wait_for "$T/long.count"
sleep 4		# twice the stale limit, inside the step
a=$(age "$L/holder" 2>/dev/null || echo missing)
out=$(printf 'break\ny\n' | "$D" -c "$OTHER" run "$T/other.yml" --drill 2>&1); rc=$?
held=$(cat "$L/holder" 2>/dev/null)
wait $pid; rca=$?
# refreshed every 0.5 s (a quarter of the limit); the lock was taken over 4 s ago
if [ "$a" != missing ] && [ "$a" -lt 3 ] && [ $rc != 0 ] && [ ! -e "$T/other-ran" ] &&
   printf '%s' "$out" | grep -q "held by user=$(id -un) host=.* pid=$pid .*run=.*-long" &&
   printf '%s' "$out" | grep -q "running on this machine: the lock cannot be broken" &&
   printf '%s' "$held" | grep -q "pid=$pid .*run=.*-long" &&
   [ $rca = 0 ] && grep -q "done" "$T/long.count" && [ ! -d "$L" ]; then
	ok "a step longer than the stale limit keeps the heartbeat fresh (${a}s); 'break' is refused; the run completes"
else
	ko "heartbeat during a step" "age=$a rc=$rc rca=$rca held=$held $out $(cat "$T/long.out")"
fi

# ---- a lock taken away mid-step: the run stops before the next step ----
mkrb "$T/lost.yml" <<RB
  - id: nap
    on: secondary:control
    run: echo start >> $T/lost.count; sleep 3
  - id: last
    on: secondary:control
    run: echo done >> $T/lost.done
RB
"$D" -c "$SHORT" run "$T/lost.yml" --drill --yes > "$T/lost.out" 2>&1 </dev/null &
pid=$!; pids="$pids $pid"
wait_for "$T/lost.count"
rm -rf "$L"
wait $pid; rc=$?
if [ $rc = 1 ] && [ ! -e "$T/lost.done" ] && grep -q "run lock: it is no longer ours" "$T/lost.out"; then
	ok "a lock removed mid-step (broken elsewhere) stops the run before its next step"
else
	ko "lock lost mid-step" "rc=$rc $(cat "$T/lost.out")"
fi

# ---- a lock from another machine: fresh is never broken, stale only with 'break' ----
mkdir -p "$L" && echo "user=someone host=elsewhere.example boot=0123456789ab pid=4242 pstart=1 since=now run=theirs" > "$L/holder"
# the other machine's run is alive: it keeps its heartbeat fresh (a slow start
# under a sanitizer must not see a 2 s old heartbeat as stale)
( while [ -e "$L/holder" ]; do touch "$L/holder" 2>/dev/null; sleep 0.3; done ) & beat=$!
out=$(printf 'break\ny\n' | "$D" -c "$OTHER" run "$T/other.yml" --drill 2>&1); rc=$?
kill $beat 2>/dev/null; wait $beat 2>/dev/null
held=$(cat "$L/holder" 2>/dev/null)
touch -d '10 seconds ago' "$L/holder"
out2=$(printf 'break\ny\n' | "$D" -c "$OTHER" run "$T/other.yml" --drill 2>&1); rc2=$?
if [ $rc != 0 ] && printf '%s' "$out" | grep -q "heartbeat is fresh" && ! printf '%s' "$out" | grep -q "looks stale" &&
   printf '%s' "$held" | grep -q "run=theirs" &&
   [ $rc2 = 0 ] && printf '%s' "$out2" | grep -q "looks stale" && [ -e "$T/other-ran" ] &&
   grep -q '"event":"lock_broken"' "$T/other-state/audit.log"; then
	ok "another machine's lock: fresh is refused whatever is typed; stale (10s > 2s) breaks with 'break'"
else
	ko "another machine's lock" "rc=$rc rc2=$rc2 held=$held $out $out2"
fi
rm -rf "$L" "$T/other-ran"

# ---- a holder whose process runs on this machine is never stale ----
sleep 60 & sleeper=$!; pids="$pids $sleeper"
boot=$(tr -d - < /proc/sys/kernel/random/boot_id | cut -c1-12)
pstart=$(awk '{print $22}' "/proc/$sleeper/stat")
mkdir -p "$L" && echo "user=someone host=$(hostname) boot=$boot pid=$sleeper pstart=$pstart since=then run=alive" > "$L/holder"
touch -d '2 hours ago' "$L/holder"
out=$(printf 'break\ny\n' | "$D" -c "$OTHER" run "$T/other.yml" --drill 2>&1); rc=$?
held=$(cat "$L/holder" 2>/dev/null)
kill $sleeper; wait $sleeper 2>/dev/null
out2=$(printf 'break\ny\n' | "$D" -c "$OTHER" run "$T/other.yml" --drill 2>&1); rc2=$?
if [ $rc != 0 ] && printf '%s' "$out" | grep -q "running on this machine: the lock cannot be broken" &&
   printf '%s' "$held" | grep -q "run=alive" && [ $rc2 = 0 ] && printf '%s' "$out2" | grep -q "looks stale" &&
   [ -e "$T/other-ran" ]; then
	ok "a holder running on this machine is never stale (2 h without heartbeat); once it is gone, 'break' works"
else
	ko "holder alive on this machine" "rc=$rc rc2=$rc2 held=$held $out $out2"
fi
rm -rf "$L" "$T/other-ran"

# ---- abandon while the old run still runs: refused, its journal untouched ----
mkrb "$T/crash.yml" <<RB
  - id: nap
    on: secondary:control
    run: echo start >> $T/crash.count; sleep 5
  - id: last
    on: secondary:control
    run: echo done >> $T/crash.done
RB
"$D" -c "$CFG" run "$T/crash.yml" --drill --yes > "$T/crash.out" 2>&1 </dev/null &
pid=$!; pids="$pids $pid"
wait_for "$T/crash.count"
j=$(journal_of crash)
out=$(printf '3\ny\ny\n' | "$D" -c "$CFG" run "$T/crash.yml" --drill 2>&1); rc=$?
if [ $rc != 0 ] && printf '%s' "$out" | grep -q "still running on this machine" &&
   printf '%s' "$out" | grep -q "Not abandoning" && ! grep -q '"abandoned"' "$j" &&
   grep -q "pid=$pid " "$L/holder"; then
	ok "abandoning a run whose process still runs is refused (journal and lock untouched)"
else
	ko "abandon a live run" "rc=$rc $out"
fi

# ---- kill -9 mid-step, then abandon: the new run gets the lock at once ----
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
out=$(printf '3\ny\ny\n' | "$D" -c "$CFG" run "$T/crash.yml" --drill 2>&1); rc=$?
if [ $rc = 0 ] && printf '%s' "$out" | grep -q "held by the run being abandoned" &&
   printf '%s' "$out" | grep -q "run lock .* taken on" && [ -s "$T/crash.done" ] &&
   grep '"event":"run_end"' "$j" | grep -q '"lock_released":true' &&
   grep '"event":"run_end"' "$j" | grep -q '"outcome":"abandoned"' &&
   grep -q '"event":"lock_takeover"' "$T/state/audit.log" && [ ! -d "$L" ]; then
	ok "abandon after kill -9 passes the lock to the new run (journaled with the abandon); it runs at once"
else
	ko "abandon after kill -9" "rc=$rc $out $(grep run_end "$j")"
fi
sleep 5	# the orphaned remote sleep

# ---- an odd deploy_env: the lock stays one entry of the lock directory ----
cp -a "$LAB_SECONDARY_ENV" "$T/odd-env"
sed -i 's#^deploy_env: .*#deploy_env: a/../../escape#' "$T/odd-env/meta.yml"
sed "s#env_dir: environments/backup-labprod#env_dir: $T/odd-env#" "$CFG" > "$T.odd.yml"
mkrb "$T/odd.yml" <<RB
  - id: look
    on: secondary:control
    run: ls -A $LAB_DIR/locks > $T/locks.ls
RB
rm -rf "$LAB_DIR/locks"
out=$("$D" -c "$T.odd.yml" run "$T/odd.yml" --drill --yes 2>&1 </dev/null); rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/locks.ls" 2>/dev/null)" = "drconsole-a%2F..%2F..%2Fescape.lock" ] &&
   [ ! -e "$LAB_DIR/escape.lock" ] && [ -z "$(ls -A "$LAB_DIR/locks" 2>/dev/null)" ]; then
	ok "deploy_env 'a/../../escape': the lock is one entry of the lock directory"
else
	ko "odd deploy_env" "rc=$rc ls=$(cat "$T/locks.ls" 2>/dev/null) escape=$(ls -d "$LAB_DIR"/escape.lock 2>&1) $out"
fi
