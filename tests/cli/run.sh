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
check "options lists the table" 0 '^\| `objectives\.rpo` \| duration \| required \|' "$D" options
check "options takes no argument" 2 "usage: drconsole options" "$D" options extra
check "options lists four eyes" 0 '^\| `approvals\.destructive` \| integer \| 1 \|' "$D" options

# approve: a second operator's approval of a waiting step (the lab test approves for real)
v=$(variant approve)
check "approve: nothing waits" 0 "No run waits for an approval" "$D" -c "$v/drconsole.yml" approve
check "approve: a run with no request" 1 "run 20261204T010000Z-x has no step waiting for approval" \
	"$D" -c "$v/drconsole.yml" approve 20261204T010000Z-x
check "approve: not a run id" 2 "is not a run id" "$D" -c "$v/drconsole.yml" approve ../x
mkdir -p "$v/state/approvals"; chmod 700 "$v/state" "$v/state/approvals"
printf '{"run":"20261204T010000Z-x","step":"promote","title":"Promote","command":"pg_ctlcluster 16 main promote","command_sha256":"%s","hosts":"pg1 (10.0.0.1)","estimate":"postgres 2s behind","mode":"live","operator":"%s","operator_uid":%d,"nonce":"0123456789abcdef0123456789abcdef","requested":%d000,"expires":%d000}\n' \
	"$(printf %s 'pg_ctlcluster 16 main promote' | sha256sum | cut -c1-64)" "$(id -un)" "$(id -u)" \
	"$(date +%s)" "$(( $(date +%s) + 600 ))" > "$v/state/approvals/20261204T010000Z-x.request"
check "approve: lists a waiting run" 0 "20261204T010000Z-x  step promote  operator $(id -un)" \
	"$D" -c "$v/drconsole.yml" approve
check "approve: shows the exact command" 1 "command: +pg_ctlcluster 16 main promote" \
	"$D" -c "$v/drconsole.yml" approve 20261204T010000Z-x
check "approve: a typed confirmation is asked" 1 "Type the step id 'promote' to approve it.*not approved" \
	"$D" -c "$v/drconsole.yml" approve 20261204T010000Z-x
check "approve: another step is not approved" 1 "waits for step promote, not fence: nothing approved" \
	"$D" -c "$v/drconsole.yml" approve 20261204T010000Z-x fence
check "approve: the operator cannot approve their own step" 1 "refused: you \(uid $(id -u)\) are the operator" \
	"$D" -c "$v/drconsole.yml" approve --yes 20261204T010000Z-x
check "approve: read-only mode never approves" 2 "read-only mode can never approve" \
	"$D" -c "$v/drconsole.yml" --read-only approve --yes 20261204T010000Z-x
[ -z "$(ls "$v/state/approvals" | grep '\.approval$')" ] && echo "PASS: approve: no approval file written by a refusal" ||
	echo "FAIL: approve: an approval file was written by a refusal"

# docs/drconsole.example.yml documents every option of the table, set or
# commented out, at its place in the tree, and nothing the table lacks
"$D" options > "$tmp/options.md"
if out=$(python3 - "$tmp/options.md" docs/drconsole.example.yml <<'PY'
import re, sys
table = set(re.findall(r'^\| `([^`]+)` \|', open(sys.argv[1]).read(), re.M))
doc, stack = set(), []
for line in open(sys.argv[2]):
    m = re.match(r'^( *)(?:# ?)?([a-z_][a-z0-9_]*):(?:\s|$)', line)
    if not m or (line.lstrip().startswith('#') and not re.match(r'^ *# ?[a-z_]+:\s', line)):
        continue
    depth = len(m.group(1)) // 2
    del stack[depth:]
    stack.append(m.group(2))
    doc.add('.'.join(stack))
leaves = {p for p in doc if not any(q.startswith(p + '.') for q in doc)}
missing = sorted(table - doc)
extra = sorted(p for p in leaves - table if not any(t.startswith(p + '.') for t in table))
if missing or extra:
    print('undocumented:', ' '.join(missing) or '-', '| not an option:', ' '.join(extra) or '-')
    sys.exit(1)
print(len(table))
PY
); then
	echo "PASS: example config documents all $out options"
