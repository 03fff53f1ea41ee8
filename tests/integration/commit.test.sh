#!/usr/bin/env bash
# Commit or roll back a failover, on the lab, for real (drills: the state of
# drill runs is what `--drill status|check|commit|rollback` judge). Cycle 1:
# the lab failover drill completes, status --json and check say the failover
# is uncommitted, `commit` journals who committed it and the warning is gone;
# a plain fail-back (the way back after a commit) closes it. Cycle 2: the
# failover drill again, the application writes to the promoted secondary,
# `rollback` runs the lab fail-back in its rollback form: the primary was
# never demoted, the secondary is re-seeded as its standby (its writes since
# the failover are discarded) and the lab ends in its starting topology.
# Whatever happens, the lab is put back in its starting topology.
set -u
. "$(dirname "$0")/lib.sh"
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/commit-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths (env dirs, keys) still resolve
RBDIR=$LAB_DIR/../../runbooks/lab
ok() { echo "PASS: commit $1"; }
ko() { echo "FAIL: commit $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -25 | sed 's/^/    /'; }
state() { "$D" -c "$CFG" --drill status --offline --json 2>/dev/null | python3 -c 'import json,sys; f=json.load(sys.stdin)["failover"]; print(f["state"], f["run"], f["by"])'; }
cleanup() {
	topology_put_back "$T" commit
	rm -rf "$T" "$T".yml "$LAB_DIR/locks"
}
trap cleanup EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
    -e "s#^runbooks: .*#runbooks: [$RBDIR/failover.yml, $RBDIR/failback.yml]#" \
    -e "s#^objectives: .*#objectives: { rpo: 15m, rto: 2h, drill_every: 0 }#" \
	"$LAB_CONFIG" > "$CFG"
topology_keep "$T"
me=$(id -un)
streaming "$LAB_PG_STANDBY_HOST" || ko "the lab standby streams before the test" "$(sql "$LAB_PG_STANDBY_HOST" 'select * from pg_stat_wal_receiver')"

# ---- cycle 1: failover, commit, fail back ----
out=$("$D" -c "$CFG" run "$RBDIR/failover.yml" --drill --yes 2>&1 </dev/null); rc=$?
fo=$(printf '%s\n' "$out" | drill_run_id)
if [ $rc = 0 ] && [ "$(state)" = "uncommitted $fo None" ]; then
	ok "a completed failover drill is uncommitted in --drill status --json"
else
	ko "failover drill, uncommitted (rc=$rc, state $(state))" "$out"
fi
live=$("$D" -c "$CFG" status --offline --json 2>&1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["failover"]["state"])')
[ "$live" = none ] && ok "a drill is not a live failover: status --json without --drill says none" ||
	ko "live state after a drill: $live"
out=$("$D" -c "$CFG" --drill check 2>&1); rc=$?
if [ $rc != 0 ] && printf '%s\n' "$out" | grep -q "^DRCONSOLE .*; drill failed over \(<1m\|[0-9]*m\) ago, uncommitted;" &&
   printf '%s\n' "$out" | grep -q "^WARN failover: drill failed over .* ago, uncommitted (run $fo): commit it or roll it back$"; then
	ok "check warns while the failover is uncommitted, with its age"
else
	ko "check while uncommitted (rc=$rc)" "$out"
fi
out=$("$D" -c "$CFG" --drill commit 2>&1); rc=$?
if [ $rc = 0 ] && printf '%s\n' "$out" | grep -q "drill failover $fo committed by $me" &&
   [ "$(state)" = "committed $fo $me" ]; then
	ok "commit journals who committed it; status --json says committed, by"
else
	ko "commit (rc=$rc, state $(state))" "$out"
fi
out=$("$D" -c "$CFG" --drill check 2>&1)
printf '%s\n' "$out" | grep -q "uncommitted" && ko "check still warns after the commit" "$out" ||
	ok "check no longer warns after the commit"
rep=$("$D" -c "$CFG" report "$fo" 2>&1)
printf '%s\n' "$rep" | grep -q "^- Committed by $me at " && ok "the failover's report says who committed it" ||
	ko "report of the committed failover" "$rep"
out=$("$D" -c "$CFG" --drill commit 2>&1); rc=$?
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "already committed" && ok "a second commit is refused (exit 1)" ||
	ko "second commit (rc=$rc)" "$out"
out=$("$D" -c "$CFG" --drill --yes rollback 2>&1 </dev/null); rc=$?
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "nothing to roll back: drill failover $fo is already committed" &&
	ok "a committed failover cannot be rolled back" || ko "rollback after commit (rc=$rc)" "$out"
out=$("$D" -c "$CFG" run "$RBDIR/failback.yml" --drill --yes 2>&1 </dev/null); rc=$?
if [ $rc = 0 ] && [ "$(state)" = "none None None" ] && streaming "$LAB_PG_STANDBY_HOST" &&
   [ "$(sql "$LAB_PG_STANDBY_HOST" 'select sender_host from pg_stat_wal_receiver')" = "$LAB_PG_PRIMARY_HOST" ]; then
	ok "after the commit the fail-back runbook is the way back; then nothing is open"
else
	ko "fail-back after commit (rc=$rc, state $(state))" "$out"
	exit 0
fi

# ---- cycle 2: failover, writes on the secondary, rollback ----
before=$(rows primary)
out=$("$D" -c "$CFG" run "$RBDIR/failover.yml" --drill --yes 2>&1 </dev/null); rc=$?
fo=$(printf '%s\n' "$out" | drill_run_id)
if [ $rc = 0 ] && [ "$(state)" = "uncommitted $fo None" ]; then
	ok "cycle 2: the failover drill is uncommitted"
else
	ko "cycle 2 failover (rc=$rc)" "$out"
	exit 0
fi
as_pg_sql standby "insert into form_submissions (body) select 'on the secondary before the rollback ' || g from generate_series(1, 50) g" >/dev/null
out=$("$D" -c "$CFG" --drill --yes rollback 2>&1 </dev/null); rc=$?
rb=$(printf '%s\n' "$out" | drill_run_id)
if [ $rc = 0 ] && printf '%s\n' "$out" | grep -q "^Rolling back drill failover $fo with .*failback.yml" &&
   printf '%s\n' "$out" | grep -q "Rollback of failover $fo: the steps for a committed failover are skipped" &&
   ! printf '%s\n' "$out" | grep -q "re-seeded by pg_rewind as a standby of $LAB_PG_STANDBY_HOST"; then
	ok "rollback runs the fail-back runbook in its rollback form (the primary is not re-seeded)"
else
	ko "rollback (rc=$rc)" "$out"
fi
if [ "$(state)" = "rolled_back $fo $me" ]; then
	ok "status --json says rolled_back, by whom"
else
	ko "state after the rollback: $(state)"
fi
st=$("$LAB_SH" status 2>&1)
if [ "$(sql "$LAB_PG_PRIMARY_HOST" 'select pg_is_in_recovery()')" = f ] &&
   [ "$(sql "$LAB_PG_STANDBY_HOST" 'select pg_is_in_recovery()')" = t ] &&
   streaming "$LAB_PG_STANDBY_HOST" &&
   [ "$(sql "$LAB_PG_STANDBY_HOST" 'select sender_host from pg_stat_wal_receiver')" = "$LAB_PG_PRIMARY_HOST" ] &&
   ! printf '%s' "$st" | grep -q UNHEALTHY &&
   cmp -s "$T/primary.ini" "$LAB_PRIMARY_ENV/inventory.ini" && cmp -s "$T/secondary.ini" "$LAB_SECONDARY_ENV/inventory.ini"; then
	ok "after the rollback the starting topology is back (primary writable, secondary streaming from it, inventories as generated)"
else
	ko "topology after the rollback" "$st $(diff "$T/primary.ini" "$LAB_PRIMARY_ENV/inventory.ini") $(diff "$T/secondary.ini" "$LAB_SECONDARY_ENV/inventory.ini")"
fi
p=$(rows primary); s=""
for _ in $(seq 20); do s=$(rows standby); [ "$s" = "$p" ] && break; sleep 0.5; done
gone=$(as_pg_sql standby "select count(*) from form_submissions where body like 'on the secondary before the rollback %'")
if [ "$p" = "$before" ] && [ "$s" = "$p" ] && [ "$gone" = 0 ]; then
	ok "the secondary's writes since the failover are discarded; the sites agree"
else
	ko "data after the rollback" "primary $p (before $before) standby $s secondary rows left $gone"
fi
rep=$("$D" -c "$CFG" report "$rb" 2>&1)
if printf '%s\n' "$rep" | grep -q "^- Rollback of failover \`$fo\`: what the secondary took since it is discarded" &&
   printf '%s\n' "$rep" | grep -q "| reseed-primary .*| skipped |" &&
   printf '%s\n' "$rep" | grep -q "| reseed-secondary .*| done |"; then
	ok "the rollback's report names the failover it undid and the steps it skipped"
else
	ko "rollback report" "$rep"
fi
