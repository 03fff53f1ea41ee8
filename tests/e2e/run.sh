#!/usr/bin/env bash
# End-to-end tests of the console: the real binary in tmux, screens read
# with capture-pane, against the offline fixture env pair (its hosts are
# unreachable, so rows stay pending/unknown). The lab-backed cases (a real
# streaming standby) are in tests/integration/console.test.sh.
# Prints PASS:/FAIL:/SKIP: lines.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
D=${DRCONSOLE:-$ROOT/drconsole}
FIX=$ROOT/tests/fixtures
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: e2e (tmux is not installed)"
	exit 0
fi
. tests/e2e/lib.sh
trap e2e_cleanup EXIT
STATE=$E2E_TMP/state
LOG=$E2E_TMP/console.log

# a config like the fixture's, with absolute paths and extra lines
mkconf() {	# $1 = file, rest = extra YAML lines
	local f=$1
	shift
	{
		echo "objectives: { rpo: 15m, rto: 2h }"
		echo "sites:"
		echo "  primary:   { env_dir: ${ENV_P:-$FIX/envs/production}, control: control }"
		echo "  secondary: { env_dir: ${ENV_S:-$FIX/envs/backup-production}, control: control }"
		echo "ssh: { user: ansible, connect_timeout: 2s }"
		echo "s3: { endpoint: \"http://127.0.0.1:4568\", region: us-east-1, path_style: true }"
		echo "state_dir: $STATE"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}
CONF=$E2E_TMP/drconsole.yml
mkconf "$CONF" "postgres: { user: drconsole_monitor, sslmode: disable, connect_timeout: 2s }" \
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
start 200 50 "$RUN"
if wait_for "Hosts 0/7 up" 5 && screen | grep -q "┌─ PRIMARY production .*┌─ SECONDARY backup-production" &&
   has "LIVE" && has "RPO 15m" && has "RTO 2h: last drill" && has "PENDING 10.1.0.13" &&
   has "PENDING 10.2.0.13" && has "webworkers" && has "refreshed" && has "postgres"; then
	pass "200x50: both site panels side by side, hosts pending by group, header and footer"
else
	fail "200x50 dashboard"
fi
# the pg probe reaches a verdict (unreachable fixture hosts) within the probe timeout
check "200x50: PostgreSQL rows get a result word (not a hang)" \
	wait_for "PostgreSQL standby" 1
if wait_for "refreshed" 6 && screen | grep -E "^│(✖ CRIT|\? UNKNOWN) +10\.1\.0\.20 " >/dev/null; then
	pass "200x50: unreachable primary database shown CRIT/UNKNOWN with its age"
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

# ---- filter
keys / 0 . 1 3
if wait_for "/0.13" 2 && wait_for "PENDING 10.1.0.13" 2 && ! has "10.1.0.12" && ! has "10.1.0.11" &&
   has "(1 shown)"; then
	pass "/ filter keeps only matching rows"
else
	fail "filter"
fi
keys Enter
check "Enter keeps the filter" wait_for "filter /0.13" 2

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
if wait_for "10.1.0.12" 2 && ! has "filter /"; then
	pass "Esc clears the filter"
else
	fail "Esc clears the filter"
fi

# ---- detail of a database server (first row)
keys g Enter
if wait_for "expected_role" 2 && has "Databases on 10.1.0.20" && has "main " && has "key " &&
   has "observed "; then
	pass "Enter on a database: every field of its observation"
else
	fail "database detail"
fi
keys Escape
wait_gone "expected_role" 2

# ---- backup store detail (model settings until a backup probe reports)
keys j Enter
if wait_for "Backups of postgres" 2 && has "dimagi-production-postgres-backups" && has "schedule"; then
	pass "Enter on a backup store: its settings"
else
	fail "backup detail"
fi
keys Escape
wait_gone "Backups of postgres" 2

# ---- F opens the runbook picker (live mode)
keys F
if wait_for "Failover: choose a runbook" 2 && has "failover.yml" && has "restore.yml" &&
   has "not available in the console yet"; then
	pass "F: runbook picker lists the configured runbooks, points to line mode"
else
	fail "runbook picker"
fi
keys Escape
check "Esc closes the picker" wait_gone "choose a runbook" 2
keys q
check "q quits from 80x24" wait_for "__EXIT__ 0" 10

# ---- scrolling a production-sized host list (69 hosts per site)
start 100 30 "$D -c $ROOT/tests/bench/drconsole.yml --log $LOG"
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

# ---- modes
start 120 30 "$RUN --drill"
check "--drill: DRILL badge" wait_for " DRILL " 5
tm kill-session -t "$E2E_SESSION"
start 120 30 "$RUN --dry-run"
check "--dry-run: DRY-RUN badge" wait_for " DRY-RUN " 5

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
c=$(screen -e | colour_codes)
if [ "$c" = 0 ] && has "PENDING"; then
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
if wait_for "Hosts 0/7" 5 && screen | grep -q "^+- PRIMARY production -" && has ". PENDING" &&
   ! screen | grep -q "[│─…]"; then
	pass "non-UTF-8 locale: ASCII borders and symbols"
else
	fail "ASCII fallback"
fi
tm kill-session -t "$E2E_SESSION"
start 80 24 "TERM=vt100 $RUN"
if wait_for "1 PRIMARY production" 5 && has "PENDING"; then pass "TERM=vt100 works"; else fail "TERM=vt100"; fi
tm kill-session -t "$E2E_SESSION"
start 80 24 "TERM=linux $RUN"
if wait_for "1 PRIMARY production" 5 && has "PENDING"; then pass "TERM=linux works"; else fail "TERM=linux"; fi
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
mkdir -p "$E2E_TMP/evil"
cp -r "$FIX/envs/production" "$FIX/envs/backup-production" "$E2E_TMP/evil/"
sed -i "s/^10\.1\.0\.20 /$EVIL_ADDR /; s/=10\.1\.0\.20\b/=$EVIL_ADDR/g" "$E2E_TMP/evil/production/inventory.ini"
sed -i "s/10\.1\.0\.20/$EVIL_ADDR/g" "$E2E_TMP/evil/backup-production/inventory.ini"
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
mkdir -p "$E2E_TMP/stale"
cp -r "$FIX/envs/production" "$FIX/envs/backup-production" "$E2E_TMP/stale/"
sed -i "s/^10\.1\.0\.20 /$STALE_ADDR /; s/=10\.1\.0\.20\b/=$STALE_ADDR/g" "$E2E_TMP/stale/production/inventory.ini"
sed -i "s/10\.1\.0\.20/$STALE_ADDR/g; s/^10\.2\.0\.20 /$STALE_ADDR /; s/=10\.2\.0\.20\b/=$STALE_ADDR/g" \
	"$E2E_TMP/stale/backup-production/inventory.ini"
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

# ---- input stays responsive while every PostgreSQL server hangs
HANG_ADDR=127.$E2E_NET.99.7 HANG_PORT=$((25400 + E2E_NET))
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c)   # accept and never answer
' "$HANG_ADDR" "$HANG_PORT" </dev/null >/dev/null 2>&1 &
hang_pid=$!
for _ in $(seq 50); do
	python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.2).close()' \
		"$HANG_ADDR" "$HANG_PORT" 2>/dev/null && break
	sleep 0.1
