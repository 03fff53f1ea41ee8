#!/usr/bin/env bash
# The restore runbook of an AWS-hosted pair on the lab (runbooks/lab/restore-aws.yml),
# in line mode, against the lab's AWS stand-in (moto for RDS and STS, the AWS Backup
# stub). The lab's two env dirs are copied and given terraform.yml files shaped like
# production / backup-production (two RDS instances in the backup plan, one outside
# it); a pilot-light instance waits in the secondary's region. drconsole chooses the
# newest COMPLETED remote recovery point of each instance from its vault observation;
# the secondary's control host restores them with the AWS CLI: the stand-in receives
# StartRestoreJob with that RecoveryPointArn, an IamRoleArn, and Metadata sizing the
# instance like the primary's terraform instance_type under the secondary's
# identifier; the restored instances exist and are available; the run completes and
# its report has the restored data's point in time (the achieved RPO) and the restore
# durations. A read-only run is refused before anything reaches AWS.
set -u
D=$DRCONSOLE
ROOT=$(pwd)
ok() { echo "PASS: restore-aws $1"; }
ko() { echo "FAIL: restore-aws $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -20 | sed 's/^/    /'; }

if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3' 2>/dev/null; then
	echo "SKIP: restore-aws (no AWS stand-in in the lab: moto_server or boto3 is not installed)"
	exit 0
fi
if ! PATH=$LAB_DIR/sites/secondary/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v aws >/dev/null; then
	echo "SKIP: restore-aws (no AWS CLI for the lab's control hosts: make deps-test installs awscli)"
	exit 0
fi
if [ -z "${LAB_AWS_ENDPOINT_RDS:-}" ]; then
	ko "the lab started an AWS stand-in (moto is installed) and lab.env names it" "no LAB_AWS_ENDPOINT_RDS in $LAB_DIR/lab.env"
	exit 0
fi
T=$(mktemp -d "$LAB_DIR/restore-aws-test.XXXXXX")
cleanup() { rm -rf "$T" "$LAB_DIR/locks"; rm -f "$LAB_DIR"/home/drconsole-restore-*.jobs; }
trap cleanup EXIT
RB=$ROOT/runbooks/lab/restore-aws.yml
mkdir -p "$T/environments"
cp -r "$LAB_PRIMARY_ENV" "$LAB_SECONDARY_ENV" "$T/environments/"
ln -s "$LAB_DIR/keys" "$T/keys"
cat > "$T/environments/$(basename "$LAB_PRIMARY_ENV")/terraform.yml" <<'EOF'
account_alias: example-production
region: "us-east-1"
environment: "production"
backup_plan:
  local_vault_name: "BusinessContinuity_Production_East-1"
  remote_vault_name: "BusinessContinuity_Production_East-2"
  remote_vault_region: us-east-2
  daily_retention: 2
  weekly_retention: 14
rds_instances:
  - identifier: "pgmain1-production"
    instance_type: "db.m5.4xlarge"
    storage: 2000
    multi_az: true
    engine_version: "14.18"
    backup_retention: 7
    enable_cross_region_backup: true
  - identifier: "pgucr0-production"
    instance_type: "db.m5.2xlarge"
    storage: 850
    multi_az: true
    engine_version: "14.18"
    backup_retention: 7
    enable_cross_region_backup: true
  - identifier: "pgsynclog2-production"
    instance_type: "db.m5.xlarge"
    storage: 1000
    multi_az: true
    engine_version: "14.18"
    backup_retention: 7
EOF
cat > "$T/environments/$(basename "$LAB_SECONDARY_ENV")/terraform.yml" <<'EOF'
account_alias: example-backup-production
region: "us-east-2"
environment: "bk-production"
rds_instances:
  - identifier: "pgmain1-bk-production"
    instance_type: "db.t3.micro"
    storage: 20
    multi_az: false
    engine_version: "14.18"
    backup_retention: 1
  - identifier: "pgucr0-bk-production"
    instance_type: "db.t3.micro"
    storage: 20
    multi_az: false
    engine_version: "14.18"
    backup_retention: 1
EOF
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	-e "s#^runbooks: .*#runbooks: [$ROOT/runbooks/restore-aws.yml, $RB]#" "$LAB_CONFIG" > "$T/drconsole.yml"
C=$T/drconsole.yml
export AWS_ACCESS_KEY_ID=$LAB_AWS_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$LAB_AWS_SECRET_KEY AWS_EC2_METADATA_DISABLED=true \
	AWS_ENDPOINT_URL_RDS=$LAB_AWS_ENDPOINT_RDS AWS_ENDPOINT_URL_BACKUP=$LAB_AWS_ENDPOINT_BACKUP
unset AWS_PROFILE AWS_SESSION_TOKEN

# the pilot-light instance of pgmain1 in the secondary's region (pgucr0 has none)
python3 - "$LAB_AWS_ENDPOINT_RDS" <<'PY' || ko "seed the pilot-light instance in moto"
import sys, boto3
rds = boto3.client("rds", region_name="us-east-2", endpoint_url=sys.argv[1],
                   aws_access_key_id="LABAWSKEY", aws_secret_access_key="lab-aws-secret")
have = {i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]}
for n in ("pgmain1-bk-production", "pgmain1-bk-production-pilot", "pgucr0-bk-production"):
    if n in have:
        rds.delete_db_instance(DBInstanceIdentifier=n, SkipFinalSnapshot=True)
