#!/usr/bin/env bash
# The lab's AWS stand-in (tests/lab/lab.sh up starts it when moto is installed):
# lab.env exports its endpoints; drconsole reaches moto's RDS (seeded with the
# production env's 10 instances) and the AWS Backup stub, signed for the right
# service and region, and lists each vault once per refresh (the stub logs
# every request it answers).
set -u
D=$DRCONSOLE
ROOT=$(pwd)
ok() { echo "PASS: aws-lab $1"; }
ko() { echo "FAIL: aws-lab $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }

if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3' 2>/dev/null; then
	echo "SKIP: aws-lab (no AWS stand-in in the lab: moto_server or boto3 is not installed)"
	exit 0
fi
if [ -z "${LAB_AWS_ENDPOINT_RDS:-}" ]; then
	ko "the lab started an AWS stand-in (moto is installed) and lab.env names it" "no LAB_AWS_ENDPOINT_RDS in $LAB_DIR/lab.env"
	exit 0
fi
W=$LAB_DIR/aws-lab-test
rm -rf "$W"; mkdir -p "$W/envs-aws"
trap 'rm -rf "$W"' EXIT
cp -r "$ROOT/tests/fixtures/envs-aws/production" "$ROOT/tests/fixtures/envs-aws/backup-production" "$W/envs-aws/"
# probe_timeout 30s: the stand-ins answer; a sanitizer build on a loaded
# machine can take more than the 5 s default, and nothing here waits on a timeout
sed "s#state_dir: .*#state_dir: $W/state#; s/^objectives:/probe_timeout: 30s\nobjectives:/" "$ROOT/tests/fixtures/aws.yml" > "$W/aws.yml"
if grep -q '^LAB_AWS_ENDPOINT_RDS=http://127\.' "$LAB_DIR/lab.env" && grep -q '^LAB_AWS_ENDPOINT_BACKUP=' "$LAB_DIR/lab.env" &&
   grep -q '^LAB_AWS_ENDPOINT_STS=' "$LAB_DIR/lab.env"; then
	ok "lab.env exports the stand-in's RDS, STS and AWS Backup endpoints"
else
	ko "lab.env exports the stand-in's RDS, STS and AWS Backup endpoints" "$(grep AWS "$LAB_DIR/lab.env")"
fi
if "$LAB_SH" status 2>/dev/null | grep -q '^healthy    aws stand-in'; then
	ok "lab status reports the AWS stand-in healthy"
else
	ko "lab status reports the AWS stand-in healthy" "$("$LAB_SH" status 2>&1 | tail -3)"
fi
: > "$LAB_AWS_BACKUP_LOG"
out=$(env -u AWS_PROFILE AWS_ACCESS_KEY_ID="$LAB_AWS_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$LAB_AWS_SECRET_KEY" \
	AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_RDS="$LAB_AWS_ENDPOINT_RDS" \
	AWS_ENDPOINT_URL_BACKUP="$LAB_AWS_ENDPOINT_BACKUP" "$D" -c "$W/aws.yml" status --json 2>"$W/stderr")
if printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
p = [x for k, x in o.items() if k.startswith("primary/rds/")]
assert len(p) == 10 and all(x["status"] == "ok" for x in p), [(x["key"], x["message"]) for x in p if x["status"] != "ok"]
v = [x for k, x in o.items() if k.startswith("primary/vault/remote/")]
assert len(v) == 11 and all(x["status"] != "unknown" for x in v), [x["message"] for x in v if x["status"] == "unknown"]
' 2>"$W/py.err"; then
	ok "status reaches moto's RDS (10 instances OK) and the AWS Backup stub (11 remote vault rows judged)"
else
	ko "status reaches moto's RDS (10 instances OK) and the AWS Backup stub (11 remote vault rows judged)" "$(cat "$W/py.err" "$W/stderr")"
fi
# one refresh: each vault listed once (page 1 without a token, then its next page), signed for its region
firsts=$(grep -c '^200 .* GET /backup-vaults/[^?]*/recovery-points/?maxResults=1000$' "$LAB_AWS_BACKUP_LOG")
remote=$(grep -c '^200 us-east-2 GET /backup-vaults/BusinessContinuity_Production_East-2/recovery-points/?maxResults=1000$' "$LAB_AWS_BACKUP_LOG")
local_=$(grep -c '^200 us-east-1 GET /backup-vaults/BusinessContinuity_Production_East-1/recovery-points/?maxResults=1000$' "$LAB_AWS_BACKUP_LOG")
if [ "$firsts" = 2 ] && [ "$remote" = 1 ] && [ "$local_" = 1 ]; then
	ok "one listing per vault per refresh, each signed for its vault's region"
else
	ko "one listing per vault per refresh, each signed for its vault's region" "$(cat "$LAB_AWS_BACKUP_LOG")"
fi
exit 0