else
	echo "FAIL: example config vs options table: $out"
fi
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
# status --format openmetrics offline: objectives, hosts, drills (0: never), drift; promtool accepts it
check "status --format: an unknown format is a usage error" 2 "unknown status format 'xml'" "$D" -c "$FIX/drconsole.yml" status --offline --format xml
check "status --format openmetrics excludes --json" 2 "--json and --format openmetrics exclude each other" "$D" -c "$FIX/drconsole.yml" status --offline --json --format openmetrics
check "status --format json is --json" 0 '"offline": true' "$D" -c "$FIX/drconsole.yml" status --offline --format json
v=$(variant metrics)
check "status --offline --format openmetrics: drills never run are 0" 0 '^drconsole_last_drill_timestamp_seconds\{model="failover"\} 0$' "$D" -c "$v/drconsole.yml" status --offline --format openmetrics
check "status --offline --format openmetrics: the fixture's suspicious drift" 0 '^drconsole_config_drift_items\{kind="suspicious"\} 1$' "$D" -c "$v/drconsole.yml" status --offline --format openmetrics
check "status --offline --format openmetrics ends with # EOF" 0 '^# EOF$' sh -c "\"\$0\" -c \"\$1\" status --offline --format openmetrics | tail -1" "$D" "$v/drconsole.yml"
if command -v promtool >/dev/null 2>&1; then
	for c in "$FIX/drconsole.yml" "$FIX/aws.yml"; do
		m=$("$D" -c "$c" status --offline --format openmetrics 2>&1)
		# promtool accepts an empty input: there must be families to check
		out=$(printf '%s\n' "$m" | grep -c '^# TYPE drconsole_')
		[ "$out" -ge 5 ] && { out=$(printf '%s\n' "$m" | promtool check metrics 2>&1); rc=$?; } || rc=1
		[ $rc = 0 ] && echo "PASS: promtool check metrics: status --offline --format openmetrics ($(basename "$c"))" ||
			{ echo "FAIL: promtool check metrics: status --offline --format openmetrics ($(basename "$c"))"; printf '%s\n' "$out" | head -8 | sed 's/^/    /'; }
	done
else
	echo "SKIP: promtool check metrics offline (promtool not installed: Debian package prometheus)"
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

check "drift reports the concurrency change by role in the capacity table" 1 'celery_processes\.webworkers\.repeat_record_queue\.concurrency +4 +2$' "$D" -c "$FIX/drconsole.yml" drift
check "drift --json" 1 '"suspicious": \[' "$D" -c "$FIX/drconsole.yml" drift --json

# pairs shaped like commcare-cloud's real envs (tests/compat/envs; values invented)
CX=$PWD/tests/compat
for c in production staging bare; do
	check "lint: no error on the $c-shaped env" 0 '^0 errors, [0-9]+ warnings?$' "$D" -c "$CX/$c.yml" lint
done
out=$(cd "$CX" && "$D" -c bare-nocontrol.yml lint 2>&1)
n=$(printf '%s\n' "$out" | grep -c 'error:')
[ "$n" = 1 ] && echo "PASS: lint: an env dir used by both sites reports each problem once" ||
	{ echo "FAIL: lint: an env dir used by both sites reports each problem once ($n errors)"; printf '%s\n' "$out" | head -5; }
check "lint: no [control] group is an error at the site's position with what to write" 2 '^bare-nocontrol\.yml:5:14: error: sites\.primary\.control: no host or group .control. in (\./)?envs/bare/inventory\.ini: add a \[control\] group .* or set sites\.primary\.control: to an inventory host or group' sh -c "cd '$CX' && '$D' -c bare-nocontrol.yml lint"
out=$("$D" -c "$CX/bare.yml" status --offline 2>&1)
printf '%s\n' "$out" | grep -q 'localhost' && { echo "FAIL: status: localhost ansible_connection=local is not an SSH host"; printf '%s\n' "$out" | grep localhost; } ||
	echo "PASS: status: localhost ansible_connection=local is not an SSH host"
