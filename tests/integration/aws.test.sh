#!/usr/bin/env bash
# The RDS and AWS Backup vault probes against AWS API stand-ins. RDS: a real stand-in: the moto server (Python; no
# RDS server exists on Debian or npm) on loopback, holding RDS instances shaped
# like tests/fixtures/envs-aws (production: 10 Multi-AZ instances), and the
# CloudWatch ReplicaLag of a read replica on the same port. Requests are
# signed with SigV4 by libcurl; moto routes them by the signature's service.
# What moto cannot do (throttle, expire a token, deny CloudWatch) comes from a
# small server answering with the recorded AWS error documents of
# tests/fixtures/aws/.
# AWS Backup (no stand-in lists recovery points): a server answering
# ListRecoveryPointsByBackupVault with the recorded pages of tests/fixtures/aws/
# (their @AGO:n@ times resolved against now), checking each request is SigV4
# signed for the backup service in the remote vault's region.
# Without moto: one SKIP line with the reason.
set -u
D=$DRCONSOLE
ROOT=$(pwd)
ok() { echo "PASS: aws $1"; }
ko() { echo "FAIL: aws $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }

if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3' 2>/dev/null; then
	echo "SKIP: aws (the moto server and boto3 are not installed: pip install 'moto[server]' boto3)"
	exit 0
fi
NET=${LAB_NET:-0}
ADDR=127.$NET.40.30
W=${LAB_DIR:-/tmp}/aws-itest
rm -rf "$W"; mkdir -p "$W"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$ADDR"; }
wait_port() { for _ in $(seq 300); do curl -s -o /dev/null --noproxy '*' "http://$ADDR:$1/" && return 0; sleep 0.1; done; return 1; }

MOTO_PORT=$(free_port)
moto_server -H "$ADDR" -p "$MOTO_PORT" >"$W/moto.log" 2>&1 &
pids+=($!)
if ! wait_port "$MOTO_PORT"; then
	ko "moto server did not start" "$(tail -5 "$W/moto.log")"
	exit 0
fi

# 95 unrelated instances first, so the env's own land on DescribeDBInstances' second page
python3 - "$ADDR" "$MOTO_PORT" <<'PY'
import sys, boto3
addr, port = sys.argv[1:3]
rds = boto3.client("rds", region_name="us-east-1", endpoint_url=f"http://{addr}:{port}",
                   aws_access_key_id="AKIDITEST", aws_secret_access_key="itest-secret")
def make(name, multi_az=True, retention=7):
    rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.m5.xlarge", Engine="postgres",
                           EngineVersion="14.18", AllocatedStorage=100, MultiAZ=multi_az,
                           BackupRetentionPeriod=retention, MasterUsername="u",
                           MasterUserPassword="password123")
for i in range(95):
    make(f"other{i}-staging")
for n in ["pgmain1", "pgformplayer2", "pgucr0", "pgsynclog2", "pgauditcare1"] + [f"pgshard{i}" for i in range(1, 6)]:
    make(f"{n}-production")
PY

CFG=$W/aws.yml
mkdir -p "$W/envs-aws"
cp -r "$ROOT/tests/fixtures/envs-aws/production" "$ROOT/tests/fixtures/envs-aws/backup-production" "$W/envs-aws/"
# probe_timeout 30s: every server here answers (moto, the stubs), some with
# an error on purpose; a sanitizer build on a loaded machine took more than
# the 5 s default for moto's 105-instance pages, or for Throttling's back-off
# and the answer, and left rows pending. No case here waits on a timeout.
sed "s#state_dir: .*#state_dir: $W/state#; s/^objectives:/probe_timeout: 30s\nobjectives:/" "$ROOT/tests/fixtures/aws.yml" > "$CFG"
status_json() { env AWS_ACCESS_KEY_ID=AKIDITEST AWS_SECRET_ACCESS_KEY=itest-secret "$@" "$D" -c "$CFG" status --json 2>"$W/stderr"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); o={x['key']: x for s in d['sites'].values() for x in s['observations']}; $1"; }
# rds_slow JSON: an RDS row still pending, or timed out: moto's pages are slow under a
# sanitizer on a loaded machine; the tests that judge RDS rows ask once more, and say so
rds_slow() {
	if printf '%s' "$1" | py 'import re; sys.exit(0 if any(x["status"] == "pending" or x["status"] == "unknown" and re.search("timed out|no answer|deadline", x.get("message") or "") for k, x in o.items() if "/rds/" in k) else 1)' 2>/dev/null; then
		echo "(aws: an RDS answer timed out under load: asking once more)"
		return 0
	fi
	return 1
}

