#!/usr/bin/env bash
# `drconsole verify-backup [KEY]` on the lab (runbooks/lab/verify-backup.yml):
# the newest backup restores into a scratch PostgreSQL on the secondary's
# database host, starts, accepts connections, holds commcarehq and its rows;
# a truncated backup fails clearly at the archive check; nothing of the
# scratch cluster is left either way; each verification is recorded as a
# run (`runs`, `report`); the secondary's own cluster is never touched.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/verify-test.XXXXXX")
CFG=$T.yml
RB=$(cd "$LAB_DIR/../.." && pwd)/runbooks/lab/verify-backup.yml
ok() { echo "PASS: verify-backup $1"; }
ko() { echo "FAIL: verify-backup $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -15 | sed 's/^/    /'; }
in_recovery() {
	runuser -u postgres -- psql -X -At -h "$LAB_DIR/pg/standby" -p "$LAB_PG_PORT" -d postgres -c "select pg_is_in_recovery()" 2>&1
}
scratch_left() { [ -n "$1" ] && ls -d /var/tmp/drconsole-verify-"$1" 2>/dev/null; }
cleanup() { rm -rf "$T" "$T".yml "$LAB_DIR/locks"; }
trap cleanup EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	-e "s#^runbooks: .*#runbooks: [$RB]#" "$LAB_CONFIG" > "$CFG"
mkdir -p "$T/state"
daily=$("$LAB_SH" backup-today daily)
good=$LAB_DIR/sites/primary/opt/data/backups/postgresql/$daily

# ---- before any verification: check warns ----
out=$("$D" -c "$CFG" check 2>&1)
if printf '%s' "$out" | grep -q "^WARN secondary/verify/postgres: no backup verification on record"; then
	ok "check warns while no verification is on record"
else
	ko "check, none on record" "$out"
fi

# ---- a good backup: restored, started, checked, removed ----
"$LAB_SH" backup daily >/dev/null 2>&1
out=$("$D" -c "$CFG" verify-backup --drill --yes 2>&1 </dev/null); rc=$?
run=$(printf '%s' "$out" | sed -n 's/^\[DRILL\] Run \([^ ]*\) (drill) journal.*/\1/p' | head -1)
if [ $rc = 0 ] && printf '%s' "$out" | grep -q "Backup to restore: s3://$LAB_S3_BUCKET_PG/$daily" &&
   printf '%s' "$out" | grep -q "starts, accepts connections, not in recovery, databases: commcarehq" &&
   printf '%s' "$out" | grep -q "commcarehq.form_submissions: [0-9]* rows, newest 20" &&
   [ -z "$(scratch_left "$run")" ] && [ "$(in_recovery)" = t ]; then
	ok "passes on a good backup (scratch cluster started, checked and removed; the standby untouched)"
else
	ko "good backup" "rc=$rc left=$(scratch_left "$run") $(in_recovery) $out"
fi
if "$D" -c "$CFG" runs 2>&1 | grep -q "^$run .*completed" &&
   "$D" -c "$CFG" report "$run" 2>&1 | grep -q "^## Restored backup"; then
	ok "recorded as a run (runs, report)"
else
	ko "recorded" "$("$D" -c "$CFG" runs 2>&1)"
fi
out=$("$D" -c "$CFG" status 2>&1)
chk=$("$D" -c "$CFG" check 2>&1)
if printf '%s' "$out" | grep -q "OK .*verify .*restore verified [0-9]*s ago ($run)" &&
   ! printf '%s' "$chk" | grep -q "secondary/verify/postgres"; then
	ok "status shows the restore verified, check has nothing to say about it"
else
	ko "status after a verification" "$out $chk"
fi

# ---- a truncated backup: fails clearly at the archive check, nothing left ----
head -c 200000 "$good" > "$T/truncated.tar.gz"
"$LAB_SH" s3-put "$daily" "$T/truncated.tar.gz" >/dev/null 2>&1
out=$("$D" -c "$CFG" verify-backup --drill --yes 2>&1 </dev/null); rc=$?
run2=$(printf '%s' "$out" | sed -n 's/^\[DRILL\] Run \([^ ]*\) (drill) journal.*/\1/p' | head -1)
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "the archive $daily is damaged (gzip -t failed)" &&
   printf '%s' "$out" | grep -q "check-archive FAILED" && [ -z "$(scratch_left "$run2")" ] &&
   "$D" -c "$CFG" runs 2>&1 | grep -q "^$run2 .*failed"; then
	ok "fails clearly on a truncated backup (damaged archive named, run recorded as failed, nothing left)"
else
	ko "truncated backup" "rc=$rc left=$(scratch_left "$run2") $out $("$D" -c "$CFG" runs 2>&1)"
fi
out=$("$D" -c "$CFG" check 2>&1); rc=$?
if [ $rc = 2 ] && printf '%s' "$out" | grep -q "^CRIT secondary/verify/postgres: the last backup verification ($run2, [0-9]*s ago) did not pass: failed"; then
	ok "check is CRITICAL when the last verification failed"
else
	ko "check after a failed verification" "rc=$rc $out"
fi
# the good backup back in place for the tests that follow
"$LAB_SH" s3-put "$daily" "$good" >/dev/null 2>&1

# ---- a backup named on the command line (the weekly), and a name S3 does not hold ----
rm -rf "$T/state/runs"	# the failed run above is unfinished: start afresh
weekly=$(printf '%s' "$("$D" -c "$CFG" status 2>&1)" | grep -o 'postgres_labprod_weekly_[0-9_]*\.tar\.gz' | head -1)
out=$("$D" -c "$CFG" verify-backup --drill --yes "$weekly" 2>&1 </dev/null); rc=$?
if [ -n "$weekly" ] && printf '%s' "$out" | grep -q "Backup to restore: s3://$LAB_S3_BUCKET_PG/$weekly (weekly" &&
   [ $rc = 1 ] && printf '%s' "$out" | grep -q "the archive $weekly is damaged"; then
	ok "a named backup is the one verified (the lab's weekly placeholder is not an archive: it fails)"
else
	ko "named backup ($weekly)" "rc=$rc $out"
fi
rm -rf "$T/state/runs"
out=$("$D" -c "$CFG" verify-backup --drill --yes postgres_labprod_daily_1999_01_01.tar.gz 2>&1 </dev/null); rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "postgres_labprod_daily_1999_01_01.tar.gz is not among the primary site's postgres backups"; then
	ok "a backup name S3 does not hold is refused before any step"
else
	ko "unknown name" "rc=$rc $out"
fi