rds.create_db_instance(DBInstanceIdentifier="pgmain1-bk-production", DBInstanceClass="db.t3.micro",
                       Engine="postgres", EngineVersion="14.18", AllocatedStorage=20, MultiAZ=False,
                       BackupRetentionPeriod=1, MasterUsername="u", MasterUserPassword="password123")
PY
# what the stand-in's recorded vault holds: the newest COMPLETED point of each instance
expect=$(python3 - "$ROOT/tests/fixtures/aws" <<'PY'
import json, re, sys
best = {}
for page in ("recovery-points-page1.json", "recovery-points-page2.json"):
    text = re.sub(r"@AGO:(-?\d+)@", lambda m: str(-int(m.group(1))), open(f"{sys.argv[1]}/{page}").read())
    for p in json.loads(text)["RecoveryPoints"]:
        ident = p["ResourceArn"].rsplit(":db:", 1)[-1]
        if p["Status"] == "COMPLETED" and (ident not in best or p["CreationDate"] > best[ident][0]):
            best[ident] = (p["CreationDate"], p["RecoveryPointArn"])
for ident in ("pgmain1-production", "pgucr0-production"):
    print(ident, best[ident][1])
PY
)
arn_main=$(printf '%s\n' "$expect" | awk '$1 == "pgmain1-production" { print $2 }')
arn_ucr=$(printf '%s\n' "$expect" | awk '$1 == "pgucr0-production" { print $2 }')

out=$("$D" -c "$C" lint 2>&1)
if printf '%s' "$out" | grep -q "^0 errors"; then
	ok "lint: restore-aws.yml and its lab variant resolve on an AWS-hosted pair"
else
	ko "lint of the restore-aws runbooks" "$out"
fi

