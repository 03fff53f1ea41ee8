#!/usr/bin/env bash
# The Elasticsearch snapshot probe over real HTTP: no Elasticsearch server is
# packaged for Debian or npm, so a small python3 server on loopback
# (127.N.20.40) answers `GET /_snapshot/<repo>/_all` with the recorded wire
# formats of tests/fixtures/es/, their times shifted so the newest SUCCESS
# lands where the scenario needs it relative to the daily run. The primary
# env gets an elasticsearch host and backup_es_s3: True (an off-site
# repository, so an RPO source).
set -u
D=$DRCONSOLE
ROOT=$(pwd)
ok() { echo "PASS: es $1"; }
ko() { echo "FAIL: es $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }
field() { python3 -c "import json,os,sys; E=os.environ; d=json.load(sys.stdin); o={x['key']: x for s in d['sites'].values() for x in s['observations']}; r={x['store']: x for x in d['rpo']['stores']}; $1"; }

NET=${LAB_NET:-0}
export ES_ADDR=127.$NET.20.40 ES_PORT=19200 REPO=labprod_es_snapshot
W=$LAB_DIR/es-itest
rm -rf "$W"; mkdir -p "$W"
cp -r "$LAB_PRIMARY_ENV" "$W/labprod"
printf '[es_a0]\n%s hostname=es-a0-labprod ansible_port=%s\n[elasticsearch:children]\nes_a0\n' "$ES_ADDR" "$LAB_SSH_PORT" >> "$W/labprod/inventory.ini"
# known_hosts must cover every host: reuse the control host's key line for the new address
printf '[%s]:%s %s\n' "$ES_ADDR" "$LAB_SSH_PORT" "$(head -1 "$W/labprod/known_hosts" | cut -d' ' -f2-)" >> "$W/labprod/known_hosts"
printf 'backup_es_s3: True\n' >> "$W/labprod/public.yml"
NADIR=$(sed -n 's/^nadir_hour: *//p' "$W/labprod/public.yml")
export RUN_HOUR=$(( (NADIR + 4) % 24 ))
CFG=$LAB_DIR/drconsole-es.yml
sed "s#env_dir: environments/labprod,#env_dir: es-itest/labprod,#" "$LAB_CONFIG" > "$CFG"
printf 'elasticsearch: { port: %s, timeout: 2s }\n' "$ES_PORT" >> "$CFG"
json() { "$D" -c "$CFG" status --json; }

cat > "$W/server.py" <<'PY'
import datetime, http.server, json, os, re, sys, time
FIX, CTL = sys.argv[3], sys.argv[4]
DAY = 86400000

def due_slot(now_ms, run_hour):
    slot = now_ms - now_ms % DAY + run_hour * 3600000
    if slot > now_ms:
        slot -= DAY
    return slot - DAY if now_ms - slot < 2 * 3600000 else slot

def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)