out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT")
if printf '%s' "$out" | py '
p=[x for k,x in o.items() if k.startswith("primary/rds/")]
assert len(p)==10, len(p)
assert all(x["status"]=="ok" for x in p), [(x["key"],x["message"]) for x in p if x["status"]!="ok"]
assert all(x["fields"]["rpo_scenario"]=="instance" for x in p)
m=o["primary/rds/pgmain1-production"]
assert m["fields"]["multi_az"]=="yes" and m["fields"]["backup_retention_days"]=="7"
assert m["fields"]["arn"].endswith(":db:pgmain1-production")
' 2>"$W/py.err"; then
	ok "every terraform instance found and judged, the env's own on the second page (105 instances)"
else
	ko "every terraform instance found and judged, the env's own on the second page (105 instances)" "$(cat "$W/py.err")"
fi
if printf '%s' "$out" | py '
i={s["store"]: s for s in d["rpo_instance_loss"]["stores"]}
r={s["store"]: s for s in d["rpo"]["stores"]}
assert i["postgres"]["status"]=="ok" and i["postgres"]["exposure_s"] < 120, i["postgres"]
assert "(PITR)" in i["postgres"]["source"]
assert r["postgres"]["exposure_s"] is None and r["postgres"]["status"]=="crit", r["postgres"]
assert d["rpo"]["scenario"]=="site-loss" and d["rpo_instance_loss"]["scenario"]=="instance-loss"
' 2>"$W/py.err"; then
	ok "instance loss is judged from PITR; site loss is not (PITR lives in the lost region)"
else
	ko "instance loss is judged from PITR; site loss is not (PITR lives in the lost region)" "$(cat "$W/py.err")"
fi
if printf '%s' "$out" | py '
s=[x for k,x in o.items() if k.startswith("secondary/rds/")]
assert len(s)==10 and all(x["status"]=="crit" and x["state"]=="missing" and "us-east-2" in x["message"] for x in s)
assert all("rpo_store" not in x["fields"] for x in s)
' 2>"$W/py.err"; then
	ok "the pilot-light secondary is looked up in its own region (us-east-2): none restored yet"
else
	ko "the pilot-light secondary is looked up in its own region (us-east-2): none restored yet" "$(cat "$W/py.err")"
fi
if printf '%s%s' "$out" "$(cat "$W/stderr")" | grep -q 'itest-secret'; then
	ko "the secret key appears nowhere in the output"
else
	ok "the secret key appears nowhere in the output"
fi

# drift from terraform.yml: one instance made single-AZ with 3 days of retention
python3 - "$ADDR" "$MOTO_PORT" <<'PY'
import sys, boto3
addr, port = sys.argv[1:3]
rds = boto3.client("rds", region_name="us-east-1", endpoint_url=f"http://{addr}:{port}",
                   aws_access_key_id="AKIDITEST", aws_secret_access_key="itest-secret")
rds.modify_db_instance(DBInstanceIdentifier="pgshard3-production", MultiAZ=False, BackupRetentionPeriod=3,
                       ApplyImmediately=True)
rds.delete_db_instance(DBInstanceIdentifier="pgucr0-production", SkipFinalSnapshot=True)
PY
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT")
if printf '%s' "$out" | py '
x=o["primary/rds/pgshard3-production"]
assert x["status"]=="warn", x
assert "not Multi-AZ although terraform.yml says multi_az: true" in x["message"] and "backup retention 3 d, terraform.yml says 7" in x["message"], x["message"]
u=o["primary/rds/pgucr0-production"]
assert u["status"]=="crit" and u["state"]=="missing"
i={s["store"]: s for s in d["rpo_instance_loss"]["stores"]}
assert i["postgres"]["status"]=="crit" and i["postgres"]["exposure_s"] is None, i["postgres"]
' 2>"$W/py.err"; then
	ok "drift from terraform.yml warns; a deleted instance is crit and leaves instance loss without a source"
else
	ko "drift from terraform.yml warns; a deleted instance is crit and leaves instance loss without a source" "$(cat "$W/py.err")"
fi

# recorded AWS errors: Throttling twice then the recorded answer; an expired token
STUB_PORT=$(free_port)
cat > "$W/stub.py" <<'PY'
import http.server, sys
addr, port, fixtures, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
state = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if "AWS4-HMAC-SHA256" not in self.headers.get("Authorization", ""):
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        state["n"] += 1
        if mode == "expired":
            code, name = 400, "expired-token.xml"
        elif state["n"] <= 2:
            code, name = 400, "throttling.xml"
        else:
            code, name = 200, "describe-db-instances.xml"
        body = open(f"{fixtures}/{name}", "rb").read()
        self.send_response(code)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(sys.argv[5], "a") as f:
            f.write(f"{code} {self.path}\n")
    def log_message(self, *a):
        pass
