#!/usr/bin/env bash
# End-to-end tests of the console: the real binary in tmux, screens read
# with capture-pane. The fixture env pair is copied with its 10.x addresses
# rewritten to loopback ones whose behaviour is known, so nothing depends on
# the network outside loopback: 127.N.91.x (primary) and 127.N.92.x
# (secondary) where nothing listens (every probe gets "connection refused"
# at once), and 127.N.93.x / 127.N.94.x where a listener accepts and never
# speaks (every probe hangs). N is LAB_NET (0 by default); the lab itself
# uses 127.N.20.x-50.x. The lab-backed cases (a real streaming standby) are
# in tests/integration/console.test.sh.
# Prints PASS:/FAIL:/SKIP: lines.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
D=${DRCONSOLE:-$ROOT/drconsole}
FIX=$ROOT/tests/fixtures
. tests/e2e/lib.sh
e2e_start e2e
STATE=$E2E_TMP/state
LOG=$E2E_TMP/console.log

# loopback prefixes and ports of the copies (see above)
P=127.$E2E_NET.91 S=127.$E2E_NET.92 HP=127.$E2E_NET.93 HS=127.$E2E_NET.94
SSH_PORT=$((25700 + E2E_NET)) PG_PORT=$((25800 + E2E_NET))
COUCH_PORT=$((25900 + E2E_NET)) S3_PORT=$((26000 + E2E_NET))
# fake S3 credentials (the S3 probe then really asks the endpoint)
export E2E_S3_KEY=e2e-key E2E_S3_SECRET=e2e-secret
re() { printf '%s' "$1" | sed 's/\./\\./g'; }	# an address as a regular expression

