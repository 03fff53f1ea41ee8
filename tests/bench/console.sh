#!/usr/bin/env bash
# Console figures (called by tests/bench/run.sh): time to the first complete
# frame with the production-sized env pair, and idle CPU with 200 hosts at a
# 5 s refresh measured beside htop's idle CPU in the same run (both in tmux,
# CPU from /proc/PID/stat over the same window).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
D=${DRCONSOLE:-$ROOT/drconsole}
SECS=${BENCH_IDLE_SECONDS:-20}
command -v tmux >/dev/null 2>&1 || { echo "  (tmux missing: console bench skipped)"; exit 0; }
T=$(mktemp -d /tmp/drc-bench.XXXXXX)
SOCK=drc-bench-${LAB_NET:-0}
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$T"' EXIT

# the bench env pair plus 31 hosts per site: 2 x 100 SSH-able hosts
cp -r tests/bench/envs "$T/envs"
printf '\n[bench_extra]\n10.202.99.[1:31]\n' >>"$T/envs/production/inventory.ini"
printf '\n[bench_extra]\n10.212.99.[1:31]\n' >>"$T/envs/backup-production/inventory.ini"
{
	echo "objectives: { rpo: 15m, rto: 2h }"
	echo "sites:"
	echo "  primary:   { env_dir: $T/envs/production,        control: control4 }"
	echo "  secondary: { env_dir: $T/envs/backup-production, control: control4 }"
	echo "postgres: { connect_timeout: 1s }"
	echo "refresh: 5s"
	echo "probe_timeout: 1s"
	echo "state_dir: $T/state"
} >"$T/drconsole.yml"
hosts=$("$D" -c "$T/drconsole.yml" status --offline 2>/dev/null |
	sed -n 's/.*Hosts (\([0-9]*\) SSH-able).*/\1/p' | awk '{ s += $1 } END { print s }')
echo "== console: time to the first complete frame ($hosts hosts, 200x50, median of 7)"
for i in 1 2 3 4 5 6 7; do
	tm new-session -d -s "ff$i" -x 200 -y 50 \
		"LANG=C.UTF-8 DRCONSOLE_EXIT_AFTER_FIRST_FRAME=1 exec $D -c $T/drconsole.yml --log $T/ff.log"
	for _ in $(seq 200); do tm has-session -t "ff$i" 2>/dev/null || break; sleep 0.05; done
done
sed -n 's/.*first frame drawn \([0-9]*\) ms after start/\1/p' "$T/ff.log" | sort -n |
	awk '{ v[NR] = $1 } END { if (NR == 0) { print "  no first-frame line in the log"; exit }
		printf "  first frame: median %d ms (min %d, max %d, %d runs; command start to doupdate)\n",
		v[int((NR + 1) / 2)], v[1], v[NR], NR }'

echo "== console idle CPU: $hosts hosts, refresh 5s, ${SECS}s, beside htop (same window)"
tm new-session -d -s con -x 200 -y 50 "LANG=C.UTF-8 exec $D -c $T/drconsole.yml --log $T/idle.log"
tm new-session -d -s htop -x 200 -y 50 "exec htop"
sleep 2
cpid=$(tm list-panes -t con -F '#{pane_pid}')
hpid=$(tm list-panes -t htop -F '#{pane_pid}')
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
c0=$(ticks "$cpid"); h0=$(ticks "$hpid"); t0=$(date +%s%N)
sleep "$SECS"
c1=$(ticks "$cpid"); h1=$(ticks "$hpid"); t1=$(date +%s%N)
hz=$(getconf CLK_TCK)
awk -v c=$((c1 - c0)) -v h=$((h1 - h0)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN {
	s = ns / 1e9
	printf "  drconsole: %.2f%% of one core (%d ticks in %.1fs)\n", c / hz / s * 100, c, s
	printf "  htop:      %.2f%% of one core (%d ticks in %.1fs)\n", h / hz / s * 100, h, s }'
echo "  command: BENCH_IDLE_SECONDS=$SECS tests/bench/console.sh"
