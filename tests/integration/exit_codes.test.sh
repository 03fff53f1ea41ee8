#!/usr/bin/env bash
# Exit codes of `status` against the lab, consistent with `check`: 0 when
# everything is OK, 1 when the S3 backups cannot be checked at all (check
# says UNKNOWN, exit 3) as when anything is CRITICAL.
set -u
D=$DRCONSOLE
ok() { echo "PASS: exit codes $1"; }
ko() { echo "FAIL: exit codes $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -12 | sed 's/^/    /'; }
CFG=$LAB_DIR/exit-codes-s3closed.yml	# beside the lab config: its relative paths still resolve
trap 'rm -f "$CFG"' EXIT

out=$("$D" -c "$LAB_CONFIG" status 2>&1); rc=$?
c=$("$D" -c "$LAB_CONFIG" check 2>&1); crc=$?
if [ $rc = 0 ] && [ $crc = 0 ]; then
	ok "status exits 0 when check is OK"
else
	ko "status on a healthy lab" "status rc=$rc check rc=$crc $c"
fi

# S3 on a closed port: every S3 row UNKNOWN
sed -e "s#^s3:\$#s3:\n  endpoint: http://${LAB_S3_ENDPOINT#http://}#" -e "s#:4568\$#:4599#" \
	-e "s#^  timeout: .*#  timeout: 2s#" "$LAB_CONFIG" > "$CFG"
out=$("$D" -c "$CFG" status 2>&1); rc=$?
c=$("$D" -c "$CFG" check 2>&1); crc=$?
if [ $rc = 1 ] && [ $crc = 3 ] && printf '%s' "$c" | grep -q '^DRCONSOLE UNKNOWN' &&
   printf '%s' "$out" | grep -qE '^  UNKNOWN +s3 .*:4599/'; then
	ok "status exits 1 when the S3 backups cannot be checked (check: UNKNOWN, exit 3)"
else
	ko "status with S3 unreachable" "status rc=$rc check rc=$crc $c $out"
fi
