#!/usr/bin/env bash
# What a run leaves in place (undone_by): a drill whose step with
# `undone_by: resume` ran and which stopped before `resume` makes `check`
# warn, `status` name the run and the step and the console's header say so;
# resuming the run to its end clears it. A run that ends with `resume`
# skipped (its `when:` false, as the restore runbooks' resume-retention is
# when the primary is unreachable) leaves it too, until an operator says it
# was put back by hand (`put-back`, refused in read-only mode). A runbook
# whose undone_by names no later step is refused at its line:col.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/e2e/lib.sh
D=$DRCONSOLE
e2e_start "undone"
T=$(mktemp -d "$LAB_DIR/undone-test.XXXXXX")
CFG=$T.yml
ok() { echo "PASS: undone $1"; }
ko() { echo "FAIL: undone $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -14 | sed 's/^/    /'; }
cleanup() { e2e_cleanup; rm -rf "$T" "$T".yml; }
trap cleanup EXIT
undone_json() { "$D" -c "$CFG" status --offline --json 2>/dev/null | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["undone"]))'; }
sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG" > "$CFG"
cat > "$T/rb.yml" <<EOF
name: Pausing drill
model: restore
steps:
  - id: pause
    title: Pause the jobs
    undone_by: resume
    on: primary:control
    run: "touch $T/paused"
  - id: work
    on: secondary:control
    run: "test ! -e $T/fail"
    on_failure: stop
  - id: resume
    on: primary:control
    run: "rm -f $T/paused"
EOF
touch "$T/fail"
o1=$("$D" -c "$CFG" run "$T/rb.yml" --drill --yes 2>&1 </dev/null); r1=$?
run=$(printf '%s\n' "$o1" | drill_run_id)
c1=$("$D" -c "$CFG" check 2>&1); cr1=$?
j1=$(undone_json)
s1=$("$D" -c "$CFG" status --offline 2>&1)
if [ -e "$T/paused" ] && [ "$r1" != 0 ] && [ "$cr1" -ge 1 ] &&
   printf '%s' "$c1" | grep -q "^WARN undone: run $run (Pausing drill, drill) started step pause, and resume, which puts it back, has not run" &&
   printf '%s' "$c1" | head -1 | grep -q "1 step left undone by runs" &&
   [ "$j1" = "[{\"run\": \"$run\", \"runbook\": \"Pausing drill\", \"mode\": \"drill\", \"step\": \"pause\", \"undone_by\": \"resume\", \"undone_by_state\": \"not run\"}]" ] &&
   printf '%s' "$s1" | grep -q "^Left undone: run $run .*has not run: resume the run"; then
	ok "a run stopped between a step and its undone_by step: check warns, status names the run and both steps"
else
	ko "stopped run (rc $r1, check $cr1, json $j1)" "$o1
$c1
$s1"
fi
# the console (read-only: it only shows) says it in its header
start 200 45 "$D -c $CFG --read-only --log $T/console.log"
if wait_for "LEFT UNDONE: pause (resume not run)" 10; then
	ok "the console's header says which step is left undone, and why"
else
	ko "console header" "$(screen 2>/dev/null | head -6)"
fi
tm kill-session -t "$E2E_SESSION" 2>/dev/null
rm -f "$T/fail"
o2=$("$D" -c "$CFG" run "$T/rb.yml" --drill --yes 2>&1 </dev/null); r2=$?
c2=$("$D" -c "$CFG" check 2>&1)
j2=$(undone_json)
if [ "$r2" = 0 ] && [ ! -e "$T/paused" ] && [ "$j2" = "[]" ] && ! printf '%s' "$c2" | grep -q "undone"; then
	ok "resumed to its end, the run leaves nothing undone"
else
	ko "resumed run (rc $r2, json $j2)" "$o2
