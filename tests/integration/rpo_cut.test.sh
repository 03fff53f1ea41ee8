#!/usr/bin/env bash
# Honest RPO on the lab: a failover whose fence step fails leaves the old
# primary taking writes after the promote. The run journals the WAL
# positions at the cut and the promoted server's switch point, finds the
# old primary's writes after the cut, and the report says they did not make
# it (never RPO 0). A clean failover drill (the old primary idle) reports
# zero lag confirmed at the cut. The standby is rebuilt after each run.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/rpo-cut-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths (env dirs, keys) still resolve
RB=$LAB_DIR/../../runbooks/lab/failover.yml
ok() { echo "PASS: rpo cut $1"; }
ko() { echo "FAIL: rpo cut $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -15 | sed 's/^/    /'; }
in_recovery() { psql -X -At -h "$LAB_PG_STANDBY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c "select pg_is_in_recovery()" 2>&1; }
rows() { runuser -u postgres -- psql -X -At -h "$LAB_DIR/pg/$1" -p "$LAB_PG_PORT" -d commcarehq -c "select count(*) from form_submissions" 2>&1; }
rebuild() {
	"$LAB_SH" rebuild-standby >/dev/null 2>&1
	for _ in $(seq 50); do [ "$(in_recovery)" = t ] && break; sleep 0.2; done
}
cleanup() { rm -rf "$T" "$T".yml "$LAB_DIR/locks"; }
trap cleanup EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	"$LAB_CONFIG" > "$CFG"
# clean_cut JOURNAL: at the cut the standby had replayed every transaction
# its upstream had completed: zero WAL behind, or only WAL with no
# transaction in it (the background writer's running-xacts record, a
# checkpoint), which is what the run itself counts as nothing lost
clean_cut() {
	local ev
	ev=$(grep '"event":"rpo_cut"' "$1" 2>/dev/null | head -1)
	[ -n "$ev" ] || return 1
	printf '%s' "$ev" | grep -q '"gap_bytes":0[,}]' && return 0
	local ux sx
	ux=$(printf '%s' "$ev" | grep -o '"upstream_xmax":[0-9]*' | cut -d: -f2)
	sx=$(printf '%s' "$ev" | grep -o '"standby_xmax":[0-9]*' | cut -d: -f2)
	[ -n "$ux" ] && [ -n "$sx" ] && [ "$ux" -le "$sx" ]
}
run_id() { sed -n 's/^\[DRILL\] Run \([^ ]*\) (drill) journal.*/\1/p' | head -1; }

# ---- an unfenced old primary keeps taking writes after the promote ----
cat > "$T/unfenced.yml" <<EOF
name: unfenced
model: replicated
steps:
  - id: fence-primary
    title: Stop writes on the primary (fails here)
    on: primary:control
    run: echo "cannot reach the application hosts" >&2; exit 1
    fences: true
    on_failure: continue
  - id: promote
    title: Promote the standby
    on: secondary:pg_standby
    become: root
    run: pg_ctlcluster {{ pg_version }} "\$DRLAB_PG_CLUSTER" promote
    destructive: true
    ends_replication: true
    verify:
      sql: select not pg_is_in_recovery()
  - id: app-writes
    title: The application on the old primary goes on writing
    on: primary:db_a0
    become: postgres
    run: psql -X -q -h "\$DRLAB_DIR/pg/primary" -p $LAB_PG_PORT -d commcarehq -c "insert into form_submissions (body) select 'after the cut ' || g from generate_series(1, 1334) g"
EOF
before=$(rows primary)
out=$("$D" -c "$CFG" run "$T/unfenced.yml" --drill --yes 2>&1 </dev/null); rc=$?
run=$(printf '%s\n' "$out" | run_id)
j=$(ls "$T"/state/runs/*-unfenced.journal 2>/dev/null | head -1)
after=$(rows primary)
if [ $rc = 0 ] && [ "$(in_recovery)" = f ] && [ $((after - before)) = 1334 ] &&
   clean_cut "$j" && grep -q '"event":"rpo_switch".*"switch_lsn"' "$j" &&
   grep -q '"event":"rpo_diverged".*"lost_bytes":[1-9]' "$j" &&
   printf '%s' "$out" | grep -q "DATA THAT DID NOT MAKE IT: the old primary $LAB_PG_PRIMARY_HOST wrote [0-9]* bytes of WAL after the cut"; then
	ok "the run finds the old primary's writes after the cut (journaled, said at the end)"
else
	# which condition failed first, before the output (the message keeps its last lines)
	ko "unfenced run (rc=$rc in_recovery=$(in_recovery) rows $before -> $after;$(clean_cut "$j" || echo " rpo_cut not clean:" $(grep -o '"gap_bytes":[0-9]*\|"[a-z]*_xmax":[0-9]*' "$j" | tr '\n' ' '));$(grep -q '"event":"rpo_diverged".*"lost_bytes":[1-9]' "$j" || echo " no rpo_diverged with lost_bytes"))" \
		"$(cat "$j" 2>/dev/null | grep rpo) $out"
fi
rep=$("$D" -c "$CFG" report "$run" 2>&1)
if printf '%s' "$rep" | grep -q "^\*\*Data that did not make it:\*\* the old primary $LAB_PG_PRIMARY_HOST wrote [1-9][0-9]* bytes" &&
   printf '%s' "$rep" | grep -q "| RPO (data-loss exposure when replication ended) | at most [0-9]" &&
   ! printf '%s' "$rep" | grep -q "| RPO (data-loss exposure when replication ended) | 0s |" &&
   printf '%s' "$rep" | grep -q "Fence step fence-primary did not succeed"; then
	ok "the report names the data that did not make it and does not say RPO 0"
else
	ko "unfenced report" "$rep"
fi
# a report written later says the same (the journal alone)
rep2=$("$D" -c "$CFG" report "$run" 2>&1)
[ "$rep" = "$rep2" ] && ok "the report is the journal's, not the clock's" || ko "report stable"
rebuild

# ---- the lab failover drill, old primary idle: zero lag confirmed at the cut ----
out=$("$D" -c "$CFG" run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
run=$(printf '%s\n' "$out" | run_id)
rep=$("$D" -c "$CFG" report "$run" 2>&1)
if [ $rc = 0 ] && [ "$(in_recovery)" = f ] &&
   printf '%s' "$out" | grep -q "RPO at the cut: .* replayed [0-9A-F/]*, upstream $LAB_PG_PRIMARY_HOST is at [0-9A-F/]*: .*bytes of WAL not replayed" &&
   printf '%s' "$rep" | grep -q "| RPO (data-loss exposure when replication ended) | 0s | 15m00s | \*\*met\*\* |" &&
   printf '%s' "$rep" | grep -q "RPO basis: zero lag confirmed at the cut .*; the old primary completed no transaction after the cut"; then
	ok "a fenced failover drill reports RPO 0 from zero lag confirmed at the cut, nothing written after it"
else
	ko "clean drill" "rc=$rc $(printf '%s\n%s\n' "$out" "$rep" | grep -i 'rpo\|cut\|catch-up\|FAIL')"
fi
rebuild
[ "$(in_recovery)" = t ] && ok "standby rebuilt" || ko "standby rebuilt" "$(in_recovery)"