printf '%s\n' "$out" | grep -Eq 'PostgreSQL +14|CouchDB +0 nodes' && echo "FAIL: status: a bare env claims PostgreSQL / CouchDB" ||
	echo "PASS: status: a bare env claims no PostgreSQL version and no CouchDB nodes"
check "status: a bare env says why it has no PostgreSQL" 0 'PostgreSQL +none \(bare_non_cchq_environment' "$D" -c "$CX/bare.yml" status --offline
out=$("$D" -c "$CX/staging.yml" status --offline 2>&1)
printf '%s\n' "$out" | grep -Eq 'nlb.* primary' && { echo "FAIL: status: load-balancer DNS names are not PostgreSQL primaries"; printf '%s\n' "$out" | grep nlb; } ||
	echo "PASS: status: load-balancer DNS names are not PostgreSQL primaries"
check "status: the databases behind the NLB still name it" 0 'db main +commcarehq +on pgmain-nlb-staging-' "$D" -c "$CX/staging.yml" status --offline
check "status: a database host is labelled with its own group" 0 '^    postgresql +10\.201\.41\.14 ' "$D" -c "$CX/staging.yml" status --offline

# drift on the production/backup-production-shaped pair
P="$D -c $CX/production.yml"
check "drift: host-keyed app-processes compared by role, capacity in the table" 1 '^  app-processes\.yml +celery_processes\.celery\.email_queue\.concurrency +40 +1$' $P drift
out=$($P drift 2>&1)
! printf '%s\n' "$out" | grep -q '^drift production -> backup-production: ' ||
	printf '%s\n' "$out" | grep -Eq 'celery_a2000|celery_a000|pillow_a00' && { echo "FAIL: drift: no host-keyed entry appears"; printf '%s\n' "$out" | grep -E 'celery_a|pillow_a' | head -5; } ||
	echo "PASS: drift: no host-keyed entry appears"
sus=$(printf '%s\n' "$out" | sed -n '/^SUSPICIOUS/,/^Capacity/p' | grep -E '^  [a-z-]+ ' | awk '{print $1" "$2}' | sort | tr '\n' ';')
want='changed DATADOG_ENABLED;changed backup_couch;changed backup_es_s3;changed couchdb_cluster_settings.n;changed couchdb_cluster_settings.r;changed couchdb_cluster_settings.w;changed localsettings.BIGCOUCH_QUORUM_COUNT;changed localsettings.ES_APPS_INDEX_SWAPPED;changed localsettings.ES_CASES_INDEX_SWAPPED;changed localsettings.SMS_QUEUE_ENABLED;missing celery_processes.celery.sms_queue;missing couch_s3;missing es_coordinator;missing localsettings.COMMCARE_ANALYTICS_HOST;missing localsettings.SMS_GATEWAY_URL;missing localsettings.SUMOLOGIC_URL;missing pillows.pillowtop.SqlSMSPillow;one-sided elasticsearch.yml;one-sided users.fissionlabs;one-sided users.g2;typo DATADOG_TRACE.DD_TAGS;version couchdb_version;'
[ "$sus" = "$want" ] && echo "PASS: drift: every suspicious finding on the pair is a planted real difference" ||
	{ echo "FAIL: drift: suspicious findings on the pair"; printf 'got:  %s\nwant: %s\n' "$sus" "$want"; }
