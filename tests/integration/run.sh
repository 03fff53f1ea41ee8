#!/usr/bin/env bash
# Integration harness: bring the lab up once, run every tests/integration/*.test.sh
# and every $BUILD/tests/itest_* (cmocka) binary with the lab's variables
# exported, then take the lab down. LAB_KEEP=1 keeps a running lab (and leaves
# it running). Prints PASS:/FAIL:/SKIP: lines.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build/release}
LAB=$ROOT/tests/lab/lab.sh
started=0
out=""

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: integration (the lab needs root)"
	exit 0
fi
if [ "${LAB_KEEP:-0}" = 1 ] && "$LAB" status >/dev/null 2>&1; then
	:
else
	if ! out=$("$LAB" up 2>&1); then
		echo "FAIL: lab up"
		printf '%s\n' "$out" | tail -20
		"$LAB" down >/dev/null 2>&1
		exit 0
	fi
	started=1
fi
echo "PASS: lab up ($(printf '%s\n' "$out" | grep -o 'up in [0-9]*s' || echo "already running"))"
set -a
. "$ROOT/build/lab/lab.env"
set +a
export PGPASSFILE=$LAB_PGPASSFILE LAB_SH=$LAB DRCONSOLE=${DRCONSOLE:-$ROOT/drconsole}

for t in tests/integration/*.test.sh; do
	[ -x "$t" ] || continue
	timeout 600 "$t" 2>&1
	rc=$?
	[ $rc = 0 ] || echo "FAIL: $(basename "$t") exited $rc"
done
for b in "$BUILD"/tests/itest_*; do
	[ -x "$b" ] || continue
	case "$b" in *.d|*.o) continue ;; esac
	name=$(basename "$b")
	out=$(timeout 600 "$b" 2>&1); rc=$?
	printf '%s\n' "$out" | sed -n 's/^\[       OK \] \(.*\)/PASS: '"$name"' \1/p; s/^\[  FAILED  \] \([a-z_][a-z0-9_]*\)$/FAIL: '"$name"' \1/p; s/^\[  SKIPPED \] \([a-z_][a-z0-9_]*\)$/SKIP: '"$name"' \1/p'
	if [ "$rc" -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^\[  FAILED  \]'; then
		echo "FAIL: $name (exit $rc)"
		printf '%s\n' "$out" | tail -20
	elif printf '%s\n' "$out" | grep -q '^\[  FAILED  \]'; then
		printf '%s\n' "$out" | grep -E 'error|Failure' | head -10
	fi
done

if [ $started = 1 ] && [ "${LAB_KEEP:-0}" != 1 ]; then
	pids=$(cat "$ROOT"/build/lab/run/*.pid 2>/dev/null)
	"$LAB" down >/dev/null 2>&1
	left=""
	for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	cl=drlab${LAB_NET:-}_
	[ "${LAB_NET:-0}" = 0 ] && cl=drlab_
	if [ -z "$left" ] && ! pg_lsclusters -h 2>/dev/null | grep -q "$cl"; then
		echo "PASS: lab down leaves no process and no cluster behind"
	else
		echo "FAIL: lab down left processes:$left $(pg_lsclusters -h 2>/dev/null | grep "$cl")"
	fi
fi
