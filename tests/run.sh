#!/usr/bin/env bash
# Test runner: unit (cmocka binaries), integration (the lab), e2e (tmux).
# Every suite reports "PASS: name", "FAIL: name" or "SKIP: name (why)" lines,
# or cmocka's own summary; this script adds them up and ends with one line
# "N passed, N failed, N skipped". Exit status 1 when anything failed or
# when nothing ran at all.
#   tests/run.sh all | unit | compat | cli | layers | integration | e2e
# Under ThreadSanitizer (SANITIZE=thread, or BUILD=build/tsan) `all` runs
# the suites where threads run (unit, integration, e2e), and every report a
# process writes fails the suite it came from.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
SANITIZE=${SANITIZE:-}
case $BUILD in */tsan) SANITIZE=thread ;; esac
export BUILD SANITIZE DRCONSOLE=${DRCONSOLE:-$PWD/drconsole}
passed=0 failed=0 skipped=0
failures=()
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"

if [ "$SANITIZE" = thread ]; then
	# Each process writes its reports to a file of its own (report.PID),
	# not to a stderr that a test may discard or compare; tsan_reports
	# turns them into FAIL lines. Library-internal reports are suppressed
	# in tests/tsan.supp, each entry with its reason.
	tsan_dir=$PWD/$log_dir/tsan
	case $log_dir in /*) tsan_dir=$log_dir/tsan ;; esac
	if [ -z "${DRC_TSAN_REEXEC:-}" ]; then
		rm -rf "$tsan_dir"
	fi
	mkdir -p "$tsan_dir"
	export TSAN_OPTIONS="log_path=$tsan_dir/report suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1 exitcode=66 ${TSAN_OPTIONS:-}"
	# the instrumented binary is slower: tests that bound wall-clock time
	# beyond a timeout stretch the slack by this factor
	export DRC_TIME_SCALE=${DRC_TIME_SCALE:-3}
	# TSan's fixed shadow layout cannot cope with the mmap randomisation
	# of some kernels (vm.mmap_rnd_bits 32): it stops with "unexpected
	# memory mapping". Then run everything without address randomisation.
	if [ -z "${DRC_TSAN_REEXEC:-}" ] &&
	   TSAN_OPTIONS= "$DRCONSOLE" --version 2>&1 | grep -q "FATAL: ThreadSanitizer"; then
		if setarch "$(uname -m)" -R true 2>/dev/null; then
			echo "(ThreadSanitizer cannot start with this kernel's mmap randomisation: running under setarch -R)"
			DRC_TSAN_REEXEC=1 exec setarch "$(uname -m)" -R "$PWD/tests/run.sh" "$@"
		fi
		echo "FAIL: ThreadSanitizer cannot start (vm.mmap_rnd_bits $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null)) and setarch -R is refused: sysctl vm.mmap_rnd_bits=28"
		exit 1
	fi
fi

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
	local t0=$SECONDS
	echo "== unit"
	local b found=0
	for b in "$BUILD"/tests/test_*; do
		[ -x "$b" ] || continue
		case "$b" in *.d|*.o) continue ;; esac
		found=1
		run_cmocka "$b"
	done
	[ $found = 1 ] || echo "(no unit test binaries in $BUILD/tests)"
	count_lines unit < <(tsan_reports unit)
	echo "(== unit: $((SECONDS - t0)) s)"
}

# Under TSan: every report file written since the last call is one FAIL
# line of suite $1, with the SUMMARY line of each of its reports.
tsan_reports() {
	local f n
	[ "$SANITIZE" = thread ] || return 0
	for f in "$tsan_dir"/report.*; do
		[ -e "$f" ] || continue
		case ${f##*/report.} in *.*) continue ;; esac	# counted by an earlier suite
		n=$(grep -c '^WARNING: ThreadSanitizer' "$f")
		echo "FAIL: $1: ThreadSanitizer: $n report(s) in ${f##*/} (see $f.$1)"
		grep '^SUMMARY: ThreadSanitizer' "$f" | sort | uniq -c | sed 's/^/    /' | head -20
		mv "$f" "$f.$1"
	done
}

suite_script() {	# $1 = suite name, $2 = script
	local t0=$SECONDS
	echo "== $1"
	if [ ! -x "$2" ]; then
		echo "(no $1 suite yet: $2)"
		return
	fi
	count_lines "$1" < <("$2" 2>&1)
	count_lines "$1" < <(tsan_reports "$1")
	echo "(== $1: $((SECONDS - t0)) s)"
}

case "${1:-all}" in
unit) suite_unit ;;
compat) suite_script compat tests/compat/run.sh ;;
cli) suite_script cli tests/cli/run.sh ;;
layers) suite_script layers tests/layers.py ;;
integration) suite_script integration tests/integration/run.sh ;;
e2e) suite_script e2e tests/e2e/run.sh ;;
all)
	if [ "$SANITIZE" = thread ]; then
		# e2e drives the same threads as integration, through tmux; it
		# runs under TSan only when asked (TSAN_E2E=1), which keeps CI's
		# three passes within its time budget
		echo "(ThreadSanitizer: the suites where threads run: unit, integration${TSAN_E2E:+, e2e})"
		suite_unit
		suite_script integration tests/integration/run.sh
		[ -z "${TSAN_E2E:-}" ] || suite_script e2e tests/e2e/run.sh
	else
		suite_unit
		suite_script compat tests/compat/run.sh
		suite_script cli tests/cli/run.sh
		suite_script layers tests/layers.py
		suite_script integration tests/integration/run.sh
		suite_script e2e tests/e2e/run.sh
	fi
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
