#!/usr/bin/env bash
# make bench: the figures quoted in README, each beside the reference tool
# measured in the same run on the same input. Speed goals live here, not in
# timed tests.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build/release}
D=${DRCONSOLE:-$PWD/drconsole}
INV=tests/bench/envs/production/inventory.ini
echo "== machine: $(nproc) cores, $(uname -r)"
echo "== env pair load (issue target: < 5 ms)"
"$BUILD"/bench/bench_load tests/bench/drconsole.yml 500
echo "== one inventory ($(grep -c '^\[' "$INV") sections): drconsole inventory vs ansible-inventory --list"
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N -w 3 -r 20 --export-markdown build/bench-inventory.md \
		"$D inventory $INV" \
		"env ANSIBLE_INVENTORY_ENABLED=ini ansible-inventory -i $INV --list" 2>&1 | grep -E 'Time|±|faster|Benchmark'
else
	for cmd in "$D inventory $INV" "ansible-inventory -i $INV --list"; do
		s=$(date +%s%N); for _ in 1 2 3 4 5; do ANSIBLE_INVENTORY_ENABLED=ini $cmd >/dev/null 2>&1; done; e=$(date +%s%N)
		echo "  $cmd: $(( (e - s) / 5000000 )) ms per run (mean of 5)"
	done
fi