check "drift: the typo pairs DD_TAGS with TAGS, file:line on both sides" 1 'typo +DATADOG_TRACE\.DD_TAGS / DATADOG_TRACE\.TAGS' $P drift
check "drift: a group missing on the secondary" 1 'missing +es_coordinator' $P drift
check "drift: SMS_GATEWAY_URL empty on the secondary is missing, with both positions" 1 'secondary .*envs/backup-production/public\.yml:94 *$' $P drift --explain SMS_GATEWAY_URL
check "drift: a file on the primary only" 1 'one-sided +elasticsearch\.yml' $P drift
check "drift: a meta.yml user on one side" 1 "users 'g2' have accounts on the primary only" $P drift
check "drift: drift_ignore is reported as accepted with its reason" 1 "accepted +no Ksplice subscription" $P drift
check "drift --explain: an accepted key exits 0" 0 "KSPLICE_ACTIVE \(accepted\)" $P drift --explain KSPLICE_ACTIVE
check "drift --explain: a key with no difference" 0 "nadir_hour: no difference between production and backup-production" $P drift --explain nadir_hour
check "drift --json: stable kinds and counts" 1 '"by_kind": \{' $P drift --json
out=$($P drift --json 2>&1)
if printf '%s' "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin)
kinds={"expected","capacity","changed","one-sided","version","typo","missing"}
for l in ("suspicious","accepted","capacity","expected"):
    for it in d[l]:
        assert it["kind"] in kinds, it
assert d["counts"]["suspicious"]==len(d["suspicious"])==22
t=[i for i in d["suspicious"] if i["kind"]=="typo"][0]
assert t["path"]=="DATADOG_TRACE.DD_TAGS" and t["secondary_path"]=="DATADOG_TRACE.TAGS" and t["primary_line"]==11 and t["secondary_line"]==11
a=d["accepted"][0]
assert a["path"]=="KSPLICE_ACTIVE" and a["accepted_reason"].startswith("no Ksplice") and a["suspicious"] is False
' 2>&1; then echo "PASS: drift --json has the documented fields"; else echo "FAIL: drift --json has the documented fields"; fi
v=$(variant ignorebad); printf 'drift_ignore:\n  - { key: KSPLICE_ACTIVE }\n  - { key: X, reason: y, until: never }\n' >> "$v/drconsole.yml"
check "drift_ignore: an entry without a reason is an error at its position" 2 'drconsole\.yml:11:5: error: drift_ignore entry without reason' "$D" -c "$v/drconsole.yml" lint
check "drift_ignore: an unknown field is an error at its position" 2 "drconsole\.yml:12:26: error: drift_ignore: unknown field 'until'" "$D" -c "$v/drconsole.yml" lint
v=$(variant ignorestale); printf 'drift_ignore:\n  - { key: NO_SUCH_SETTING, reason: fixed long ago }\n' >> "$v/drconsole.yml"
check "drift_ignore: an entry that matches no difference is a lint warning at its position" 0 "drconsole\.yml:11:5: warning: drift_ignore 'NO_SUCH_SETTING' matches no difference between the sites" "$D" -c "$v/drconsole.yml" lint
check "drift_ignore: drift says so too" 1 "drconsole\.yml:11:5: warning: drift_ignore 'NO_SUCH_SETTING' matches no difference" "$D" -c "$v/drconsole.yml" drift

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
v=$(variant rbkey); printf 'name: T\nsteps:\n  - id: a\n    run: "true"\n    tiemout: 5m\n  - id: b\n    check: { probe: hosts_up, max_lga: 1m }\n' > "$v/rb.yml"
printf 'runbooks: [rb.yml]\n' >> "$v/drconsole.yml"
check "runbook: a misspelt step key is an error at its position, naming the key" 2 "rb.yml:5:5: error: step: unknown key 'tiemout' \\(did you mean 'timeout'\\?\\)" "$D" -c "$v/drconsole.yml" lint
check "runbook: a misspelt check key too" 2 "rb.yml:7:31: error: check: unknown key 'max_lga' \\(did you mean 'max_lag'\\?\\)" "$D" -c "$v/drconsole.yml" lint
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
# the mode flags make one mode: --read-only wins over --drill or --dry-run
# (in either order), --drill and --dry-run exclude each other
check "mode: --read-only --dry-run is read-only" 2 \
	"read-only mode \(.*--read-only.*\): refused" \
	"$D" -c "$v/drconsole.yml" --read-only run "$v/rb.yml" --dry-run
check "mode: --drill --read-only is read-only" 2 \
	"read-only mode \(.*--read-only.*\): refused" \
	"$D" -c "$v/drconsole.yml" --drill run "$v/rb.yml" --read-only