http.server.HTTPServer((addr, port), H).serve_forever()
PY
python3 "$W/stub.py" "$ADDR" "$STUB_PORT" "$ROOT/tests/fixtures/aws" throttle "$W/throttle.log" &
pids+=($!)
wait_port "$STUB_PORT" || ko "stub server did not start"
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$STUB_PORT")
if [ "$(grep -c '^400 ' "$W/throttle.log")" = 2 ] && [ "$(grep -c '^200 ' "$W/throttle.log")" -ge 1 ] &&
   printf '%s' "$out" | py 'assert o["primary/rds/pgmain1-production"]["status"] in ("ok","warn"), o["primary/rds/pgmain1-production"]' 2>"$W/py.err"; then
	ok "Throttling is retried with back-off until the answer comes"
else
	ko "Throttling is retried with back-off until the answer comes" "$(cat "$W/throttle.log" "$W/py.err")"
fi
kill "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null
STUB_PORT=$(free_port)
python3 "$W/stub.py" "$ADDR" "$STUB_PORT" "$ROOT/tests/fixtures/aws" expired "$W/expired.log" &
pids+=($!)
wait_port "$STUB_PORT" || ko "stub server did not start"
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$STUB_PORT" AWS_SESSION_TOKEN=itest-token)
if printf '%s' "$out" | py '
x=o["primary/rds/pgmain1-production"]
assert x["status"]=="unknown" and "ExpiredToken: The security token included in the request is expired" in x["message"], x
' 2>"$W/py.err" && ! printf '%s' "$out" | grep -q 'itest-token'; then
	ok "an expired token makes every row unknown with the reason, and the token is shown nowhere"
else
	ko "an expired token makes every row unknown with the reason, and the token is shown nowhere" "$(cat "$W/py.err")"
fi
# the remote vault: recorded pages; 30 h old copies against a 15 min objective
VAULT_PORT=$(free_port)
cat > "$W/vault.py" <<'PY'
import http.server, re, sys, time
addr, port, fixtures, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def page(name):
    now = int(time.time())
    text = open(f"{fixtures}/{name}").read()
    return re.sub(r"@AGO:(-?\d+)@", lambda m: str(now - int(m.group(1))), text).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        path, _, query = self.path.partition("?")
        if "/us-east-2/backup/aws4_request" not in auth:
            code, body = 403, b'{"__type":"UnrecognizedClientException","message":"unsigned"}'
        elif path != "/backup-vaults/BusinessContinuity_Production_East-2/recovery-points/":
            code, body = 404, b'{"Code":"ResourceNotFoundException","Message":"no such vault"}'
        elif "nextToken=" in query:
            code, body = 200, page("recovery-points-page2.json")
        else:
            code, body = 200, page("recovery-points-page1.json")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(log, "a") as f:
            f.write(f"{code} {self.path}\n")
    def log_message(self, *a):
        pass
http.server.HTTPServer((addr, port), H).serve_forever()
PY
python3 "$W/vault.py" "$ADDR" "$VAULT_PORT" "$ROOT/tests/fixtures/aws" "$W/vault.log" &
pids+=($!)
wait_port "$VAULT_PORT" || ko "vault server did not start"
# moto again holds every production instance, fresh
python3 - "$ADDR" "$MOTO_PORT" <<'PY'
import sys, boto3
addr, port = sys.argv[1:3]
rds = boto3.client("rds", region_name="us-east-1", endpoint_url=f"http://{addr}:{port}",
                   aws_access_key_id="AKIDITEST", aws_secret_access_key="itest-secret")
rds.create_db_instance(DBInstanceIdentifier="pgucr0-production", DBInstanceClass="db.m5.xlarge", Engine="postgres",
                       EngineVersion="14.18", AllocatedStorage=100, MultiAZ=True, BackupRetentionPeriod=7,
                       MasterUsername="u", MasterUserPassword="password123")
rds.modify_db_instance(DBInstanceIdentifier="pgshard3-production", MultiAZ=True, BackupRetentionPeriod=7,
                       ApplyImmediately=True)
PY
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT")
# moto's pages of the 105-instance account are slow under a sanitizer on a loaded
# machine: an RDS answer that did not come within the probe timeout is asked again
# once (the judgement below is what this test is about), and said
if rds_slow "$out"; then
	out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT")
fi
if printf '%s' "$out" | py '
v={k.split("/")[-1]: x for k,x in o.items() if k.startswith("primary/vault/remote/")}
assert len(v)==11, sorted(v)
assert 29*3600 < v["pgmain1-production"]["value"] < 31*3600, v["pgmain1-production"]
assert v["pgmain1-production"]["state"] in ("ok","late")
assert v["pgshard5-production"]["status"]=="crit" and v["pgshard5-production"]["state"]=="missing"
assert v["pgformplayer2-production"]["state"]=="outside" and "nothing outside us-east-1 can restore it" in v["pgformplayer2-production"]["message"]
assert v["ebs"]["fields"]["volumes_with_points"]=="8" and v["ebs"]["status"]=="ok", v["ebs"]
' 2>"$W/py.err" && [ "$(grep -c '^200 .*nextToken=' "$W/vault.log")" -ge 1 ]; then
	ok "remote vault: newest COMPLETED copy per instance over two pages, an instance outside the plan, the plan's EBS volumes"