# mkenvs SRC DEST FROM1 TO1 FROM2 TO2: copy the env pair SRC/{production,
# backup-production} to DEST, addresses FROM1.x -> TO1.x and FROM2.x -> TO2.x
# (prefixes of three octets), every host's sshd on SSH_PORT, known_hosts
# rewritten to the same addresses as [addr]:port
mkenvs() {
	local src=$1 dest=$2 f1 t1=$4 f2 t2=$6 e
	f1=$(re "$3") f2=$(re "$5")
	mkdir -p "$dest"
	cp -r "$src/production" "$src/backup-production" "$dest/"
	for e in "$dest/production" "$dest/backup-production"; do
		sed -i -E "s/\b$f1\.([0-9]+)\b/$t1.\1/g; s/\b$f2\.([0-9]+)\b/$t2.\1/g" "$e/inventory.ini"
		sed -i -E "s/^(($(re "$t1")|$(re "$t2"))\.[0-9]+) /\1 ansible_port=$SSH_PORT /" "$e/inventory.ini"
		sed -i -E "s/^$f1\.([0-9]+) /[$t1.\1]:$SSH_PORT /; s/^$f2\.([0-9]+) /[$t2.\1]:$SSH_PORT /" \
			"$e/known_hosts"
		if grep -qE "\b($f1|$f2)\." "$e"/*; then
			echo "FAIL: e2e mkenvs: $e still has an address of $3/$5"
		fi
	done
}
# subst_addr DIR FROM TO: one address of a copy replaced by another
subst_addr() {
	sed -i -E "s/\b$(re "$2")\b/$3/g" "$1"/*/inventory.ini "$1"/*/known_hosts
}
mkenvs "$FIX/envs" "$E2E_TMP/lo" 10.1.0 "$P" 10.2.0 "$S"

# a config like the fixture's, with absolute paths, the loopback copy of
# the env pair (ENV_P/ENV_S override), the ports above and extra lines
mkconf() {	# $1 = file, rest = extra YAML lines
	local f=$1
	shift
	{
		echo "objectives: { rpo: 15m, rto: 2h }"
		echo "sites:"
		echo "  primary:   { env_dir: ${ENV_P:-$E2E_TMP/lo/production}, control: control }"
		echo "  secondary: { env_dir: ${ENV_S:-$E2E_TMP/lo/backup-production}, control: control }"
		echo "ssh: { user: ansible, connect_timeout: ${SSH_TIMEOUT:-2s} }"
		echo "s3: { endpoint: \"http://${S3_ADDR:-$P.1}:$S3_PORT\", region: us-east-1, path_style: true," \
			"access_key_env: E2E_S3_KEY, secret_key_env: E2E_S3_SECRET, timeout: ${S3_TIMEOUT:-2s} }"
		echo "couchdb: { port: $COUCH_PORT, timeout: ${COUCH_TIMEOUT:-2s} }"
		echo "state_dir: $STATE"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}
CONF=$E2E_TMP/drconsole.yml
mkconf "$CONF" "postgres: { user: drconsole_monitor, sslmode: disable, port: $PG_PORT, connect_timeout: 2s }" \
	"refresh: 10s" "probe_timeout: 3s" "runbooks: [$ROOT/runbooks/failover.yml, $ROOT/runbooks/restore.yml]"
RUN="$D -c $CONF --log $LOG"

# ---- a broken theme is an error with file:line:col before curses starts
printf 'name: broken\nelements:\n  ok: { fg: green }\n  blinky: { fg: red }\n' >"$E2E_TMP/broken.yml"
out=$(script -qec "$D -c $CONF --theme $E2E_TMP/broken.yml" /dev/null 2>&1 </dev/null); rc=$?
if printf '%s' "$out" | grep -q "broken.yml:4:3: error: unknown theme element 'blinky'" &&
   ! printf '%s' "$out" | grep -q $'\e\[?1049h'; then
	pass "unknown theme element: file:line:col, no curses"
else
	fail "unknown theme element ($rc): $out"
fi
printf 'elements:\n  crit: { fg: scarlet }\n' >"$E2E_TMP/badcolour.yml"
out=$("$D" -c "$CONF" --theme "$E2E_TMP/badcolour.yml" 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "badcolour.yml:2:15: error: fg: bad colour 'scarlet'" \
	&& pass "bad colour: exit 2 with file:line:col" || fail "bad colour ($rc): $out"
printf 'elements: [\n  ok: 1\n' >"$E2E_TMP/yamlerr.yml"
out=$("$D" -c "$CONF" --theme "$E2E_TMP/yamlerr.yml" 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -qE "yamlerr.yml:[0-9]+:[0-9]+: error" \
	&& pass "YAML error in a theme: exit 2 with file:line:col" || fail "theme YAML error ($rc): $out"
out=$("$D" -c "$CONF" --theme no-such-theme 2>&1 </dev/null); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "theme 'no-such-theme' not found" \
	&& pass "unknown theme name: exit 2" || fail "unknown theme name ($rc): $out"
out=$("$D" -c "$CONF" </dev/null 2>&1); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q "needs a terminal" && pass "no terminal: exit 2" \
	|| fail "no terminal ($rc): $out"

# ---- wide: side by side
# count TEXT: how many times the screen shows TEXT (both panels share lines)
count() { screen | grep -oF -- "$1" | wc -l; }
start 200 50 "$RUN"
if wait_for "Hosts 0/7 up" 5 && screen | grep -q "┌─ PRIMARY production .*┌─ SECONDARY backup-production" &&
   has "LIVE" && has "RPO 15m" && has "RTO 2h: last drill" &&
   wait_re "✖ CRIT +$(re $P.13) +down +connect\($(re $P.13):$SSH_PORT\)" 5 &&
   wait_re "✖ CRIT +$(re $S.13) +down " 2 && has "webworkers" && has "refreshed" && has "postgres"; then
	pass "200x50: both site panels side by side, hosts down (connection refused) by group, header and footer"
else
	fail "200x50 dashboard" 50
fi
# every host of both sites: its host-probe verdict, under its group heading
# (each host's probe answers on its own: a slow build may show one still
# pending at first, so the rows get a few seconds to settle)
host_rows() {
	local h pfx missing=""
	for h in 10 11 12 13 20 30 40; do
		for pfx in "$P" "$S"; do
			[ "$(screen | grep -cE "✖ CRIT +$(re $pfx.$h) +down +connect\(")" = 1 ] || missing="$missing $pfx.$h"
		done
	done
	printf '%s' "$missing"
}
rows_ok=1
for _ in $(seq 25); do missing=$(host_rows); [ -z "$missing" ] && break; sleep 0.2; done
[ -z "$missing" ] || { rows_ok=0; echo "    no host row for:$missing"; }
for g in control couchdb2 elasticsearch proxy webworkers; do
	[ "$(count "│ $g ")" = 2 ] || { rows_ok=0; echo "    group $g not in both panels"; }
done
has "│ postgresql " && has "│ pg_standby " || rows_ok=0
[ $rows_ok = 1 ] && pass "200x50: each of the 14 hosts once, CRIT down, in its group" || fail "host rows" 50
check "200x50: the header counts suspicious drift" has "drift ! 1 suspicious"
# a section per probe the fixture enables, in both panels, each row with its state word
if [ "$(count "│Backups ")" = 2 ] && [ "$(count "│CouchDB ")" = 2 ] && [ "$(count "│Elasticsearch ")" = 2 ] &&
   [ "$(count "│Hosts 0/7 up ")" = 2 ] && has "│PostgreSQL " && has "│PostgreSQL standby " &&
   wait_re "^│\? UNKNOWN +postgres daily backup +error +GET http://$(re $P.1):$S3_PORT " 3 &&
   screen | grep -qE "^│\? UNKNOWN +postgres weekly backup +error " &&
   screen | grep -qE "^│\? UNKNOWN +$(re $P.20) postgres backups +error +connect\(" &&
   screen | grep -qE "^│✖ CRIT +$(re $P.30) +down +GET http://$(re $P.30):${COUCH_PORT:0:3}" &&
   screen | grep -qE "│✖ CRIT +$(re $S.30) +down +GET http://" &&
   screen | grep -qE "│✖ CRIT +replication commcarehq -> comm.* down +secondary: GET" &&
   [ "$(screen | grep -oE "│✔ OK +snapshots [a-z_-]+ +off +no snapshot mode" | wc -l)" = 2 ] &&
   screen | grep -qE "││· OFF +postgres +disabled +no pg_backup host in invent.* +— │"; then
	pass "200x50: Backups (s3, sftp), CouchDB, Elasticsearch sections with their state words"
else
	fail "200x50 probe sections" 50
fi
# the pg probe reaches a verdict (nothing listens) within the probe timeout
check "200x50: PostgreSQL rows get a result word (not a hang)" \
	wait_re "│✖ CRIT +$(re $S.20) +down +connection to server at" 1
if wait_for "refreshed" 6 &&
   screen | grep -E "^│✖ CRIT +$(re $P.20) +down +connection to server at .* [0-9]+s │" >/dev/null; then
	pass "200x50: unreachable primary database shown CRIT down with its age"
else
	fail "unreachable database row"
fi

# ---- resize: wide -> tabs -> too small -> tabs
resize 100 30
if wait_for "1 PRIMARY production" 3 && has "2 SECONDARY backup-production" &&
   has "┌─ PRIMARY production" && ! has "┌─ SECONDARY"; then
	pass "resize to 100x30: panels become tabs"
else
	fail "resize to tabs"
fi
resize 70 20
check "resize to 70x20: terminal too small (need 80x24)" wait_for "terminal too small (need 80x24)" 3
resize 80 24
if wait_for "1 PRIMARY production" 3 && ! has "terminal too small"; then
	pass "resize back to 80x24: dashboard again"
else
	fail "resize back"
fi
keys q
check "q quits" wait_for "__EXIT__ 0" 10

# ---- narrow 80x24: tabs, Tab switches
start 80 24 "$RUN"
if wait_for "1 PRIMARY production" 5 && screen | grep -q "┌─ PRIMARY production" &&
   has "? help" && has "q quit"; then
	pass "80x24: tabs, primary shown, footer keys fit"
else
	fail "80x24 tabs"
fi
keys Tab
check "80x24: Tab shows the secondary" wait_for "┌─ SECONDARY backup-production" 2
keys Tab
check "80x24: Tab again shows the primary" wait_for "┌─ PRIMARY production" 2

# ---- help lists every key
keys '?'
if wait_for " Keys " 2 && has "filter hosts and rows" && has "refresh every probe now" &&
   has "failover runbook" && has "fail-back runbook" && has "quit" && has "PgUp/PgDn" &&
   has "STALE"; then
	pass "? shows help with every key"
else
	fail "help"
fi
keys x
check "any key closes the help" wait_gone " Keys " 2

# ---- drift view (D), listed in the help
keys '?'
check "help lists D, the drift view" wait_for "configuration drift between the env dirs" 2
keys x
wait_gone " Keys " 2
keys D
if wait_for " Drift production → backup-production: 1 suspicious" 2 && has "SUSPICIOUS" &&
   has "missing   inventory.ini: pg_backup" && has "Capacity (primary vs secondary)"; then
	pass "D shows the drift view: suspicious findings first, then capacity"
else
	fail "drift view"
fi
keys Escape
check "Esc closes the drift view" wait_gone " Drift production" 2

# ---- filter
keys / 9 1 . 1 3
if wait_for "/91.13" 2 && wait_re "✖ CRIT +$(re $P.13) +down" 2 && ! has "$P.12" && ! has "$P.11" &&
   ! has "$P.20" && has "(1 shown)"; then
	pass "/ filter keeps only matching rows"
else
	fail "filter"
fi
keys Enter
check "Enter keeps the filter" wait_for "filter /91.13" 2

# ---- detail of a host (the filtered row is selected)
keys j j j j j j Enter
if wait_for "Variables" 2 && has "groups" && has "webworkers" && has "hostname" &&
   has "web2-production" && has "Last reachability result"; then
	pass "Enter on a host: groups, vars, last result"
else
	fail "host detail"
fi
keys Escape
check "Esc leaves the detail view" wait_gone "Variables" 2
keys Escape
if wait_for "$P.12" 2 && ! has "filter /"; then
	pass "Esc clears the filter"
else
	fail "Esc clears the filter"
fi

# ---- detail of a database server (first row)
keys g Enter
if wait_for "expected_role" 2 && has "Databases on $P.20" && has "main " && has "key " &&
   has "observed "; then
	pass "Enter on a database: every field of its observation"
else
	fail "database detail"
fi
keys Escape
wait_gone "expected_role" 2

# ---- backup detail: the S3 probe's observation (the second row)
keys j Enter
if wait_for "postgres daily backup" 2 && has "Backups" && has "dimagi-production-postgres-backups" &&
   has "fixed-key+versions" && has "expected_run" && wait_re "UNKNOWN|error" 1; then
	pass "Enter on an S3 backup row: bucket, convention, schedule fields, state"
else
	fail "backup detail"
fi
keys Escape
wait_gone "expected_run" 2
# the secondary takes no backups: its store rows are the model's settings
keys Tab
wait_for "┌─ SECONDARY backup-production" 2
keys g j Enter
if wait_for "Backups of postgres (site model" 2 && has "enabled      no" && has "schedule"; then
	pass "Enter on a backup store without a probe: its settings"
else
	fail "backup model detail"
fi
keys Escape
wait_gone "Backups of postgres" 2
keys Tab
wait_for "┌─ PRIMARY production" 2

# ---- F opens the runbook picker (live mode)
keys F
if wait_for "Failover: choose a runbook" 2 && has "failover.yml" && has "restore.yml" &&
   screen | grep -qE "Mode: +LIVE" && has "Enter starts"; then
	pass "F: runbook picker lists the configured runbooks and the mode (LIVE)"
else
	fail "runbook picker"
fi
keys m
check "m: the next run's mode becomes DRILL" wait_re "Mode: +DRILL" 2
keys Escape
check "Esc closes the picker" wait_gone "choose a runbook" 2
keys q
check "q quits from 80x24" wait_for "__EXIT__ 0" 10

# ---- scrolling a production-sized host list (69 hosts per site)
mkenvs "$ROOT/tests/bench/envs" "$E2E_TMP/bench" 10.202.10 "127.$E2E_NET.95" 10.212.10 "127.$E2E_NET.96"
sed "s|envs/|$E2E_TMP/bench/|; s|^state_dir:.*||" "$ROOT/tests/bench/drconsole.yml" >"$E2E_TMP/bench.yml"
printf '%s\n' "state_dir: $STATE" "postgres: { port: $PG_PORT, connect_timeout: 2s }" \
	"couchdb: { port: $COUCH_PORT }" "s3: { endpoint: \"http://$P.1:$S3_PORT\", region: us-east-1, path_style: true }" \
	>>"$E2E_TMP/bench.yml"
start 100 30 "$D -c $E2E_TMP/bench.yml --log $LOG"
if wait_for "Hosts 0/69 up" 5 && has "↓ more" && ! has "↑ more"; then
	keys NPage
	if wait_for "↑ more" 2; then pass "PgDn scrolls a long host list"; else fail "PgDn"; fi
	keys G
	if wait_gone "↓ more" 2 && ! has "PostgreSQL"; then pass "G: the last row"; else fail "G"; fi
	keys g
	if wait_for "PostgreSQL" 2 && ! has "↑ more"; then pass "g: back to the top"; else fail "g"; fi
	keys j j k
	if has "PostgreSQL"; then pass "j/k move without scrolling away"; else fail "j/k"; fi
else
	fail "long host list"
fi
tm kill-session -t "$E2E_SESSION"

# ---- read-only: F/R/B disabled with the reason, pressing them does nothing
start 120 30 "$RUN --read-only"
if wait_for "READ-ONLY" 5 && has "fail-back (read-only)" &&
   has "read-only: started with --read-only; F/R/B are disabled"; then
	pass "read-only: badge, runbook keys shown disabled with the reason"
else
	fail "read-only footer"
fi
keys F
if wait_for "read-only: started with --read-only (Failover refused)" 2 && ! has "choose a runbook"; then
	pass "read-only: F shows the reason and opens nothing"
else
	fail "read-only refusal"
fi
keys B
check "read-only: B refused too" wait_for "(Fail-back refused)" 2
keys q
wait_for "__EXIT__" 10 >/dev/null

mkconf "$E2E_TMP/ro.yml" "postgres: { user: drconsole_monitor, sslmode: disable, connect_timeout: 2s }" \
	"read_only: true"
start 120 30 "$D -c $E2E_TMP/ro.yml --log $LOG"
wait_for "READ-ONLY" 5
keys R
if wait_for "read-only: read_only: true in $E2E_TMP/ro.yml (Restore refused)" 2 && ! has "choose a runbook"; then
	pass "read_only: true in the config: R refused, the file named"
else
	fail "config read-only"
fi
tm kill-session -t "$E2E_SESSION"

# ---- the header's last drill: the newest finished drill in the state dir
mkdir -p "$E2E_TMP/drill-state/runs"
printf 'name: Drill\nmodel: replicated\nsteps:\n  - id: promote\n    run: "true"\n  - id: dns\n    manual: Point DNS\n    restores_service: true\n' >"$E2E_TMP/drill.yml"
t0=1795000000000
for ev in \
	"{\"event\":\"run_start\",\"runbook\":\"$E2E_TMP/drill.yml\",\"name\":\"Drill\",\"mode\":\"drill\",\"user\":\"op\",\"t\":$t0}" \
	"{\"event\":\"step_start\",\"step\":\"promote\",\"user\":\"op\",\"t\":$t0}" \
	"{\"event\":\"step_end\",\"step\":\"promote\",\"exit\":0,\"ok\":true,\"duration_ms\":60000,\"t\":$((t0 + 60000))}" \
	"{\"event\":\"step_start\",\"step\":\"dns\",\"user\":\"op\",\"t\":$((t0 + 60000))}" \
	"{\"event\":\"step_end\",\"step\":\"dns\",\"exit\":0,\"ok\":true,\"duration_ms\":5340000,\"t\":$((t0 + 5400000))}" \
	"{\"event\":\"run_end\",\"outcome\":\"completed\",\"t\":$((t0 + 5401000))}"; do
	printf '%s\n' "$ev"
done >"$E2E_TMP/drill-state/runs/20261118-0300-drill.journal"
STATE=$E2E_TMP/drill-state mkconf "$E2E_TMP/drill-conf.yml" "postgres: { user: drconsole_monitor, sslmode: disable, connect_timeout: 2s }"
start 200 50 "$D -c $E2E_TMP/drill-conf.yml --log $LOG"
check "header: the last drill's achieved RTO against the objective" wait_for "RTO 2h: last drill 1h30m OK" 5
tm kill-session -t "$E2E_SESSION"
STATE=$E2E_TMP/drill-state mkconf "$E2E_TMP/drill-conf2.yml" "objectives: { rpo: 15m, rto: 1h }"
sed -i '1d' "$E2E_TMP/drill-conf2.yml"
start 200 50 "$D -c $E2E_TMP/drill-conf2.yml --log $LOG"
check "header: a drill over the RTO objective says OVER" wait_for "RTO 1h: last drill 1h30m OVER" 5
tm kill-session -t "$E2E_SESSION"
# ---- the header's drill cadence: each configured runbook model's last drill, the due ones first
mkdir -p "$E2E_TMP/cadence-state/runs"
end=$(( ($(date +%s) - 20 * 86400) * 1000 ))
printf '%s\n' \
	"{\"event\":\"run_start\",\"runbook\":\"$E2E_TMP/drill.yml\",\"name\":\"Drill\",\"model\":\"replicated\",\"mode\":\"drill\",\"user\":\"op\",\"t\":$((end - 60000))}" \
	"{\"event\":\"run_end\",\"outcome\":\"completed\",\"t\":$end}" \
	>"$E2E_TMP/cadence-state/runs/20261113-0300-drill.journal"
STATE=$E2E_TMP/cadence-state mkconf "$E2E_TMP/cadence-conf.yml" "objectives: { rpo: 15m, rto: 2h, drill_every: 30d }" \
	"runbooks: [$E2E_TMP/drill.yml, $ROOT/runbooks/restore.yml]"
sed -i '1d' "$E2E_TMP/cadence-conf.yml"
# 220 columns: the one-line header also carries the drift count before the cadence
start 220 50 "$D -c $E2E_TMP/cadence-conf.yml --log $LOG"
check "header: the restore drill is due, the failover drill 20 days ago (one-line header)" \
	wait_for "restore drill DUE (never), failover drill 20 days ago" 5
# a restore drill completed elsewhere (another console, line mode) while this one is open:
# the journals are read again within 15 s and the restore drill is due no more
now_ms=$(( $(date +%s) * 1000 ))
printf '%s\n' \
	"{\"event\":\"run_start\",\"runbook\":\"$ROOT/runbooks/restore.yml\",\"name\":\"Restore\",\"model\":\"restore\",\"mode\":\"drill\",\"user\":\"op\",\"t\":$((now_ms - 60000))}" \
	"{\"event\":\"run_end\",\"outcome\":\"completed\",\"t\":$now_ms}" \
	>"$E2E_TMP/cadence-state/runs/20261204-0300-restore.journal"
check "header: a drill completed elsewhere while the console is open is due no more (journals read again)" \
	wait_re "failover drill 20 days ago, restore drill today|restore drill today" 20
rm -f "$E2E_TMP/cadence-state/runs/20261204-0300-restore.journal"
tm kill-session -t "$E2E_SESSION"
start 120 30 "$D -c $E2E_TMP/cadence-conf.yml --log $LOG"
check "header: the due drill stays in sight at 120 columns" wait_for "restore drill DUE (never)" 5
tm kill-session -t "$E2E_SESSION"

# ---- the header's open failover: "failed over N min ago, uncommitted" until it is committed
mkdir -p "$E2E_TMP/failover-state/runs"
chmod 700 "$E2E_TMP/failover-state" "$E2E_TMP/failover-state/runs"
end=$(( ($(date +%s) - 25 * 60) * 1000 ))
FOJ=$E2E_TMP/failover-state/runs/20261204-0030-failover.journal
printf '%s\n' \
	"{\"event\":\"run_start\",\"runbook\":\"$ROOT/runbooks/failover.yml\",\"name\":\"Failover\",\"model\":\"replicated\",\"mode\":\"live\",\"user\":\"op\",\"t\":$((end - 600000))}" \
	"{\"event\":\"run_end\",\"outcome\":\"completed\",\"t\":$end}" >"$FOJ"
chmod 600 "$FOJ"
STATE=$E2E_TMP/failover-state mkconf "$E2E_TMP/failover-conf.yml" "runbooks: [$ROOT/runbooks/failover.yml, $ROOT/runbooks/failback.yml]"
start 200 50 "$D -c $E2E_TMP/failover-conf.yml --log $LOG"
check "header: failed over 25m ago, uncommitted" wait_for "failed over 25m ago, uncommitted" 5
keys '?'
if wait_for "roll the uncommitted failover back" 2 && has "commit the uncommitted failover"; then
	pass "help lists C and U, commit and roll back"
else
	fail "help lists C and U"
fi
keys x
wait_gone " Keys " 2
keys C
check "C asks to type the secondary's name to commit" wait_for "Type backup-production to confirm:" 3
keys -l "backup-prod" && keys Enter
check "a name that does not match cancels the commit" wait_for "does not match backup-production: cancelled" 3
check "the header still says uncommitted" wait_for "failed over 25m ago, uncommitted" 1
keys C && keys -l "backup-production" && keys Enter
# the run lock is on the secondary's control host, which refuses connections here
check "a commit that cannot take the run lock is refused, on the message line" \
	wait_for "commit refused: cannot take the run lock" 15
printf '{"event":"failover_commit","t":%s,"run":"20261204-0030-failover","user":"op"}\n' "$((end + 60000))" >>"$FOJ"
check "once committed (by another terminal) the header segment goes away" wait_gone "uncommitted" 20
tm kill-session -t "$E2E_SESSION"

# ---- the header's backup verification: the newest finished verify-backup run
mkdir -p "$E2E_TMP/verify-state/runs"
t1=$(( ($(date +%s) - 3 * 86400 - 600) * 1000 ))
printf '%s\n' "{\"event\":\"run_start\",\"runbook\":\"$ROOT/runbooks/verify-backup.yml\",\"name\":\"Verify\",\"mode\":\"live\",\"user\":\"op\",\"t\":$t1}" \
	"{\"event\":\"run_end\",\"outcome\":\"completed\",\"t\":$((t1 + 60000))}" >"$E2E_TMP/verify-state/runs/20261130-0300-verify-backup.journal"
STATE=$E2E_TMP/verify-state mkconf "$E2E_TMP/verify-conf.yml" "runbooks: [$ROOT/runbooks/verify-backup.yml]"
start 200 50 "$D -c $E2E_TMP/verify-conf.yml --log $LOG"
check "header: the restore verified N days ago" wait_for "restore verified 3d" 5
# a verification that failed just now, run elsewhere: the header says so within 15 s
t2=$(( ($(date +%s) - 60) * 1000 ))
printf '%s\n' "{\"event\":\"run_start\",\"runbook\":\"$ROOT/runbooks/verify-backup.yml\",\"name\":\"Verify\",\"mode\":\"live\",\"user\":\"op\",\"t\":$t2}" \
	"{\"event\":\"run_end\",\"outcome\":\"failed\",\"t\":$((t2 + 30000))}" >"$E2E_TMP/verify-state/runs/20261204-0300-verify-backup.journal"
check "header: a verification that failed elsewhere shows while the console is open" \
	wait_for "restore verification FAILED" 20
tm kill-session -t "$E2E_SESSION"

# ---- modes
start 120 30 "$RUN --drill"
check "--drill: DRILL badge" wait_for " DRILL " 5
tm kill-session -t "$E2E_SESSION"
start 120 30 "$RUN --dry-run"
check "--dry-run: DRY-RUN badge" wait_for " DRY-RUN " 5
keys F
check "--dry-run: the picker's mode is DRY-RUN" wait_re "Mode: +DRY-RUN +shows every command" 3
keys Escape

# ---- colour: escapes with colour, none under NO_COLOR
colour_codes() {	# stdin: capture-pane -e; prints how many SGR colour parameters
	python3 -c '
import re, sys
n = 0
for m in re.finditer(r"\x1b\[([0-9;:]*)m", sys.stdin.read()):
    ps = [p for p in m.group(1).replace(":", ";").split(";") if p != ""]
    i = 0
    while i < len(ps):
        v = int(ps[i])
        if 30 <= v <= 37 or 40 <= v <= 47 or 90 <= v <= 97 or 100 <= v <= 107:
            n += 1
        if v in (38, 48):
            n += 1
            i += 2 if i + 1 < len(ps) and ps[i + 1] == "5" else 4
        i += 1
print(n)'
}
tm kill-session -t "$E2E_SESSION"
start 120 30 "$RUN"
wait_for "Hosts 0/7" 5
c=$(screen -e | colour_codes)
[ "$c" -gt 0 ] && pass "colours are used by default ($c colour codes)" || fail "no colour by default"
tm kill-session -t "$E2E_SESSION"
start 120 30 "NO_COLOR=1 $RUN"
wait_for "Hosts 0/7" 5
wait_re "✖ CRIT +$(re $P.1)" 5
c=$(screen -e | colour_codes)
if [ "$c" = 0 ] && screen | grep -qE "✖ CRIT +$(re $P.20) +down" && has "│Hosts 0/7 up"; then
	pass "NO_COLOR: no colour escape at all, states still in words"
else
	fail "NO_COLOR ($c colour codes)"
fi
tm kill-session -t "$E2E_SESSION"

# ---- themes by name, ASCII fallback, vt100
for th in light monochrome high-contrast; do
	start 120 30 "$RUN --theme $th"
	if wait_for "Hosts 0/7" 5; then pass "theme $th loads and draws"; else fail "theme $th"; fi
	tm kill-session -t "$E2E_SESSION"
done
start 120 30 "LANG=C LC_ALL=C $RUN"
if wait_for "Hosts 0/7" 5 && screen | grep -q "^+- PRIMARY production -" &&
   wait_re "^\|X CRIT +$(re $P.20) +down" 5 && wait_for "? UNKNOWN postgres daily b" 5 &&
   wait_for "+ OK      snapshots" 5 &&
   ! screen | grep -q "[│─…]"; then
	pass "non-UTF-8 locale: ASCII borders and symbols"
else
	fail "ASCII fallback"
fi
tm kill-session -t "$E2E_SESSION"
start 80 24 "TERM=vt100 $RUN"
if wait_for "1 PRIMARY production" 5 && wait_re "CRIT +$(re $P.20) +down" 5; then pass "TERM=vt100 works"; else fail "TERM=vt100"; fi
tm kill-session -t "$E2E_SESSION"
start 80 24 "TERM=linux $RUN"
if wait_for "1 PRIMARY production" 5 && wait_re "CRIT +$(re $P.20) +down" 5; then pass "TERM=linux works"; else fail "TERM=linux"; fi
tm kill-session -t "$E2E_SESSION"

# ---- signals: SIGTERM quits cleanly and restores the terminal
start 100 30 "$RUN"
wait_for "Hosts 0/7" 5
pid=$(pgrep -f -n -- "$D -c $CONF --log $LOG")
if [ -n "$pid" ]; then
	kill -TERM "$pid"
	if wait_for "__EXIT__ 0" 10 && ! has "Hosts 0/7"; then
		pass "SIGTERM: clean exit, screen restored"
	else
		fail "SIGTERM"
	fi
else
	fail "SIGTERM (no pid)"
fi
if [ -s "$LOG" ] && grep -q "first frame drawn" "$LOG" && ! grep -qi "error" "$LOG"; then
	pass "the log goes to its file (--log), not the screen"
else
	fail "log file"
fi

# ---- a crash restores the terminal before the message
start 100 30 "$RUN"
wait_for "Hosts 0/7" 5
pid=$(pgrep -f -n -- "$D -c $CONF --log $LOG")
if [ -n "$pid" ]; then
	kill -SEGV "$pid"
	if wait_for "__EXIT__" 10 && has "drconsole: crashed" && ! has "Hosts 0/7"; then
		pass "SIGSEGV: terminal restored, then the message"
	else
		fail "SIGSEGV"
	fi
else
	fail "SIGSEGV (no pid)"
fi

# ---- themes by name from $DRCONSOLE_DATADIR
mkdir -p "$E2E_TMP/data/themes"
cp themes/monochrome.yml "$E2E_TMP/data/themes/only-here.yml"
start 100 30 "DRCONSOLE_DATADIR=$E2E_TMP/data $RUN --theme only-here"
check "theme found by name in \$DRCONSOLE_DATADIR/themes" wait_for "Hosts 0/7" 5
tm kill-session -t "$E2E_SESSION"

# ---- remote text is sanitised: a server's error message carrying escape
# sequences (window title, colours) reaches the screen as plain text only
EVIL_ADDR=127.$E2E_NET.99.8 EVIL_PORT=$((25500 + E2E_NET))
python3 -c '
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
msg = b"evil\x1b]0;pwned\x07\x1b[5;31mRED\x1b[0m\x1b[2J done"
body = b"SFATAL\x00C28000\x00M" + msg + b"\x00\x00"
while True:
    c, _ = s.accept()
    try:
        n = struct.unpack("!I", c.recv(4))[0]; c.recv(n - 4)
        c.sendall(b"E" + struct.pack("!I", len(body) + 4) + body)
    except Exception:
        pass
    c.close()
' "$EVIL_ADDR" "$EVIL_PORT" </dev/null >/dev/null 2>&1 &
evil_pid=$!
for _ in $(seq 50); do
	python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.2).close()' \
		"$EVIL_ADDR" "$EVIL_PORT" 2>/dev/null && break
	sleep 0.1
done
mkenvs "$FIX/envs" "$E2E_TMP/evil" 10.1.0 "$P" 10.2.0 "$S"
subst_addr "$E2E_TMP/evil" "$P.20" "$EVIL_ADDR"
ENV_P=$E2E_TMP/evil/production ENV_S=$E2E_TMP/evil/backup-production \
	mkconf "$E2E_TMP/evil.yml" "postgres: { user: drconsole_monitor, sslmode: disable, port: $EVIL_PORT, connect_timeout: 2s }" \
	"refresh: 10s" "probe_timeout: 3s"
start 140 40 "$D -c $E2E_TMP/evil.yml --log $LOG"
if wait_for "Hosts 0/7" 5 && wait_re "CRIT +$EVIL_ADDR" 5; then
	keys g Enter
	if wait_for "evilRED done" 3 && [ "$(tm display-message -p -t "$E2E_SESSION" '#{pane_title}')" != pwned ] &&
	   ! screen -e | grep -q $'\e\[5;31m'; then
		pass "escape sequences in a server's error message are removed before drawing"
	else
		fail "sanitising remote text (title: $(tm display-message -p -t "$E2E_SESSION" '#{pane_title}'))"
	fi
else
	fail "sanitising: no error row from the fake server"
fi
tm kill-session -t "$E2E_SESSION"
kill "$evil_pid" 2>/dev/null
wait "$evil_pid" 2>/dev/null

# ---- STALE: a server that answers once (an error) and then hangs; with a
# 1 s refresh and a 10 s timeout the row has no newer result after 3 s
STALE_ADDR=127.$E2E_NET.99.9 STALE_PORT=$((25600 + E2E_NET))
python3 -c '
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
body = b"SFATAL\x00C28000\x00Mfirst and last answer\x00\x00"
held, answered = [], 0
while True:
    c, _ = s.accept()
    try:
        c.settimeout(2)
        head = c.recv(4)
        if len(head) < 4:
            c.close(); continue            # a readiness probe
        n = struct.unpack("!I", head)[0]; c.recv(n - 4)
    except Exception:
        c.close(); continue
    if answered == 0:
        c.sendall(b"E" + struct.pack("!I", len(body) + 4) + body); c.close(); answered = 1
    else:
        held.append(c)                     # never answer again
' "$STALE_ADDR" "$STALE_PORT" </dev/null >/dev/null 2>&1 &
stale_pid=$!
for _ in $(seq 50); do
	python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.2).close()' \
		"$STALE_ADDR" "$STALE_PORT" 2>/dev/null && break
	sleep 0.1
done
mkenvs "$FIX/envs" "$E2E_TMP/stale" 10.1.0 "$P" 10.2.0 "$S"
subst_addr "$E2E_TMP/stale" "$P.20" "$STALE_ADDR"
subst_addr "$E2E_TMP/stale" "$S.20" "$STALE_ADDR"
ENV_P=$E2E_TMP/stale/production ENV_S=$E2E_TMP/stale/backup-production \
	mkconf "$E2E_TMP/stale.yml" "postgres: { user: drconsole_monitor, sslmode: disable, port: $STALE_PORT, connect_timeout: 10s }" \
	"refresh: 1s" "probe_timeout: 10s"
start 140 40 "$D -c $E2E_TMP/stale.yml --log $LOG"
if wait_re "✖ CRIT +$STALE_ADDR " 5 && wait_re "◷ STALE +$STALE_ADDR .* [3-9]s │" 6; then
	pass "a value older than three refresh intervals is STALE, with its age"
else
	fail "STALE"
fi
tm kill-session -t "$E2E_SESSION"
kill "$stale_pid" 2>/dev/null
wait "$stale_pid" 2>/dev/null

# ---- input stays responsive while every host, database and store hangs:
# a listener accepts on every address of a copy (sshd, PostgreSQL, CouchDB
# ports) and on the S3 endpoint, and never says a word; it logs each
# accepted connection so the test knows the probes really went there
HOSTS_X="10 11 12 13 20 30 40"
python3 -c '
import selectors, socket, sys
log = open(sys.argv[1], "a", buffering=1)
sel = selectors.DefaultSelector()
for spec in sys.argv[2:]:
    addr, port = spec.rsplit(":", 1)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port))); s.listen(64); sel.register(s, selectors.EVENT_READ)
log.write("ready\n")
held = []
while True:
    for k, _ in sel.select():
        c, _ = k.fileobj.accept(); held.append(c)     # accept and never answer
        log.write("%s:%d\n" % c.getsockname())
' "$E2E_TMP/hang.accepted" "$HP.1:$S3_PORT" $(for x in $HOSTS_X; do for pfx in $HP $HS; do
	echo "$pfx.$x:$SSH_PORT $pfx.$x:$PG_PORT $pfx.$x:$COUCH_PORT"; done; done) </dev/null >/dev/null 2>&1 &
hang_pid=$!
for _ in $(seq 50); do
	grep -qx ready "$E2E_TMP/hang.accepted" 2>/dev/null && break
	sleep 0.1
done
mkenvs "$FIX/envs" "$E2E_TMP/hang" 10.1.0 "$HP" 10.2.0 "$HS"
ENV_P=$E2E_TMP/hang/production ENV_S=$E2E_TMP/hang/backup-production SSH_TIMEOUT=30s S3_TIMEOUT=30s \
	COUCH_TIMEOUT=30s S3_ADDR=$HP.1 \
	mkconf "$E2E_TMP/hang.yml" "postgres: { user: drconsole_monitor, sslmode: disable, port: $PG_PORT, connect_timeout: 30s }" \
	"refresh: 5s" "probe_timeout: 30s"
start 200 50 "$D -c $E2E_TMP/hang.yml --log $LOG"
wait_for "Hosts 0/7" 5
# refused connections give a verdict within milliseconds: after 1.5 s every
# row still pending is one whose probe is stuck on the silent listener
sleep 1.5
# (the console has 16 workers for about 24 jobs: once all of them are stuck,
# the remaining jobs wait their turn, pending too)
missing=
for x in $HOSTS_X; do
	for pfx in $HP $HS; do
		screen | grep -qE "… PENDING +$(re $pfx.$x) +pending" || missing="$missing row:$pfx.$x"
	done
done
has "… PENDING postgres daily backup" || missing="$missing row:s3"
accepted=$(grep -c "^127\." "$E2E_TMP/hang.accepted")
if [ -z "$missing" ] && [ "$accepted" -ge 14 ] && [ "$(screen | grep -cE "… PENDING +$(re $HP.20) ")" -ge 2 ] &&
   ! screen | grep -qE "(OK|WARN|CRIT|UNKNOWN|STALE) +127\.$E2E_NET\.9[34]\." &&
   ! screen | grep -qE "(OK|WARN|CRIT|UNKNOWN|STALE) +postgres (daily|weekly)"; then
	pass "hang: $accepted probe connections held by the silent listener, every row pending after 1.5 s"
else
	fail "hang: the probes did not hang ($accepted connections; missing:$missing)" 50
fi
t0=$(date +%s%N)
keys '?'
if wait_for " Keys " 1; then
	pass "help opens in $(( ($(date +%s%N) - t0) / 1000000 )) ms while every probe hangs"
else
	fail "help did not open within 1 s while hosts hang"
fi
keys x
t0=$(date +%s%N)
keys j /
if wait_for "/" 1 && wait_for "Enter keeps" 1; then
	pass "keys answer within $(( ($(date +%s%N) - t0) / 1000000 )) ms during the hang"
else
	fail "keys during the hang"
fi
t0=$(date +%s%N)
keys Escape q
if wait_for "__EXIT__ 0" 5; then
	pass "q returns the shell in $(( ($(date +%s%N) - t0) / 1000000 )) ms though probes still hang"
else
	fail "q during the hang"
fi
tm kill-session -t "$E2E_SESSION"
kill "$hang_pid" 2>/dev/null
wait "$hang_pid" 2>/dev/null
. "$ROOT/tests/e2e/planted.sh"
# stderr went to the log while curses was active: nothing a sanitizer said may hide there
if grep -qE "Sanitizer|runtime error" "$LOG" 2>/dev/null; then
	echo "FAIL: e2e sanitizer report in the console log"
	grep -E -A20 "Sanitizer|runtime error" "$LOG" | head -40 | sed 's/^/    | /'
else
	pass "no sanitizer report in the console log"
fi
exit 0
