#!/usr/bin/env bash
# Run notifications on the lab (notify.*): a drill in line mode sends its
# events to a loopback receiver, in order, as a Slack-compatible webhook and
# as generic JSON, labelled as a drill; a receiver that never answers does
# not slow the run (only the end waits, at most notify.timeout) and is
# logged without its URL (line mode logs warnings to stderr). Steps are
# named by their rendered titles.
set -u
. "$(dirname "$0")/lib.sh"
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/notify-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
ok() { echo "PASS: notify $1"; }
ko() { echo "FAIL: notify $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -14 | sed 's/^/    /'; }
rpid=""
cleanup() { [ -n "$rpid" ] && kill "$rpid" 2>/dev/null; rm -rf "$T" "$T".yml; }
trap cleanup EXIT

receiver() {	# $1 = ok | hang: a loopback HTTP server; writes its port to $T/port, each POST to $T/got
	rm -f "$T/port" "$T/got"
	python3 - "$1" "$T" <<'PY' &
import http.server, json, socketserver, sys, time
mode, d = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(d + "/got", "a") as f:
            f.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\n")
        if mode == "hang":
            time.sleep(120)
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(d + "/port.tmp", "w").write(str(s.server_address[1]))
import os; os.rename(d + "/port.tmp", d + "/port")
s.serve_forever()
PY
	rpid=$!
	for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
	port=$(cat "$T/port")
}

{ sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG"
  echo "notify: { slack_url_env: DRC_TEST_SLACK, webhook_url_env: DRC_TEST_HOOK, timeout: 1s }"; } > "$CFG"
cat > "$T/rb.yml" <<EOF
name: Notified drill
model: replicated
steps:
  - id: look
    on: secondary:control
    run: "true"
  - id: wipe
    title: Wipe {{ secondary.env }}
    on: secondary:control
    run: "true"
    destructive: true
  - id: boom
    on: secondary:control
    run: "exit 3"
    on_failure: stop
EOF

receiver ok
start=$(date +%s%N)
out=$(DRC_TEST_SLACK="http://127.0.0.1:$port/slack/T000/B000/secrettoken" DRC_TEST_HOOK="http://127.0.0.1:$port/json" \
	"$D" -c "$CFG" run "$T/rb.yml" --drill --yes 2>&1 </dev/null); rc=$?
base_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$rpid"; wait "$rpid" 2>/dev/null; rpid=""
if res=$(python3 - "$T/got" <<'PY' 2>&1
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
js = [g["body"] for g in got if g["path"] == "/json"]
sl = [g["body"] for g in got if g["path"].startswith("/slack/")]
ev = [b["event"] for b in js]
assert ev[0] == "run_start" and ev[-1] in ("run_end", "run_stopped"), ev
assert ev[1:-1] == ["step_destructive", "step_failed"], ev
assert js[1]["step"] == "wipe" and js[1]["destructive"] is True, js[1]
assert js[1]["title"] == "Wipe backup-labprod", js[1]
assert js[2]["step"] == "boom" and js[2]["exit"] == 3, js[2]
assert all(b["drill"] is True and b["mode"] == "drill" and b["source"] == "drconsole" for b in js), js
assert len(sl) == len(js) and all(list(b) == ["text"] and b["text"].startswith("[DRILL] drconsole: Notified drill") for b in sl), sl
assert "wipe" in sl[1]["text"] and "FAILED" in sl[2]["text"], sl
PY
); then
	ok "a drill's events reach the receiver in order (run start, destructive step, failed step, end), as Slack text and as JSON, labelled DRILL, steps by their rendered titles (rc=$rc)"
else
	ko "events in order" "$res
$(cat "$T/got" 2>/dev/null)
$out"
fi
if ! grep -rq secrettoken "$T/state" && ! printf '%s' "$out" | grep -q secrettoken; then
	ok "the webhook URL is in no log, journal, audit log or output"
else
	ko "URL leaked" "$(grep -r secrettoken "$T/state" | head -3; printf '%s' "$out" | grep secrettoken)"
fi

receiver hang
start=$(date +%s%N)
out=$(DRC_TEST_HOOK="http://127.0.0.1:$port/json" DRC_TEST_SLACK="http://127.0.0.1:$port/slack/T000/B000/secrettoken" \
	"$D" -c "$CFG" run "$T/rb.yml" --drill --yes 2>&1 </dev/null); rc2=$?
hang_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$rpid"; wait "$rpid" 2>/dev/null; rpid=""
# the steps do not wait for the receiver; only the end waits, at most notify.timeout (1s)
if [ "$rc2" = "$rc" ] && [ "$hang_ms" -lt $((base_ms + 2500)) ] &&
   printf '%s\n' "$out" | grep -q 'notify: POST to the [a-z]* target (\$DRC_TEST_[A-Z]*): Timeout was reached' &&
   ! printf '%s\n' "$out" | grep -q secrettoken; then
	ok "a receiver that never answers does not slow the run (${hang_ms} ms, ${base_ms} ms with a prompt receiver) and is logged without its URL"
else
	ko "hanging receiver: ${hang_ms} ms vs ${base_ms} ms, rc $rc2 vs $rc" "$out"
fi

# ---- a failover's commit and a rollback are notified ----
# two failover drills of a harmless runbook (model replicated: a failover);
# the first is committed, the second rolled back with a harmless fail-back
harmless_runbooks "$T"
sed -i "s#^runbooks: .*#runbooks: [$T/fo.yml, $T/fb.yml]#" "$CFG"
receiver ok
hooks() { env DRC_TEST_HOOK="http://127.0.0.1:$port/json" DRC_TEST_SLACK="http://127.0.0.1:$port/slack/T000/B000/secrettoken" "$@"; }
o1=$(hooks "$D" -c "$CFG" run "$T/fo.yml" --drill --yes 2>&1 </dev/null); r1=$?
fo1=$(printf '%s\n' "$o1" | drill_run_id)
o2=$(hooks "$D" -c "$CFG" --drill commit 2>&1 </dev/null); r2=$?
o3=$(hooks "$D" -c "$CFG" run "$T/fo.yml" --drill --yes 2>&1 </dev/null); r3=$?
fo2=$(printf '%s\n' "$o3" | drill_run_id)
o4=$(hooks "$D" -c "$CFG" --drill --yes rollback 2>&1 </dev/null); r4=$?
kill "$rpid"; wait "$rpid" 2>/dev/null; rpid=""
if res=$(python3 - "$T/got" "$fo1" "$fo2" <<'PY' 2>&1
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
fo1, fo2 = sys.argv[2], sys.argv[3]
js = [g["body"] for g in got if g["path"] == "/json"]
sl = [g["body"]["text"] for g in got if g["path"].startswith("/slack/")]
c = [b for b in js if b["event"] == "failover_commit"]
assert len(c) == 1 and c[0]["run"] == fo1 and c[0]["drill"] is True and c[0]["user"], c
assert any(t.startswith("[DRILL] drconsole:") and "committed by" in t and fo1 in t for t in sl), sl
r = [b for b in js if b["event"] == "run_start" and b.get("rollback_of")]
assert len(r) == 1 and r[0]["rollback_of"] == fo2 and r[0]["runbook"] == "Harmless fail-back", r
assert any("ROLLBACK of failover " + fo2 in t for t in sl), sl
PY
); then
	ok "a failover's commit and the start of its rollback are notified, named by run, as a drill"
else
	ko "commit and rollback notified (rc $r1 $r2 $r3 $r4)" "$res
$o2
$o4"
fi
