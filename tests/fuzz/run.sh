#!/usr/bin/env bash
# Run each libFuzzer target for FUZZ_SECONDS on its seed corpus
# (tests/fuzz/corpus/<name>/); new inputs go to build/fuzz/corpus/<name>/.
# Crashes are saved under build/fuzz/crashes/ and fail the run.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
rc=0
for bin in "$@"; do
	name=$(basename "$bin"); name=${name#fuzz_}
	seeds=tests/fuzz/corpus/$name
	work=build/fuzz/corpus/$name
	mkdir -p "$work" build/fuzz/crashes
	echo "== fuzz $name for ${secs}s"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/crashes/"$name"- "$work" ${seeds:+$( [ -d "$seeds" ] && echo "$seeds")} \
		>build/fuzz/"$name".log 2>&1; then
		tail -1 build/fuzz/"$name".log
		echo "PASS: fuzz_$name"
	else
		tail -30 build/fuzz/"$name".log
		echo "FAIL: fuzz_$name"
		rc=1
	fi
done
exit $rc
