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
echo "== S3 list page (1000 keys, ListObjectsV2 shape): parse with libxml2 and judge every key"
"$BUILD"/bench/bench_s3_list 200
