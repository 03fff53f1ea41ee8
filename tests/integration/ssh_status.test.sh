#!/usr/bin/env bash
# Host rows of `drconsole status --json` against the lab's sshd hosts:
# every host up with strict host-key checking and the right fingerprint; a
# stopped sshd is down; a re-keyed host is "host key CHANGED" with the new
# fingerprint and its sshd saw no authentication attempt; a host that
# accepts TCP and never speaks times out within the bound without delaying
# the others.
set -u
D=$DRCONSOLE
ok() { echo "PASS: ssh-status $1"; }
ko() { echo "FAIL: ssh-status $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }
json() { "$D" -c "${1:-$LAB_CONFIG}" status --json 2>/dev/null; }
field() { python3 -c "import json,os,sys; E=os.environ; d=json.load(sys.stdin); $1"; }
fp_of() { ssh-keygen -lf "$LAB_DIR/ssh/$1/ssh_host_ed25519_key.pub" | awk '{print $2}'; }
auth_lines() { grep -cE 'publickey|authenticating user|Failed|userauth' "$LAB_DIR/logs/sshd-$1.log"; }

# 1. every host up, fingerprints as ssh-keygen reads them
expect=""
for a in $LAB_PRIMARY_HOSTS; do expect="$expect primary/host/$a=$(fp_of "$a")"; done
for a in $LAB_SECONDARY_HOSTS; do expect="$expect secondary/host/$a=$(fp_of "$a")"; done
out=$(json)
if printf '%s' "$out" | EXPECT="$expect" field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
want = dict(kv.split("=", 1) for kv in E["EXPECT"].split())
hosts = [k for k in o if "/host/" in k]
assert sorted(hosts) == sorted(want), (hosts, list(want))
for k, fp in want.items():
    h = o[k]
    assert h["state"] == "up" and h["status"] == "ok", h
    assert h["fields"]["fingerprint"] == fp, (h, fp)
    assert h["fields"]["key_type"] == "ssh-ed25519", h
    assert h["unit"] == "ms" and h["value"] >= 0, h
    # one status run opens each session once: the host probe reuses it only
    # when the SFTP backup probe of the same host (one pool) got there first.
    sftp_first = any(k2.startswith(k.split("/host/")[0] + "/sftp/") and k2.endswith("/" + k.split("/host/")[1]) for k2 in o)
    assert h["fields"]["reused"] == "no" or sftp_first, h'; then
	ok "all $(echo $LAB_PRIMARY_HOSTS $LAB_SECONDARY_HOSTS | wc -w) lab hosts up, host keys verified, fingerprints match ssh-keygen -l"
else
	ko "hosts up" "$out"
fi

# 2. a stopped sshd is down, crit, with the call and the address in the message
a=$(echo $LAB_PRIMARY_HOSTS | awk '{print $3}')
"$LAB_SH" stop-sshd "$a" >/dev/null 2>&1
out=$(json)
if printf '%s' "$out" | A=$a field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
h = o["primary/host/" + E["A"]]
assert h["state"] == "down" and h["status"] == "crit", h
assert "connect(" + E["A"] + ":" in h["message"] and "refused" in h["message"], h
assert d["status"] == "crit"'; then
	ok "stopped sshd on $a: down/crit, \"$(printf '%s' "$out" | A=$a field 'o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}; print(o["primary/host/" + E["A"]]["message"])')\""
else
	ko "stopped sshd" "$out"
fi
"$LAB_SH" start-sshd "$a" >/dev/null 2>&1

# 3. a changed host key: CHANGED with the new fingerprint, no authentication attempted
a=$(echo $LAB_SECONDARY_HOSTS | awk '{print $2}')
"$LAB_SH" rekey "$a" >/dev/null 2>&1
newfp=$(fp_of "$a")
before=$(auth_lines "$a")
out=$(json)
sleep 0.3
after=$(auth_lines "$a")
if printf '%s' "$out" | A=$a FP=$newfp field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
h = o["secondary/host/" + E["A"]]
assert h["state"] == "hostkey-CHANGED" and h["status"] == "crit", h
assert h["fields"]["fingerprint"] == E["FP"], (h, E["FP"])
assert E["FP"] in h["message"] and "CHANGED" in h["message"], h' && [ "$before" = "$after" ]; then
	ok "re-keyed $a: hostkey-CHANGED/crit with the new key's $newfp; sshd log shows no authentication attempt ($before = $after lines)"
else
	ko "rekey" "$out
auth lines before=$before after=$after"
fi
"$LAB_SH" restore-key "$a" >/dev/null 2>&1
out=$(json)
printf '%s' "$out" | A=$a field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
assert o["secondary/host/" + E["A"]]["state"] == "up"' && ok "restored key on $a: up again" || ko "restore-key" "$out"

# 4. a host that accepts TCP and never speaks: timeout within the bound; the others unaffected
penv=$(basename "$LAB_PRIMARY_ENV")
hang_env=$LAB_DIR/environments/$penv-hang
hang_cfg=$LAB_DIR/drconsole-hang.yml
rm -rf "$hang_env"; cp -r "$LAB_PRIMARY_ENV" "$hang_env"
printf '[hang_a0]\n%s ansible_port=%s\n' "$LAB_HANG_ADDR" "$LAB_HANG_PORT" >> "$hang_env/inventory.ini"
sed -e "s|environments/$penv\b|environments/$penv-hang|" -e 's/connect_timeout: 3s/connect_timeout: 4s/' \
	-e 's/^probe_timeout: .*/probe_timeout: 6s/' "$LAB_CONFIG" > "$hang_cfg"
t0=$(date +%s%N)
out=$(json "$hang_cfg")
took=$(( ($(date +%s%N) - t0) / 1000000 ))
# bounds beyond the timeout stretch by DRC_TIME_SCALE (a sanitizer build is slower)
if printf '%s' "$out" | A=$LAB_HANG_ADDR TOOK=$took SCALE=${DRC_TIME_SCALE:-1} field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
h = o["primary/host/" + E["A"]]
assert h["state"] == "timeout" and h["status"] == "crit", h
s = int(E["SCALE"])
assert 3900 <= h["latency_ms"] <= 4000 + 800 * s, h
others = [x for k, x in o.items() if "/host/" in k and x is not h]
assert len(others) >= 10 and all(x["state"] == "up" for x in others), others
worst = max(x["latency_ms"] for x in others)
assert worst < 2000 * s, worst
assert int(E["TOOK"]) < 4000 + 2500 * s, E["TOOK"]
print(h["latency_ms"], worst)' >/tmp/drc-hang-$$.txt; then
	read -r hl worst < /tmp/drc-hang-$$.txt
	ok "silent listener $LAB_HANG_ADDR:$LAB_HANG_PORT: timeout after ${hl} ms (bound 4 s); other hosts done within ${worst} ms; status took ${took} ms"
else
	ko "hang" "$out"
fi
rm -f /tmp/drc-hang-$$.txt "$hang_cfg"; rm -rf "$hang_env"

# 5. local backups over SFTP on the primary's pg_backup host (the lab's backup dir)
bdir=$LAB_DIR/sites/primary/opt/data/backups/postgresql
bkey=primary/sftp/postgres/$LAB_PG_PRIMARY_HOST
newest=$(ls -t "$bdir" | grep '^postgres_labprod_daily_' | head -1)
sftp_row() { json | K=$1 field 'o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}; x = o[E["K"]]; print(x["status"], x["state"], x["value"] if "value" in x else "-"); print(x["message"])'; }
out=$(sftp_row "$bkey")
if [ -n "$newest" ] && printf '%s' "$out" | head -1 | grep -q '^ok fresh' && printf '%s' "$out" | grep -q "$newest"; then
	ok "sftp: newest local backup $newest found fresh in $bdir"
else
	ko "sftp fresh" "$out"
fi
out=$(sftp_row "$bkey/s3-check")
printf '%s' "$out" | head -1 | grep -q '^ok ok' && printf '%s' "$out" | grep -q '^\[OK\] Last daily postgres backup' &&
	ok "sftp: s3_backup_status.txt read: $(printf '%s' "$out" | tail -1)" || ko "sftp s3-check" "$out"
# age it: 30 h is late (warn), 60 h is crit; an [ALERT] in the status file warns
touch -d '30 hours ago' "$bdir/$newest"
out=$(sftp_row "$bkey")
printf '%s' "$out" | head -1 | grep -Eq '^warn late 10[0-9]{4}' && ok "sftp: a 30 h old backup is late/warn" || ko "sftp 30h" "$out"
touch -d '60 hours ago' "$bdir/$newest"
out=$(sftp_row "$bkey")
printf '%s' "$out" | head -1 | grep -q '^crit late' && ok "sftp: a 60 h old backup is late/crit" || ko "sftp 60h" "$out"
touch "$bdir/$newest"
cp "$bdir/s3_backup_status.txt" "$bdir/s3_backup_status.txt.orig"
printf '[ALERT] No daily postgres backup in last two days\n' > "$bdir/s3_backup_status.txt"
out=$(sftp_row "$bkey/s3-check")
printf '%s' "$out" | head -1 | grep -q '^warn alert' && ok "sftp: an [ALERT] status file is warn" || ko "sftp alert" "$out"
mv "$bdir/s3_backup_status.txt.orig" "$bdir/s3_backup_status.txt"
# a hostile file name: escape sequences never reach the output
evil=$(printf 'postgres_labprod_daily_2099_01_01\033]0;owned\007\033[31m.tar.gz')
# the planted file is the newest by name and by time (the real one an hour older, not the same second)
touch -d '1 hour ago' "$bdir/$newest"
: > "$bdir/$evil"
out=$(json)
rm -f "$bdir/$evil"
if printf '%s' "$out" | K=$bkey field 'o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}; x = o[E["K"]]
assert "2099_01_01" in x["message"], x
assert not any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in x["message"] + x["fields"]["daily_file"]), x'; then
	ok "sftp: a file name with escape sequences is shown sanitised"
else
	ko "sftp sanitised" "$out"
fi
