#!/usr/bin/env bash
# Commit and roll back from the console, against the lab, in tmux, in drill
# mode. The failover here is a stand-in runbook of the failover model whose
# one step changes nothing, so the lab's topology is never touched: once it
# completed as a drill, the header says "drill failed over <1m ago,
# uncommitted"; C with the secondary's name typed commits it over the real
# run lock on the secondary's control host, the message line says who, the
# segment goes away and the journal holds the commit. A second stand-in
# failover, which a read-only console refuses to commit or roll back, then
# U starts the configured fail-back runbook in its rollback
# form in the checklist view.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
. tests/e2e/lib.sh
e2e_start "commit console"
T=$(mktemp -d "$LAB_DIR/commit-console.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
FO=$T/standin-failover.yml
FB=$T/standin-failback.yml
cleanup() { e2e_cleanup; rm -rf "$T" "$T.yml" "$LAB_DIR/locks"; }
trap cleanup EXIT
ok() { echo "PASS: commit console $1"; }
ko() { echo "FAIL: commit console $1"; screen 2>/dev/null | sed 's/^/    | /' | head -40; }
run_id() { sed -n 's/^\[DRILL\] Run \([^ ]*\) (drill) journal.*/\1/p' | head -1; }

sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^runbooks: .*#runbooks: [$FO, $FB]#" \
    -e "s#^objectives: .*#objectives: { rpo: 15m, rto: 2h, drill_every: 0 }#" \
    -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" "$LAB_CONFIG" >"$CFG"
printf '%s\n' "name: Stand-in failover" "model: replicated" "steps:" "  - id: noop" \
	"    title: Nothing to do" "    on: secondary:control" "    run: echo failed over >> $T/marks" >"$FO"
printf '%s\n' "name: Stand-in fail-back" "model: failback" "steps:" "  - id: committed-only" \
	"    title: Only after a commit" "    when: not rollback" "    on: secondary:control" \
	"    run: echo committed-only >> $T/marks" "  - id: always" "    title: Both forms" \
	"    on: secondary:control" "    run: echo always >> $T/marks" >"$FB"
sec=$(basename "$LAB_SECONDARY_ENV")
out=$("$D" -c "$CFG" run "$FO" --drill --yes 2>&1 </dev/null); rc=$?
fo=$(printf '%s\n' "$out" | run_id)
if [ $rc != 0 ] || [ -z "$fo" ]; then
	echo "FAIL: commit console stand-in failover drill (rc=$rc)"; printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
	exit 0
fi

CON="$D -c $CFG --drill --log $T/console.log"
start 200 45 "$CON"
if wait_for "drill failed over <1m ago, uncommitted" 8; then
	ok "the drill console's header: drill failed over <1m ago, uncommitted"
else
	ko "header segment"
fi
keys C
wait_for "Type $sec to confirm:" 3 || ko "C asks for the secondary's name"
keys -l "$sec"
keys Enter
if wait_for "drill failover $fo committed by $(id -un)" 20 && wait_gone "uncommitted" 5 &&
   grep -q '"event":"failover_commit".*"user":"'"$(id -un)"'"' "$T/state/runs/$fo.journal"; then
	ok "C + the typed name commits over the run lock: message line, segment gone, journaled"
else
	ko "commit from the console"
fi
tm kill-session -t "$E2E_SESSION"

out=$("$D" -c "$CFG" run "$FO" --drill --yes 2>&1 </dev/null); rc=$?
fo2=$(printf '%s\n' "$out" | run_id)
# a read-only console: C and U are refused with the reason, as F, R and B
# are, and nothing is journaled
start 200 45 "$D -c $CFG --read-only --log $T/console-ro.log"
wait_for "SECONDARY backup-labprod" 10 >/dev/null
keys C
if wait_for "read-only: started with --read-only (Commit refused)" 5 &&
   keys U && wait_for "read-only: started with --read-only (Rollback refused)" 5 && ! has "Type $sec to confirm:" &&
   ! grep -q '"event":"failover_commit"' "$T/state/runs/$fo2.journal"; then
	ok "a read-only console refuses C and U with the reason; nothing is journaled"
else
	ko "read-only console C/U"
fi
tm kill-session -t "$E2E_SESSION"
start 200 45 "$CON"
wait_for "drill failed over <1m ago, uncommitted" 8 || ko "second failover uncommitted (rc=$rc)"
keys U
wait_for "Type $sec to confirm:" 3 || ko "U asks for the secondary's name"
keys -l "$sec"
keys Enter
if wait_for "Rollback of failover $fo2: the steps for a committed failover are skipped" 20 &&
   wait_for "Stand-in fail-back" 3; then
	ok "U + the typed name starts the fail-back runbook in its rollback form (checklist)"
else
	ko "rollback from the console"
fi
