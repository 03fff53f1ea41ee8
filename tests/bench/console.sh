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

# Idle CPU with 200 reachable hosts over kept sessions: the lab's extra sshd
# hosts (lab.sh ssh-hosts 200; the lab is brought up, and down again, when
# it is not running). Addresses outside loopback are no use here: this
# machine answers every TCP connection to them with an HTTP 400 from a
# proxy, so each probe would fail at once and reconnect every refresh.
idle_cpu() {	# config label
	local cpid hpid c0 h0 t0 c1 h1 t1 hz
	tm new-session -d -s con -x 200 -y 50 "LANG=C.UTF-8 exec $D -c $1 --log $T/idle.log"
	tm new-session -d -s htop -x 200 -y 50 "exec htop"
	sleep 8	# first round: connect, verify, authenticate every host
	cpid=$(tm list-panes -t con -F '#{pane_pid}')
	hpid=$(tm list-panes -t htop -F '#{pane_pid}')
	ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
	# CPU in ns from the scheduler (schedstat): every thread, and the UI thread alone
	cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d\n", s }'; }
	ui_ns() { awk '{ print $1 }' "/proc/$1/task/$1/schedstat" 2>/dev/null || echo 0; }
	c0=$(ticks "$cpid"); h0=$(ticks "$hpid"); t0=$(date +%s%N)
	a0=$(cpu_ns "$cpid"); u0=$(ui_ns "$cpid"); g0=$(cpu_ns "$hpid")
	sleep "$SECS"
	c1=$(ticks "$cpid"); h1=$(ticks "$hpid"); t1=$(date +%s%N)
	a1=$(cpu_ns "$cpid"); u1=$(ui_ns "$cpid"); g1=$(cpu_ns "$hpid")
	hz=$(getconf CLK_TCK)
	echo "  $(tm capture-pane -p -t con | grep -o 'Hosts [0-9]*/[0-9]* up' | tr '\n' ' ')($(ls /proc | grep -c '^[0-9]') processes on the machine)"
	awk -v c=$((c1 - c0)) -v h=$((h1 - h0)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN {
		s = ns / 1e9
		printf "  drconsole: %.2f%% of one core (%d ticks in %.1fs)\n", c / hz / s * 100, c, s
		printf "  htop:      %.2f%% of one core (%d ticks in %.1fs)\n", h / hz / s * 100, h, s }'
	awk -v a=$((a1 - a0)) -v u=$((u1 - u0)) -v g=$((g1 - g0)) -v ns=$((t1 - t0)) 'BEGIN {
		if (a <= 0) exit
		printf "  in ns (schedstat): drconsole %.3f%% (UI thread %.3f%%, probe workers %.3f%%), htop %.3f%%\n",
			a / ns * 100, u / ns * 100, (a - u) / ns * 100, g / ns * 100 }'
	tm kill-session -t con
	tm kill-session -t htop
}
if [ "$(id -u)" != 0 ]; then
	echo "== console idle CPU: skipped (the lab needs root)"
else
	lab_started=0
	if ! tests/lab/lab.sh status >/dev/null 2>&1; then
		tests/lab/lab.sh up >/dev/null 2>&1 && lab_started=1
	fi
	if tests/lab/lab.sh ssh-hosts 200 >/dev/null 2>&1; then
		set -a; . build/lab/lab.env; set +a
		export PGPASSFILE=$LAB_PGPASSFILE
		sed -e 's/^refresh: .*/refresh: 5s/' -e 's/^probe_timeout: .*/probe_timeout: 5s/' \
			-e "s#^state_dir: .*#state_dir: $T/state#" \
			build/lab/drconsole-sshbench.yml >build/lab/bench-idle.yml
		echo "== console idle CPU: 200 reachable lab hosts over kept sessions, refresh 5s, ${SECS}s, beside htop (same window)"
		idle_cpu build/lab/bench-idle.yml
		rm -f build/lab/bench-idle.yml
	else
		echo "== console idle CPU: skipped (lab.sh ssh-hosts 200 failed)"
	fi
	[ $lab_started = 1 ] && tests/lab/lab.sh down >/dev/null 2>&1
fi
echo "  command: BENCH_IDLE_SECONDS=$SECS tests/bench/console.sh"
