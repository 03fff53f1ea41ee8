#!/usr/bin/env bash
# Backups in S3 against the lab: the lab's s3rver for ListObjectsV2 (dated
# keys, pagination with a small page size, the versioned convention falling
# back when ListObjectVersions is refused), and s3_fixture_server.py for
# ListObjectVersions and SigV4 checks (s3rver implements neither). Freshness
# is checked against an independent reading of commcare-cloud's schedule.
set -u
D=$DRCONSOLE
T=$LAB_DIR/s3t
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUCKET=$LAB_S3_BUCKET_PG
S3HOSTPORT=${LAB_S3_ENDPOINT#http://}
S3ADDR=${S3HOSTPORT%:*}
FIX_ADDR=${S3ADDR%.*}.11
FIX_PORT=4568
BACKUPS=$LAB_DIR/sites/primary/opt/data/backups/postgresql
fixpid=""
ok() { echo "PASS: s3 $1"; }
ko() { echo "FAIL: s3 $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }
cleanup() { [ -n "$fixpid" ] && kill "$fixpid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T"

# mkcfg OUT 'k: v;k: v' [PRIMARY_ENV_DIR]: the lab config with s3 options set (kept in $LAB_DIR for its relative paths)
mkcfg() {
	python3 - "$LAB_CONFIG" "$1" "$2" "${3:-}" <<'EOF'
import sys
src, out, opts, env = sys.argv[1:5]
lines = open(src).read().split("\n")
i = lines.index("s3:")
j = i + 1
while j < len(lines) and lines[j].startswith("  "):
    j += 1
block = {l.split(":", 1)[0].strip(): l for l in lines[i + 1:j]}
for kv in filter(None, opts.split(";")):
    k, v = kv.split(":", 1)
    block[k.strip()] = "  %s: %s" % (k.strip(), v.strip())
lines[i + 1:j] = list(block.values())
if env:
    lines = [("  primary:   { env_dir: %s, control: control }" % env) if l.lstrip().startswith("primary:") else l
             for l in lines]
open(out, "w").write("\n".join(lines))
EOF
}

# envcopy NAME 'sed expression': a copy of the primary env dir with public.yml edited
envcopy() {
	rm -rf "$T/$1"; mkdir -p "$T/$1"
	cp -r "$LAB_PRIMARY_ENV" "$T/$1/labprod"
	sed -i "$2" "$T/$1/labprod/public.yml"
	echo "$T/$1/labprod"
}

status_json() { "$D" -c "$1" status --json 2>"$T/stderr"; }
# obs CONFIG KEY: that observation as JSON (or {} when absent)
obs() {
	status_json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
print(json.dumps(o.get(sys.argv[1], {})))' "$2"
}
check() { python3 -c "import json,os,sys,time; E=os.environ; o=json.loads(sys.argv[1]); $2" "$1"; }

# The schedule, read independently: daily cron "0 <nadir> * * 1-6", grace 3h (the default).
NADIR=$(sed -n 's/^nadir_hour: *//p' "$LAB_PRIMARY_ENV/public.yml")
export NADIR
ORACLE='
import datetime as dt
def runs(now):
    """(due, previous) daily runs, UTC"""
    out, t = [], now - dt.timedelta(hours=3)
    d = t.replace(hour=int(E["NADIR"]), minute=0, second=0, microsecond=0)
    if d > t: d -= dt.timedelta(days=1)
    while len(out) < 2:
        if d.isoweekday() != 7: out.append(d)
        d -= dt.timedelta(days=1)
    return out
def verdict(now, day):
    """state of a dated daily key of that day, uploaded now"""
    due, prev = runs(now)
    taken = min(now, dt.datetime.combine(day, dt.time(), dt.timezone.utc) + dt.timedelta(days=1))
    return "ok" if taken >= due else "late" if taken >= prev else "missing"
now = dt.datetime.now(dt.timezone.utc)
'

# ---- today's backup, as uploaded by lab.sh backup ----------------------------------
K0=$("$LAB_SH" backup-today daily)
size0=$(stat -c %s "$BACKUPS/$K0" 2>/dev/null || echo missing)
lm0=$(curl -sS --max-time 5 -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --aws-sigv4 "aws:amz:$LAB_S3_REGION:s3" \
	-K <(printf 'user = "%s:%s"\n' "$LAB_S3_ACCESS_KEY" "$LAB_S3_SECRET_KEY") \
	"$LAB_S3_ENDPOINT/$BUCKET?list-type=2&prefix=$K0" | sed -n 's/.*<LastModified>\([^<]*\)<.*/\1/p')
export K0 size0 lm0
o=$(obs "$LAB_CONFIG" primary/s3/postgres/daily)
if check "$o" '
lm = time.mktime(time.strptime(E["lm0"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
f = o["fields"]
assert o["status"] == "ok" and o["state"] == "ok", o
assert f["key"] == E["K0"], f
assert f["size"] == E["size0"], (f["size"], E["size0"])
age = o["observed_at_ms"] / 1000 - lm	# the age when observed (a loaded machine may take a while after)
assert abs(o["value"] - age) < 5 and o["unit"] == "s", (o["value"], age)
assert f["rpo_kind"] == "backup" and f["rpo_store"] == "postgres" and abs(float(f["rpo_exposure_s"]) - o["value"]) < 1, f
assert f["recent_1"].startswith(E["K0"] + " "), f
assert f["convention"] == "dated-keys" and f["bucket"] == E["LAB_S3_BUCKET_PG"], f' 2>"$T/err"; then
	ok "today's daily backup is ok with the uploaded object's age and size ($size0 bytes)"
else
	ko "today's daily backup" "$(cat "$T/err"; echo "$o")"
fi
o2=$(obs "$LAB_CONFIG" primary/s3/postgres/weekly)
check "$o2" 'assert o["fields"]["rpo_kind"] == "backup" and o["state"] in ("ok", "late", "missing"), o' 2>/dev/null \
	&& ok "weekly backup observed ($(check "$o2" 'print(o["state"], o["message"])'))" || ko "weekly observation" "$o2"

# ---- pagination: one key per page, the same answer ------------------------------------
mkcfg "$LAB_DIR/s3t-pages.yml" "max_keys: 1"
o=$(obs "$LAB_DIR/s3t-pages.yml" primary/s3/postgres/daily)
if check "$o" '
f = o["fields"]
assert f["key"] == E["K0"] and f["size"] == E["size0"] and o["state"] == "ok", f
assert int(f["pages"]) >= 3 and int(f["count"]) >= 2, f' 2>"$T/err"; then
	ok "pagination with max_keys 1 follows continuation tokens ($(check "$o" 'print(o["fields"]["pages"])') pages) to the same backup"
else
	ko "pagination" "$(cat "$T/err"; echo "$o")"
fi

# ---- late, then missing, then none ----------------------------------------------------
prev_day=$(python3 -c "import os; E=os.environ
$ORACLE
print(runs(now)[1].strftime('%Y_%m_%d'))")
K1=postgres_labprod_daily_$prev_day.tar.gz
export K1
echo "placeholder for the previous run" > "$T/prev"
"$LAB_SH" s3-rm "$K0" && "$LAB_SH" s3-put "$K1" "$T/prev"
o=$(obs "$LAB_CONFIG" primary/s3/postgres/daily)
if check "$o" "$ORACLE"'
day = dt.datetime.strptime(E["K1"].split("_daily_")[1][:10], "%Y_%m_%d").date()
assert verdict(now, day) == "late"
f = o["fields"]
assert o["state"] == "late" and o["status"] == "warn", o
assert f["key"] == E["K1"], f
end = dt.datetime.combine(day, dt.time(), dt.timezone.utc) + dt.timedelta(days=1)
seen = dt.datetime.fromtimestamp(o["observed_at_ms"] / 1000, dt.timezone.utc)
assert abs(o["value"] - (seen - end).total_seconds()) < 5, (o["value"], (seen - end).total_seconds())
assert "missing" in o["message"], o' 2>"$T/err"; then
	ok "today's backup deleted: the previous run's ($prev_day) is late (warn): $(check "$o" 'print(o["message"])')"
else
	ko "late" "$(cat "$T/err"; echo "$o")"
fi
"$LAB_SH" s3-rm "$K1"
old=$(date -u -d '3 days ago' +%Y_%m_%d)
export OLD=$old
o=$(obs "$LAB_CONFIG" primary/s3/postgres/daily)
if check "$o" "$ORACLE"'
day = dt.datetime.strptime(E["OLD"], "%Y_%m_%d").date()
want = verdict(now, day)
assert o["state"] == want and o["fields"]["key"] == "postgres_labprod_daily_%s.tar.gz" % E["OLD"], (want, o)
assert o["status"] == {"late": "warn", "missing": "crit"}[want], o' 2>"$T/err"; then
	ok "only the seeded backup of $old left: $(check "$o" 'print(o["state"], o["status"])'), as the schedule says"
else
	ko "older backup" "$(cat "$T/err"; echo "$o")"
fi
"$LAB_SH" s3-rm "postgres_labprod_daily_$old.tar.gz"
o=$(obs "$LAB_CONFIG" primary/s3/postgres/daily)
if check "$o" '
assert o["state"] == "missing" and o["status"] == "crit", o
assert "no daily backup" in o["message"] and "rpo_exposure_s" not in o["fields"], o
assert o["fields"]["count"] == "0", o' 2>"$T/err"; then
	ok "no daily backup at all: missing (crit): $(check "$o" 'print(o["message"])')"
else
	ko "none" "$(cat "$T/err"; echo "$o")"
fi
"$LAB_SH" s3-put "postgres_labprod_daily_$old.tar.gz" "$T/prev"
"$LAB_SH" s3-put "$K0" "$BACKUPS/$K0"
o=$(obs "$LAB_CONFIG" primary/s3/postgres/daily)
check "$o" 'assert o["state"] == "ok" and o["fields"]["key"] == E["K0"], o' 2>/dev/null \
	&& ok "re-uploaded: ok again" || ko "restore" "$o"

# ---- hourly postgres backups (postgres_backup_hourly, every hour) ----------------------
env=$(envcopy hourly 's/^postgres_s3:.*/postgres_s3: True\npostgres_backup_hourly: True\nnadir_hour_frequency: 1/')
mkcfg "$LAB_DIR/s3t-hourly.yml" "" "$env"
o=$(obs "$LAB_DIR/s3t-hourly.yml" primary/s3/postgres/hourly)
if check "$o" '
f = o["fields"]
assert o["state"] == "missing" and "no hourly backup" in o["message"], o
run = time.strptime(f["expected_run"], "%Y-%m-%dT%H:%M:%SZ")
by = time.strptime(f["expected_by"], "%Y-%m-%dT%H:%M:%SZ")
assert run.tm_min == 15 and run.tm_wday != 6, f
assert time.mktime(by) - time.mktime(run) == 1800, f   # grace: half of the one-hour period' 2>"$T/err"; then
	ok "hourly enabled, none uploaded: missing; due at :15, grace cut to half the period"
else
	ko "hourly missing" "$(cat "$T/err"; echo "$o")"
fi
KH=postgres_labprod_hourly_$(date -u +%Y_%m_%d_%H).tar.gz
"$LAB_SH" s3-put "$KH" "$T/prev"
export KH
o=$(obs "$LAB_DIR/s3t-hourly.yml" primary/s3/postgres/hourly)
check "$o" 'assert o["state"] == "ok" and o["fields"]["key"] == E["KH"] and o["value"] < 10, o' 2>"$T/err" \
	&& ok "this hour's hourly backup ($KH) is ok" || ko "hourly ok" "$(cat "$T/err"; echo "$o")"
"$LAB_SH" s3-rm "$KH"

# ---- credentials: a wrong key pair, secret never shown ---------------------------------
secret="s3t-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export S3T_KEY=NOSUCHKEYID S3T_SECRET=$secret
mkcfg "$LAB_DIR/s3t-badkey.yml" "access_key_env: S3T_KEY;secret_key_env: S3T_SECRET"
out=$("$D" -c "$LAB_DIR/s3t-badkey.yml" -vv status --json 2>&1)
text=$("$D" -c "$LAB_DIR/s3t-badkey.yml" status 2>&1; "$D" -c "$LAB_DIR/s3t-badkey.yml" check 2>&1)
o=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps({x["key"]: x for s in d["sites"].values() for x in s["observations"]}["primary/s3/postgres/daily"]))' 2>/dev/null)
export WANT="GET $LAB_S3_ENDPOINT/$BUCKET?list-type=2"
if check "$o" '
assert o["status"] == "unknown" and o["state"] == "error", o
assert o["message"].startswith(E["WANT"]), o["message"]
assert ": 403 InvalidAccessKeyId" in o["message"], o["message"]
assert "rpo_exposure_s" not in o["fields"], o' 2>"$T/err" &&
   ! grep -qF "$secret" <<<"$out$text"; then
	ok "wrong key pair: unknown with $(check "$o" 'print(repr(o["message"]))'); the secret appears in no output (status --json -vv, status, check)"
else
	ko "wrong key" "$(cat "$T/err"; echo "$o")"
fi
unset S3T_SECRET
mkcfg "$LAB_DIR/s3t-nosecret.yml" "secret_key_env: S3T_SECRET"
o=$(obs "$LAB_DIR/s3t-nosecret.yml" primary/s3/postgres/daily)
check "$o" 'assert o["status"] == "unknown" and "S3T_SECRET" in o["message"] and "not set" in o["message"], o' 2>/dev/null \
	&& ok "unset secret variable named in the message" || ko "unset secret" "$o"

# ---- unreachable endpoints: a closed port, a port that never answers -------------------
mkcfg "$LAB_DIR/s3t-closed.yml" "endpoint: http://$S3ADDR:4599;timeout: 2s"
start=$(date +%s%N)
o=$(obs "$LAB_DIR/s3t-closed.yml" primary/s3/postgres/daily)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if check "$o" '
assert o["status"] == "unknown" and o["state"] == "error", o
assert o["message"].startswith("GET http://") and ":4599/" in o["message"], o
assert "onnect" in o["message"], o' 2>"$T/err" && [ "$ms" -lt $((4000 * ${DRC_TIME_SCALE:-1})) ]; then
	ok "closed port: unknown in ${ms} ms: $(check "$o" 'print(o["message"])')"
else
	ko "closed port (${ms} ms)" "$(cat "$T/err"; echo "$o")"
fi
mkcfg "$LAB_DIR/s3t-hang.yml" "endpoint: http://$LAB_HANG_ADDR:$LAB_HANG_PORT;timeout: 2s"
start=$(date +%s%N)
o=$(obs "$LAB_DIR/s3t-hang.yml" primary/s3/postgres/daily)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if check "$o" 'assert o["status"] == "unknown" and "timed out" in o["message"], o' 2>"$T/err" &&
   [ "$ms" -lt $((2000 + 2500 * ${DRC_TIME_SCALE:-1})) ]; then
	ok "silent endpoint: unknown within the 2s timeout (${ms} ms): $(check "$o" 'print(o["message"])')"
else
	ko "silent endpoint (${ms} ms)" "$(cat "$T/err"; echo "$o")"
fi

# ---- versioned convention against s3rver: ListObjectVersions refused, latest versions used
env=$(envcopy vs3rver 's/^aws_versioning_enabled:.*/aws_versioning_enabled: true/')
mkcfg "$LAB_DIR/s3t-vs3rver.yml" "" "$env"
o=$(obs "$LAB_DIR/s3t-vs3rver.yml" primary/s3/postgres/daily)
if check "$o" '
f = o["fields"]
assert f["convention"] == "fixed-key+versions" and f["prefix"] == "postgres_", f
assert "405 MethodNotAllowed" in f["note"], f
assert o["state"] == "ok" and f["key"] in ("postgres_daily_db0-labprod.tar.gz", E["K0"]), o
assert any(v.startswith("postgres_daily_db0-labprod.tar.gz ") for k, v in f.items() if k.startswith("recent_")), f' 2>"$T/err"; then
	ok "s3rver 3.7.1 refuses ListObjectVersions (405): latest versions listed instead, noted: $(check "$o" 'print(o["fields"]["note"])')"
else
	ko "versioned on s3rver" "$(cat "$T/err"; echo "$o")"
fi

# ---- ListObjectVersions with SigV4 verified: the fixture server -------------------------
FIXTURE_SECRET=$LAB_S3_SECRET_KEY python3 "$HERE/s3_fixture_server.py" "$FIX_ADDR" "$FIX_PORT" "$BUCKET" \
	"$LAB_S3_ACCESS_KEY" "$ROOT/tests/fixtures/s3" "$T/fixture.log" </dev/null >"$T/fixture.out" 2>&1 &
fixpid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://$FIX_ADDR:$FIX_PORT/" && break; sleep 0.1; done
kill -0 "$fixpid" 2>/dev/null || ko "fixture server did not start" "$(cat "$T/fixture.out")"
env=$(envcopy vfix "s/^aws_versioning_enabled:.*/aws_versioning_enabled: true/; s#^aws_endpoint:.*#aws_endpoint: http://$FIX_ADDR:$FIX_PORT#")
mkcfg "$LAB_DIR/s3t-vfix.yml" "" "$env"
: > "$T/fixture.log"
j=$(status_json "$LAB_DIR/s3t-vfix.yml")
daily=$(printf '%s' "$j" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({x["key"]: x for s in d["sites"].values() for x in s["observations"]}["primary/s3/postgres/daily"]))')
weekly=$(printf '%s' "$j" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({x["key"]: x for s in d["sites"].values() for x in s["observations"]}["primary/s3/postgres/weekly"]))')
if check "$daily" '
f = o["fields"]
assert o["state"] == "ok" and f["key"] == "postgres_daily_db0-labprod.tar.gz", o
assert f["version_id"] == "Kx3pR7bW2yQe9LmN.d3" and f["size"] == "4215288", f
assert abs(o["value"] - 60) < 5, o["value"]
assert f["count"] == "3" and f["pages"] == "2" and "note" not in f, f
assert f["recent_1"].endswith(" version Kx3pR7bW2yQe9LmN.d3"), f
assert f["recent_2"].startswith("postgres_daily_db1-labprod.tar.gz "), f' 2>"$T/err" &&
   check "$weekly" '
f = o["fields"]
assert o["state"] == "missing" and o["status"] == "crit", o
assert f["version_id"] == "Pq5nH8dLrT2wYxC.w1" and abs(o["value"] - 1728000) < 5, o' 2>>"$T/err" &&
   python3 - "$T/fixture.log" <<'EOF' 2>>"$T/err"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 2, r
assert all(x["auth"] == "ok" and x["status"] == 200 for x in r), r
assert r[0]["query"] == {"max-keys": "1000", "prefix": "postgres_", "versions": ""}, r[0]
assert r[1]["query"]["key-marker"] == "postgres_daily_db0-labprod.tar.gz", r[1]
assert r[1]["query"]["version-id-marker"] == "Ga8Zq1vTnXvPz0mJ.d2", r[1]
EOF
then
	ok "ListObjectVersions (AWS wire format, 2 pages by key/version-id markers, SigV4 verified): newest version ok, delete marker skipped, 20-day-old weekly missing"
else
	ko "ListObjectVersions" "$(cat "$T/err"; echo "$daily"; echo "$weekly"; cat "$T/fixture.log" "$T/fixture.out")"
fi
# a session token travels in x-amz-security-token, signed, and is shown nowhere
token="s3t-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export S3T_TOKEN=$token
mkcfg "$LAB_DIR/s3t-vfixtoken.yml" "session_token_env: S3T_TOKEN" "$env"
: > "$T/fixture.log"
out=$(status_json "$LAB_DIR/s3t-vfixtoken.yml")
if TOKEN=$token python3 - "$T/fixture.log" <<'EOF' 2>"$T/err" && ! grep -qF "$token" <<<"$out"; then
import json, os, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 2 and all(x["auth"] == "ok" for x in r), r
assert all(x["token"] == os.environ["TOKEN"] and "x-amz-security-token" in x["signed"] for x in r), r
assert all({"host", "x-amz-date", "x-amz-content-sha256"} <= set(x["signed"]) for x in r), r
EOF
	ok "session token sent as a signed x-amz-security-token header, shown nowhere"
else
	ko "session token" "$(cat "$T/err")"
fi
unset S3T_TOKEN
secret="s3t-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export S3T_KEY=$LAB_S3_ACCESS_KEY S3T_SECRET=$secret
mkcfg "$LAB_DIR/s3t-vfixbad.yml" "access_key_env: S3T_KEY;secret_key_env: S3T_SECRET" "$env"
out=$(status_json "$LAB_DIR/s3t-vfixbad.yml")
o=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({x["key"]: x for s in d["sites"].values() for x in s["observations"]}["primary/s3/postgres/daily"]))')
if check "$o" '
assert o["status"] == "unknown" and ": 403 SignatureDoesNotMatch" in o["message"], o
assert "?versions&prefix=postgres_" in o["message"], o' 2>"$T/err" && ! grep -qF "$secret" <<<"$out"; then
	ok "wrong secret key (signature checked): unknown with $(check "$o" 'print(repr(o["message"]))'), secret not shown"
else
	ko "wrong secret" "$(cat "$T/err"; echo "$o")"
fi

# ---- bucket names: an invalid one is refused before any request ------------------------
# Every request that reaches the fixture server is logged; none may arrive. The first
# case sent a signed request to the fixture server (another host) before names were checked.
nbad=0
for spec in "virtual|$S3HOSTPORT|$FIX_ADDR:$FIX_PORT/$BUCKET?" "path|$FIX_ADDR:$FIX_PORT|../$BUCKET" \
	    "path|$FIX_ADDR:$FIX_PORT|$BUCKET?versions=" "path|$FIX_ADDR:$FIX_PORT|$BUCKET#x" \
	    "path|$FIX_ADDR:$FIX_PORT|$BUCKET%2f" "path|$FIX_ADDR:$FIX_PORT|b$(printf '\303\274')cket"; do
	style=${spec%%|*}; rest=${spec#*|}; ep=${rest%%|*}; bad=${rest#*|}
	nbad=$((nbad + 1))
	env=$(envcopy "badbucket$nbad" "s|^aws_endpoint:.*|aws_endpoint: http://$ep|; s|^postgres_snapshot_bucket:.*|postgres_snapshot_bucket: \"$bad\"|")
	mkcfg "$LAB_DIR/s3t-badbucket.yml" "path_style: $([ "$style" = path ] && echo true || echo false)" "$env"
	: > "$T/fixture.log"
	o=$(obs "$LAB_DIR/s3t-badbucket.yml" primary/s3/postgres/daily)
	if check "$o" '
assert o["status"] == "unknown" and o["state"] == "error", o
assert "is not a valid S3 bucket name" in o["message"] and "not requested" in o["message"], o' 2>"$T/err" &&
	   [ ! -s "$T/fixture.log" ]; then
		ok "invalid bucket ($style-style) $(check "$o" 'print(repr(o["fields"]["bucket"]))'): no request sent, the store says $(check "$o" 'print(repr(o["message"]))')"
	else
		ko "invalid bucket ($style-style) $bad" "$(cat "$T/err"; echo "$o"; echo "requests:"; cat "$T/fixture.log")"
	fi
done
rm -f "$LAB_DIR"/s3t-*.yml