done
mkdir -p "$E2E_TMP/envs"
cp -r "$FIX/envs/production" "$FIX/envs/backup-production" "$E2E_TMP/envs/"
sed -i "s/^10\.1\.0\.20 /$HANG_ADDR /; s/=10\.1\.0\.20\b/=$HANG_ADDR/g" "$E2E_TMP/envs/production/inventory.ini"
sed -i "s/^10\.2\.0\.20 /$HANG_ADDR /; s/=10\.2\.0\.20\b/=$HANG_ADDR/g; s/10\.1\.0\.20/$HANG_ADDR/g" \
	"$E2E_TMP/envs/backup-production/inventory.ini"
ENV_P=$E2E_TMP/envs/production ENV_S=$E2E_TMP/envs/backup-production \
	mkconf "$E2E_TMP/hang.yml" "postgres: { user: drconsole_monitor, sslmode: disable, port: $HANG_PORT, connect_timeout: 30s }" \
	"refresh: 5s" "probe_timeout: 30s"
start 120 30 "$D -c $E2E_TMP/hang.yml --log $LOG"
wait_for "Hosts 0/7" 5
sleep 0.5
t0=$(date +%s%N)
keys '?'
if wait_for " Keys " 1; then
	t1=$(date +%s%N)
	if has "PENDING $HANG_ADDR" && ! screen | grep -qE "(CRIT|UNKNOWN) +$HANG_ADDR"; then
		pass "help opens in $(( (t1 - t0) / 1000000 )) ms while every PostgreSQL server hangs"
	else
		fail "hang: the probe did not hang (nothing pending)"
	fi
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
# stderr went to the log while curses was active: nothing a sanitizer said may hide there
if grep -qE "Sanitizer|runtime error" "$LOG" 2>/dev/null; then
	echo "FAIL: e2e sanitizer report in the console log"
	grep -E -A20 "Sanitizer|runtime error" "$LOG" | head -40 | sed 's/^/    | /'
else
	pass "no sanitizer report in the console log"
fi
exit 0
