#!/usr/bin/env bash
# Test runner: unit (cmocka binaries), integration (the lab), e2e (tmux).
# Every suite reports "PASS: name", "FAIL: name" or "SKIP: name (why)" lines,
# or cmocka's own summary; this script adds them up and ends with one line
# "N passed, N failed, N skipped". Exit status 1 when anything failed or
# when nothing ran at all.
#   tests/run.sh all | unit | compat | cli | layers | integration | e2e
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
export BUILD DRCONSOLE=${DRCONSOLE:-$PWD/drconsole}
passed=0 failed=0 skipped=0
failures=()
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"

count_lines() {	# $1 = suite name, stdin = suite output
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		PASS:*) passed=$((passed + 1)) ;;
		FAIL:*) failed=$((failed + 1)); failures+=("$1 ${line#FAIL: }") ;;
		SKIP:*) skipped=$((skipped + 1)) ;;
		esac
	done
}

run_cmocka() {	# $1 = binary; parses cmocka's summary lines
	local bin=$1 name out rc p f
	name=$(basename "$bin")
	out=$(timeout 300 "$bin" 2>&1); rc=$?
	printf '%s\n' "$out" >"$log_dir/$name.log"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed or exited early: count the whole binary as one failure
		f=1
		failures+=("$name (exit $rc, see $log_dir/$name.log)")
		printf '%s\n' "$out" | tail -20
	fi
	printf '%s\n' "$out" | grep -E '^\[  (FAILED|  ERROR  ) \]|^\[  ERROR   \]' | sed "s/^/$name: /"
	while IFS= read -r t; do failures+=("$name $t"); done < <(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([a-z_][a-z0-9_]*\)$/\1/p')
	printf '%-28s %3d passed, %d failed\n' "$name" "$p" "$f"
	passed=$((passed + p)); failed=$((failed + f))
}

suite_unit() {
	echo "== unit"
	local b found=0
	for b in "$BUILD"/tests/test_*; do
		[ -x "$b" ] || continue
		case "$b" in *.d|*.o) continue ;; esac
		found=1
		run_cmocka "$b"
	done
	[ $found = 1 ] || echo "(no unit test binaries in $BUILD/tests)"
}

suite_script() {	# $1 = suite name, $2 = script
	echo "== $1"
	if [ ! -x "$2" ]; then
		echo "(no $1 suite yet: $2)"
		return
	fi
	count_lines "$1" < <("$2" 2>&1)
}

case "${1:-all}" in
unit) suite_unit ;;
compat) suite_script compat tests/compat/run.sh ;;
cli) suite_script cli tests/cli/run.sh ;;
layers) suite_script layers tests/layers.py ;;
integration) suite_script integration tests/integration/run.sh ;;
e2e) suite_script e2e tests/e2e/run.sh ;;
all)
	suite_unit
	suite_script compat tests/compat/run.sh
	suite_script cli tests/cli/run.sh
	suite_script layers tests/layers.py
	suite_script integration tests/integration/run.sh
	suite_script e2e tests/e2e/run.sh
	;;
*) echo "usage: $0 all|unit|compat|cli|layers|integration|e2e" >&2; exit 2 ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