def rebase(text, target_ms):
    """Shift every time so the newest SUCCESS starts at target_ms; the JSON text stays as recorded."""
    d = json.loads(text)
    snaps = d.get("snapshots") or [s for r in d.get("responses", []) for s in r.get("snapshots", [])]
    ok = [s["start_time_in_millis"] for s in snaps if s.get("state") == "SUCCESS"]
    shift = target_ms - max(ok)
    text = re.sub(r'("(?:start|end)_time_in_millis" : )(\d+)', lambda m: m.group(1) + str(int(m.group(2)) + shift), text)
    def fix_iso(m):
        t = datetime.datetime.strptime(m.group(2), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        return m.group(1) + iso(int(round(t.timestamp() * 1000)) + shift) + '"'
    return re.sub(r'("(?:start|end)_time" : ")([^"]+)"', fix_iso, text)

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name, status, when = open(CTL).read().split()
        if self.path != "/_snapshot/%s/_all" % os.environ["REPO"]:
            status, body = 400, '{"error":"unexpected path %s","status":400}' % self.path
        else:
            body = open(os.path.join(FIX, name)).read()
            now = int(time.time() * 1000)
            due = due_slot(now, int(os.environ["RUN_HOUR"]))
            if when == "due":
                body = rebase(body, due + 60000)
            elif when == "late":
                body = rebase(body, due - DAY + 60000)
        data = body.encode()
        self.send_response(int(status))
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass

http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
PY
mode() { echo "$1 $2 $3" > "$W/mode"; }
mode es-7.10-responses.json 200 due
python3 "$W/server.py" "$ES_ADDR" "$ES_PORT" "$ROOT/tests/fixtures/es" "$W/mode" </dev/null >"$W/server.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://$ES_ADDR:$ES_PORT/" && break; sleep 0.1; done

KEY=primary/es/$REPO; export KEY
# 1. 7.x: the due run's snapshot succeeded
out=$(json 2>&1)
if printf '%s' "$out" | field '
e = o[E["KEY"]]
assert e["status"] == "ok" and e["state"] == "ok", e
assert e["fields"]["newest_success"] == "production_es_snapshot_2026_8_21", e
assert e["fields"]["run_hour_utc"] == E["RUN_HOUR"], e
assert 0 < e["value"] < 2 * 86400, e
assert e["fields"]["rpo_store"] == "es" and e["fields"]["rpo_headline"] == "no", e
assert abs(float(e["fields"]["rpo_exposure_s"]) - e["value"]) < 1, e
assert r["es"]["headline"] is False and r["es"]["exposure_s"] is not None, r
assert r["postgres"]["headline"] is True, r' 2>&1; then
	ok "7.x responses shape: due run SUCCESS is ok; RPO source es listed outside the headline"
else
	ko "7.x ok" "$out"
fi

# 2. 7.17 with a PARTIAL after the newest SUCCESS: warn, counted
mode es-7.17-snapshots.json 200 due
out=$(json 2>&1)
if printf '%s' "$out" | field '
e = o[E["KEY"]]
assert e["status"] == "warn" and e["fields"]["partial_since"] == "1", e
assert "1 partial" in e["message"], e' 2>&1; then
	ok "7.17 shape (total/remaining): a PARTIAL after the newest SUCCESS warns"
else
	ko "7.17 partial" "$out"
fi

# 3. the due run is missing: late
mode es-7.10-responses.json 200 late
out=$(json 2>&1)
if printf '%s' "$out" | field '
e = o[E["KEY"]]
assert e["status"] == "warn" and e["state"] == "late", e
assert 86400 < e["value"] < 3 * 86400, e' 2>&1; then
	ok "newest SUCCESS from the run before the due one: late (warn)"
else
	ko "late" "$out"
fi

# 4. 6.8 recorded months ago: missing, with FAILED/PARTIAL/IN_PROGRESS parsed
mode es-6.8-snapshots.json 200 none
out=$(json 2>&1)
if printf '%s' "$out" | field '
e = o[E["KEY"]]
assert e["status"] == "crit" and e["state"] == "missing", e
assert e["fields"]["failed_since"] == "1" and e["fields"]["partial_since"] == "1", e
assert e["fields"]["in_progress"].startswith("production_es_snapshot_2026_8_21"), e
assert e["fields"]["es_version"] == "6.8.23", e' 2>&1; then
	ok "6.8 shape: old SUCCESS is missing (crit), FAILED/PARTIAL since and IN_PROGRESS read"
else
	ko "6.8 missing" "$out"
fi

# 5. 404 repository_missing_exception
mode es-404-repository-missing.json 404 none
out=$(json 2>&1)
if printf '%s' "$out" | field '
e = o[E["KEY"]]
assert e["status"] == "crit" and e["state"] == "error", e
assert "HTTP 404 repository_missing_exception" in e["message"] and E["ES_ADDR"] in e["message"], e
assert "rpo_exposure_s" not in e["fields"], e' 2>&1; then
	ok "404 repository_missing_exception: crit with the URL and the error type"
else
	ko "404" "$out"
fi

# 6. no server: crit down, URL named
kill $srv 2>/dev/null; wait $srv 2>/dev/null
out=$(json 2>&1)
if printf '%s' "$out" | field '
e = o[E["KEY"]]
assert e["status"] == "crit" and e["state"] == "down", e
assert "http://" + E["ES_ADDR"] + ":" + E["ES_PORT"] + "/_snapshot/" + E["REPO"] + "/_all" in e["message"], e' 2>&1; then
	ok "no Elasticsearch answering: crit down, the URL named"
else
	ko "down" "$out"
fi
rm -rf "$W" "$CFG"