# ---- read-only: refused before anything reaches AWS ----
: > "$LAB_AWS_BACKUP_LOG"
out=$("$D" -c "$C" --read-only run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
if [ $rc = 2 ] && printf '%s' "$out" | grep -q "read-only" && ! grep -q "restore-jobs" "$LAB_AWS_BACKUP_LOG" &&
   [ ! -d "$T/state/runs" ]; then
	ok "a read-only run is refused (exit 2): no restore job, nothing journaled"
else
	ko "read-only refusal" "rc=$rc $out"
fi

# ---- the drill ----
: > "$LAB_AWS_BACKUP_LOG"
out=$("$D" -c "$C" run "$RB" --drill --yes 2>&1 </dev/null); rc=$?
j=$(ls "$T"/state/runs/*.journal 2>/dev/null | head -1)
run=$(basename "${j:-none}" .journal)
if [ $rc = 0 ] && grep -q '"event":"run_end".*"outcome":"completed"\|"outcome":"completed".*"event":"run_end"' "$j" 2>/dev/null; then
	ok "the drill completes (every step done)"
else
	ko "the drill completes" "rc=$rc $out"
fi
if printf '%s' "$out" | grep -qF "Recovery points to restore from BusinessContinuity_Production_East-2 (us-east-2)" &&
   printf '%s' "$out" | grep -qF "pgmain1-production -> pgmain1-bk-production (db.m5.4xlarge): $arn_main" &&
   printf '%s' "$out" | grep -qF "not in the backup plan, not restored: pgsynclog2-production"; then
	ok "drconsole shows the chosen recovery points with their age before the first step"
else
	ko "chosen recovery points shown" "$out"
fi
if python3 - "$LAB_AWS_BACKUP_LOG" "$arn_main" "$arn_ucr" <<'PY' 2>"$T/py.err"; then
import json, sys
log, arn_main, arn_ucr = sys.argv[1:4]
lines = open(log).read().splitlines()
starts = [l for l in lines if l.startswith("200 us-east-2 PUT /restore-jobs")]
bodies = [json.loads(l[5:]) for l in lines if l.startswith("body ")]
assert len(starts) == 2 and len(bodies) == 2, lines
want = {arn_main: ("pgmain1-bk-production", "db.m5.4xlarge"), arn_ucr: ("pgucr0-bk-production", "db.m5.2xlarge")}
for b in bodies:
    assert b["RecoveryPointArn"] in want, b
    ident, cls = want.pop(b["RecoveryPointArn"])
    assert b["IamRoleArn"] == "arn:aws:iam::000000000000:role/service-role/AWSBackupDefaultServiceRole", b
    assert b["ResourceType"] == "RDS", b
    assert b["Metadata"]["DBInstanceIdentifier"] == ident and b["Metadata"]["DBInstanceClass"] == cls, b
    assert b["Metadata"]["MultiAZ"] == "true", b
assert not want, want
assert any(l.startswith("200 us-east-2 GET /restore-jobs/") for l in lines), lines
PY
	ok "the stand-in received StartRestoreJob per instance: newest COMPLETED point, IamRoleArn, primary's class, secondary's identifier"
else
	ko "StartRestoreJob requests" "$(cat "$T/py.err")"
fi
if python3 - "$LAB_AWS_ENDPOINT_RDS" <<'PY' 2>"$T/py.err"; then
import sys, boto3
rds = boto3.client("rds", region_name="us-east-2", endpoint_url=sys.argv[1],
                   aws_access_key_id="LABAWSKEY", aws_secret_access_key="lab-aws-secret")
got = {i["DBInstanceIdentifier"]: (i["DBInstanceClass"], i["DBInstanceStatus"]) for i in rds.describe_db_instances()["DBInstances"]}
assert got.get("pgmain1-bk-production") == ("db.m5.4xlarge", "available"), got
assert got.get("pgucr0-bk-production") == ("db.m5.2xlarge", "available"), got
assert got.get("pgmain1-bk-production-pilot", ("", ""))[0] == "db.t3.micro", got
PY
	ok "the restored instances are available in the secondary's region, sized like the primary; the pilot-light one set aside"
else
	ko "restored instances in moto" "$(cat "$T/py.err") $out"
fi
if printf '%s' "$out" | grep -q "pgmain1-bk-production.db.m5.4xlarge.available" &&
   grep -q "update-config" "$LAB_DIR"/sites/secondary/commcare-cloud.log 2>/dev/null; then
	ok "the wait step saw the restored instances available, then the application steps ran"
else
	ko "wait step and application steps" "$(tail -5 "$LAB_DIR"/sites/secondary/commcare-cloud.log 2>&1) $out"
fi
rep=$("$D" -c "$C" report "$run" 2>&1)
t_main=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "recovery":
        import time
        print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(min(i["created"] for i in e["items"]))))
' "$j" 2>/dev/null)
if printf '%s' "$rep" | grep -q "^## Restored recovery points" &&
   printf '%s' "$rep" | grep -qF "\`pgmain1-production\` restored as \`pgmain1-bk-production\` (db.m5.4xlarge) from \`$arn_main\`" &&
   [ -n "$t_main" ] && printf '%s' "$rep" | grep -qF -- "- Restored data as of $t_main" &&
   printf '%s' "$rep" | grep -q "^- RPO achieved: [0-9]" &&
   printf '%s' "$rep" | grep -q "^- Restore step restore-wait: [0-9]" &&
   printf '%s' "$rep" | grep -q "^- Restore step restore-rds: [0-9]" &&
   printf '%s' "$rep" | grep -q "^- Restore duration: [0-9]" && ! printf '%s' "$rep" | grep -qF "{{"; then
	ok "the report has the restored data's point in time ($t_main), the achieved RPO and the restore durations"
else
	ko "report" "$rep"
fi
if ! grep -rqF "$LAB_AWS_SECRET_KEY" "$T/state" && ! printf '%s\n%s' "$out" "$rep" | grep -qF "$LAB_AWS_SECRET_KEY"; then
	ok "no AWS secret in the output, report, journal or audit log"
else
	ko "AWS secret leaked" "$(grep -rlF "$LAB_AWS_SECRET_KEY" "$T/state")"
fi
exit 0
