#!/usr/bin/env bash
# make bench: what the AWS probes add to one refresh of a production-sized AWS
# pair (tests/fixtures/envs-aws: 10 RDS instances; a remote vault page of 30
# recovery-point resources, 10 RDS + 20 EBS volumes; two regions), on a local
# stand-in (moto for RDS, tests/lab/aws_backup_stub.py for AWS Backup).
# Whole-process wall of `status --json` with the AWS model (terraform.yml) vs the
# same env pair without it, every inventory host refusing at once on loopback so
# the refresh is not bound by unreachable addresses. Target: at most 100 ms more,
# and one ListRecoveryPointsByBackupVault listing per vault per refresh (counted
# at the stub). Without moto: one line saying so.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
D=${DRCONSOLE:-$ROOT/drconsole}
if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3' 2>/dev/null; then
	echo "  skipped: the moto server and boto3 are not installed"
	exit 0
fi
NET=${LAB_NET:-0}
ADDR=127.$NET.40.40
W=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
free_port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$ADDR"; }
wait_port() { for _ in $(seq 300); do curl -s -o /dev/null --noproxy '*' "http://$ADDR:$1/" && return 0; sleep 0.1; done; return 1; }

MOTO=$(free_port)
moto_server -H "$ADDR" -p "$MOTO" >"$W/moto.log" 2>&1 &
pids+=($!)
wait_port "$MOTO" || { echo "  moto did not start"; exit 0; }
mkdir -p "$W/pages"
python3 - "$ADDR" "$MOTO" "$W/pages" <<'PY'
import json, sys, boto3
addr, port, pages = sys.argv[1:4]
rds = boto3.client("rds", region_name="us-east-1", endpoint_url=f"http://{addr}:{port}",
                   aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench-secret")
names = ["pgmain1", "pgformplayer2", "pgucr0", "pgsynclog2", "pgauditcare1"] + [f"pgshard{i}" for i in range(1, 6)]
for n in names:
    rds.create_db_instance(DBInstanceIdentifier=f"{n}-production", DBInstanceClass="db.m5.xlarge", Engine="postgres",
                           EngineVersion="14.18", AllocatedStorage=100, MultiAZ=True, BackupRetentionPeriod=7,
                           MasterUsername="u", MasterUserPassword="password123")
def point(i, arn, kind, ago):
    return {"RecoveryPointArn": f"arn:aws:backup:us-east-2:000000000000:recovery-point:bench-{i}",
            "BackupVaultName": "BusinessContinuity_Production_East-2", "ResourceArn": arn, "ResourceType": kind,
            "Status": "COMPLETED", "CreationDate": f"@AGO:{ago}@", "CompletionDate": f"@AGO:{ago - 600}@",
            "BackupSizeInBytes": 21474836480}
pts = [point(i, f"arn:aws:rds:us-east-1:000000000000:db:{n}-production", "RDS", 7200) for i, n in enumerate(names)]
pts += [point(100 + i, f"arn:aws:ec2:us-east-1:000000000000:volume/vol-0bench{i:04d}", "EBS", 7200) for i in range(20)]
text = json.dumps({"RecoveryPoints": pts}).replace('"@AGO:', "@AGO:").replace('@"', "@")
open(f"{pages}/recovery-points-page1.json", "w").write(text)
open(f"{pages}/recovery-points-page2.json", "w").write('{"RecoveryPoints": []}')
PY
BACKUP=$(free_port)
python3 tests/lab/aws_backup_stub.py "$ADDR" "$BACKUP" "$W/pages" "$W/backup.log" &
pids+=($!)
wait_port "$BACKUP" || { echo "  the AWS Backup stand-in did not start"; exit 0; }

# the pair with its AWS model, and the same pair without it; every host refuses at once
for v in aws plain; do
	mkdir -p "$W/$v"
	cp -r tests/fixtures/envs-aws/production tests/fixtures/envs-aws/backup-production "$W/$v/"
	sed -i -E "s/^10\.[0-9]+\.[0-9]+\.[0-9]+/$ADDR/" "$W/$v"/*/inventory.ini
	[ $v = plain ] && rm -f "$W/$v"/*/terraform.yml "$W/$v"/*/aws-resources.yml
	cat > "$W/$v.yml" <<CFG
objectives: { rpo: 15m, rto: 2h }
sites:
  primary:   { env_dir: $W/$v/production,        control: control4 }
  secondary: { env_dir: $W/$v/backup-production, control: control4 }
ssh: { user: ansible, connect_timeout: 2s }
postgres: { connect_timeout: 2s }
probe_timeout: 5s
state_dir: $W/state-$v
CFG
done
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_RDS=http://$ADDR:$MOTO AWS_ENDPOINT_URL_BACKUP=http://$ADDR:$BACKUP
"$D" -c "$W/aws.yml" status --json > "$W/one.json" 2>/dev/null
: > "$W/backup.log"
"$D" -c "$W/aws.yml" status --json > "$W/one.json" 2>/dev/null
python3 - "$W/one.json" "$W/backup.log" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
obs = [o for s in d["sites"].values() for o in s["observations"]]
aws = [o for o in obs if o["probe"] in ("rds", "vault")]
other = [o for o in obs if o["probe"] not in ("rds", "vault") and o.get("latency_ms", -1) >= 0]
lat = max((o["latency_ms"] for o in aws), default=-1)
lists = {}
for line in open(sys.argv[2]):
    code, region, method, path = line.split()
    if "nextToken=" not in path:
        vault = re.search(r"/backup-vaults/([^/]+)/", path).group(1)
        lists[vault] = lists.get(vault, 0) + 1
print(f"  one refresh: {len(aws)} AWS rows ({sum(o['probe'] == 'rds' for o in aws)} RDS, "
      f"{sum(o['probe'] == 'vault' for o in aws)} vault), slowest AWS probe {lat} ms "
      f"(slowest other probe {max((o['latency_ms'] for o in other), default=-1)} ms)")
print("  listings per vault in that refresh: " + ", ".join(f"{v} {n}" for v, n in sorted(lists.items()))
      + ("  (target: 1 each)" if lists else "  (none: the vault probe did not run)"))
PY
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N -w 2 -r 15 "$D -c $W/aws.yml status --json" "$D -c $W/plain.yml status --json" 2>&1 |
		grep -E 'Time|±|faster|Benchmark' | sed 's/^/  /'
else
	for v in aws plain; do
		s=$(date +%s%N); for _ in 1 2 3 4 5 6 7 8 9 10; do "$D" -c "$W/$v.yml" status --json >/dev/null 2>&1; done; e=$(date +%s%N)
		echo "  status --json, $v pair: $(( (e - s) / 10000000 )) ms per refresh (mean of 10)"
	done
fi
echo "  (target: the AWS pair's refresh at most 100 ms slower than the same pair without its AWS model)"
