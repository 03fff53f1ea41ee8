#!/usr/bin/env bash
# A timed-out step is "killed" only when the kill is confirmed on its host:
#  - a normal timeout: the command is ended and seen gone ("killed:
#    confirmed gone"); it never finishes;
#  - a timeout while the host's sshd is frozen (the step's own command
#    SIGSTOPs its host's listening sshd, so the kill cannot reconnect): the
#    step's outcome is UNKNOWN, with the host and remote pid, journaled as
#    such, never "killed"; the command really goes on. Resumed, the decision
#    offers to check and wait, finds the command gone once it ends, and only
#    then offers a re-run; marked done, the command ran exactly once.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/kill-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
S_WEB=${LAB_SECONDARY_PREFIX}.12
LISTENER=$LAB_DIR/run/sshd-$S_WEB.pid
ok() { echo "PASS: kill $1"; }
ko() { echo "FAIL: kill $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -15 | sed 's/^/    /'; }
jev() { grep -F "\"event\":\"$2\"" "$1" 2>/dev/null | grep -F "\"step\":\"$3\""; }	# journal, event, step
journal_of() { ls -t "$T"/state/runs/*-"$1".journal 2>/dev/null | head -1; }
thaw() { [ -f "$LISTENER" ] && kill -CONT "$(cat "$LISTENER")" 2>/dev/null; }
cleanup() { thaw; rm -rf "$T" "$T".yml "$LAB_DIR/locks"; }
trap cleanup EXIT
mkrb() {	# file, then steps YAML on stdin
	{ printf 'name: %s\nmodel: replicated\nsteps:\n' "$(basename "$1" .yml)"; cat; } > "$1"
}
# the lab config (3 s SSH connect bound) with this test's own state dir
sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG" > "$CFG"

# ---- a normal timeout: the kill works and is confirmed ----
mkrb "$T/gone.yml" <<EOF
  - id: slow
    on: secondary:$S_WEB
    run: sleep 6.17; touch $T/gone-finished
    timeout: 1s
    on_failure: stop
EOF
out=$("$D" -c "$CFG" run "$T/gone.yml" --drill --yes 2>&1 </dev/null); rc=$?
j=$(journal_of gone)
sleep 6
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "$S_WEB: timed out after 1000ms (killed: confirmed gone)" &&
   ! printf '%s' "$out" | grep -q "UNKNOWN" && [ ! -e "$T/gone-finished" ] && ! pgrep -f "sleep 6.17" >/dev/null &&
   jev "$j" step_end slow | grep -q '"ok":false' && ! jev "$j" step_end slow | grep -q '"outcome"'; then
	ok "a timed-out command is killed and confirmed gone on its host"
else
	ko "confirmed kill" "rc=$rc $out $(pgrep -af 'sleep 6.17')"
fi

# ---- a timeout while the host's sshd is frozen: UNKNOWN, not killed ----
mkrb "$T/frozen.yml" <<EOF
  - id: long
    on: secondary:$S_WEB
    run: kill -STOP \$(cat $LISTENER); echo start >> $T/frozen.count; sleep 14.3; echo end >> $T/frozen.count
    timeout: 2s
EOF
out=$("$D" -c "$CFG" run "$T/frozen.yml" --drill --yes 2>&1 </dev/null); rc=$?
j=$(journal_of frozen)
running=$(pgrep -f "sleep 14.3" | head -1)
count=$(cat "$T/frozen.count" 2>/dev/null)
thaw
pid=$(jev "$j" step_end long | python3 -c 'import json,sys; e=json.loads(sys.stdin.readline()); print(e["remote"][0]["pid"])' 2>/dev/null)
if [ $rc = 1 ] && [ -n "$running" ] && [ "$count" = start ] && [ -n "$pid" ] && [ "$pid" -gt 1 ] &&
   ! printf '%s' "$out" | grep -q "(killed" &&
   printf '%s' "$out" | grep -q "$S_WEB: timed out after 2000ms; outcome UNKNOWN: the kill was not confirmed, the command may still be running on $S_WEB (remote pid $pid)" &&
   printf '%s' "$out" | grep -q "long: outcome UNKNOWN after" &&
   printf '%s' "$out" | grep -q "Re-running it now could run it twice" &&
   jev "$j" step_end long | grep -q '"outcome":"unknown"'; then
	ok "a timeout with the host's sshd frozen is UNKNOWN (host and remote pid $pid named), not killed; the command goes on"
else
	ko "frozen sshd: UNKNOWN" "rc=$rc running=$running count=$count pid=$pid $out"
fi

# resumed: check and wait (it ends by itself), then mark done; it ran once
out=$(printf '2\n2\n3\n' | "$D" -c "$CFG" run "$T/frozen.yml" --drill 2>&1); rc=$?
j=$(journal_of frozen)
if [ $rc = 0 ] && [ "$(cat "$T/frozen.count" 2>/dev/null | tr '\n' ' ')" = "start end " ] &&
   printf '%s' "$out" | grep -q "Step long (long): outcome UNKNOWN" &&
   printf '%s' "$out" | sed -n '/outcome UNKNOWN\. Its command/,/^choice/p' | grep -q "2) check whether it still runs, and wait for it to end" &&
   ! printf '%s' "$out" | sed -n '/outcome UNKNOWN\. Its command/,/^choice/p' | grep -q "re-run it" &&
   printf '%s' "$out" | grep -q "$S_WEB: remote pid $pid is gone" &&
   printf '%s' "$out" | grep -q "no longer running on $S_WEB (remote pid $pid), but its exit status was not seen" &&
   jev "$j" remote_check long | grep -q '"running":false' &&
   jev "$j" decision long | grep -q '"decision":"mark_done"'; then
	ok "resumed, the check waits until the command ends on its host, then it is marked done (it ran once)"
else
	ko "check and wait" "rc=$rc count=$(cat "$T/frozen.count" 2>/dev/null | tr '\n' ' ') $out"
fi
