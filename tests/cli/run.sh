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
check "inventory command prints ansible's shape" 0 '"_meta"' "$D" inventory "$FIX/envs/production/inventory.ini"

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
