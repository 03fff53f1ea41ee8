#!/usr/bin/env bash
# Runbooks on the lab, in line mode (`drconsole run`): read-only and --yes
# refusals, lint positions, dry-run executes nothing, a wrong typed
# confirmation is refused, the run lock, kill -9 mid-step and resume, a
# changed host key stops the step before anything runs, and (last) a full
# failover drill that really promotes the lab standby, with its report. The
# standby is rebuilt afterwards so later tests find it streaming.
#
# Typed confirmations without a terminal: the next line of stdin is the
# answer and must be exactly the expected word; anything else cancels.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/runbook-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths (env dirs, keys) still resolve
RB=$LAB_DIR/../../runbooks/lab/failover.yml
S_CTRL=${LAB_SECONDARY_PREFIX}.10
S_WEB=${LAB_SECONDARY_PREFIX}.12
ok() { echo "PASS: runbook $1"; }
ko() { echo "FAIL: runbook $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -12 | sed 's/^/    /'; }
cclogs() { cat "$LAB_DIR"/sites/*/commcare-cloud.log 2>/dev/null | md5sum; }
in_recovery() { psql -X -At -h "$LAB_PG_STANDBY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c "select pg_is_in_recovery()" 2>&1; }
jev() { grep -F "\"event\":\"$2\"" "$1" 2>/dev/null | grep -F "\"step\":\"$3\""; }	# journal, event, step
journal_of() { ls -t "$T"/state/runs/*-"$1".journal "$T"/state/runs/*-"$1"-[0-9]*.journal 2>/dev/null | head -1; }
cleanup() { rm -rf "$T" "$T".*yml "$LAB_DIR/locks"; }
trap cleanup EXIT

# the lab config, with this test's own state dir
# (and a longer SSH connect bound: on a loaded machine a fresh session that
# ends a timed-out or cancelled command can take more than the lab's 3 s)
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	"$LAB_CONFIG" > "$CFG"

# a small runbook whose steps run on the secondary's hosts (name: file stem)
mkrb() {	# file, then steps YAML on stdin
	{ printf 'name: %s\nmodel: replicated\nsteps:\n' "$(basename "$1" .yml)"; cat; } > "$1"
}

# ---- read-only: refused with the reason, exit 2, line mode included ----
out=$("$D" -c "$CFG" --read-only run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "read-only" && [ ! -d "$T/state/runs" ] \
	&& ok "--read-only refuses to run (exit 2, nothing journaled)" || ko "--read-only" "rc=$rc $out"
sed 's/^state_dir:/read_only: true\nstate_dir:/' "$CFG" > "$T.ro.yml"
out=$("$D" -c "$T.ro.yml" run "$RB" --dry-run 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -qF "read-only mode (read_only: true in $T.ro.yml): refused" \
	&& [ ! -e "$T/state/audit.log" ] \
	&& ok "config read_only refuses even a dry-run (the file named)" || ko "config read_only" "rc=$rc $out"

# ---- --yes only for drills against a drill_target ----
before=$(cclogs)
out=$("$D" -c "$CFG" run "$RB" --yes 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "only for drills" && [ "$(cclogs)" = "$before" ] \
	&& ok "--yes refused for a live run" || ko "--yes live" "rc=$rc $out"
sed 's/, drill_target: true//' "$CFG" > "$T.nodrill.yml"
out=$("$D" -c "$T.nodrill.yml" run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "drill_target" && [ "$(cclogs)" = "$before" ] \
	&& ok "--yes refused when the secondary is not a drill_target" || ko "--yes drill_target" "rc=$rc $out"

# ---- lint: unknown variables, hosts and groups with file:line:col ----
mkrb "$T/bad.yml" <<'EOF'
  - id: a
    on: secondary:nosuchgroup
    run: echo {{ secondary.env }} {{ nope }}
  - id: b
    on: primary:no-such-host.example
    run: echo {{ primary.nonsense }}
EOF
sed "s#^runbooks: .*#runbooks: [$T/bad.yml, $RB]#" "$CFG" > "$T.lint.yml"
out=$("$D" -c "$T.lint.yml" lint 2>&1); rc=$?
if [ $rc = 2 ] && printf '%s' "$out" | grep -q "bad.yml:5:9: error: step a: 'nosuchgroup' is neither a host nor a group" &&
   printf '%s' "$out" | grep -q "bad.yml:6:35: error: unknown variable 'nope'" &&
   printf '%s' "$out" | grep -q "bad.yml:8:9: error: step b: 'no-such-host.example' is neither a host nor a group" &&
   printf '%s' "$out" | grep -q "bad.yml:9:15: error: unknown variable 'primary.nonsense'" &&
   ! printf '%s' "$out" | grep -q "lab/failover.yml"; then
	ok "lint reports unknown variables, hosts and groups at file:line:col; the lab runbook is clean"
else
	ko "lint" "$out"
fi

# ---- dry-run: every command with its host, nothing executed ----
before=$(cclogs)
out=$("$D" -c "$CFG" run "$RB" --dry-run 2>&1 </dev/null); rc=$?
if [ $rc = 0 ] && [ "$(cclogs)" = "$before" ] && [ "$(in_recovery)" = t ] &&
   printf '%s' "$out" | grep -q "^\[DRY-RUN\] Step 9/17 promote" &&
   printf '%s' "$out" | grep -q "on $LAB_PG_STANDBY_HOST (.*@$LAB_PG_STANDBY_HOST:$LAB_SSH_PORT), as root" &&
   printf '%s' "$out" | grep -q 'command: pg_ctlcluster [0-9]* "$DRLAB_PG_CLUSTER" promote' &&
   printf '%s' "$out" | grep -q "GO     standby-healthy" &&
   [ ! -d "$LAB_DIR/locks/drconsole-backup-labprod.lock" ]; then
	ok "dry-run shows every command with its host, evaluates probe checks, executes nothing"
else
	ko "dry-run" "rc=$rc $(cclogs) $before $(in_recovery) $out"
fi

# a configured runbook by name (the production one: cluster "main")
out=$("$D" -c "$CFG" run failover --dry-run 2>&1 </dev/null); rc=$?
[ $rc = 0 ] && printf '%s' "$out" | grep -q "command: pg_ctlcluster [0-9]* main promote" && [ "$(cclogs)" = "$before" ] \
	&& ok "RUNBOOK may be the name of a configured runbook" || ko "runbook by name" "rc=$rc $out"
out=$("$D" -c "$CFG" run no-such-runbook --dry-run 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "no runbook file or configured runbook named 'no-such-runbook'" \
	&& ok "an unknown runbook is a usage error" || ko "unknown runbook" "rc=$rc $out"

# ---- a wrong typed confirmation is refused (stdin from a pipe) ----
mkrb "$T/typed.yml" <<EOF
  - id: hello
    on: secondary:control
    run: echo hello
  - id: wipe
    on: secondary:control
    run: touch $T/wiped
    destructive: true
EOF
out=$(printf 'y\nbackup-labpro\n' | "$D" -c "$CFG" run "$T/typed.yml" 2>&1); rc=$?
out2=$(printf '2\n\n' | "$D" -c "$CFG" run "$T/typed.yml" 2>&1); rc2=$?
j=$(journal_of typed)
if [ $rc = 1 ] && [ ! -e "$T/wiped" ] && printf '%s' "$out" | grep -q "does not match: cancelled" &&
   printf '%s' "$out" | grep -q "Type the environment name 'backup-labprod'" &&
   [ $rc2 = 1 ] && printf '%s' "$out2" | grep -q "does not match: cancelled" &&
   ! jev "$j" step_start wipe | grep -q . &&
   grep -q '"event":"confirm","step":"wipe","kind":"typed","answer":false' "$T/state/audit.log"; then
	ok "a wrong or empty typed confirmation cancels the destructive step (nothing run; audited)"
else
	ko "typed confirmation" "rc=$rc rc2=$rc2 $out $out2"
fi
out=$(printf '2\nbackup-labprod\n' | "$D" -c "$CFG" run "$T/typed.yml" 2>&1); rc=$?
[ $rc = 0 ] && [ -e "$T/wiped" ] && ok "the exact environment name confirms it" || ko "typed exact" "rc=$rc $out"

# ---- ssh.command_timeout is the default step timeout; a step's own timeout wins ----
sed 's#^  connect_timeout: .*#&\n  command_timeout: 2s#' "$CFG" > "$T.cmdto.yml"
mkrb "$T/cmdtimeout.yml" <<EOF
  - id: own
    on: secondary:control
    run: sleep 4; touch $T/own-done
    timeout: 1h
  - id: default
    on: secondary:control
    run: sleep 30; touch $T/default-done
EOF
t0=$(date +%s)
out=$(printf 'y\ny\n' | "$D" -c "$T.cmdto.yml" run "$T/cmdtimeout.yml" 2>&1); rc=$?
el=$(( $(date +%s) - t0 ))
if [ $rc = 1 ] && [ -e "$T/own-done" ] && [ ! -e "$T/default-done" ] && [ $el -lt 25 ] &&
   printf '%s' "$out" | grep -q "timed out"; then
	ok "ssh.command_timeout (2s) ends a step without timeout:; timeout: 1h lets a 4 s step finish (${el}s)"
else
	ko "ssh.command_timeout" "rc=$rc ${el}s $out"
fi

# ---- a no-go preflight needs a typed override, which is journaled ----
mkrb "$T/nogo.yml" <<EOF
  - id: primary-standby
    check: { probe: pg_standby, site: primary }
  - id: act
    on: secondary:control
    run: touch $T/acted
EOF
out=$(printf 'go\n' | "$D" -c "$CFG" run "$T/nogo.yml" 2>&1); rc=$?
out2=$(printf 'override\ny\n3\ny\n' | "$D" -c "$CFG" run "$T/nogo.yml" 2>&1); rc2=$?
j=$(journal_of nogo)
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "NO-GO  *primary-standby" && printf '%s' "$out" | grep -q "Not overridden" &&
   [ $rc2 = 0 ] && [ -e "$T/acted" ] && ! printf '%s' "$out2" | grep -q "unfinished run" &&
   grep -q '"event":"override"' "$j" && jev "$j" decision primary-standby | grep -q '"decision":"skip"'; then
	ok "a no-go preflight stops the run unless 'override' is typed (journaled); a failed check can be skipped"
else
	ko "preflight override" "rc=$rc rc2=$rc2 $out $out2"
fi

# ---- timeout kills the step; on_failure: continue moves on, journaled ----
mkrb "$T/slow.yml" <<EOF
  - id: slow
    on: secondary:control
    run: sleep 5; touch $T/slow-finished
    timeout: 1s
    on_failure: continue
  - id: after
    on: secondary:control
    run: touch $T/after-ran
EOF
s0=$(date +%s)
out=$("$D" -c "$CFG" run "$T/slow.yml" --drill --yes 2>&1 </dev/null); rc=$?
s1=$(date +%s)
sleep 4.5
j=$(journal_of slow)
if [ $rc = 0 ] && [ -e "$T/after-ran" ] && [ ! -e "$T/slow-finished" ] &&
   printf '%s' "$out" | grep -q "timed out after 1000ms" &&
   jev "$j" step_end slow | grep -q '"ok":false' && jev "$j" skip slow | grep -q "on_failure: continue"; then
	ok "a step past its timeout is killed on the host; on_failure: continue goes on (journaled)"
else
	ko "timeout / on_failure continue" "rc=$rc $((s1 - s0))s $out"
fi

# ---- Ctrl-C (SIGINT) mid-step cancels the command on its host ----
mkrb "$T/intr.yml" <<EOF
  - id: long
    on: secondary:control
    run: sleep 7.31; touch $T/long-finished
EOF
"$D" -c "$CFG" run "$T/intr.yml" --drill --yes > "$T/intr.out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do jev "$(journal_of intr)" step_start long | grep -q . && break; sleep 0.1; done
sleep 0.5
kill -INT $pid; wait $pid; rc=$?
for _ in $(seq 50); do pgrep -f "sleep 7.31" >/dev/null || break; sleep 0.1; done
j=$(journal_of intr)
if [ $rc = 1 ] && grep -q "$S_CTRL: cancelled" "$T/intr.out" && ! pgrep -f "sleep 7.31" >/dev/null &&
   jev "$j" step_end long | grep -q '"ok":false' && [ ! -d "$LAB_DIR/locks/drconsole-backup-labprod.lock" ]; then
	ok "Ctrl-C mid-step kills the command on the host, journals the failure and releases the lock"
else
	ko "SIGINT" "rc=$rc $(cat "$T/intr.out") $(pgrep -af 'sleep 7.31')"
fi

# ---- the run lock; kill -9 mid-step; resume needs a decision ----
mkrb "$T/sleepy.yml" <<EOF
  - id: first
    on: secondary:control
    run: echo one >> $T/first.count
  - id: nap
    on: secondary:control
    run: echo start >> $T/nap.count; sleep 6
  - id: last
    on: secondary:control
    run: echo done
EOF
"$D" -c "$CFG" run "$T/sleepy.yml" --drill --yes > "$T/sleepy.out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do [ -s "$T/nap.count" ] && break; sleep 0.1; done	# the command runs on the host
mkrb "$T/other.yml" <<EOF
  - id: x
    on: secondary:control
    run: touch $T/other-ran
EOF
out=$("$D" -c "$CFG" run "$T/other.yml" --drill --yes 2>&1 </dev/null); rc=$?
if [ $rc = 2 ] && [ ! -e "$T/other-ran" ] && printf '%s' "$out" | grep -q "is held by user=$(id -un) host=.* run=.*-sleepy" &&
   printf '%s' "$out" | grep -q "Another run holds the lock"; then
	ok "a second run cannot take the lock (the holder is named)"
else
	ko "lock" "rc=$rc $out $(cat "$T/sleepy.out")"
fi
sleep 0.5
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
sleep 6.5	# let the orphaned remote sleep end
j=$(journal_of sleepy)
out=$(printf '' | "$D" -c "$CFG" run "$T/sleepy.yml" 2>&1); rc=$?	# end of input: cancel
out2=$(printf '2\n1\n' | "$D" -c "$CFG" run "$T/sleepy.yml" --drill 2>&1); rc2=$?	# resume, then stop
starts=$(jev "$j" step_start nap | wc -l)
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "An unfinished run of this runbook exists" &&
   printf '%s' "$out" | grep -q "interrupted  nap" &&
   [ $rc2 = 1 ] && printf '%s' "$out2" | grep -q "Step nap (.*) was INTERRUPTED" &&
   printf '%s' "$out2" | grep -q "taking it over" &&
   [ "$starts" = 1 ] && [ "$(wc -l < "$T/nap.count")" = 1 ]; then
	ok "after kill -9 the resumed run offers the interrupted step and does not re-run it without a decision"
else
	ko "resume after kill -9" "rc=$rc rc2=$rc2 starts=$starts $out $out2"
fi
out=$(printf '2\n4\ny\n' | "$D" -c "$CFG" run "$T/sleepy.yml" --drill 2>&1); rc=$?	# resume, skip, confirm last
if [ $rc = 0 ] && [ "$(wc -l < "$T/nap.count")" = 1 ] && [ "$(wc -l < "$T/first.count")" = 1 ] &&
   jev "$j" decision nap | grep -q '"decision":"skip"' &&
   "$D" -c "$CFG" runs | grep -q "$(basename "$j" .journal) .*drill .*completed"; then
	ok "a decision (skip) lets the resumed run finish; no step ran twice"
else
	ko "resume decision" "rc=$rc $out"
fi

# ---- SIGHUP (the operator's connection drops) mid-step: the step finishes and is journaled ----
mkrb "$T/hup.yml" <<EOF
  - id: long
    on: secondary:control
    run: sleep 2; echo finished >> $T/hup.mark
  - id: after
    on: secondary:control
    run: echo after >> $T/hup.mark
EOF
mkfifo "$T/hup.in"
( printf 'y\n'; sleep 8 ) > "$T/hup.in" &
feeder=$!
"$D" -c "$CFG" run "$T/hup.yml" < "$T/hup.in" > "$T/hup.out" 2>&1 &
pid=$!
j=""
for _ in $(seq 100); do
	j=$(journal_of hup)
	[ -n "$j" ] && jev "$j" step_start long | grep -q . && break
	sleep 0.1
done
kill -HUP $pid 2>/dev/null
sleep 0.3
kill $feeder 2>/dev/null	# end of input for the next prompt
wait $pid; rc=$?
if [ $rc = 1 ] && grep -qx finished "$T/hup.mark" && ! grep -q after "$T/hup.mark" &&
   jev "$j" step_end long | grep -q '"ok":true' && [ ! -d "$LAB_DIR/locks/drconsole-backup-labprod.lock" ]; then
	ok "SIGHUP mid-step: the step finishes and is journaled, the run stops at the next prompt and releases the lock"
else
	ko "SIGHUP in line mode" "rc=$rc $(cat "$T/hup.out")"
fi

# ---- a stale lock (no heartbeat for over an hour) breaks only with a typed 'break' ----
L=$LAB_DIR/locks/drconsole-backup-labprod.lock
mkdir -p "$L" && echo "user=someone host=gone since=yesterday run=old" > "$L/holder" && touch -d '2 hours ago' "$L/holder"
out=$(printf 'yes\n' | "$D" -c "$CFG" run "$T/other.yml" --drill 2>&1); rc=$?
held=$(cat "$L/holder" 2>/dev/null); ran_before=$([ -e "$T/other-ran" ] && echo yes || echo no)
out2=$(printf 'break\ny\n' | "$D" -c "$CFG" run "$T/other.yml" --drill 2>&1); rc2=$?
if [ $rc = 2 ] && printf '%s' "$out" | grep -q "held by user=someone host=gone" && printf '%s' "$out" | grep -q "looks stale" &&
   [ "$held" = "user=someone host=gone since=yesterday run=old" ] && [ "$ran_before" = no ] &&
   [ $rc2 = 0 ] && [ -e "$T/other-ran" ] && grep -q '"event":"lock_broken"' "$T/state/audit.log"; then
	ok "a stale lock is broken only after typing 'break' (audited)"
else
	ko "stale lock" "$out $out2 rc=$rc rc2=$rc2 held=$held"
fi
rm -rf "$L"

# ---- a changed host key stops the step before anything runs ----
mkrb "$T/hostkey.yml" <<EOF
  - id: on-web
    on: secondary:webworkers
    run: touch $T/web-ran
    on_failure: stop
EOF
"$LAB_SH" rekey "$S_WEB" >/dev/null 2>&1
out=$("$D" -c "$CFG" run "$T/hostkey.yml" --drill --yes 2>&1 </dev/null); rc=$?
"$LAB_SH" restore-key "$S_WEB" >/dev/null 2>&1
if [ $rc = 1 ] && [ ! -e "$T/web-ran" ] && printf '%s' "$out" | grep -qi "changed" &&
   printf '%s' "$out" | grep -q "SHA256:"; then
	ok "a changed host key stops the step before the command runs (fingerprint shown)"
else
	ko "changed host key" "rc=$rc $out"
fi

# ---- `when: SITE.reachable` (a TCP connect) and verify.sql (the probe layer's PostgreSQL
# client) on the target: a true result, and a server error on one line (retried 15 s) ----
mkrb "$T/sql.yml" <<'EOF'
  - id: not-reachable
    when: not secondary.reachable
    manual: never asked
  - id: sql-true
    when: primary.reachable
    on: secondary:pg_standby
    run: "true"
    verify: { sql: select pg_is_in_recovery() }
  - id: sql-error
    on: secondary:pg_standby
    run: "true"
    verify: { sql: "select 1/0" }
    on_failure: stop
EOF
out=$("$D" -c "$CFG" run "$T/sql.yml" --drill --yes 2>&1 </dev/null); rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "skipped: when not secondary.reachable is not true" &&
   printf '%s' "$out" | grep -q "^  verify: select pg_is_in_recovery() on [^ ]*: true$" &&
   printf '%s' "$out" | grep -q "sql-true done" &&
   printf '%s' "$out" | grep -q "^  verify: select 1/0 on [^ ]*: ERROR: *division by zero$" &&
   printf '%s' "$out" | grep -q "sql-error FAILED" &&
   grep -F '"verify_sql"' "$T/state/audit.log" | grep -qF '"ok":false'; then
	ok "when: SITE.reachable, and verify.sql on the target: true passes, a server error fails the step (audited)"
else
	ko "when reachable / verify.sql" "rc=$rc $out"
fi

# ---- LAST: the full failover drill promotes the lab standby for real ----
before=$(cclogs)
out=$("$D" -c "$CFG" run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
run=$(printf '%s' "$out" | sed -n 's/^\[DRILL\] Run \([^ ]*\) (drill) journal.*/\1/p' | head -1)
if [ $rc = 0 ] && [ "$(in_recovery)" = f ] && [ "$(cclogs)" != "$before" ] &&
   grep -q "backup-labprod downtime start -m DR failover" "$LAB_DIR/sites/secondary/commcare-cloud.log" &&
   printf '%s' "$out" | grep -q "Data-loss estimate if replication ends now" &&
   printf '%s' "$out" | grep -q "^\[DRILL\] Run .* complete"; then
	ok "failover drill (--drill --yes) promoted the standby (pg_is_in_recovery() = f)"
else
	ko "failover drill" "rc=$rc $(in_recovery) $out"
fi
rep=$("$D" -c "$CFG" report "$run" 2>&1); rc=$?
missing=""
for id in $(sed -n 's/^  - id: //p' "$RB"); do
	printf '%s' "$rep" | grep -q "| $id .*| done |" || missing="$missing $id"
done
if [ $rc = 0 ] && [ -z "$missing" ] && printf '%s' "$rep" | grep -q "^# Drill report" &&
   printf '%s' "$rep" | grep -q "RPO (data-loss exposure when replication ended) | [0-9]"; then
	ok "report lists every step as done, with achieved RTO and RPO"
else
	ko "report (missing:$missing)" "$rep"
fi
"$D" -c "$CFG" report "$run" -o "$T/report.md" >/dev/null 2>&1 && grep -q "promote (destructive)" "$T/report.md" \
	&& ok "report -o writes the file" || ko "report -o"

# put the standby back for the tests that follow
"$LAB_SH" rebuild-standby >/dev/null 2>&1
for _ in $(seq 50); do [ "$(in_recovery)" = t ] && break; sleep 0.2; done
[ "$(in_recovery)" = t ] && ok "standby rebuilt after the drill" || ko "rebuild standby" "$(in_recovery)"
