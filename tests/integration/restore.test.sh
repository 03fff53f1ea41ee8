#!/usr/bin/env bash
# The restore runbook on the lab (runbooks/lab/restore.yml), in line mode:
# drconsole chooses the newest backup by the time it was taken (a daily newer
# than the weekly whose name sorts after it), a corrupted tarball stops the
# run before anything is stopped or moved, and a real restore of the
# secondary from the lab's S3 gives exactly the primary's rows at backup
# time, started as a primary, with the backup jobs on the primary's backup
# host paused during the run and resumed at its end. The report records the
# backup, the RPO it means and the restore's duration, with rendered titles.
# The presigned URL reaches curl on its stdin: no argument list on the
# (loopback) hosts holds it during the run, nothing written or shown does.
# The standby is rebuilt afterwards so later tests find it streaming.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/restore-test.XXXXXX")
RB=$LAB_DIR/../../runbooks/lab/restore.yml
PGV=$LAB_PG_VERSION
DATA=/var/lib/postgresql/$PGV/$LAB_PG_STANDBY_CLUSTER
CRON=$LAB_DIR/sites/primary/crontab.postgres
ok() { echo "PASS: restore $1"; }
ko() { echo "FAIL: restore $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -15 | sed 's/^/    /'; }
psql_on() {	# primary|standby SQL (as postgres over the cluster's socket)
	runuser -u postgres -- psql -X -At -h "$LAB_DIR/pg/$1" -p "$LAB_PG_PORT" -d commcarehq -c "$2" 2>&1
}
rows() { psql_on "$1" "select count(*) from form_submissions"; }
in_recovery() { psql_on standby "select pg_is_in_recovery()"; }
jev() { grep -F "\"event\":\"$2\"" "$1" 2>/dev/null; }	# journal, event
cleanup() {
	rm -rf "$T" "$T".*yml "$LAB_DIR/locks" "$LAB_DIR/restore" "$DATA".pre-restore-*
}
trap cleanup EXIT
cfg() {	# name: the lab config with its own state dir
	sed -e "s#^state_dir: .*#state_dir: $T/$1#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
		"$LAB_CONFIG" > "$T.$1.yml"
	echo "$T.$1.yml"
}
daily=$("$LAB_SH" backup-today daily)
weekly=$(curl -s --aws-sigv4 "aws:amz:$LAB_S3_REGION:s3" -u "$LAB_S3_ACCESS_KEY:$LAB_S3_SECRET_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
	"$LAB_S3_ENDPOINT/$LAB_S3_BUCKET_PG/?list-type=2&prefix=postgres_labprod_weekly_" |
	grep -o 'postgres_labprod_weekly_[0-9_]*\.tar\.gz' | sort | tail -1)

# ---- a corrupted tarball (newest) stops the run before anything is moved ----
"$LAB_SH" backup daily >/dev/null 2>&1
good=$LAB_DIR/sites/primary/opt/data/backups/postgresql/$daily
head -c 100000 "$good" > "$T/truncated.tar.gz"
"$LAB_SH" s3-put "$daily" "$T/truncated.tar.gz" >/dev/null 2>&1
C=$(cfg corrupt)
out=$("$D" -c "$C" run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
j=$(ls "$T"/corrupt/runs/*.journal 2>/dev/null | head -1)
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "check-archive FAILED" &&
   ! jev "$j" step_start | grep -q '"step":"stop-postgres"' &&
   [ "$(in_recovery)" = t ] && [ -z "$(ls -d "$DATA".pre-restore-* 2>/dev/null)" ]; then
	ok "a corrupted tarball stops the run at its check: PostgreSQL not stopped, nothing moved"
else
	ko "corrupted tarball" "rc=$rc $(in_recovery) $out"
fi
# the stopped run is unfinished, its backup jobs still paused (until it is resumed): by hand here
sed -i 's/^#drconsole-paused [^ ]* //' "$CRON"

# ---- a real restore: the daily (newer than the weekly whose name sorts after it) ----
psql_on primary "insert into form_submissions (body) select 'before the backup' from generate_series(1, 40)" >/dev/null
"$LAB_SH" backup daily >/dev/null 2>&1	# a good backup again, taken now
at_backup=$(rows primary)
psql_on primary "insert into form_submissions (body) select 'after the backup' from generate_series(1, 25)" >/dev/null
after=$(rows primary)
C=$(cfg good)
# the backup jobs while the run is on: watched from beside it
( for _ in $(seq 1200); do grep -c '^#drconsole-paused' "$CRON" >> "$T/paused.log" 2>/dev/null; sleep 0.1; done ) &
watcher=$!
# every argument list on the machine (the lab's hosts are on loopback), while
# the run is on: a presigned URL's signature in one is written down
argv_watch() {
	while :; do
		cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' | grep -oE 'X-Amz-Signature=[0-9a-f]{8}' >> "$1"
		sleep 0.02
	done
}
# the watcher sees a signature in an argument list: a planted one first
argv_watch "$T/argv-self.log" & argv=$!
sh -c 'sleep 1; :' sh "X-Amz-Signature=0123456789abcdef"
kill $argv 2>/dev/null; wait $argv 2>/dev/null
argv_watch "$T/argv.log" & argv=$!
out=$("$D" -c "$C" run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
kill $watcher $argv 2>/dev/null; wait $watcher $argv 2>/dev/null
sort -n "$T/paused.log" 2>/dev/null | tail -1 > "$T/paused.max"
j=$(ls "$T"/good/runs/*.journal 2>/dev/null | head -1)
run=$(basename "$j" .journal)
if [ $rc = 0 ] && jev "$j" backup | grep -qF "\"key\":\"$daily\"" &&
   printf '%s' "$out" | grep -q "Backup to restore: s3://$LAB_S3_BUCKET_PG/$daily (daily, .*old when chosen" &&
   [ -n "$weekly" ] && [[ "$weekly" > "$daily" ]]; then
	ok "drconsole chose the newest backup by time ($daily), not the weekly that sorts after it ($weekly)"
else
	ko "backup choice (weekly=$weekly)" "rc=$rc $out"
fi
restored=$(rows standby)
if [ $rc = 0 ] && [ "$(in_recovery)" = f ] && [ "$restored" = "$at_backup" ] && [ "$after" != "$at_backup" ]; then
	ok "restored data equals the primary's rows at backup time ($restored, not $after), started as a primary"
else
	ko "restored data" "rc=$rc recovery=$(in_recovery) restored=$restored at_backup=$at_backup after=$after"
fi
if printf '%s' "$out" | grep -q "2 backup job(s) paused" && [ "$(cat "$T/paused.max" 2>/dev/null)" = 2 ] &&
   printf '%s' "$out" | grep -q "backup jobs resumed" && ! grep -q '^#drconsole-paused' "$CRON" &&
   [ "$(grep -c create_postgres_dump "$CRON")" = 2 ]; then
	ok "the backup jobs on the primary's backup host were paused during the restore and resumed at its end"
else
	ko "backup jobs paused and resumed" "max=$(cat "$T/paused.max" 2>/dev/null) $(cat "$CRON") $out"
fi
rep=$("$D" -c "$C" report "$run" 2>&1)
if printf '%s' "$rep" | grep -q "^## Restored backup" && printf '%s' "$rep" | grep -qF "s3://$LAB_S3_BUCKET_PG/$daily" &&
   printf '%s' "$rep" | grep -q "^- RPO achieved: [0-9]" && printf '%s' "$rep" | grep -q "^- Restore duration: [0-9]" &&
   printf '%s' "$rep" | grep -q "| Fetch $daily (daily, .* old) to the database host |" &&
   ! printf '%s' "$rep" | grep -qF "{{"; then
	ok "the report names the backup, the achieved RPO and the restore duration, titles rendered"
else
	ko "report" "$rep"
fi

# the presigned URL's signature (whoever holds it can read the backup) is in
# none of what the run wrote or showed
sig='X-Amz-Signature=[0-9a-fA-F]{16}|X-Amz-Security-Token=[^R&'"'"'" ]'
if ! printf '%s\n%s' "$out" "$rep" | grep -Eq "$sig" && ! grep -rEq "$sig" "$T/good"; then
	ok "no presigned URL signature in the output, report, journal or audit log"
else
	ko "presigned URL redacted" "$(printf '%s\n%s' "$out" "$rep" | grep -Eo "$sig" | head -2) $(grep -rlE "$sig" "$T/good" | head -3)"
fi
# nor in any argument list on the hosts: curl reads it from its stdin
if [ -s "$T/argv-self.log" ] && [ ! -s "$T/argv.log" ] && [ $rc = 0 ] &&
   printf '%s' "$out" | grep -q "curl -fsS --retry 2 -o .* -K -" &&
   printf '%s' "$out" | grep -q "stdin: the step's stdin: template, rendered when it runs (not shown)"; then
	ok "the presigned URL reaches curl on its stdin: in no argument list on the hosts during the run"
else
	ko "presigned URL in an argument list" "self=$(head -c 100 "$T/argv-self.log") seen=$(sort -u "$T/argv.log" | head -3)"
fi

# put the standby back for the tests that follow
"$LAB_SH" rebuild-standby >/dev/null 2>&1
for _ in $(seq 50); do [ "$(in_recovery)" = t ] && break; sleep 0.2; done
[ "$(in_recovery)" = t ] && ok "standby rebuilt after the restore" || ko "rebuild standby" "$(in_recovery)"