check "mode: --drill --dry-run is a usage error" 2 "--drill and --dry-run exclude each other" \
	"$D" -c "$v/drconsole.yml" run "$v/rb.yml" --drill --dry-run
[ ! -e "$v/ran" ] && echo "PASS: mode: no flag combination ran the step" \
	|| echo "FAIL: mode: no flag combination ran the step"
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

# a credential (backup.url) belongs on a step's stdin, never in a command
# line every user of the host can read: lint refuses it at its position,
# also through a runbook variable, and stdin: goes with run: only
v=$(variant secret)
cat > "$v/fetch.yml" <<'EOF'
name: Fetch
model: restore
vars:
  src: -o /tmp/b {{ backup.url }}
steps:
  - id: good
    on: secondary:control
    run: curl -fsS -o /tmp/b -K -
    stdin: 'url = "{{ backup.url }}"'
  - id: argv
    on: secondary:control
    run: curl -fsS -o /tmp/b {{ backup.url }}
  - id: via-var
    on: secondary:control
    run: curl -fsS {{ src | raw }}
  - id: checked
    on: secondary:control
    check: { command: "true" }
    stdin: x
EOF
printf 'runbooks: [%s]\n' "$v/fetch.yml" >> "$v/drconsole.yml"
out=$("$D" -c "$v/drconsole.yml" lint 2>&1); rc=$?
if [ $rc = 2 ] && printf '%s' "$out" | grep -q "fetch.yml:12:30: error: 'backup.url' carries a credential, and a command line can be read by every user of the host (ps): give it to the command on stdin" &&
   printf '%s' "$out" | grep -q "fetch.yml:15:20: error: 'src' carries a credential" &&
   printf '%s' "$out" | grep -q "fetch.yml:19:12: error: step checked: stdin: goes with run: only" &&
   [ "$(printf '%s' "$out" | grep -c "error:")" = 3 ]; then
	echo "PASS: lint refuses a credential in a command line (also through a variable), not on stdin; stdin: goes with run: only"
else
	echo "FAIL: lint of a credential in a command line (rc=$rc)"; printf '%s\n' "$out" | head -8 | sed 's/^/    /'
fi

# a dry-run walks the whole fail-back: a step whose group an earlier manual
# inventory edit fills is shown with no host now, not a stop
v=$(variant failback-dry)
out=$("$D" -c "$v/drconsole.yml" run "$PWD/runbooks/failback.yml" --dry-run 2>&1 </dev/null); rc=$?
if [ $rc = 0 ] && printf '%s' "$out" | grep -q "Step 12/23 promote-primary" &&
   printf '%s' "$out" | grep -q "no host to run on now: group 'pg_standby' of production has no SSH-able hosts (a live run stops here unless an earlier step changes the inventory)" &&
   printf '%s' "$out" | grep -q "Step 23/23 secondary-standby" && printf '%s' "$out" | grep -q "Run .*-failback complete in"; then
	echo "PASS: a dry-run of the fail-back walks every step; a group that is empty now is said, not a stop"
else
	echo "FAIL: dry-run of the fail-back (rc=$rc)"; printf '%s\n' "$out" | tail -8 | sed 's/^/    /'
fi