else
	ko "remote vault: newest COMPLETED copy per instance over two pages, an instance outside the plan, the plan's EBS volumes" "$(cat "$W/py.err" "$W/vault.log")"
fi
if printf '%s' "$out" | py '
i={s["store"]: s for s in d["rpo_instance_loss"]["stores"]}
r={s["store"]: s for s in d["rpo"]["stores"]}
assert i["postgres"]["status"]=="ok" and i["postgres"]["exposure_s"] < 300, i["postgres"]
assert r["postgres"]["status"]=="crit" and r["postgres"]["exposure_s"] is None, r["postgres"]
' 2>"$W/py.err"; then
	ok "fresh PITR and 30 h old remote copies: instance loss OK, site loss CRIT (an instance has no copy at all)"
else
	ko "fresh PITR and 30 h old remote copies: instance loss OK, site loss CRIT (an instance has no copy at all)" "$(cat "$W/py.err"
printf '%s' "$out" | py 'print("\n".join("%s %s %s" % (k, x["status"], x["message"]) for k, x in sorted(o.items()) if "/rds/" in k))')"
fi
# put the two instances outside the plan into it: site loss is then judged from the copies' age
python3 - "$W/envs-aws/production/terraform.yml" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
t = re.sub(r"(    backup_retention: 7\n)(?!    enable_cross_region_backup)", r"\1    enable_cross_region_backup: true\n", t)
open(sys.argv[1], "w").write(t)
PY
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT")
if printf '%s' "$out" | py '
r={s["store"]: s for s in d["rpo"]["stores"]}
v={k.split("/")[-1]: x for k,x in o.items() if k.startswith("primary/vault/remote/")}
assert v["pgformplayer2-production"]["state"]=="missing", v["pgformplayer2-production"]
' 2>"$W/py.err"; then
	ok "an instance put into the plan without a copy yet is missing (crit), with the instance named"
else
	ko "an instance put into the plan without a copy yet is missing (crit), with the instance named" "$(cat "$W/py.err")"
fi
check_out=$(env AWS_ACCESS_KEY_ID=AKIDITEST AWS_SECRET_ACCESS_KEY=itest-secret AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT" "$D" -c "$CFG" check 2>&1)
if printf '%s' "$check_out" | head -1 | grep -Eq '^DRCONSOLE CRITICAL - RPO: no usable recovery source for postgres; if one instance is lost'; then
	ok "check names both scenarios"
else
	ko "check names both scenarios" "$check_out"
fi
# objectives.rpo_headline: instance: the headline, check and JSON rpo judge one instance's loss; region loss still shown
HCFG=$W/aws-instance.yml
sed 's/^objectives: { rpo: 15m, rto: 2h }/objectives: { rpo: 15m, rto: 2h, rpo_headline: instance }/' "$CFG" > "$HCFG"
hv() { env AWS_ACCESS_KEY_ID=AKIDITEST AWS_SECRET_ACCESS_KEY=itest-secret AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT" "$D" -c "$HCFG" "$@" 2>&1; }
out=$(hv status --json)
check_out=$(hv check)
text=$(hv status)
if grep -q 'rpo_headline: instance' "$HCFG" && printf '%s' "$out" | py '
i={s["store"]: s for s in d["rpo"]["stores"]}
r={s["store"]: s for s in d["rpo_site_loss"]["stores"]}
assert d["rpo"]["scenario"]=="instance-loss" and "rpo_instance_loss" not in d, d["rpo"]
assert i["postgres"]["status"]=="ok" and "(PITR)" in i["postgres"]["source"], i["postgres"]
assert d["rpo_site_loss"]["scenario"]=="site-loss" and r["postgres"]["status"]=="crit" and r["postgres"]["exposure_s"] is None, r
' 2>"$W/py.err" && printf '%s' "$check_out" | head -1 | grep -Eq '^DRCONSOLE CRITICAL - RPO.* if one instance is lost; if the region is lost: no usable source for postgres' &&
   printf '%s' "$text" | grep -q '^RPO objective 15m: CRIT if one database instance is lost$' &&
   printf '%s' "$text" | grep -Eq '^  OK +postgres +exposure [0-9dhms]+ via .* \(PITR\)$' &&
   printf '%s' "$text" | grep -q '^RPO objective 15m: CRIT if the primary site (its region) is lost (not the headline)$'; then
	ok "rpo_headline: instance: JSON rpo, check and status judge instance loss first; region loss still shown"
else
	ko "rpo_headline: instance: JSON rpo, check and status judge instance loss first; region loss still shown" "$(cat "$W/py.err"; printf '%s\n' "$check_out" | head -1; printf '%s\n' "$text" | grep RPO)"
fi

out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" "$D" -c "$CFG" status --json 2>/dev/null)
if printf '%s' "$out" | py '
x=o["primary/rds/pgmain1-production"]
assert x["status"]=="unknown" and "no AWS credentials" in x["message"], x
' 2>"$W/py.err"; then
	ok "no credentials: unknown with the reason, no request"
else
	ko "no credentials: unknown with the reason, no request" "$(cat "$W/py.err")"
fi
# an EC2 instance role through IMDSv2 (token first), as on a control host with metadata tokens required
IMDS_PORT=$(free_port)
cat > "$W/imds.py" <<'PY'
import http.server, json, sys
addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TOKEN = "imds-session-token"
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
        with open(log, "a") as f:
            f.write(f"{self.command} {self.path} {code}\n")
    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self.reply(200, TOKEN)
        else:
            self.reply(400, "")
    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            self.reply(401, "")
        elif self.path == "/latest/meta-data/iam/security-credentials/":
            self.reply(200, "dr-control-role")
        elif self.path == "/latest/meta-data/iam/security-credentials/dr-control-role":
            self.reply(200, json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDSITEST",
                                        "SecretAccessKey": "imds-secret", "Token": "imds-role-token",
                                        "Expiration": "2099-01-01T00:00:00Z"}))
        else:
            self.reply(404, "")
    def log_message(self, *a):
        pass
