#!/usr/bin/env bash
# Runbook bench (on the lab: LAB_NET=N; brought up and down if not running): a
# 20-step runbook of trivial commands on the secondary's control host, run
# by `drconsole run --drill --yes` over kept SSH sessions (lock, heartbeats,
# journal fsyncs and audit included), beside the same 20 commands as plain
# `ssh host cmd` lines. Target: drconsole <= half the plain-ssh wall time.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
ENVF=$PWD/build/lab/lab.env
N=20
REPS=${REPS:-5}
started=0
if [ ! -f "$ENVF" ] || ! tests/lab/lab.sh status >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "  SKIP: runbook bench (the lab needs root)"
		exit 0
	fi
	tests/lab/lab.sh up >/dev/null 2>&1 || { echo "  SKIP: runbook bench (lab up failed)"; exit 0; }
	started=1
fi
set -a; . "$ENVF"; set +a
T=$(mktemp -d "$LAB_DIR/bench-runbook.XXXXXX")
trap 'rm -rf "$T" "$T.yml"; [ $started = 1 ] && tests/lab/lab.sh down >/dev/null 2>&1' EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG" > "$T.yml"
{
	printf 'name: bench\nmodel: replicated\nsteps:\n'
	for i in $(seq $N); do printf '  - id: s%d\n    on: secondary:control\n    run: echo step %d\n' "$i" "$i"; done
} > "$T/bench.yml"
ctrl=${LAB_SECONDARY_PREFIX}.10
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
dr=() ; ss=()
for _ in $(seq "$REPS"); do
	s=$(now); "$D" -c "$T.yml" run "$T/bench.yml" --drill --yes >/dev/null 2>&1 </dev/null || { echo "  FAIL: drconsole run"; exit 1; }
	dr+=($(( ($(now) - s) / 1000000 )))
	s=$(now)
	for i in $(seq $N); do
		ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o IdentityAgent=none \
			-o UserKnownHostsFile="$LAB_SECONDARY_ENV/known_hosts" -i "$LAB_SSH_KEY" -p "$LAB_SSH_PORT" \
			"$LAB_SSH_USER@$ctrl" "echo step $i" >/dev/null || { echo "  FAIL: ssh"; exit 1; }
	done
	ss+=($(( ($(now) - s) / 1000000 )))
done
a=$(printf '%s\n' "${dr[@]}" | median); b=$(printf '%s\n' "${ss[@]}" | median)
am=$(printf '%s\n' "${dr[@]}" | sort -n | head -1); bm=$(printf '%s\n' "${ss[@]}" | sort -n | head -1)
echo "  drconsole run ($N steps, kept sessions, lock+journal+audit): median ${a} ms, min ${am} ms of $REPS (${dr[*]})"
echo "  plain ssh host cmd x $N:                                  median ${b} ms, min ${bm} ms of $REPS (${ss[*]})"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (a busy machine makes single runs noisy)"
awk -v a="$a" -v b="$b" -v am="$am" -v bm="$bm" 'BEGIN { printf "  ratio of medians %.2f, of minimums %.2f (target <= 0.50): %s\n", a / b, am / bm, (a <= b / 2 && am <= bm / 2) ? "met" : "NOT met" }'
