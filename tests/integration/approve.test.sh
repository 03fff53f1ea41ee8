#!/usr/bin/env bash
# Four eyes on the lab: with approvals.drill: 2 a drill's destructive step
# waits while `drconsole run` polls; the operator's own user cannot approve
# (neither with `approve` nor with a planted file), read-only mode cannot,
# a second user (created here, removed at the end) approves with
# `runuser -u USER -- drconsole approve RUN STEP`, and the run goes on;
# both identities and the command are in the journal and the report. A
# request nobody approves expires: the step is not run.
set -u
D=$DRCONSOLE
U=drappr${LAB_NET:-0}	# one per lab network: labs run side by side
T=$(mktemp -d "$LAB_DIR/approve-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
ok() { echo "PASS: approve $1"; }
ko() { echo "FAIL: approve $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -16 | sed 's/^/    /'; }
runpid=
cleanup() {
	[ -n "$runpid" ] && kill "$runpid" 2>/dev/null
	[ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null
	rm -rf "$T" "$T".yml "$T"-expire.yml
	userdel "$U" >/dev/null 2>&1
	getent group "$U" >/dev/null && groupdel "$U" >/dev/null 2>&1
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null; then
	echo "SKIP: approve (creating a second operator needs root and useradd)"
	exit 0
fi
userdel "$U" >/dev/null 2>&1; getent group "$U" >/dev/null && groupdel "$U" >/dev/null 2>&1
if ! useradd -M -U -s /usr/sbin/nologin "$U"; then
	echo "FAIL: approve useradd $U"
	exit 0
fi
uid=$(id -u "$U")
# the documented shared state dir: group-owned, setgid, the operator and the approver in the group
chgrp "$U" "$T"; chmod 2770 "$T"
sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG" > "$CFG"
printf 'approvals: { destructive: 2, drill: 2, timeout: 60s }\nnotify: { webhook_url_env: DRC_APPR_HOOK, timeout: 1s }\n' >> "$CFG"
sed -e 's/timeout: 60s/timeout: 2s/' "$CFG" > "$T-expire.yml"
chmod 644 "$CFG" "$T-expire.yml"
install -d -g "$U" -m 2770 "$T/state"
cat > "$T/rb.yml" <<EOF
name: Four-eyes drill
model: replicated
steps:
  - id: first
    on: secondary:control
    run: "true"
  - id: promote
    on: secondary:control
    run: "echo promoted"
    destructive: true
  - id: third
    on: secondary:control
    run: "true"
EOF
chmod 644 "$T/rb.yml"
# a loopback webhook receiver: each POST's body is a line of $T/got
python3 - "$T" <<'PY' &
import http.server, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(d + "/got", "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(d + "/port.tmp", "w").write(str(s.server_address[1])); os.rename(d + "/port.tmp", d + "/port")
s.serve_forever()
PY
rpid=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
export DRC_APPR_HOOK=http://127.0.0.1:$(cat "$T/port")/hook
op() { runuser -u root -G "$U" -- "$D" "$@"; }		# the operator (root, in the team's group)
second() { runuser -u "$U" -- "$D" "$@"; }		# the second operator

wait_request() {	# -> the run id of the request that appears
	for _ in $(seq 300); do
		f=$(ls "$T"/state/approvals/*.request 2>/dev/null | head -1)
		[ -n "$f" ] && { basename "$f" .request; return 0; }
		sleep 0.1
	done
	return 1
}

op -c "$CFG" run "$T/rb.yml" --drill --yes > "$T/run.out" 2>&1 </dev/null &
runpid=$!
if ! id=$(wait_request); then
	ko "the run publishes a request" "$(cat "$T/run.out")"
	exit 0
fi
sleep 1
grep -q "waiting for approval by a second operator (drconsole approve $id)" "$T/run.out" &&
	! grep -q "promote done" "$T/run.out" && ok "the destructive step waits; nothing ran" ||
	ko "waiting" "$(cat "$T/run.out")"

out=$(op -c "$CFG" approve "$id" promote --yes 2>&1); rc=$?
[ $rc = 1 ] && printf '%s' "$out" | grep -q "are the operator of run $id" &&
	ok "the operator's own user cannot approve (exit 1)" || ko "same user (rc=$rc)" "$out"
# a file the operator plants by hand is refused by the run: the owner uid is the operator's
req=$T/state/approvals/$id.request
python3 - "$req" "$T/state/approvals" <<'PY'
import json, os, sys, time
r = json.load(open(sys.argv[1]))
p = "%s/%s.%s.%d.approval" % (sys.argv[2], r["run"], r["nonce"], os.geteuid())
json.dump({"run": r["run"], "step": r["step"], "nonce": r["nonce"], "user": "someone-else",
           "command_sha256": r["command_sha256"], "approved": int(time.time() * 1000)}, open(p, "w"))
os.chmod(p, 0o640)
PY
for _ in $(seq 50); do grep -q "approval refused" "$T/run.out" && break; sleep 0.1; done
grep -q "approval refused: approval by the operator's own user" "$T/run.out" && ! grep -q "promote done" "$T/run.out" &&
	ok "a planted approval owned by the operator is refused by the run, whatever name it holds" ||
	ko "planted file" "$(cat "$T/run.out")"
out=$(second -c "$CFG" --read-only approve "$id" promote --yes 2>&1); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "read-only mode can never approve" &&
	ok "read-only mode cannot approve (exit 2)" || ko "read-only (rc=$rc)" "$out"
out=$(second -c "$CFG" approve "$id" promote 2>&1 <<<"prom"); rc=$?
[ $rc = 1 ] && printf '%s' "$out" | grep -q "does not match: not approved" &&
	ok "a mistyped confirmation approves nothing" || ko "mistyped (rc=$rc)" "$out"
out=$(second -c "$CFG" approve "$id" promote 2>&1 <<<"promote"); rc=$?
if [ $rc = 0 ] && printf '%s' "$out" | grep -q "command: *echo promoted" &&
   printf '%s' "$out" | grep -q "Approved step promote of run $id"; then
	ok "a second user sees the command and approves it with the typed step id"
else
	ko "second user approves (rc=$rc)" "$out"
fi
wait $runpid; runrc=$?; runpid=
if [ $runrc = 0 ] && grep -q "promote approved by $U (uid $uid)" "$T/run.out" &&
   grep -q "promote done" "$T/run.out" && grep -q "third done" "$T/run.out"; then
	ok "the run goes on once approved and completes"
else
	ko "run after approval (rc=$runrc)" "$(cat "$T/run.out")"
fi
j=$T/state/runs/$id.journal
python3 - "$j" "$U" "$uid" <<'PY' && ok "the journal holds both identities, the times and the exact command" || ko "journal" "$(grep approval "$j")"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
a = [e for e in evs if e["event"] == "approval"]
assert len(a) == 1, a
a = a[0]
assert a["approver"] == sys.argv[2] and a["approver_uid"] == int(sys.argv[3]), a
assert a["operator_uid"] == 0 and a["command"] == "echo promoted", a
assert a["requested"] <= a["approved"], a
names = [e["event"] for e in evs]
assert names.index("approval") < [i for i, e in enumerate(evs) if e["event"] == "step_start" and e["step"] == "promote"][0]
assert "approval_refused" in names
PY
python3 - "$T/got" <<'PY' && ok "the notify targets hear the approval request, before the step starts" || ko "notification" "$(cat "$T/got" 2>&1)"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
names = [e["event"] for e in evs]
i = names.index("approval_request")
assert evs[i]["step"] == "promote" and evs[i]["command"] == "echo promoted", evs[i]
assert "drconsole approve" in evs[i]["text"], evs[i]
starts = [k for k, e in enumerate(evs) if e["event"] == "step_destructive" and e["step"] == "promote"]
assert starts and all(k > i for k in starts), names
PY
out=$(op -c "$CFG" report "$id" 2>&1)
printf '%s' "$out" | grep -q "step promote: requested by .* (uid 0) at .*, approved by $U (uid $uid) at .*; command approved: \`echo promoted\`" &&
	ok "the report names both operators and the command" || ko "report" "$out"
[ ! -e "$req" ] && ok "the request is withdrawn once consumed" || ko "request left behind"

# a request nobody approves expires: the step is not run; unattended, the run stops
op -c "$T-expire.yml" run "$T/rb.yml" --drill --yes > "$T/run2.out" 2>&1 </dev/null &
runpid=$!
id2=$(wait_request)
wait $runpid; runrc=$?; runpid=
if [ $runrc = 1 ] && grep -q "The request for approval of promote expired: the step was not run" "$T/run2.out" &&
   ! grep -q "promote done" "$T/run2.out" && grep -q '"event":"approval_expired"' "$T/state/runs/$id2.journal" &&
   ! grep -q '"event":"step_start","step":"promote"' "$T/state/runs/$id2.journal"; then
	ok "an expired request runs nothing; the unattended run stops (exit 1)"
else
	ko "expiry (rc=$runrc)" "$(cat "$T/run2.out")"
fi
out=$(second -c "$CFG" approve "$id2" promote --yes 2>&1); rc=$?
[ $rc = 1 ] && printf '%s' "$out" | grep -q "has no step waiting for approval" &&
	ok "approving after the expiry is refused" || ko "late approve (rc=$rc)" "$out"

# a destructive manual step: the request carries its instructions rendered
cat > "$T/manual.yml" <<EOF
name: Four-eyes manual
model: replicated
steps:
  - id: dns
    manual: Point DNS at {{ secondary.env }}
    destructive: true
EOF
chmod 644 "$T/manual.yml"
rm -f "$T"/state/approvals/*.request	# the expired case's, if any: this run's is the one to read
op -c "$CFG" run "$T/manual.yml" --drill --yes > "$T/run3.out" 2>&1 </dev/null &
runpid=$!
if id3=$(wait_request); then
	cmd=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["command"])' "$T/state/approvals/$id3.request" 2>&1)
	second -c "$CFG" approve "$id3" dns --yes >/dev/null 2>&1
fi
wait $runpid; runrc=$?; runpid=
if [ "${cmd:-}" = "Point DNS at backup-labprod" ] && [ $runrc = 0 ]; then
	ok "a destructive manual step's request carries its instructions rendered"
else
	ko "manual step request (rc=$runrc): ${cmd:-no request}" "$(cat "$T/run3.out")"
fi