http.server.HTTPServer((addr, port), H).serve_forever()
PY
python3 "$W/imds.py" "$ADDR" "$IMDS_PORT" "$W/imds.log" &
pids+=($!)
wait_port "$IMDS_PORT" || ko "metadata server did not start"
rm -f "$W/imds.log"
imds_status() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE HOME="$W" AWS_EC2_METADATA_SERVICE_ENDPOINT="http://$ADDR:$IMDS_PORT" \
		AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" "$D" -c "$CFG" status --json 2>&1
}
out=$(imds_status)
if rds_slow "$out"; then
	rm -f "$W/imds.log"
	out=$(imds_status)
fi
if printf '%s' "$out" | py 'assert o["primary/rds/pgmain1-production"]["status"] in ("ok","warn"), o["primary/rds/pgmain1-production"]' 2>"$W/py.err" &&
   grep -q '^PUT /latest/api/token 200' "$W/imds.log" && grep -q '^GET /latest/meta-data/iam/security-credentials/dr-control-role 200' "$W/imds.log" &&
   ! printf '%s' "$out" | grep -q 'imds-secret\|imds-role-token'; then
	ok "credentials from the instance role through IMDSv2 (token first); none of them shown"
else
	ko "credentials from the instance role through IMDSv2 (token first); none of them shown" "$(cat "$W/py.err" "$W/imds.log" 2>/dev/null)"
fi
# Per-site credentials from ~/.aws: the primary through a role assumed with STS (moto), the
# secondary (another account) through an `aws sso login` cache exchanged at a portal stub
# answering GetRoleCredentials in its recorded wire format. No secret in any output.
H=$W/home
mkdir -p "$H/.aws/sso/cache"
cat > "$H/.aws/config" <<'CFG'
[profile base]
region = us-east-1
[profile prod-role]
role_arn = arn:aws:iam::123456789012:role/dr-readonly
source_profile = base
role_session_name = drconsole-itest
[profile dr-sso]
sso_session = dr
sso_account_id = 222233334444
sso_role_name = DRReadOnly
region = us-east-2
[sso-session dr]
sso_start_url = https://itest.awsapps.com/start
sso_region = us-east-2
CFG
printf '[base]\naws_access_key_id = AKIDBASEITEST\naws_secret_access_key = base-itest-secret-c2VjcmV0\n' > "$H/.aws/credentials"
SSO_CACHE=$H/.aws/sso/cache/$(printf %s dr | sha1sum | cut -d' ' -f1).json
sso_cache() { printf '{"startUrl": "https://itest.awsapps.com/start", "region": "us-east-2", "accessToken": "sso-itest-access-token-aoJIUzI1NiJ9", "expiresAt": "%s"}' "$1" > "$SSO_CACHE"; }
sso_cache "$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)"
PORTAL_PORT=$(free_port)
cat > "$W/portal.py" <<'PY'
import http.server, sys, time, urllib.parse
addr, port, fixtures, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
TOKEN = "sso-itest-access-token-aoJIUzI1NiJ9"
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path, _, query = self.path.partition("?")
        q = urllib.parse.parse_qs(query)
        if self.headers.get("x-amz-sso_bearer_token") != TOKEN:
            code, body = 401, open(f"{fixtures}/sso-unauthorized.json").read()
        elif path != "/federation/credentials" or q.get("role_name") != ["DRReadOnly"]:
            code, body = 404, '{"message":"no such role"}'
        else:
            exp = str(int(time.time() + 3600) * 1000)
            code, body = 200, open(f"{fixtures}/sso-role-credentials.json").read().replace("@EXPIRATION_MS@", exp)
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if code == 401:
            self.send_header("x-amzn-ErrorType", "UnauthorizedException")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
        with open(log, "a") as f:
            f.write(f"{code} {self.path}\n")
    def log_message(self, *a):
        pass
