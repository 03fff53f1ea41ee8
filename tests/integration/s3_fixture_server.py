#!/usr/bin/env python3
"""ListObjectVersions on loopback for tests/integration/s3.test.sh.

s3rver (the lab's S3 server) does not implement ListObjectVersions and does
not check Signature Version 4 signatures. This server does both, for one
bucket: it verifies every request's AWS SigV4 signature independently of
libcurl (403 InvalidAccessKeyId / SignatureDoesNotMatch otherwise) and
answers GET /<bucket>?versions with the pages in tests/fixtures/s3/
(versions-page1.xml, then versions-page2.xml for the markers page 1 gives),
AWS's wire format, with @AGO:<seconds>@ replaced by that long before now.
Each request is logged as one JSON line.

usage: s3_fixture_server.py ADDR PORT BUCKET ACCESS_KEY FIXTURE_DIR LOG
The secret key comes from the environment variable FIXTURE_SECRET.
"""
import datetime
import hashlib
import hmac
import json
import os
import re
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

ADDR, PORT, BUCKET, ACCESS, FIXTURES, LOG = sys.argv[1:7]
SECRET = os.environ["FIXTURE_SECRET"]
AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, ?"
                     r"SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")


def aws_quote(s):
    return urllib.parse.quote(s, safe="-_.~")


def page(name):
    now = datetime.datetime.now(datetime.timezone.utc)
    with open(os.path.join(FIXTURES, name)) as f:
        body = f.read()
    return re.sub(r"@AGO:(\d+)@", lambda m: (now - datetime.timedelta(seconds=int(m.group(1))))
                  .strftime("%Y-%m-%dT%H:%M:%S.000Z"), body).encode()


def error(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            "<RequestId>4442587FB7D0A2F9</RequestId></Error>" % (code, message)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def check_signature(self, path, raw_query):
        m = AUTH_RE.match(self.headers.get("Authorization", ""))
        if not m:
            return "AccessDenied"
        key, date, region, signed, signature = m.groups()
        if key != ACCESS:
            return "InvalidAccessKeyId"
        pairs = []
        for part in raw_query.split("&") if raw_query else []:
            k, _, v = part.partition("=")
            pairs.append((aws_quote(urllib.parse.unquote(k)), aws_quote(urllib.parse.unquote(v))))
        canonical_query = "&".join("%s=%s" % kv for kv in sorted(pairs))
        names = signed.split(";")
        canonical_headers = "".join("%s:%s\n" % (h, " ".join(self.headers.get(h, "").split()))
                                    for h in names)
        payload = self.headers.get("x-amz-content-sha256", hashlib.sha256(b"").hexdigest())
        request = "\n".join(["GET", urllib.parse.quote(path, safe="/-_.~"), canonical_query,
                             canonical_headers, signed, payload])
        scope = "%s/%s/s3/aws4_request" % (date, region)
        to_sign = "\n".join(["AWS4-HMAC-SHA256", self.headers.get("x-amz-date", ""), scope,
                             hashlib.sha256(request.encode()).hexdigest()])
        k = ("AWS4" + SECRET).encode()
        for part in (date, region, "s3", "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature) or "host" not in names:
            return "SignatureDoesNotMatch"
        return None

    def do_GET(self):
        path, _, raw_query = self.path.partition("?")
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        problem = self.check_signature(path, raw_query)
        status, body = 200, b""
        if problem is not None:
            status, body = 403, error(problem, "request refused: " + problem)
        elif path != "/" + BUCKET:
            status, body = 404, error("NoSuchBucket", "The specified bucket does not exist")
        elif "versions" not in query:
            status, body = 501, error("NotImplemented", "only ListObjectVersions here")
        elif "key-marker" not in query:
            body = page("versions-page1.xml")
        elif (query.get("key-marker") == "postgres_daily_db0-labprod.tar.gz"
              and query.get("version-id-marker") == "Ga8Zq1vTnXvPz0mJ.d2"):
            body = page("versions-page2.xml")
        else:
            status, body = 400, error("InvalidArgument", "unexpected markers")
        with open(LOG, "a") as f:
            m = AUTH_RE.match(self.headers.get("Authorization", ""))
            f.write(json.dumps({"path": path, "query": query, "status": status,
                                "auth": problem or "ok",
                                "signed": m.group(4).split(";") if m else [],
                                "token": self.headers.get("x-amz-security-token")}) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer((ADDR, int(PORT)), Handler).serve_forever()