$c2"
fi
# resume skipped because its condition is false (`rollback` is false in a plain run)
sed -e '/^  - id: resume$/a\    when: rollback' "$T/rb.yml" > "$T/skip.yml"
sed -i 's/^name: Pausing drill$/name: Pausing drill, resume skipped/' "$T/skip.yml"
o5=$("$D" -c "$CFG" run "$T/skip.yml" --drill --yes 2>&1 </dev/null); r5=$?
run5=$(printf '%s\n' "$o5" | drill_run_id)
s5=$("$D" -c "$CFG" status --offline 2>&1)
j5=$(undone_json)
c5=$("$D" -c "$CFG" check 2>&1); cr5=$?
if [ "$r5" = 0 ] && [ -e "$T/paused" ] &&
   printf '%s' "$s5" | grep -q "^Left undone: run $run5 (Pausing drill, resume skipped, drill) started step pause, and resume, which puts it back, was skipped (condition false): do resume by hand, then \`drconsole put-back $run5 pause\`" &&
   printf '%s' "$j5" | grep -q '"undone_by_state": "skipped"' && [ "$cr5" -ge 1 ] &&
   printf '%s' "$c5" | grep -q "^WARN undone: run $run5 "; then
	ok "a finished run whose undone_by step was skipped (condition false) leaves the step undone: status says skipped and why, check warns"
else
	ko "skipped undo step (rc $r5, check $cr5, json $j5)" "$o5
$s5
$c5"
fi
ro=$("$D" -c "$CFG" --read-only put-back "$run5" pause 2>&1); rro=$?
bad=$("$D" -c "$CFG" put-back "$run5" work 2>&1); rbad=$?
j6=$(undone_json)
if [ "$rro" = 2 ] && printf '%s' "$ro" | grep -q "read-only mode (started with --read-only): refused; nothing is recorded as put back" &&
   [ "$rbad" = 1 ] && printf '%s' "$bad" | grep -q "run $run5 has no step work left undone" &&
   printf '%s' "$j6" | grep -q '"undone_by_state": "skipped"'; then
	ok "put-back is refused in read-only mode (exit 2) and for a step not left undone (exit 1); nothing changes"
else
	ko "put-back refusals (rc $rro $rbad, json $j6)" "$ro
$bad"
fi
rm -f "$T/paused"	# put back by hand
pb=$("$D" -c "$CFG" put-back "$run5" pause 2>&1); rpb=$?
j7=$(undone_json)
c7=$("$D" -c "$CFG" check 2>&1)
rep=$("$D" -c "$CFG" report "$run5" 2>&1)
if [ "$rpb" = 0 ] && printf '%s' "$pb" | grep -q "run $run5: pause recorded as put back by $(id -un)" &&
   [ "$j7" = "[]" ] && ! printf '%s' "$c7" | grep -q "undone" &&
   grep -q '"event":"put_back".*"step":"pause".*"user":"'"$(id -un)"'"' "$T/state/runs/$run5.journal" &&
   grep -q '"event":"put_back"' "$T"/state/audit*.log &&
   printf '%s' "$rep" | grep -q "put_back: pause by $(id -un)"; then
	ok "put-back RUN STEP clears it: journaled with who said it, in the audit log and the report"
else
	ko "put-back (rc $rpb, json $j7)" "$pb
$c7
$(printf '%s' "$rep" | grep -i -A4 decisions)"
fi
sed -e 's/undone_by: resume/undone_by: work2/' "$T/rb.yml" > "$T/bad.yml"
o3=$("$D" -c "$CFG" run "$T/bad.yml" --dry-run 2>&1 </dev/null); r3=$?
sed -e 's/undone_by: resume/undone_by: pause/' "$T/rb.yml" > "$T/bad2.yml"
o4=$("$D" -c "$CFG" run "$T/bad2.yml" --dry-run 2>&1 </dev/null); r4=$?
if [ "$r3" != 0 ] && printf '%s' "$o3" | grep -q "bad.yml:6:16: .*step pause: undone_by: no step 'work2' in this runbook" &&
   [ "$r4" != 0 ] && printf '%s' "$o4" | grep -q "bad2.yml:6:16: .*undone_by: step 'pause' must come after it"; then
	ok "undone_by naming no later step is an error at its line:col"
else
	ko "lint undone_by (rc $r3 $r4)" "$o3
$o4"
fi