# 40k hosts in 400 groups of 100 with vars, every tenth host in an alias group of its own,
# :children over the groups: parsing must stay linear in the number of hosts
BIGINV=$BUILD/bench-inventory-40k.ini
python3 - "$BIGINV" <<'PY'
import sys
n, per, out, groups = 40000, 100, [], []
addr = lambda i: "10.%d.%d.%d" % (i // 65536 % 256, i // 256 % 256, i % 256)
for g in range(n // per):
    groups.append("group%d" % g)
    out.append("[group%d]" % g)
    out += ["%s hostname=host%d ufw_private_interface=ens5" % (addr(i), i) for i in range(g * per, (g + 1) * per)]
    out.append("[group%d:vars]\nrole=r%d\n" % (g, g % 7))
out += ["[alias%d]\n%s\n" % (i, addr(i)) for i in range(0, n, 10)]
for k in range(0, len(groups), 10):
    out.append("[tier%d:children]" % (k // 10))
    out += groups[k:k + 10]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
echo "== inventory of 40000 hosts ($(grep -c '^\[' "$BIGINV") sections, $(wc -c < "$BIGINV") bytes): drconsole inventory"
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N -w 1 -r 5 "$D inventory $BIGINV" 2>&1 | grep -E 'Time|±|Benchmark'
else
	s=$(date +%s%N); for _ in 1 2 3; do "$D" inventory "$BIGINV" >/dev/null; done; e=$(date +%s%N)
	echo "  $D inventory: $(( (e - s) / 3000000 )) ms per run (mean of 3)"
fi

# ---- SSH: host checks over the lab's sshd hosts (needs root for the lab) ----

# The cold round against its floor: bench_ssh_floor (libssh2 and nothing
# else, one thread per host: connect, host key, auth, exec `true`) and
# drconsole's cold `status`, in turn, COLD_PAIRS times (default 5): on a
# shared machine the ratio pair by pair holds when absolute times drift.
cold_floor() {	# LAB_DIR SSHBENCH_DIR
	local L=$1 S=$2 n=${COLD_PAIRS:-5} i t0 f d
	local floors="" states="" ratios=""
	echo "== SSH: cold round against its floor, 64 hosts, $n pairs in turn (load average $(cut -d' ' -f1 /proc/loadavg))"
	for i in $(seq "$n"); do
		t0=$(date +%s%N)
		"$BUILD"/bench/bench_ssh_floor "$S/hosts.txt" "$S/known_hosts" "$L/keys/operator" "$(id -un)" \
			> "$BUILD/bench-floor.txt" 2>&1
		f=$(( ($(date +%s%N) - t0) / 1000000 ))
		t0=$(date +%s%N)
		"$D" -c "$L/drconsole-sshbench.yml" status --json > "$BUILD/bench-ssh-status.json" 2>/dev/null
		d=$(( ($(date +%s%N) - t0) / 1000000 ))
		floors="$floors $f"; states="$states $d"
		ratios="$ratios $(awk -v a="$d" -v b="$f" 'BEGIN { printf "%.3f", a / b }')"
	done
	med() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
		printf "median %s (min %s, max %s)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
	echo "  floor, libssh2 one thread per host: $(echo "$floors" | med) ms; last: $(cat "$BUILD/bench-floor.txt")"
	echo "  drconsole status (cold):            $(echo "$states" | med) ms; last: $(grep -c '"state": "up"' "$BUILD/bench-ssh-status.json") up"
	echo "  drconsole / floor, pair by pair:    $(echo "$ratios" | med) (goal <= 1.5)"
}

ssh_bench() {
	local lab=tests/lab/lab.sh L=$PWD/build/lab S=$PWD/build/lab/sshbench started=0 t0 ms
	if [ "$(id -u)" != 0 ]; then echo "== SSH: skipped (the lab needs root)"; return 0; fi
	if ! "$lab" status >/dev/null 2>&1; then
		"$lab" up >/dev/null 2>&1 || { echo "== SSH: lab up failed"; return 0; }
		started=1
	fi
	"$lab" ssh-hosts 64 >/dev/null 2>&1 || { echo "== SSH: ssh-hosts failed"; return 0; }
	echo "== SSH: 64 lab hosts, connect + verify host key + authenticate + exec, wall time (load average $(cut -d' ' -f1 /proc/loadavg))"
	t0=$(date +%s%N)
	"$D" -c "$L/drconsole-sshbench.yml" status --json > "$BUILD/bench-ssh-status.json" 2>/dev/null
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "  drconsole status:                 $ms ms ($(grep -c '"state": "up"' "$BUILD/bench-ssh-status.json") up; one worker per host)"
	t0=$(date +%s%N)
	parallel-ssh -h "$S/hosts.txt" -l "$(id -un)" -x "-i $L/keys/operator -o UserKnownHostsFile=$S/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes" true > "$BUILD/bench-pssh.txt" 2>&1
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "  parallel-ssh true:                $ms ms ($(grep -c SUCCESS "$BUILD/bench-pssh.txt") ok; default -p 32)"
	t0=$(date +%s%N)
	ansible all -i "$S/inventory.ini" -u "$(id -un)" --private-key "$L/keys/operator" \
		--ssh-common-args="-o UserKnownHostsFile=$S/known_hosts -o StrictHostKeyChecking=yes" \
		-m raw -a true > "$BUILD/bench-ansible.txt" 2>&1
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "  ansible all -m raw -a true:       $ms ms ($(grep -c 'CHANGED' "$BUILD/bench-ansible.txt") ok; default forks 5)"
	cold_floor "$L" "$S"
	echo "== SSH: steady-state refresh of 64 hosts over kept sessions (this process's CPU)"
	"$BUILD"/bench/bench_ssh "$L/drconsole-sshbench.yml" 10 | sed 's/^/  /'
	# the same steady round with OpenSSH's own kept connections (ControlMaster), for reference
	local cm i o
	cm=$(mktemp -d)
	o="-p 2222 -i $L/keys/operator -o UserKnownHostsFile=$S/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o ControlPath=$cm/%h -o ControlMaster=auto -o ControlPersist=120"
	for i in $(cut -d: -f1 "$S/hosts.txt"); do ssh $o "$(id -un)@$i" true >/dev/null 2>&1 & done; wait
	t0=$(date +%s%N)
	for i in $(cut -d: -f1 "$S/hosts.txt"); do ssh $o "$(id -un)@$i" true >/dev/null 2>&1 & done; wait
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "  reference: ssh ControlMaster steady round, 64 hosts: $ms ms wall (exec cost is the remote shell's start-up)"
	for i in $(cut -d: -f1 "$S/hosts.txt"); do ssh $o -O exit "$(id -un)@$i" >/dev/null 2>&1; done
	rm -rf "$cm"
	"$lab" ssh-hosts 200 >/dev/null 2>&1 || { echo "== SSH: ssh-hosts 200 failed"; return 0; }
	echo "== SSH: 200 hosts, every session kept"
	"$BUILD"/bench/bench_ssh "$L/drconsole-sshbench.yml" 2 | sed 's/^/  /'
	if [ $started = 1 ]; then "$lab" down >/dev/null 2>&1; fi
}
ssh_bench

echo "== runbook: 20 steps over kept sessions vs plain ssh (target: <= half)"
tests/bench/runbook.sh

echo "== restore of the lab backup: drconsole run vs the same commands by hand (target: overhead <= 5 %)"
DRCONSOLE=$D tests/bench/restore.sh

echo "== console (first frame, idle CPU beside htop)"
DRCONSOLE=$D tests/bench/console.sh

echo "== a state dir of 500 journals: what the console's reader thread reads every 15 s"
DRCONSOLE=$D tests/bench/journals.sh

echo "== AWS pair: 10 RDS instances, 30 recovery-point resources, two regions, on moto + the AWS Backup stand-in"
DRCONSOLE=$D tests/bench/aws.sh

echo "== S3 list page (1000 keys, ListObjectsV2 shape): parse with libxml2 and judge every key"
"$BUILD"/bench/bench_s3_list 200

echo "== console soak: RSS under pgbench load for SOAK_MINUTES (default 60)"
DRCONSOLE=$D tests/bench/soak.sh
