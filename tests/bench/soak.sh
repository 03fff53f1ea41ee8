#!/usr/bin/env bash
# Console soak (called by tests/bench/run.sh, or on its own): the console on
# the lab in tmux (both sites, 5 s refresh) under pgbench write load for
# SOAK_MINUTES (default 60), its RSS sampled every SOAK_INTERVAL seconds
# (default 30) from /proc/PID/status. Prints the series (RSS, and its
# anonymous and file-backed parts) and whether it levels off: the growth in
# the last half of the run against the growth in the first half. It levels
# off when the last half grew by at most a quarter of the first half, or by
# less than 64 kB.
#   SOAK_MINUTES=15 tests/bench/soak.sh
# Needs root (the lab) and tmux; brings the lab up (and down again) when it
# is not running. LAB_NET moves the lab as for every lab script.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
D=${DRCONSOLE:-$ROOT/drconsole}
MIN=${SOAK_MINUTES:-60}
IVL=${SOAK_INTERVAL:-30}
LAB=tests/lab/lab.sh
command -v tmux >/dev/null 2>&1 || { echo "== soak: skipped (tmux missing)"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "== soak: skipped (the lab needs root)"; exit 0; }
T=$(mktemp -d /tmp/drc-soak.XXXXXX)
SOCK=drc-soak-${LAB_NET:-0}
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
lab_started=0 load_pid= CONF=
cleanup() {
	tm kill-server >/dev/null 2>&1
	[ -n "$load_pid" ] && kill -- "-$load_pid" 2>/dev/null	# pgbench too: the lab's clusters stop only without clients
	rm -f "$CONF"
	[ $lab_started = 1 ] && "$LAB" down >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! "$LAB" status >/dev/null 2>&1; then
	"$LAB" up >/dev/null 2>&1 || { echo "== soak: lab up failed"; exit 1; }
	lab_started=1
fi
set -a; . build/lab/lab.env; set +a
export PGPASSFILE=$LAB_PGPASSFILE
# next to the lab's config: its paths are relative to the file
CONF=build/lab/soak-$$.yml
sed -e "s#^state_dir: .*#state_dir: $T/state#" build/lab/drconsole.yml >"$CONF"

secs=$((MIN * 60))
echo "== console soak: lab, refresh 5s, pgbench load, ${MIN} min, RSS every ${IVL}s"
setsid "$LAB" load "$((secs + 30))" >/dev/null 2>&1 &
load_pid=$!
tm new-session -d -s soak -x 200 -y 50 "LANG=C.UTF-8 exec $D -c $ROOT/$CONF --log $T/console.log"
sleep 1
pid=$(tm list-panes -t soak -F '#{pane_pid}')
kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$pid/status"; }
t0=$(date +%s)
: >"$T/series"
while :; do
	now=$(( $(date +%s) - t0 ))
	[ -d "/proc/$pid" ] || { echo "  the console exited after ${now}s"; break; }
	printf '%d %s %s %s\n' "$now" "$(kb VmRSS)" "$(kb RssAnon)" "$(kb RssFile)" >>"$T/series"
	tail -1 "$T/series" | awk '{ printf "  %5ds  RSS %6.1f MB  (anon %6.1f, file %5.1f)\n", $1, $2 / 1024, $3 / 1024, $4 / 1024 }'
	[ "$now" -ge "$secs" ] && break
	sleep "$IVL"
done
echo "  screen at the end: $(tm capture-pane -p -t soak 2>/dev/null | grep -o 'Hosts [0-9]*/[0-9]* up' | tr '\n' ' ')"
awk -v ivl="$IVL" '{ t[NR] = $1; r[NR] = $2; a[NR] = $3 } END {
	if (NR < 3) { print "  too few samples"; exit }
	m = int((NR + 1) / 2)
	g1 = r[m] - r[1]; g2 = r[NR] - r[m]
	a1 = a[m] - a[1]; a2 = a[NR] - a[m]
	d1 = (t[m] - t[1]) / 60; d2 = (t[NR] - t[m]) / 60
	printf "  RSS %.1f MB -> %.1f MB -> %.1f MB (start, middle, end); max %.1f MB\n", r[1] / 1024, r[m] / 1024, r[NR] / 1024, max(r) / 1024
	printf "  first half: %+d kB (%+.1f kB/min; anon %+d kB)\n", g1, d1 ? g1 / d1 : 0, a1
	printf "  last half:  %+d kB (%+.1f kB/min; anon %+d kB)\n", g2, d2 ? g2 / d2 : 0, a2
	if (g2 < 64 || g2 * 4 <= g1)
		print "  levels off: yes"
	else
		print "  levels off: NO (the last half grew by more than a quarter of the first half)"
	}
	function max(v,   i, x) { x = v[1]; for (i in v) if (v[i] > x) x = v[i]; return x }' "$T/series"
echo "  command: SOAK_MINUTES=$MIN SOAK_INTERVAL=$IVL tests/bench/soak.sh"
