#!/usr/bin/env bash
# Fail-back on the lab, for real, twice: the lab failover drill promotes the
# secondary; the application writes to it (and, the first time, to the old
# primary, which was never fenced); the lab fail-back drill re-seeds the old
# primary from the secondary (pg_rewind), switches over with zero lag, and
# re-seeds the secondary as the primary's standby. After each cycle the lab
# is in its starting topology: the primary's cluster takes writes, the
# secondary's streams from it, both inventories are as generated, and the
# rows written during the failover are on both sites; the writes the old
# primary took after the cut are gone, as the failover's report said.
set -u
. "$(dirname "$0")/lib.sh"
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/failback-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths (env dirs, keys) still resolve
RBDIR=$LAB_DIR/../../runbooks/lab
ok() { echo "PASS: failback $1"; }
ko() { echo "FAIL: failback $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -25 | sed 's/^/    /'; }
cleanup() {
	topology_put_back "$T" failback
	rm -rf "$T" "$T".yml "$LAB_DIR/locks"
}
trap cleanup EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	"$LAB_CONFIG" > "$CFG"
topology_keep "$T"
tag=$(basename "$T")	# this run's rows, whatever earlier runs left in the lab

streaming "$LAB_PG_STANDBY_HOST" || ko "the lab standby streams before the first cycle" "$(sql "$LAB_PG_STANDBY_HOST" 'select * from pg_stat_wal_receiver')"

for cycle in 1 2; do
	# ---- failover ----
	out=$("$D" -c "$CFG" run "$RBDIR/failover.yml" --drill --yes 2>&1 </dev/null); rc=$?
	if [ $rc = 0 ] && [ "$(sql "$LAB_PG_STANDBY_HOST" 'select pg_is_in_recovery()')" = f ]; then
		ok "cycle $cycle: failover drill promoted the secondary"
	else
		ko "cycle $cycle: failover drill" "rc=$rc $out"
		break
	fi
	# the application writes to the promoted secondary; the first time the
	# never-fenced old primary takes writes too (they diverge after the cut)
	as_pg_sql standby "insert into form_submissions (body) select 'on the secondary, cycle $cycle ' || g from generate_series(1, 500) g" >/dev/null
	if [ $cycle = 1 ]; then
		as_pg_sql primary "insert into form_submissions (body) select 'old primary after the cut $tag ' || g from generate_series(1, 77) g" >/dev/null
	fi
	want=$(rows standby)

	# ---- fail-back ----
	out=$("$D" -c "$CFG" run "$RBDIR/failback.yml" --drill --yes 2>&1 </dev/null); rc=$?
	run=$(printf '%s\n' "$out" | drill_run_id)
	if [ $rc = 0 ] && printf '%s' "$out" | grep -q "^\[DRILL\] Run .* complete" &&
	   printf '%s' "$out" | grep -q "environment backup-labprod changed: re-read" &&
	   printf '%s' "$out" | grep -q "environment labprod changed: re-read" &&
	   printf '%s' "$out" | grep -q "re-seeded by pg_rewind as a standby of $LAB_PG_STANDBY_HOST (slot failback)"; then
		ok "cycle $cycle: fail-back drill completed (inventory edits seen by the next step; the old primary rewound)"
	else
		ko "cycle $cycle: fail-back drill" "rc=$rc $out"
		break
	fi
	st=$("$LAB_SH" status 2>&1)
	if [ "$(sql "$LAB_PG_PRIMARY_HOST" 'select pg_is_in_recovery()')" = f ] &&
	   [ "$(sql "$LAB_PG_STANDBY_HOST" 'select pg_is_in_recovery()')" = t ] &&
	   streaming "$LAB_PG_STANDBY_HOST" &&
	   [ "$(sql "$LAB_PG_STANDBY_HOST" 'select sender_host from pg_stat_wal_receiver')" = "$LAB_PG_PRIMARY_HOST" ] &&
	   ! printf '%s' "$st" | grep -q UNHEALTHY &&
	   cmp -s "$T/primary.ini" "$LAB_PRIMARY_ENV/inventory.ini" && cmp -s "$T/secondary.ini" "$LAB_SECONDARY_ENV/inventory.ini"; then
		ok "cycle $cycle: the starting topology is back (primary writable, secondary streaming from it, inventories as generated, lab healthy)"
	else
		ko "cycle $cycle: topology" "$st $(diff "$T/primary.ini" "$LAB_PRIMARY_ENV/inventory.ini") $(diff "$T/secondary.ini" "$LAB_SECONDARY_ENV/inventory.ini")"
	fi
	as_pg_sql primary "insert into form_submissions (body) values ('after fail-back $cycle')" >/dev/null
	sleep 1
	p=$(rows primary); s=""
	for _ in $(seq 20); do s=$(rows standby); [ "$s" = "$p" ] && break; sleep 0.5; done
	gone=$(as_pg_sql primary "select count(*) from form_submissions where body like 'old primary after the cut $tag %'")
	if [ "$p" = $((want + 1)) ] && [ "$s" = "$p" ] && [ "$gone" = 0 ]; then
		ok "cycle $cycle: the failover's writes are on both sites, the old primary's writes after the cut are gone, new writes replicate"
	else
		ko "cycle $cycle: data" "want $((want + 1)) primary $p standby $s old-primary rows left $gone"
	fi
	rep=$("$D" -c "$CFG" report "$run" 2>&1)
	missing=""
	for id in $(sed -n 's/^  - id: //p' "$RBDIR/failback.yml"); do
		printf '%s' "$rep" | grep -q "| $id .*| done |" || missing="$missing $id"
	done
	if [ -z "$missing" ] &&
	   printf '%s' "$rep" | grep -q "| RPO (data-loss exposure when replication ended) | 0s | 15m00s | \*\*met\*\* |" &&
	   printf '%s' "$rep" | grep -q "RPO basis: zero lag confirmed at the cut"; then
		ok "cycle $cycle: fail-back report: every step done, RPO 0 from the switchover's confirmed zero lag"
	else
		ko "cycle $cycle: fail-back report (missing:$missing)" "$rep"
	fi
done
