#!/usr/bin/env bash
# CLI suite: the real binary on fixture env dirs and broken copies of them.
# Checks exit codes, messages and file:line:col positions. PASS:/FAIL: lines.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
FIX=$PWD/tests/fixtures
tmp=$(mktemp -d /tmp/drconsole-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
unset DRCONSOLE_CONFIG

check() {	# name, expected rc, expected output regex (grep -E), command...
	local name=$1 want_rc=$2 want=$3 out rc
	shift 3
	out=$("$@" 2>&1 </dev/null); rc=$?
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL: $name (exit $rc, want $want_rc)"; printf '%s\n' "$out" | head -8 | sed 's/^/    /'
	elif [ -n "$want" ] && ! printf '%s\n' "$out" | grep -Eq -- "$want"; then
		echo "FAIL: $name (output does not match /$want/)"; printf '%s\n' "$out" | head -8 | sed 's/^/    /'
	else
		echo "PASS: $name"
	fi
}

# a copy of the fixture pair that a case may break
variant() {	# name -> prints the config path of a fresh copy
	local dir=$tmp/$1
	mkdir -p "$dir"
	cp -r "$FIX/envs" "$dir/"
	sed "s#state_dir: .*#state_dir: $dir/state#" "$FIX/drconsole.yml" > "$dir/drconsole.yml"
	echo "$dir"
}

check "--version" 0 '^drconsole [0-9]+\.[0-9]+\.[0-9]+$' "$D" --version
check "--help lists the commands" 0 'status .*check .*lint|lint' "$D" --help
check "unknown command is a usage error" 2 "unknown command 'frobnicate'" "$D" frobnicate
check "unknown option is a usage error" 2 "unknown option --bogus" "$D" --bogus
check "an option a command does not take" 2 "lint does not take --offline" "$D" -c "$FIX/drconsole.yml" lint --offline
check "missing -c file" 2 "nonexistent.yml: error: cannot read the configuration" "$D" -c /nonexistent.yml lint
(cd "$tmp" && HOME=$tmp XDG_CONFIG_HOME=$tmp/none check "no configuration found" 2 "no configuration found" "$D" lint)
check "lint on the fixture pair is clean" 0 '^0 errors, 0 warnings$' "$D" -c "$FIX/drconsole.yml" lint
check "lint --json is valid JSON" 0 '^\[\]$' "$D" -c "$FIX/drconsole.yml" lint --json
check "status --offline prints both sites" 0 'SECONDARY backup-production \(deploy_env backup-production\)' "$D" -c "$FIX/drconsole.yml" status --offline
out=$("$D" -c "$FIX/drconsole.yml" status --offline --json 2>&1)
if printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["sites"]["secondary"]; assert s["postgresql"]["servers"][0]["role"]=="standby"; assert s["postgresql"]["servers"][0]["master_address"]=="10.1.0.20"; assert d["objectives"]["rpo_s"]==900' 2>/dev/null; then
	echo "PASS: status --offline --json has the documented fields"
else
	echo "FAIL: status --offline --json has the documented fields"
fi
# an AWS-hosted pair shaped like commcare-cloud's production / backup-production
check "status --offline: the AWS pair's RDS instances with their groups and databases" 0 'pgmain1-production +db\.m5\.4xlarge +multi-AZ yes PITR on +remote copy yes group rds_pgmain1 retention 7d dbs: main' "$D" -c "$FIX/aws.yml" status --offline
check "status --offline: the AWS Backup plan and its remote vault" 0 'AWS Backup plan: local vault BusinessContinuity_Production_East-1, remote vault BusinessContinuity_Production_East-2 in us-east-2' "$D" -c "$FIX/aws.yml" status --offline
check "status --offline: a pilot-light secondary has no plan" 0 'AWS Backup plan: none \(no backup_plan in terraform.yml\)' "$D" -c "$FIX/aws.yml" status --offline
check "status --offline: a store that is off says why" 0 'postgres off: no pg_backup host in inventory.ini; the backup cron runs only there; the RDS databases are covered by RDS automated backups and the AWS Backup plan' "$D" -c "$FIX/aws.yml" status --offline
check "lint: an RDS instance outside the AWS Backup plan is a warning at its position" 0 'envs-aws/production/terraform.yml:90:5: warning: RDS instance pgformplayer2-production is not in the AWS Backup plan' "$D" -c "$FIX/aws.yml" lint
out=$("$D" -c "$FIX/aws.yml" status --offline --json 2>&1)
if printf '%s' "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin)
p=d["sites"]["primary"]["aws"]; s=d["sites"]["secondary"]["aws"]
assert p["region"]=="us-east-1" and s["region"]=="us-east-2" and s["environment"]=="bk-production"
m=[r for r in p["rds_instances"] if r["identifier"]=="pgmain1-production"][0]
assert m["multi_az"] and m["backup_retention_days"]==7 and m["cross_region_backup"] and m["inventory_group"]=="rds_pgmain1" and m["databases"]==["main"] and m["in_inventory"]
assert m["endpoint"].endswith(".us-east-1.rds.amazonaws.com")
assert p["backup_plan"]["remote_region"]=="us-east-2" and p["backup_plan"]["retention_days"]["weekly"]==14
assert s["backup_plan"] is None and all(r["instance_type"]=="db.t3.micro" for r in s["rds_instances"])
assert p["ebs_volumes_in_plan"]==8
assert "no pg_backup host" in d["sites"]["primary"]["backups"]["stores"]["postgres"]["off_reason"]
assert d["sites"]["primary"]["backups"]["stores"]["postgres"]["enabled"] is False
' 2>&1; then
	echo "PASS: status --offline --json: the aws object of each site (docs/status-json.md)"
else
	echo "FAIL: status --offline --json: the aws object of each site (docs/status-json.md)"
fi
out=$("$D" -c "$FIX/drconsole.yml" status --offline --json 2>&1)
if printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["sites"]["primary"]["aws"] is None' 2>/dev/null; then
	echo "PASS: status --offline --json: a self-managed site has aws null"
else
	echo "FAIL: status --offline --json: a self-managed site has aws null"
fi
v=$(variant awsbad); mkdir -p "$v/envs-aws"; cp -r "$FIX/envs-aws/production" "$FIX/envs-aws/backup-production" "$v/envs-aws/"
sed "s#state_dir: .*#state_dir: $v/state#" "$FIX/aws.yml" > "$v/aws.yml"
sed -i 's/^    multi_az: true$/    multi_az: sometimes/' "$v/envs-aws/production/terraform.yml"
check "lint: a terraform.yml value of the wrong type is an error at its position" 2 'envs-aws/production/terraform.yml:[0-9]+:15: error: .*multi_az' "$D" -c "$v/aws.yml" lint

check "drift reports the suspicious concurrency change" 1 'celery_processes.web2.repeat_record_queue.concurrency' "$D" -c "$FIX/drconsole.yml" drift
check "drift --json" 1 '"suspicious": \[' "$D" -c "$FIX/drconsole.yml" drift --json

v=$(variant nopublic); rm "$v/envs/production/public.yml"
check "missing public.yml" 2 "envs/production/public.yml: error: missing" "$D" -c "$v/drconsole.yml" lint
v=$(variant twoinv); touch "$v/envs/backup-production/inventory.csv"
check "two inventory sources" 2 "more than one inventory source" "$D" -c "$v/drconsole.yml" lint
v=$(variant metakey); printf 'colour: blue\n' >> "$v/envs/production/meta.yml"
check "meta.yml unknown key" 2 "meta.yml:7:1: error: unknown key 'colour'" "$D" -c "$v/drconsole.yml" lint
v=$(variant tab); printf 'backup:\n\tdays: 1\n' >> "$v/envs/production/public.yml"
check "YAML with a tab" 2 "public.yml:21:1: error: tab character" "$D" -c "$v/drconsole.yml" lint
v=$(variant dupkey); printf 'nadir_hour: 3\n' >> "$v/envs/production/public.yml"
check "YAML with a duplicate key" 2 "public.yml:20:1: error: duplicate key 'nadir_hour' \(first defined at line 6\)" "$D" -c "$v/drconsole.yml" lint
for bad in -3 24 99999999999999999999; do
	v=$(variant "nadir$bad"); sed -i "s/^nadir_hour: 16$/nadir_hour: $bad/" "$v/envs/production/public.yml"
	check "nadir_hour: $bad is out of range" 2 "production/public.yml:6:13: error: nadir_hour: $bad is out of range \(an hour of the day, 0 to 23\)" "$D" -c "$v/drconsole.yml" lint
done
v=$(variant nadirword); sed -i 's/^nadir_hour: 16$/nadir_hour: four/' "$v/envs/production/public.yml"
check "nadir_hour not a number" 2 "production/public.yml:6:13: error: nadir_hour: expected an integer, found a string" "$D" -c "$v/drconsole.yml" lint
v=$(variant backupdays); printf 'couchdb_backup_days: -1\n' >> "$v/envs/backup-production/public.yml"
check "couchdb_backup_days negative" 2 "backup-production/public.yml:[0-9]+:22: error: couchdb_backup_days: -1 is out of range" "$D" -c "$v/drconsole.yml" lint
v=$(variant nadirok); sed -i 's/^nadir_hour: 16$/nadir_hour: 23/' "$v/envs/production/public.yml"
check "nadir_hour: 23 is fine" 0 '^0 errors, 0 warnings$' "$D" -c "$v/drconsole.yml" lint
v=$(variant emptypublic); : > "$v/envs/production/public.yml"
check "empty public.yml" 2 "production/public.yml:1:1: error: public.yml is empty: expected a mapping of settings" "$D" -c "$v/drconsole.yml" lint
v=$(variant barepublic); printf 'just a string\n' > "$v/envs/production/public.yml"
check "bare-string public.yml" 2 "production/public.yml:1:1: error: public.yml: expected a mapping of settings, found a string" "$D" -c "$v/drconsole.yml" lint
v=$(variant emptypg); printf '# nothing\n' > "$v/envs/backup-production/postgresql.yml"
check "empty postgresql.yml" 2 "backup-production/postgresql.yml:1:1: error: postgresql.yml is empty: expected a mapping of settings" "$D" -c "$v/drconsole.yml" lint
v=$(variant listpg); printf -- '- dbs\n' > "$v/envs/backup-production/postgresql.yml"
check "postgresql.yml a list" 2 "backup-production/postgresql.yml:1:1: error: postgresql.yml: expected a mapping of settings, found a list" "$D" -c "$v/drconsole.yml" lint
v=$(variant quote); printf 'x: "unclosed\n' >> "$v/envs/production/proxy.yml"
check "YAML with an unclosed quote" 2 "proxy.yml:4:1: error: found unexpected end of stream" "$D" -c "$v/drconsole.yml" lint
v=$(variant cycle); printf '[control:children]\nwebworkers\n[webworkers:children]\ncontrol\n' >> "$v/envs/production/inventory.ini"
check "inventory with a cycle" 2 "inventory.ini:51:1: error: adding group 'control' as a child of 'webworkers' creates a cycle" "$D" -c "$v/drconsole.yml" lint
v=$(variant undef); printf '[celery:children]\nnot_there\n' >> "$v/envs/production/inventory.ini"
check "inventory with an undefined child" 2 "inventory.ini:49:1: error: \[celery:children\] includes undefined group 'not_there'" "$D" -c "$v/drconsole.yml" lint
v=$(variant garbage); head -c 300 /dev/urandom > "$v/envs/production/inventory.ini"; printf '\0' >> "$v/envs/production/inventory.ini"
check "binary garbage inventory" 2 "inventory.ini:[0-9]+:[0-9]+: error:" "$D" -c "$v/drconsole.yml" lint
v=$(variant kh); grep -v '^10.2.0.12 ' "$FIX/envs/backup-production/known_hosts" > "$v/envs/backup-production/known_hosts"
check "known_hosts missing a host" 2 "backup-production/inventory.ini:6:1: error: host 10.2.0.12 .* is not in .*known_hosts" "$D" -c "$v/drconsole.yml" lint
if command -v ssh-keygen >/dev/null 2>&1; then
	v=$(variant khhashed); ssh-keygen -q -H -f "$v/envs/backup-production/known_hosts" >/dev/null 2>&1
	ssh-keygen -q -H -f "$v/envs/production/known_hosts" >/dev/null 2>&1
	if grep -q '^|1|' "$v/envs/backup-production/known_hosts" && ! grep -q '^10\.' "$v/envs/backup-production/known_hosts"; then
		check "known_hosts hashed with ssh-keygen -H covers every host" 0 '^0 errors, 0 warnings$' "$D" -c "$v/drconsole.yml" lint
	else
		echo "FAIL: known_hosts hashed with ssh-keygen -H (ssh-keygen did not hash the copy)"
	fi
	v=$(variant khhashedmissing); grep -v '^10.2.0.12 ' "$FIX/envs/backup-production/known_hosts" > "$v/envs/backup-production/known_hosts"
	ssh-keygen -q -H -f "$v/envs/backup-production/known_hosts" >/dev/null 2>&1
	check "hashed known_hosts missing a host" 2 "backup-production/inventory.ini:6:1: error: host 10.2.0.12 .* is not in .*known_hosts" "$D" -c "$v/drconsole.yml" lint
else
	echo "SKIP: hashed known_hosts (no ssh-keygen)"
fi
v=$(variant slot); sed -i 's/replication_slot=standby1/replication_slot=standby9/' "$v/envs/backup-production/inventory.ini"
check "replication_slot not in the master's slots" 2 "inventory.ini:10:1: error: replication_slot 'standby9' of 10.2.0.20 is not in postgresql_replication_slots of its master 10.1.0.20" "$D" -c "$v/drconsole.yml" lint
v=$(variant master); sed -i 's/hot_standby_master=10.1.0.20/hot_standby_master=10.9.9.9/' "$v/envs/backup-production/inventory.ini"
check "hot_standby_master not in any inventory" 2 "hot_standby_master of 10.2.0.20 is '10.9.9.9', which is not a host of either inventory" "$D" -c "$v/drconsole.yml" lint
v=$(variant cfgkey); printf 'colour: blue\n' >> "$v/drconsole.yml"
check "config unknown key" 2 "drconsole.yml:10:1: error: unknown option 'colour'" "$D" -c "$v/drconsole.yml" lint
v=$(variant cfgpw); printf 'password: x\n' >> "$v/drconsole.yml"
check "config with an inline password" 2 "credentials are never taken from this file" "$D" -c "$v/drconsole.yml" lint
check "status refuses a broken config" 2 "fix the errors above" "$D" -c "$v/drconsole.yml" status --offline
check "check is UNKNOWN on a broken config" 3 "^DRCONSOLE UNKNOWN" "$D" -c "$v/drconsole.yml" check
# dry-run shows the command exactly as the live run sends it: become's wrapper included
v=$(variant become)
cat > "$v/become.yml" <<'EOF'
name: Become dry-run
model: replicated
steps:
  - id: promote
    title: Promote
    on: secondary:pg_standby
    become: root
    run: pg_ctlcluster 14 main promote
    verify: test -f /tmp/promoted
  - id: as-postgres
    title: As postgres
    on: secondary:control
    become: postgres
    run: echo "it's me"
EOF
check "dry-run shows become's sudo wrapper" 0 "^  sends on 10\.2\.0\.20 \(10\.2\.0\.20\): sudo -n /bin/sh -c 'pg_ctlcluster 14 main promote'$" "$D" -c "$v/drconsole.yml" run "$v/become.yml" --dry-run
check "dry-run shows become's wrapper of the verify command" 0 "^  verify sends on 10\.2\.0\.20 \(10\.2\.0\.20\): sudo -n /bin/sh -c 'test -f /tmp/promoted'$" "$D" -c "$v/drconsole.yml" run "$v/become.yml" --dry-run
check "dry-run shows become -u with the command quoted" 0 "^  sends on 10\.2\.0\.10 \(10\.2\.0\.10\): sudo -n -u postgres -- /bin/sh -c 'echo \"it'\\\\''s me\"'$" "$D" -c "$v/drconsole.yml" run "$v/become.yml" --dry-run
v=$(variant bucket); printf 'postgres_snapshot_bucket: "evil.example:9000/x"\ncouchdb_snapshot_bucket: ../b\n' >> "$v/envs/production/public.yml"
check "lint: a bucket name with host:port/" 2 "production/public.yml:20:27: error: S3 bucket 'evil.example:9000/x' of the postgres backups is not a valid bucket name" "$D" -c "$v/drconsole.yml" lint
check "lint: a bucket name with ../" 2 "production/public.yml:21:26: error: S3 bucket '../b' of the couch backups is not a valid bucket name \(only lowercase" "$D" -c "$v/drconsole.yml" lint
# Local inputs: only regular files within the cap of their kind, read without blocking
# (every command under timeout: a FIFO used to hang the open, /dev/zero to eat memory).
v=$(variant fifo); rm "$v/envs/production/public.yml"; mkfifo "$v/envs/production/public.yml"
check "a FIFO as an env file is refused without blocking" 2 "production/public.yml: error: cannot read: a FIFO \(named pipe\), not a regular file" timeout 10 "$D" -c "$v/drconsole.yml" lint
mkfifo "$tmp/fifo.yml"
check "a FIFO as the configuration" 2 "fifo.yml: error: cannot read: a FIFO" timeout 10 "$D" -c "$tmp/fifo.yml" lint
check "a FIFO as an inventory" 2 "fifo.yml: error: cannot read: a FIFO" timeout 10 "$D" inventory "$tmp/fifo.yml"
v=$(variant fiforb); printf 'runbooks: [%s]\n' "$tmp/fifo.yml" >> "$v/drconsole.yml"
check "a FIFO as a runbook" 2 "fifo.yml: error: cannot read: a FIFO" timeout 10 "$D" -c "$v/drconsole.yml" lint
v=$(variant fifokh); rm "$v/envs/backup-production/known_hosts"; mkfifo "$v/envs/backup-production/known_hosts"
check "a FIFO as known_hosts does not block" 2 "is not in .*known_hosts" timeout 10 "$D" -c "$v/drconsole.yml" lint
v=$(variant zero); rm "$v/envs/production/inventory.ini"; ln -s /dev/zero "$v/envs/production/inventory.ini"
check "a symlink to /dev/zero as the inventory" 2 "production/inventory.ini: error: cannot read: a character device, not a regular file" timeout 10 "$D" -c "$v/drconsole.yml" lint
v=$(variant dir); rm "$v/envs/production/proxy.yml"; mkdir "$v/envs/production/proxy.yml"
check "a directory as an env file" 2 "production/proxy.yml: error: cannot read: a directory, not a regular file" timeout 10 "$D" -c "$v/drconsole.yml" lint
v=$(variant bigyml); head -c 5000000 /dev/zero | tr '\0' '#' >> "$v/envs/production/public.yml"
check "an env YAML file over its 4 MiB cap" 2 "production/public.yml: error: cannot read: [0-9]+ bytes, over the 4 MiB limit for environment YAML files" timeout 10 "$D" -c "$v/drconsole.yml" lint
v=$(variant biginv); head -c 17000000 /dev/zero | tr '\0' '#' >> "$v/envs/production/inventory.ini"
check "an inventory over its 16 MiB cap" 2 "production/inventory.ini: error: cannot read: [0-9]+ bytes, over the 16 MiB limit for inventories" timeout 10 "$D" -c "$v/drconsole.yml" lint
head -c 2000000 /dev/zero | tr '\0' '#' > "$tmp/big.yml"
check "a configuration over its 1 MiB cap" 2 "big.yml: error: cannot read: 2000000 bytes, over the 1 MiB limit for drconsole configuration files" timeout 10 "$D" -c "$tmp/big.yml" lint
# 100k levels: refused where the 129th level opens (a correctness bound, not a benchmark)
v=$(variant deep); python3 -c 'print("deep: " + "[" * 100000 + "]" * 100000)' >> "$v/envs/production/proxy.yml"
check "100k-deep YAML refused at the depth limit within 5 s" 2 "production/proxy.yml:3:134: error: document nested too deeply \(over 128 levels\)" timeout 5 "$D" -c "$v/drconsole.yml" lint
check "inventory command prints ansible's shape" 0 '"_meta"' "$D" inventory "$FIX/envs/production/inventory.ini"

# ---- the read-only pin fails closed. $DRCONSOLE_PIN_CONFIG names one more file
# checked exactly like /etc/drconsole/config.yml (it can add a pin, never lift
# one), so these checks need not touch /etc. A dry-run of a one-step runbook
# runs (exit 0) unless pinned; pinned, the driver refuses it (exit 2).
v=$(variant pin)
printf 'name: pin\nsteps:\n  - id: a\n    on: secondary:control\n    run: touch %s/ran\n' "$v" > "$v/rb.yml"
printf 'read_only: false\n' > "$v/pin.yml"
check "pin file: read_only: false does not pin" 0 "dry-run: not executed" \
	env DRCONSOLE_PIN_CONFIG="$v/pin.yml" "$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
for val in '"true"' "'false'" 1 '[true]' '{on: yes}' '' '!!int 0'; do
	printf 'refresh: 5s\nread_only: %s\n' "$val" > "$v/pin.yml"
	check "pin file: read_only: $val pins; the run is refused with the reason" 2 \
		"read-only mode \(pinned by $v/pin.yml \(read_only is .*, not true or false\)\): refused" \
		env DRCONSOLE_PIN_CONFIG="$v/pin.yml" "$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
	check "pin file: read_only: $val is a lint error at file:line:col" 2 \
		"$v/pin.yml:2:1[12]: error: read_only must be true or false" \
		env DRCONSOLE_PIN_CONFIG="$v/pin.yml" "$D" -c "$v/drconsole.yml" lint
done
printf 'read_only: true\n' > "$v/pin.yml"
check "pin file: read_only: true pins over a user file's read_only: false" 2 \
	"read-only mode \(pinned by $v/pin.yml \(read_only: true\)\): refused" \
	env DRCONSOLE_PIN_CONFIG="$v/pin.yml" "$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
# a pin file that exists but cannot be read (its directory root-only) pins for
# a non-root user; it is not taken as "no file"
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
	chmod 755 "$tmp" "$v" && chmod -R a+rX "$v"
	mkdir -p "$v/etc" && printf 'read_only: false\n' > "$v/etc/config.yml" && chmod 700 "$v/etc"
	nb() { runuser -u nobody -- env DRCONSOLE_PIN_CONFIG="$v/etc/config.yml" "$@"; }
	check "unreadable pin file (EACCES) pins for a non-root user" 2 \
		"read-only mode \(pinned by $v/etc/config.yml \(cannot read it: Permission denied\)\): refused" \
		nb "$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
	check "unreadable pin file: lint reports an error" 2 \
		"$v/etc/config.yml: error: cannot read the system configuration \(Permission denied\); read-only mode is pinned" \
		nb "$D" -c "$v/drconsole.yml" lint
	chmod 755 "$v/etc" && chmod 600 "$v/etc/config.yml"
	check "unreadable pin file (mode 0600) pins for a non-root user" 2 \
		"read-only mode \(pinned by $v/etc/config.yml \(cannot read it: .*Permission denied\)\): refused" \
		nb "$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
	[ ! -e "$v/ran" ] && echo "PASS: pin: nothing ran" || echo "FAIL: pin: the runbook ran"
else
	echo "SKIP: unreadable pin file (needs root to run a check as nobody)"
fi

# the documented install leaves /etc/drconsole world-readable (0755, the file 0644),
# so a system file readable only by root does not pin every other user by accident
inst=$tmp/install; mkdir -p -m 0700 "$inst/etc/drconsole"; printf 'read_only: false\n' > "$inst/etc/drconsole/config.yml"
chmod 0600 "$inst/etc/drconsole/config.yml"
if make -s install DESTDIR="$inst" PREFIX=/usr SANITIZE="${SANITIZE:-0}" >/dev/null 2>&1 &&
   [ "$(stat -c %a "$inst/etc/drconsole")" = 755 ] && [ "$(stat -c %a "$inst/etc/drconsole/config.yml")" = 644 ]; then
	echo "PASS: make install: /etc/drconsole 0755, its config.yml 0644"
else
	echo "FAIL: make install: /etc/drconsole $(stat -c %a "$inst/etc/drconsole") config.yml $(stat -c %a "$inst/etc/drconsole/config.yml")"
fi

# ---- the state directory: one that others can write is refused with the reason ----
v=$(variant statedir)
printf 'name: sd\nsteps:\n  - id: a\n    on: secondary:control\n    run: touch %s/ran\n' "$v" > "$v/rb.yml"
mkdir -m 0777 "$v/state"; chmod 0777 "$v/state"
check "a state dir writable by others (0777): run refused with path, mode and fix" 2 \
	"state directory $v/state is writable by others \(mode 0777\).*chmod 700 $v/state.*refused" \
	"$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
check "a state dir writable by others: runs refused" 2 "state directory $v/state is writable by others" \
	"$D" -c "$v/drconsole.yml" runs
[ ! -e "$v/state/audit.log" ] && [ ! -e "$v/state/runs" ] && echo "PASS: state dir: nothing written to a 0777 one" \
	|| echo "FAIL: state dir: something was written to a 0777 one"
chmod 0770 "$v/state"
check "a group-writable state dir (0770, not setgid) is refused" 2 \
	"state directory $v/state is writable by its group \(mode 0770\)" \
	"$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
chmod 2770 "$v/state"
check "the shared setup (setgid, group-writable, the user's group) is accepted" 0 "dry-run: not executed" \
	"$D" -c "$v/drconsole.yml" run "$v/rb.yml" --dry-run
chmod 0700 "$v/state"
check "a private state dir is used" 0 "RUN " "$D" -c "$v/drconsole.yml" runs

# ---- log files: 0600 whatever the umask, never through a symlink ----
if command -v script >/dev/null 2>&1; then
	v=$(variant logs)
	console() { (umask 000; TERM=xterm DRCONSOLE_EXIT_AFTER_FIRST_FRAME=1 timeout 30 \
		script -qec "$(printf '%q ' "$D" -c "$v/drconsole.yml" "$@")" /dev/null >"$v/console.out" 2>&1); }
	console
	m=$(stat -c %a "$v/state/drconsole.log" 2>&1)
	[ "$m" = 600 ] && echo "PASS: drconsole.log created 0600 under umask 000" \
		|| echo "FAIL: drconsole.log created 0600 under umask 000 (mode $m)"
	console --log "$v/my.log"
	m=$(stat -c %a "$v/my.log" 2>&1)
	[ "$m" = 600 ] && echo "PASS: --log FILE created 0600 under umask 000" \
		|| echo "FAIL: --log FILE created 0600 under umask 000 (mode $m)"
	: > "$v/target"; ln -s "$v/target" "$v/link.log"
	console --log "$v/link.log"
	if [ ! -s "$v/target" ] && grep -q "link.log" "$v/console.out"; then
		echo "PASS: --log through a symlink is refused (nothing written to its target)"
	else
		echo "FAIL: --log through a symlink is refused ($(wc -c < "$v/target") bytes in the target)"
	fi
else
	echo "SKIP: log file modes (no script(1) for a terminal)"
fi
# "| raw": runbook variables only (site values stay quoted inside them); lint
# reports every use with its position and refuses it on a site value.
v=$(variant raw)
cat > "$v/raw.yml" <<'EOF'
name: Raw use
vars:
  probe_site: curl -sf https://{{ primary.site_host }}/
steps:
  - id: probe
    title: The site answers
    on: secondary:control
    run: test -n x && {{ probe_site | raw }} >/dev/null
EOF
sed 's#^name: Raw use#name: Raw on a site value#; s#&& {{ probe_site | raw }}#\&\& echo {{ primary.site_host | raw }}#' \
	"$v/raw.yml" > "$v/rawsite.yml"
sed -i 's#^\(SITE_HOST: \).*#\1"$(touch /tmp/x) x"#' "$v/envs/production/proxy.yml"
printf 'runbooks: [%s]\n' "$v/raw.yml" >> "$v/drconsole.yml"
check "lint notes every | raw with its position" 0 "raw.yml:8:23: note: 'probe_site \| raw' inserts runbook variable probe_site" "$D" -c "$v/drconsole.yml" lint
check "a raw runbook variable keeps its site values quoted" 0 "curl -sf https://'\\\$\(touch /tmp/x\) x'/ >/dev/null" "$D" -c "$v/drconsole.yml" run "$v/raw.yml" --dry-run
sed -i "s#^runbooks: .*#runbooks: [$v/rawsite.yml]#" "$v/drconsole.yml"
check "lint refuses | raw on a site value" 2 "rawsite.yml:8:28: error: 'primary.site_host \| raw': raw applies to runbook variables only" "$D" -c "$v/drconsole.yml" lint
check "run refuses a runbook with | raw on a site value" 2 "the runbook has errors: not running it" "$D" -c "$v/drconsole.yml" run "$v/rawsite.yml" --dry-run

# the compat suite's comparison leaves no temporary directory behind
if command -v ansible-inventory >/dev/null 2>&1; then
	mkdir -p "$tmp/compat-tmp"
	TMPDIR=$tmp/compat-tmp python3 tests/compat/compare.py "$D" --invalid tests/compat/invalid/cycle.ini >/dev/null 2>&1
	left=$(ls -A "$tmp/compat-tmp")
	[ -z "$left" ] && echo "PASS: compat compare.py removes its temporary HOME" ||
		echo "FAIL: compat compare.py left $left in TMPDIR"
else
	echo "SKIP: compat compare.py temporary HOME (ansible-inventory not installed)"
fi

# No definite leak and no memory error on the offline commands, good and broken
# input alike (skipped under SANITIZE=1, where ASan does this job).
if [ "${SANITIZE:-0}" != 1 ] && command -v valgrind >/dev/null 2>&1; then
	vg() { valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 "$@" >/dev/null 2>"$tmp/vg.log" </dev/null; }
	for args in "status --offline --json" "lint" "drift --json" "check"; do
		v=$FIX/drconsole.yml
		vg "$D" -c "$v" $args; rc=$?
		[ $rc != 99 ] && echo "PASS: valgrind clean: $args" || { echo "FAIL: valgrind: $args"; head -20 "$tmp/vg.log"; }
	done
	vg "$D" -c "$tmp/garbage/drconsole.yml" lint; rc=$?
	[ $rc != 99 ] && echo "PASS: valgrind clean: lint on a garbage inventory" || { echo "FAIL: valgrind: lint on garbage"; head -20 "$tmp/vg.log"; }
else
	echo "SKIP: valgrind checks (SANITIZE=1 or no valgrind)"
fi
