#!/usr/bin/env bash
# The lab itself: every host reachable with strict host-key checking, the
# standby streaming through its slot, backups listed through the S3 API, the
# commcare-cloud stand-in logging.
set -u
ok() { echo "PASS: lab $1"; }
ko() { echo "FAIL: lab $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -5 | sed 's/^/    /'; }

for a in $LAB_PRIMARY_HOSTS $LAB_SECONDARY_HOSTS; do
	case $a in "$LAB_PRIMARY_PREFIX".*) kh=$LAB_PRIMARY_ENV/known_hosts ;; *) kh=$LAB_SECONDARY_ENV/known_hosts ;; esac
	out=$(ssh -n -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$kh" \
		-o GlobalKnownHostsFile=/dev/null -i "$LAB_SSH_KEY" -p "$LAB_SSH_PORT" "$LAB_SSH_USER@$a" \
		'echo "$DRLAB_SITE"' 2>&1)
	if [ "$out" = primary ] || [ "$out" = secondary ]; then ok "ssh $a (strict host key, $out site)"; else ko "ssh $a" "$out"; fi
done

q() { psql -X -At -h "$1" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c "$2" 2>&1; }
out=$(q "$LAB_PG_PRIMARY_HOST" "select s.slot_name||' '||s.active||' '||r.state from pg_replication_slots s join pg_stat_replication r on r.pid = s.active_pid")
[ "$out" = "standby1 true streaming" ] && ok "standby streams from the primary through slot standby1" || ko "slot streaming" "$out"
out=$(q "$LAB_PG_STANDBY_HOST" "select pg_is_in_recovery()")
[ "$out" = t ] && ok "standby is in recovery" || ko "standby in recovery" "$out"
out=$(q "$LAB_PG_PRIMARY_HOST" "select r.rolname from pg_roles r join pg_auth_members m on m.member = r.oid join pg_roles g on g.oid = m.roleid where g.rolname = 'pg_monitor' and r.rolname = 'drconsole_monitor'")
[ "$out" = drconsole_monitor ] && ok "monitoring role has pg_monitor" || ko "monitoring role" "$out"

out=$(curl -sS --max-time 10 --aws-sigv4 "aws:amz:$LAB_S3_REGION:s3" --user "$LAB_S3_ACCESS_KEY:$LAB_S3_SECRET_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$LAB_S3_ENDPOINT/$LAB_S3_BUCKET_PG?list-type=2" 2>&1)
if printf '%s' "$out" | grep -qF "<Key>$(cat "$LAB_DIR/last-backup-daily")</Key>"; then
	ok "the lab's dated backup key lists through the S3 API (SigV4)"
else
	ko "S3 listing" "$out"
fi
# s3rver checks the access key of a SigV4 request but not the signature itself
out=$(curl -sS --max-time 10 --aws-sigv4 "aws:amz:$LAB_S3_REGION:s3" --user "NOSUCHKEY:wrong" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$LAB_S3_ENDPOINT/$LAB_S3_BUCKET_PG?list-type=2" 2>&1)
printf '%s' "$out" | grep -q InvalidAccessKeyId && ok "S3 rejects an unknown access key" || ko "S3 unknown key" "$out"
tar -tzf "$LAB_DIR"/sites/primary/opt/data/backups/postgresql/postgres_labprod_daily_*.tar.gz 2>/dev/null | grep -q 'PG_VERSION$' &&
	ok "the backup is a real pg_basebackup archive" || ko "backup archive"

out=$(ssh -n -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$LAB_SECONDARY_ENV/known_hosts" \
	-i "$LAB_SSH_KEY" -p "$LAB_SSH_PORT" "$LAB_SSH_USER@$LAB_SECONDARY_PREFIX.10" 'commcare-cloud backup-labprod update-config' 2>&1)
if printf '%s' "$out" | grep -q "ok (lab stand-in)" && grep -q "backup-labprod update-config" "$LAB_DIR/sites/secondary/commcare-cloud.log"; then
	ok "commcare-cloud stand-in runs on the control host and logs"
else
	ko "stand-in" "$out"
fi

id=lab-$$-$(date +%s)
curl -sS -o /dev/null -X PUT "$LAB_COUCH_PRIMARY_URL/commcarehq/$id" -H 'Content-Type: application/json' -d '{"form":"test"}'
got=""
for _ in $(seq 50); do
	got=$(curl -s "$LAB_COUCH_SECONDARY_URL/commcarehq/$id")
	printf '%s' "$got" | grep -q '"form":"test"' && break
	sleep 0.2
done
printf '%s' "$got" | grep -q '"form":"test"' && ok "a CouchDB doc written on the primary replicates to the secondary" || ko "couch replication" "$got"

# idempotent: up on a running lab changes nothing and leaves it healthy
out=$("$LAB_SH" up 2>&1) && st=$("$LAB_SH" status 2>&1) && ! printf '%s' "$st" | grep -q UNHEALTHY \
	&& ok "lab up on a running lab is idempotent" || ko "lab up twice" "$out $st"
