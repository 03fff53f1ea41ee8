#!/usr/bin/env python3
"""The lab's AWS Backup stand-in (moto has no recovery points to list).

Answers ListRecoveryPointsByBackupVault (GET /backup-vaults/VAULT/recovery-points/)
for any vault with the recorded pages of tests/fixtures/aws (page 1, then page 2
for a nextToken), their @AGO:n@ times resolved against now. A request that is not
SigV4 signed for the backup service is refused as AWS refuses it. Every request
is appended to LOG as "<status> <region> <method> <path>", so tests and the bench
count what reached the stand-in.

Restores: StartRestoreJob (PUT /restore-jobs, as the AWS CLI sends it; POST is
taken too) logs its JSON body on a line "body <json>" after the request's line,
and for an RDS restore creates the instance its Metadata names
(DBInstanceIdentifier, DBInstanceClass) in moto, in the region the request was
signed for, so `aws rds wait db-instance-available` finds it. DescribeRestoreJob
(GET /restore-jobs/ID) answers COMPLETED with the created resource's ARN.

Usage: aws_backup_stub.py ADDR PORT FIXTURES_DIR LOG [MOTO_URL]
"""
import http.server
import json
import re
import sys
import threading
import time
import uuid

addr, port, fixtures, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
moto_url = sys.argv[5] if len(sys.argv) > 5 else None
jobs = {}
jobs_lock = threading.Lock()


def page(name):
    now = int(time.time())
    text = open(f"{fixtures}/{name}").read()
    return re.sub(r"@AGO:(-?\d+)@", lambda m: str(now - int(m.group(1))), text).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, body, region="-"):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(log, "a") as f:
            f.write(f"{code} {region} {self.command} {self.path}\n")

    def signed_region(self):
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/backup/aws4_request", auth)
        return m.group(1) if m else None

    def start_restore_job(self):
        region = self.signed_region()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        if region is None:
            self.answer(403, b'{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}')
            return
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            req = None
        if not isinstance(req, dict) or "RecoveryPointArn" not in req or "IamRoleArn" not in req or "Metadata" not in req:
            self.answer(400, b'{"__type":"InvalidParameterValueException","Message":"RecoveryPointArn, IamRoleArn and Metadata are required"}', region)
            with open(log, "a") as f:
                f.write("body " + body.decode(errors="replace").replace("\n", " ") + "\n")
            return
        meta = req.get("Metadata") or {}
        created = None
        if ":rds:" in req["RecoveryPointArn"] and meta.get("DBInstanceIdentifier"):
            ident = meta["DBInstanceIdentifier"]
            created = f"arn:aws:rds:{region}:000000000000:db:{ident}"
            if moto_url is not None:
                import boto3
                rds = boto3.client("rds", region_name=region, endpoint_url=moto_url,
                                   aws_access_key_id="LABAWSKEY", aws_secret_access_key="lab-aws-secret")
                have = {i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]}
                if ident not in have:
                    rds.create_db_instance(DBInstanceIdentifier=ident,
                                           DBInstanceClass=meta.get("DBInstanceClass", "db.t3.micro"),
                                           Engine="postgres", EngineVersion="14.18", AllocatedStorage=20,
                                           MultiAZ=str(meta.get("MultiAZ", "false")).lower() == "true",
                                           BackupRetentionPeriod=1, MasterUsername="u",
                                           MasterUserPassword="password123")
        job = uuid.uuid4().hex.upper()
        now = time.time()
        with jobs_lock:
            jobs[job] = {"RestoreJobId": job, "AccountId": "000000000000",
                         "RecoveryPointArn": req["RecoveryPointArn"], "IamRoleArn": req["IamRoleArn"],
                         "CreationDate": now, "CompletionDate": now, "Status": "COMPLETED",
                         "PercentDone": "100.00%", "ResourceType": req.get("ResourceType", "RDS"),
                         "CreatedResourceArn": created or ""}
        self.answer(200, json.dumps({"RestoreJobId": job}).encode(), region)
        with open(log, "a") as f:
            f.write("body " + json.dumps(req, sort_keys=True) + "\n")

    do_PUT = start_restore_job
    do_POST = start_restore_job

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/backup/aws4_request", auth)
        path, _, query = self.path.partition("?")
        rj = re.fullmatch(r"/restore-jobs/([^/]+)", path)
        if m is not None and rj is not None:
            with jobs_lock:
                job = jobs.get(rj.group(1))
            if job is None:
                self.answer(404, b'{"__type":"ResourceNotFoundException","Message":"no such restore job"}', m.group(1))
            else:
                self.answer(200, json.dumps(job).encode(), m.group(1))
        elif m is None:
            self.answer(403, b'{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}')
        elif re.fullmatch(r"/backup-vaults/[^/]+/recovery-points/?", path) is None:
            self.answer(404, b'{"Code":"ResourceNotFoundException","Message":"no such resource"}', m.group(1))
        elif "nextToken=" in query:
            self.answer(200, page("recovery-points-page2.json"), m.group(1))
        else:
            self.answer(200, page("recovery-points-page1.json"), m.group(1))

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((addr, port), Handler).serve_forever()
