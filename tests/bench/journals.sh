#!/usr/bin/env bash
# make bench: what reading a state dir of many journals costs, the work the
# console's reader thread does every 15 s (failover state, drill history,
# last drill, backup verification). `status --offline --json` reads the
# same journals; it is timed on 500 journals of 42 events (4 MB) against an
# empty state dir, paired by farm-bench when it is installed.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/empty/runs" "$T/many/runs"
chmod 700 "$T/empty" "$T/many" "$T/empty/runs" "$T/many/runs"
python3 - "$T/many/runs" <<'PY'
import json, sys, time
t0 = int(time.time() * 1000) - 400 * 86400000
for i in range(500):
    t = t0 + i * 3600000 * 17
    rid = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t / 1000)) + "-failover"
    ev = [{"event": "run_start", "runbook": "/x/failover.yml", "name": "Fail over", "model": "replicated",
           "mode": "drill" if i % 2 else "live", "user": "op", "t": t}]
    for s in range(20):
        ev.append({"event": "step_start", "step": "s%d" % s, "user": "op", "t": t + s * 1000})
        ev.append({"event": "step_end", "step": "s%d" % s, "ok": True, "exit": 0, "output": "x" * 200,
                   "t": t + s * 1000 + 500})
    ev.append({"event": "run_end", "outcome": "completed", "t": t + 60000})
    with open("%s/%s.journal" % (sys.argv[1], rid), "w") as f:
        f.write("".join(json.dumps(e) + "\n" for e in ev))
PY
for d in empty many; do
	sed -e "s#^state_dir:.*#state_dir: $T/$d#" -e "s#env_dir: envs#env_dir: $PWD/tests/fixtures/envs#g" \
		tests/fixtures/drconsole.yml > "$T/$d.yml"
done
echo "  $(ls "$T/many/runs" | wc -l) journals, $(du -sh "$T/many/runs" | cut -f1)"
if command -v farm-bench >/dev/null 2>&1; then
	farm-bench -n 10 --vs "$D -c $T/empty.yml status --offline --json" -- \
		"$D" -c "$T/many.yml" status --offline --json 2>&1 | grep -E '^(A|B) wall|A/B wall'
else
	for d in empty many; do
		s=$(date +%s%N); for _ in $(seq 10); do "$D" -c "$T/$d.yml" status --offline --json >/dev/null; done
		echo "  $d: $(( ($(date +%s%N) - s) / 10000000 )) ms per run (mean of 10)"
	done
fi