# ---- commit or roll back a failover: the state comes from the journals
v=$(variant failover)
mkdir -m 0700 -p "$v/state/runs"
check "commit is refused in read-only mode" 2 "read-only mode \(.*--read-only.*\): refused; a failover cannot be committed" "$D" -c "$v/drconsole.yml" --read-only commit
check "rollback is refused in read-only mode" 2 "read-only mode \(.*--read-only.*\): refused; a failover cannot be rolled back" "$D" -c "$v/drconsole.yml" --read-only rollback
check "commit without a failover is an error" 1 "nothing to commit: no open failover" "$D" -c "$v/drconsole.yml" commit
check "rollback without a failover is an error" 1 "nothing to roll back: no open failover" "$D" -c "$v/drconsole.yml" rollback
check "commit has no dry-run" 2 "a commit has no dry-run" "$D" -c "$v/drconsole.yml" --dry-run commit
check "put-back needs a run and a step" 2 "usage: drconsole put-back RUN STEP" "$D" -c "$v/drconsole.yml" put-back onlyarun
check "put-back has no dry-run" 2 "usage: drconsole put-back RUN STEP" "$D" -c "$v/drconsole.yml" --dry-run put-back r s
check "put-back is refused in read-only mode" 2 "read-only mode \(.*--read-only.*\): refused; nothing is recorded as put back" "$D" -c "$v/drconsole.yml" --read-only put-back r s
check "put-back of a step no run left undone is an error" 1 "run 2026-no-such-run has no step pause-retention left undone" "$D" -c "$v/drconsole.yml" put-back 2026-no-such-run pause-retention
check "status --json says no failover" 0 '"state": "none"' "$D" -c "$v/drconsole.yml" status --offline --json
t=$(( $(date +%s) * 1000 - 25 * 60 * 1000 ))
printf '{"event":"run_start","seq":1,"t":%s,"model":"replicated","mode":"live","user":"alice","runbook":"/rb/failover.yml"}\n{"event":"run_end","seq":2,"t":%s,"outcome":"completed"}\n' \
	"$t" "$(( t + 600000 ))" > "$v/state/runs/20261204T001500Z-failover.journal"
chmod 600 "$v/state/runs/20261204T001500Z-failover.journal"
check "status --json: a completed failover is uncommitted" 0 '"state": "uncommitted"' "$D" -c "$v/drconsole.yml" status --offline --json
check "status --json: the failover's run" 0 '"run": "20261204T001500Z-failover"' "$D" -c "$v/drconsole.yml" status --offline --json
check "status: failed over, uncommitted, with its age" 0 "^Failover: failed over 15m ago, uncommitted \(run 20261204T001500Z-failover\)" "$D" -c "$v/drconsole.yml" status --offline
check "status --drill: a live failover is not a drill's" 0 '"state": "none"' "$D" -c "$v/drconsole.yml" --drill status --offline --json
check "status --format openmetrics: the uncommitted gauge" 0 "^drconsole_failover_uncommitted 1$" "$D" -c "$v/drconsole.yml" status --offline --format openmetrics
check "commit of another run is an error" 1 "nothing to commit: 20261204T000000Z-x is not the open failover \(that is 20261204T001500Z-failover, uncommitted\)" \
	"$D" -c "$v/drconsole.yml" commit 20261204T000000Z-x
check "commit --drill sees no drill failover" 1 "no open drill failover" "$D" -c "$v/drconsole.yml" --drill commit
check "rollback needs a configured fail-back runbook" 2 "no fail-back runbook \(model: failback\)" "$D" -c "$v/drconsole.yml" rollback
printf '{"event":"failover_commit","seq":3,"t":%s,"run":"20261204T001500Z-failover","user":"bob"}\n' "$(( t + 900000 ))" \
	>> "$v/state/runs/20261204T001500Z-failover.journal"
check "status --json: committed, by whom" 0 '"by": "bob"' "$D" -c "$v/drconsole.yml" status --offline --json
check "commit of a committed failover is an error" 1 "already committed \(by bob\): the fail-back runbook is the way back" "$D" -c "$v/drconsole.yml" commit
check "rollback of a committed failover is an error" 1 "nothing to roll back: failover 20261204T001500Z-failover is already committed" "$D" -c "$v/drconsole.yml" rollback

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
	vg "$D" -c "$PWD/tests/compat/production.yml" drift; rc=$?
	[ $rc != 99 ] && echo "PASS: valgrind clean: drift on the production-shaped pair" || { echo "FAIL: valgrind: drift on the production-shaped pair"; head -20 "$tmp/vg.log"; }
	vg "$D" -c "$tmp/garbage/drconsole.yml" lint; rc=$?
	[ $rc != 99 ] && echo "PASS: valgrind clean: lint on a garbage inventory" || { echo "FAIL: valgrind: lint on garbage"; head -20 "$tmp/vg.log"; }
else
	echo "SKIP: valgrind checks (SANITIZE=1 or no valgrind)"
fi