http.server.HTTPServer((addr, port), H).serve_forever()
PY
python3 "$W/portal.py" "$ADDR" "$PORTAL_PORT" "$ROOT/tests/fixtures/aws" "$W/portal.log" &
pids+=($!)
wait_port "$PORTAL_PORT" || ko "portal stub did not start"
# moto's us-east-2 holds one restored-looking pilot-light instance, found with the SSO role's credentials
python3 - "$ADDR" "$MOTO_PORT" <<'PY'
import sys, boto3
addr, port = sys.argv[1:3]
rds = boto3.client("rds", region_name="us-east-2", endpoint_url=f"http://{addr}:{port}",
                   aws_access_key_id="AKIDITEST", aws_secret_access_key="itest-secret")
rds.create_db_instance(DBInstanceIdentifier="pgmain1-bk-production", DBInstanceClass="db.t3.micro", Engine="postgres",
                       EngineVersion="14.18", AllocatedStorage=20, MasterUsername="u", MasterUserPassword="password123")
PY
PCFG=$W/aws-profiles.yml
sed -e "s#control: control4 }#control: control4, aws_profile: PROFILE }#" "$CFG" |
	awk '/primary:/ { sub("PROFILE", "prod-role") } /secondary:/ { sub("PROFILE", "dr-sso") } { print }' > "$PCFG"
: > "$W/portal.log"
profiles_env() { env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE HOME="$H" \
	AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_STS="http://$ADDR:$MOTO_PORT" \
	AWS_ENDPOINT_URL_SSO="http://$ADDR:$PORTAL_PORT" AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT" "$@"; }
out=$(profiles_env "$D" -c "$PCFG" status --json 2>"$W/stderr")
if printf '%s' "$out" | py '
p=[x for k,x in o.items() if k.startswith("primary/rds/")]
assert len(p)==10 and all(x["status"] in ("ok","warn") for x in p), [(x["key"],x["message"]) for x in p if x["status"] not in ("ok","warn")]
s={k.split("/")[-1]: x for k,x in o.items() if k.startswith("secondary/rds/")}
assert len(s)==10, sorted(s)
assert s["pgmain1-bk-production"]["status"]!="unknown" and s["pgmain1-bk-production"]["state"]!="missing", s["pgmain1-bk-production"]
assert all(x["state"]=="missing" and "us-east-2" in x["message"] for k,x in s.items() if k!="pgmain1-bk-production"), [x["message"] for x in s.values()]
v=[x for k,x in o.items() if k.startswith("primary/vault/remote/")]
assert v and all(x["status"]!="unknown" for x in v), [x["message"] for x in v if x["status"]=="unknown"]
' 2>"$W/py.err" && grep -q 'Action=AssumeRole' "$W/moto.log" && grep -q 'RoleArn=arn:aws:iam::123456789012:role/dr-readonly&RoleSessionName=drconsole-itest' "$W/moto.log" &&
   grep -q '^200 /federation/credentials?account_id=222233334444&role_name=DRReadOnly' "$W/portal.log"; then
	ok "per-site profiles: the primary's role assumed through STS, the secondary's account through its SSO login"
else
	ko "per-site profiles: the primary's role assumed through STS, the secondary's account through its SSO login" "$(cat "$W/py.err" "$W/portal.log"; grep AssumeRole "$W/moto.log" | head -2)"
fi
text=$(profiles_env "$D" -c "$PCFG" status 2>&1; profiles_env "$D" -c "$PCFG" check 2>&1)
found=$(printf '%s\n%s\n%s\n' "$out" "$(cat "$W/stderr")" "$text" | cat - $(find "$W/state" -type f 2>/dev/null) |
	grep -o 'base-itest-secret[^"]*\|sso-itest-secret[^"]*\|sso-itest-session-token[^"]*\|sso-itest-access-token[^"]*' | head -3)
if [ -z "$found" ] && [ -n "$text" ]; then
	ok "no secret of the profiles, STS or the SSO portal in JSON, text, check, stderr or the state directory"
else
	ko "no secret of the profiles, STS or the SSO portal in JSON, text, check, stderr or the state directory" "$found"
fi
sso_cache "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
out=$(profiles_env "$D" -c "$PCFG" status --json 2>/dev/null)
if printf '%s' "$out" | py '
x=o["secondary/rds/pgmain1-bk-production"]
assert x["status"]=="unknown" and "expired at" in x["message"] and "aws sso login --profile dr-sso" in x["message"], x
assert o["primary/rds/pgmain1-production"]["status"] in ("ok","warn"), o["primary/rds/pgmain1-production"]
' 2>"$W/py.err" && ! printf '%s' "$out" | grep -q 'sso-itest-access-token'; then
	ok "an expired SSO login makes the secondary's rows unknown with the way out; the primary is unaffected"
else
	ko "an expired SSO login makes the secondary's rows unknown with the way out; the primary is unaffected" "$(cat "$W/py.err")"
fi
# read replicas (moto makes them; it has no StatusInfos and no replicated automated
# backups): the source's row names each replica with its state, stays OK, and no
# DescribeDBInstanceAutomatedBackups is asked for without a replication to read.
# Their lag is CloudWatch's ReplicaLag, which moto serves on the same port over the
# Query protocol (GetMetricStatistics as a signed POST form): a datapoint put there
# five minutes ago is shown with its time; a newer and larger one makes the row warn
python3 - "$ADDR" "$MOTO_PORT" <<'PY'
import sys, boto3
addr, port = sys.argv[1:3]
rds = boto3.client("rds", region_name="us-east-1", endpoint_url=f"http://{addr}:{port}",
                   aws_access_key_id="AKIDITEST", aws_secret_access_key="itest-secret")
rds.create_db_instance_read_replica(DBInstanceIdentifier="pgmain1-replica",
                                    SourceDBInstanceIdentifier="pgmain1-production")
PY
# on a whole minute, as CloudWatch's periods start (moto's start at the first datapoint)
put_lag() {	# $1 = seconds of lag, $2 = seconds ago; prints the datapoint's HH:MM (UTC)
	python3 - "$ADDR" "$MOTO_PORT" "$1" "$2" <<'PY'
import sys, boto3, datetime
addr, port, lag, ago = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
cw = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=f"http://{addr}:{port}",
                  aws_access_key_id="AKIDITEST", aws_secret_access_key="itest-secret")
at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=ago)).replace(second=0, microsecond=0)
cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{"MetricName": "ReplicaLag", "Value": lag, "Unit": "Seconds",
    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "pgmain1-replica"}], "Timestamp": at}])
