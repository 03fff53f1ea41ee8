#!/usr/bin/env bash
# drconsole status against the lab's CouchDB-compatible servers (pouchdb-server
# 4.2, replication from a _replicator document on the primary): caught up after
# writes, a stopped or hanging secondary is critical within the timeout with
# its URL named, and documents written while the replication is broken show
# the secondary behind. Leaves the replication caught up.
set -u
D=$DRCONSOLE
LAB_SH=${LAB_SH:-tests/lab/lab.sh}
ok() { echo "PASS: couch $1"; }
ko() { echo "FAIL: couch $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }
json() { "$D" -c "$LAB_CONFIG" status --json; }
field() { python3 -c "import json,os,sys; E=os.environ; d=json.load(sys.stdin); o={x['key']: x for s in d['sites'].values() for x in s['observations']}; r={x['store']: x for x in d['rpo']['stores']}; $1"; }
P=$LAB_COUCH_PRIMARY_URL S=$LAB_COUCH_SECONDARY_URL
export PADDR=${P#http://} SADDR=${S#http://}
export PHOST=${PADDR%:*} SHOST=${SADDR%:*}
count() { curl -s -m 3 "$1/commcarehq" | python3 -c 'import json,sys; print(json.load(sys.stdin)["doc_count"])' 2>/dev/null; }
put() { curl -s -m 3 -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$P/commcarehq/$1" -d '{"form":"drlab"}'; }
wait_equal() {	# up to $1 seconds for both sides to hold the same count
	local i
	for i in $(seq $(( $1 * 5 ))); do
		[ -n "$(count "$P")" ] && [ "$(count "$P")" = "$(count "$S")" ] && return 0
		sleep 0.2
	done
	return 1
}
tag=$(date +%s%N)

# 1. documents written on the primary reach the secondary; both sides agree
for i in 1 2 3; do put "itest-$tag-$i" >/dev/null; done
if wait_equal 15; then
	export N=$(count "$P")
	out=$(json 2>&1)
	if printf '%s' "$out" | field '
r0 = o["secondary/couch/replication/commcarehq"]
assert r0["status"] == "ok" and r0["state"] == "caught up", r0
f = r0["fields"]
assert f["primary_doc_count"] == E["N"] and f["secondary_doc_count"] == E["N"], f
assert f["via"] == "replicator" and f["replication_state"] == "triggered", f
assert f["source"] == "http://" + E["PADDR"] + "/commcarehq" and f["target"] == "http://" + E["SADDR"] + "/commcarehq", f
assert f["rpo_store"] == "couch" and float(f["rpo_exposure_s"]) == 0.0, f
n = o["primary/couch/" + E["PHOST"]]; assert n["state"] == "up" and n["fields"]["doc_count"] == E["N"], n
n = o["secondary/couch/" + E["SHOST"]]; assert n["state"] == "up" and n["fields"]["doc_count"] == E["N"], n
assert r["couch"]["status"] == "ok" and r["couch"]["exposure_s"] == 0.0, r' 2>&1; then
		ok "replication caught up after 3 writes ($N docs on both sides, RPO exposure 0)"
	else
		ko "caught up" "$out"
	fi
else
	ko "the lab replication did not catch up within 15s" "primary $(count "$P") secondary $(count "$S")"
fi

# 1b. credentials from the environment variables the config names: used, never shown
for u in "$P" "$S"; do
	curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' "$u/_users/org.couchdb.user:drmon$tag" \
		-d '{"name":"drmon'"$tag"'","password":"lab-couch-s3cret","roles":[],"type":"user"}'
done
CCFG=$LAB_DIR/drconsole-couch-auth.yml
sed "s#^sites:#couchdb: { user_env: DRLAB_COUCH_USER, password_env: DRLAB_COUCH_PASSWORD, timeout: 2s }\nsites:#" "$LAB_CONFIG" > "$CCFG"
out=$(DRLAB_COUCH_USER=drmon$tag DRLAB_COUCH_PASSWORD=lab-couch-s3cret "$D" -c "$CCFG" -vv --log "$LAB_DIR/couch-auth.log" status --json 2>&1)
bad=$(DRLAB_COUCH_USER=drmon$tag DRLAB_COUCH_PASSWORD=wrong-couch-s3cret "$D" -c "$CCFG" -vv --log "$LAB_DIR/couch-auth.log" status --json 2>&1)
if printf '%s' "$out" | field '
n = o["primary/couch/" + E["PHOST"]]; assert n["state"] == "up", n
n = o["secondary/couch/" + E["SHOST"]]; assert n["state"] == "up", n
# a non-admin user may read the database but not _replicator: said so, counts still compared
r0 = o["secondary/couch/replication/commcarehq"]
assert r0["state"] == "caught up" and r0["status"] == "warn" and "not readable (HTTP 401" in r0["message"], r0
assert r["couch"]["status"] == "ok", r' 2>&1 &&
   printf '%s' "$bad" | field '
n = o["secondary/couch/" + E["SHOST"]]; assert n["state"] == "auth failed" and n["status"] == "crit", n
assert "HTTP 401" in n["message"] and E["SADDR"] in n["message"], n' 2>&1 &&
   { [ ! -e "$LAB_DIR/couch-auth.log" ] || ! grep -q -e lab-couch-s3cret -e wrong-couch-s3cret "$LAB_DIR/couch-auth.log"; } &&
   ! printf '%s\n%s' "$out" "$bad" | grep -q -e lab-couch-s3cret -e wrong-couch-s3cret; then
	ok "credentials from couchdb.user_env/password_env accepted (a non-admin cannot list replications: warned), a wrong password is auth failed, neither appears in output$([ -e "$LAB_DIR/couch-auth.log" ] && echo " or log")"
else
	ko "credentials" "$bad"
fi
rm -f "$CCFG" "$LAB_DIR/couch-auth.log"

# 2. the secondary stopped: critical at once, the URL named
"$LAB_SH" stop-couch secondary
start=$(date +%s%N)
out=$(json 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if printf '%s' "$out" | field '
r0 = o["secondary/couch/replication/commcarehq"]
assert r0["status"] == "crit" and r0["state"] == "down", r0
assert E["SADDR"] in r0["message"] and "connect" in r0["message"].lower(), r0
n = o["secondary/couch/" + E["SHOST"]]; assert n["status"] == "crit" and E["SADDR"] in n["message"], n
assert "rpo_exposure_s" not in r0["fields"], r0
assert r["couch"]["status"] == "crit" and r["couch"]["exposure_s"] is None, r' 2>&1; then
	ok "stopped secondary: crit with the URL in the message, RPO couch crit (${ms} ms)"
else
	ko "stopped secondary" "$out"
fi

# 3. a secondary that accepts and never answers: bounded by the timeout
"$LAB_SH" start-couch secondary
"$LAB_SH" pause-couch secondary
start=$(date +%s%N)
out=$(json 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$LAB_SH" resume-couch secondary
if [ "$ms" -lt 8000 ] && printf '%s' "$out" | field '
r0 = o["secondary/couch/replication/commcarehq"]
assert r0["status"] in ("crit", "unknown"), r0
assert E["SADDR"] in r0["message"] and ("no answer" in r0["message"] or "deadline" in r0["message"]), r0
n = o["secondary/couch/" + E["SHOST"]]; assert n["state"] == "timeout" and E["SADDR"] in n["message"], n' 2>&1; then
	ok "hanging secondary: timeout named within the probe timeout (${ms} ms)"
else
	ko "hanging secondary (${ms} ms)" "$out"
fi

# 4. the restarted secondary is empty: a new replication refills it
"$LAB_SH" restart-couch-replication
wait_equal 15 && ok "restarted replication refills the secondary ($(count "$S") docs)" ||
	ko "refill" "primary $(count "$P") secondary $(count "$S")"

# 5. replication broken (the secondary refuses replicated writes): a write shows it behind
"$LAB_SH" block-couch-replication
put "itest-$tag-blocked" >/dev/null
sleep 1
out=$(json 2>&1)
if printf '%s' "$out" | field '
r0 = o["secondary/couch/replication/commcarehq"]
assert r0["state"] == "behind" and r0["status"] in ("warn", "crit"), r0
assert r0["fields"]["docs_behind"] == "1", r0
assert "behind by 1 doc" in r0["message"], r0
assert int(r0["fields"]["secondary_design_docs"]) == 1, r0
assert r["couch"]["status"] != "ok", r' 2>&1; then
	ok "a write while replication is broken shows the secondary 1 doc behind"
else
	ko "behind" "$out"
fi

# leave it caught up for the other tests
"$LAB_SH" unblock-couch-replication
if wait_equal 15 && out=$(json 2>&1) && printf '%s' "$out" | field '
r0 = o["secondary/couch/replication/commcarehq"]; assert r0["status"] == "ok", r0' 2>&1; then
	ok "unblocked and refilled: caught up again"
else
	ko "caught up again" "$out"
fi
