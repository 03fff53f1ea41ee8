#!/usr/bin/env bash
# Integration harness: bring the lab up, run every tests/integration/*.test.sh
# and every $BUILD/tests/itest_* (cmocka) binary with the lab's variables
# exported, then take the lab down. Prints PASS:/FAIL:/SKIP: lines.
#
# The tests mostly wait on the lab (promotes, rebuilds, timeouts), so they
# run in INTEGRATION_SHARDS shards (default 2 on a machine with two cores
# or more, else 1), each with a lab of its own: shard k on loopback network
# LAB_NET + 3k, in build/lab (shard 0) or build/lab-sK. Tests are dealt to
# the shards by their usual duration (the longest first, each to the
# shard with the least work so far). A shard's output is printed whole,
# shard 0 as it runs, the others when they end.
#
# LAB_KEEP=1 keeps a running lab (and leaves it running); it implies one shard.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build/release}
LAB=$ROOT/tests/lab/lab.sh
BASE_NET=${LAB_NET:-0}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: integration (the lab needs root)"
	exit 0
fi

shards=${INTEGRATION_SHARDS:-}
if [ -z "$shards" ]; then
	shards=1
	[ "$(nproc 2>/dev/null || echo 1)" -ge 2 ] && shards=2
fi
[ "${LAB_KEEP:-0}" = 1 ] && shards=1
case $shards in [1-9]) ;; *) echo "FAIL: INTEGRATION_SHARDS must be 1..9 (is '$shards')"; exit 0 ;; esac
while [ $((BASE_NET + 3 * (shards - 1))) -gt 9 ]; do shards=$((shards - 1)); done

# seconds each test usually takes (release build, 2 cores); others count 5
weight() {
	case $1 in
	runbook) echo 80 ;; s3) echo 50 ;; rpo_cut) echo 43 ;; failback) echo 37 ;;
	commit) echo 28 ;; aws|restore|lock|kill|restore_aws|couch) echo 24 ;;
	ssh_status|console_run) echo 21 ;; undone) echo 18 ;; status|console) echo 14 ;;
	verify_backup|journal) echo 12 ;; quiet_standby|lab) echo 10 ;; watch_console) echo 9 ;;
	hostkey_revoked|approve) echo 8 ;; *) echo 5 ;;
	esac
}

# deal the tests to the shards: list_K holds shard K's tests in run order
declare -a load lists
for ((k = 0; k < shards; k++)); do load[k]=0; lists[k]=""; done
while read -r w t; do
	best=0
	for ((k = 1; k < shards; k++)); do [ "${load[k]}" -lt "${load[best]}" ] && best=$k; done
	load[best]=$((load[best] + w))
	lists[best]="${lists[best]} $t"
done < <(for t in tests/integration/*.test.sh; do
		[ -x "$t" ] || continue
		n=$(basename "$t" .test.sh)
		echo "$(weight "$n") $t"
	done | sort -k1,1nr -k2,2)

run_shard() {	# $1 = shard number, $2 = its tests; runs the itest binaries in shard 0
	local k=$1 tests=$2 started=0 out="" t t0 rc b name pids left cl
	export LAB_NET=$((BASE_NET + 3 * k))
	if [ "$k" = 0 ]; then export LAB_DIR=$ROOT/build/lab; else export LAB_DIR=$ROOT/build/lab-s$k; fi
	local tag=""
	[ "$shards" = 1 ] || tag=" (shard $k, LAB_NET=$LAB_NET)"
	if [ "${LAB_KEEP:-0}" = 1 ] && "$LAB" status >/dev/null 2>&1; then
		:
	else
		if ! out=$("$LAB" up 2>&1); then
			echo "FAIL: lab up$tag"
			printf '%s\n' "$out" | tail -20
			"$LAB" down >/dev/null 2>&1
			return 0
		fi
		started=1
	fi
	echo "PASS: lab up$tag ($(printf '%s\n' "$out" | grep -o 'up in [0-9]*s' || echo "already running"))"
	set -a
	. "$LAB_DIR/lab.env"
	set +a
	export PGPASSFILE=$LAB_PGPASSFILE LAB_SH=$LAB DRCONSOLE=${DRCONSOLE:-$ROOT/drconsole}

	for t in $tests; do
		t0=$SECONDS
		timeout 600 "$t" 2>&1
		rc=$?
		[ $rc = 0 ] || echo "FAIL: $(basename "$t") exited $rc"
		echo "($(basename "$t"): $((SECONDS - t0)) s)"
	done
	if [ "$k" = 0 ]; then
		for b in "$BUILD"/tests/itest_*; do
			[ -x "$b" ] || continue
			case "$b" in *.d|*.o) continue ;; esac
			name=$(basename "$b")
			out=$(timeout 600 "$b" 2>&1); rc=$?
			# cmocka names a failed test twice (where it fails, and in the summary): count it once
			printf '%s\n' "$out" | sed -n 's/^\[       OK \] \(.*\)/PASS: '"$name"' \1/p; s/^\[  FAILED  \] \([a-z_][a-z0-9_]*\)$/FAIL: '"$name"' \1/p; s/^\[  SKIPPED \] \([a-z_][a-z0-9_]*\)$/SKIP: '"$name"' \1/p' | awk '!seen[$0]++'
			if [ "$rc" -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^\[  FAILED  \]'; then
				echo "FAIL: $name (exit $rc)"
				printf '%s\n' "$out" | tail -20
			elif printf '%s\n' "$out" | grep -q '^\[  FAILED  \]'; then
				printf '%s\n' "$out" | grep -E 'error|Failure' | head -10
			fi
		done
	fi

	if [ $started = 1 ] && [ "${LAB_KEEP:-0}" != 1 ]; then
		pids=$(cat "$LAB_DIR"/run/*.pid 2>/dev/null)
		"$LAB" down >/dev/null 2>&1
		left=""
		for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
		cl=drlab${LAB_NET}_
		[ "$LAB_NET" = 0 ] && cl=drlab_
		if [ -z "$left" ] && ! pg_lsclusters -h 2>/dev/null | grep -q "$cl"; then
			echo "PASS: lab down leaves no process and no cluster behind$tag"
		else
			echo "FAIL: lab down left processes:$left $(pg_lsclusters -h 2>/dev/null | grep "$cl")$tag"
		fi
	fi
}

# the lab's npm packages once, before the shards' labs start side by side
[ "$shards" = 1 ] || "$LAB" deps >/dev/null 2>&1 || true
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
bg=()
for ((k = 1; k < shards; k++)); do
	( run_shard "$k" "${lists[k]}" ) >"$logs/shard$k" 2>&1 &
	bg+=($!)
done
( run_shard 0 "${lists[0]}" )
for ((k = 1; k < shards; k++)); do
	wait "${bg[k - 1]}"
	echo "== shard $k (LAB_NET=$((BASE_NET + 3 * k))):"
	cat "$logs/shard$k"
done