print(at.strftime("%H:%M"))
PY
}
lag_at=$(put_lag 3 300)
moto_lines=$(wc -l < "$W/moto.log")
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_CLOUDWATCH="http://$ADDR:$MOTO_PORT" \
	AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT")
if printf '%s' "$out" | LAG_AT=$lag_at py '
import os
m=o["primary/rds/pgmain1-production"]
assert m["fields"]["read_replicas"]=="1", m["fields"]
assert m["fields"]["read_replica_states"]=="pgmain1-replica available replication status not reported, lag 3s (CloudWatch %sZ)" % os.environ["LAG_AT"], m["fields"]
assert m["fields"]["replica_lag_s"]=="3" and "replica_lag_error" not in m["fields"], m["fields"]
assert m["status"]=="ok", m
assert len([k for k in o if k.startswith("primary/rds/")])==10, sorted(o)
assert not [k for k in o if "/rds-backups/" in k], sorted(o)
' 2>"$W/py.err" && ! tail -n +"$((moto_lines + 1))" "$W/moto.log" | grep -q 'DescribeDBInstanceAutomatedBackups'; then
	ok "a read replica is named with its state and CloudWatch lag on its source's row; no automated-backups listing without a replication"
else
	ko "a read replica is named with its state and CloudWatch lag on its source's row; no automated-backups listing without a replication" "$(cat "$W/py.err")"
fi
lag_at=$(put_lag 150 30)
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$MOTO_PORT" AWS_ENDPOINT_URL_CLOUDWATCH="http://$ADDR:$MOTO_PORT" \
	AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT")
if printf '%s' "$out" | LAG_AT=$lag_at py '
import os
m=o["primary/rds/pgmain1-production"]
assert m["status"]=="warn" and m["message"].endswith("; read replica pgmain1-replica lag 150s"), m
assert m["message"].startswith("PITR to "), m
assert ", lag 150s (CloudWatch %sZ)" % os.environ["LAG_AT"] in m["fields"]["read_replica_states"], m["fields"]
assert m["fields"]["replica_lag_s"]=="150", m["fields"]
' 2>"$W/py.err"; then
	ok "a replica lagging 150s (the standby's warn threshold is 60s) makes its source's row warn; the newest datapoint counts"
else
	ko "a replica lagging 150s (the standby's warn threshold is 60s) makes its source's row warn; the newest datapoint counts" "$(cat "$W/py.err")"
