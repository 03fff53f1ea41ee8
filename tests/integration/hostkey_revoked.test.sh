#!/usr/bin/env bash
# @revoked host keys against the lab's sshd hosts, as OpenSSH treats them:
# a key marked @revoked in the env's known_hosts (after its plain line or
# before it, hashed or not) or in the user's known_hosts while the env's
# lists it plainly is hostkey-REVOKED (crit) with the key's fingerprint;
# a key listed only as @revoked is REVOKED, not unknown; the host's sshd
# saw the connection and no authentication attempt. The other hosts stay up.
# Works on copies of the env dir, the user's known_hosts and the config.
set -u
D=$DRCONSOLE
ok() { echo "PASS: hostkey-revoked $1"; }
ko() { echo "FAIL: hostkey-revoked $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }
field() { python3 -c "import json,os,sys; E=os.environ; d=json.load(sys.stdin); $1"; }

a=$(echo $LAB_PRIMARY_HOSTS | awk '{print $3}')	# the web host: no SFTP probe of its own
penv=$(basename "$LAB_PRIMARY_ENV")
env=$LAB_DIR/environments/$penv-revoked
kh=$env/known_hosts
ukh=$LAB_DIR/keys/user_known_hosts-revoked
cfg=$LAB_DIR/drconsole-revoked.yml
log=$LAB_DIR/logs/sshd-$a.log
pub=$(cut -d' ' -f1-2 "$LAB_DIR/ssh/$a/ssh_host_ed25519_key.pub")
fp=$(ssh-keygen -lf "$LAB_DIR/ssh/$a/ssh_host_ed25519_key.pub" | awk '{print $2}')
name="[$a]:$LAB_SSH_PORT"
cleanup() { rm -rf "$env" "$ukh" "$ukh".old "$cfg"; }
trap cleanup EXIT

rm -rf "$env"; cp -r "$LAB_PRIMARY_ENV" "$env"
cp "$LAB_PRIMARY_ENV/known_hosts" "$env/known_hosts.orig"
sed -e "s|environments/$penv\b|environments/$penv-revoked|" \
	-e "s|known_hosts: keys/user_known_hosts|known_hosts: keys/user_known_hosts-revoked|" \
	"$LAB_CONFIG" > "$cfg"
: > "$ukh"

# run status, then check the host's row and what its sshd logged meanwhile
case_run() {	# label
	local label=$1 before out new
	before=$(wc -l < "$log")
	out=$("$D" -c "$cfg" status --json 2>/dev/null)
	sleep 0.3
	new=$(tail -n +"$((before + 1))" "$log")
	if printf '%s' "$out" | A=$a FP=$fp field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
h = o["primary/host/" + E["A"]]
assert h["state"] == "hostkey-REVOKED" and h["status"] == "crit", h
assert h["fields"]["fingerprint"] == E["FP"], (h, E["FP"])
assert "REVOKED" in h["message"] and E["FP"] in h["message"] and "@revoked" in h["message"], h
others = [x for k, x in o.items() if "/host/" in k and x is not h]
assert len(others) >= 9 and all(x["state"] == "up" for x in others), [(x["key"], x["state"]) for x in others]' &&
	   printf '%s\n' "$new" | grep -q "^Connection from .* on $a port" &&
	   ! printf '%s\n' "$new" | grep -Eq 'publickey|Accepted|Postponed|authenticating user|Failed|userauth|Starting session'; then
		ok "$label: hostkey-REVOKED/crit, $fp; sshd saw the connection and no authentication attempt"
	else
		ko "$label" "$out
sshd log: $new"
	fi
}

# 1. the env's file: the plain line, then @revoked for the same key
{ cat "$env/known_hosts.orig"; echo "@revoked $name $pub"; } > "$kh"
case_run "@revoked after the plain line"

# 2. @revoked first, then the plain lines
{ echo "@revoked $name $pub"; cat "$env/known_hosts.orig"; } > "$kh"
case_run "@revoked before the plain line"

# 3. the env's file lists it plainly, the user's marks it @revoked
cp "$env/known_hosts.orig" "$kh"
echo "@revoked $name $pub" > "$ukh"
case_run "@revoked in the user's known_hosts"
: > "$ukh"

# 4. hashed: the env's file hashed with ssh-keygen -H, the revocation hashed too
cp "$env/known_hosts.orig" "$kh"
ssh-keygen -q -H -f "$kh" >/dev/null 2>&1; rm -f "$kh.old"
hashed=$(N=$name python3 -c '
import base64, hashlib, hmac, os
salt = os.urandom(20)
mac = hmac.new(salt, os.environ["N"].encode(), hashlib.sha1).digest()
print("|1|%s|%s" % (base64.b64encode(salt).decode(), base64.b64encode(mac).decode()))')
echo "@revoked $hashed $pub" >> "$kh"
if grep -q "^\[" "$kh"; then
	ko "hashed: ssh-keygen -H left plain entries" "$(cat "$kh")"
else
	case_run "hashed file, hashed @revoked line"
fi

# 5. listed only as @revoked: revoked, not unknown
grep -v "^\[$a\]:" "$env/known_hosts.orig" > "$kh"
echo "@revoked $name $pub" >> "$kh"
case_run "listed only as @revoked"

# 6. the original file: up again (the copies are sound)
cp "$env/known_hosts.orig" "$kh"
out=$("$D" -c "$cfg" status --json 2>/dev/null)
printf '%s' "$out" | A=$a field '
o = {x["key"]: x for s in d["sites"].values() for x in s["observations"]}
assert o["primary/host/" + E["A"]]["state"] == "up"' && ok "without the @revoked line: up" || ko "without the @revoked line" "$out"