fi
# replicated automated backups (moto has none): recorded answers in the real wire
# format, restore windows moved to now; one DescribeDBInstanceAutomatedBackups per
# refresh, signed for the destination region, and its LatestTime is a site-loss source
REP_PORT=$(free_port)
cat > "$W/rep.py" <<'PY'
import http.server, re, sys, time
addr, port, fixtures, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        m = re.search(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/rds/aws4_request", self.headers.get("Authorization", ""))
        action = re.search(r"Action=([A-Za-z]+)", self.path)
        name = {"DescribeDBInstances": "describe-db-instances-replicas.xml",
                "DescribeDBInstanceAutomatedBackups": "describe-db-instance-automated-backups.xml"}.get(action.group(1) if action else "")
        if m is None or name is None:
            self.send_response(403); self.send_header("Content-Length", "0"); self.end_headers(); return
        now = time.gmtime(time.time() - 600)
        body = open(f"{fixtures}/{name}").read()
        body = re.sub(r"<(LatestTime|LatestRestorableTime)>[^<]*<", lambda x: f"<{x.group(1)}>" + time.strftime("%Y-%m-%dT%H:%M:%SZ", now) + "<", body).encode()
        self.send_response(200); self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        with open(log, "a") as f:
            f.write(f"200 {m.group(1)} {action.group(1)}\n")
    def do_POST(self):
        # CloudWatch: the recorded AccessDenied of a role without cloudwatch:GetMetricStatistics
        form = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        m = re.search(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/monitoring/aws4_request", self.headers.get("Authorization", ""))
        if m is None or "Action=GetMetricStatistics" not in form:
            self.send_response(403); self.send_header("Content-Length", "0"); self.end_headers(); return
        body = open(f"{fixtures}/cloudwatch-access-denied.xml", "rb").read()
        self.send_response(403); self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        with open(log, "a") as f:
            f.write(f"403 {m.group(1)} GetMetricStatistics\n")
    def log_message(self, *a):
        pass
http.server.HTTPServer((addr, port), H).serve_forever()
PY
python3 "$W/rep.py" "$ADDR" "$REP_PORT" "$ROOT/tests/fixtures/aws" "$W/rep.log" &
pids+=($!)
wait_port "$REP_PORT" || ko "replicated-backups stub did not start"
: > "$W/rep.log"
out=$(status_json AWS_ENDPOINT_URL_RDS="http://$ADDR:$REP_PORT" AWS_ENDPOINT_URL_CLOUDWATCH="http://$ADDR:$REP_PORT" \
	AWS_ENDPOINT_URL_BACKUP="http://$ADDR:$VAULT_PORT")
if printf '%s' "$out" | py '
b=o["primary/rds-backups/pgmain1-production"]
assert b["status"]=="ok" and b["fields"]["region"]=="us-east-2" and 590 <= int(b["fields"]["rpo_exposure_s"]) < 700, b
assert "rpo_scenario" not in b["fields"] and b["fields"]["rpo_part"]=="pgmain1-production", b
u=o["primary/rds-backups/pgucr0-production"]
assert u["status"]=="warn" and "no restore window yet" in u["message"], u
assert not [k for k in o if k.startswith("secondary/rds-backups/")], sorted(o)
m=o["primary/rds/pgmain1-production"]
assert m["status"]=="warn" and "read replica pgmain1-replica-b: replication error" in m["message"], m
' 2>"$W/py.err" && [ "$(grep -c ' DescribeDBInstanceAutomatedBackups$' "$W/rep.log")" = 1 ] &&
   grep -q '^200 us-east-2 DescribeDBInstanceAutomatedBackups$' "$W/rep.log"; then
	ok "replicated automated backups read once in the destination region: LatestTime judged as a site-loss source; a broken replica warns"
else
	ko "replicated automated backups read once in the destination region: LatestTime judged as a site-loss source; a broken replica warns" "$(cat "$W/py.err" "$W/rep.log")"
fi
# CloudWatch refuses (AccessDenied): said on the rows, asked once for the three replicas, no row changes
if printf '%s' "$out" | py '
u=o["primary/rds/pgucr0-production"]
assert u["status"]=="ok", u
assert u["fields"]["read_replica_states"]=="pgucr0-replica available replicating, lag not read (AccessDenied)", u["fields"]
assert "not authorized to perform: cloudwatch:GetMetricStatistics" in u["fields"]["replica_lag_error"], u["fields"]
m=o["primary/rds/pgmain1-production"]
assert "pgmain1-replica-a available replicating, lag not read (AccessDenied)" in m["fields"]["read_replica_states"], m["fields"]
assert " lag" not in m["message"] and "replica_lag_s" not in m["fields"], m
' 2>"$W/py.err" && [ "$(grep -c '^403 us-east-1 GetMetricStatistics$' "$W/rep.log")" = 1 ]; then
	ok "a CloudWatch AccessDenied is said in the replicas' states, asked once, and leaves the rows as judged"
else
	ko "a CloudWatch AccessDenied is said in the replicas' states, asked once, and leaves the rows as judged" "$(cat "$W/py.err" "$W/rep.log")"
fi
exit 0
