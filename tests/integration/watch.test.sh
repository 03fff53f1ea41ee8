#!/usr/bin/env bash
# `drconsole watch` on the lab: a second terminal follows a drill run in
# line mode step by step from its journal, read-only (it works with
# --read-only), and stops when the run ends.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/watch-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
ok() { echo "PASS: watch $1"; }
ko() { echo "FAIL: watch $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -14 | sed 's/^/    /'; }
cleanup() { rm -rf "$T" "$T".yml; }
trap cleanup EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG" > "$CFG"
cat > "$T/rb.yml" <<EOF
name: Watched drill
model: replicated
steps:
  - id: first
    on: secondary:control
    run: "sleep 1"
  - id: second
    on: secondary:control
    run: "sleep 1"
    destructive: true
  - id: third
    on: secondary:control
    run: "true"
EOF

out=$("$D" -c "$CFG" watch 2>&1); rc=$?
[ $rc = 1 ] && printf '%s' "$out" | grep -q 'no unfinished run' && ok "without a run in progress: exit 1, says so" ||
	ko "no run (rc=$rc)" "$out"

"$D" -c "$CFG" run "$T/rb.yml" --drill --yes > "$T/run.out" 2>&1 </dev/null &
runpid=$!
for _ in $(seq 100); do ls "$T"/state/runs/*.journal >/dev/null 2>&1 && break; sleep 0.1; done
start=$(date +%s)
out=$(timeout 60 "$D" -c "$CFG" --read-only watch 2>&1); rc=$?
took=$(( $(date +%s) - start ))
wait $runpid; runrc=$?
if [ $rc = 0 ] && [ $runrc = 0 ] && printf '%s\n' "$out" | python3 -c '
import re, sys
lines = [l.rstrip("\n") for l in sys.stdin]
body = [re.sub(r"^\d\d:\d\d:\d\dZ  ", "", l) for l in lines[1:]]
want = ["step first started", "step first done", "step second started", "step second done",
        "step third started", "step third done", "run ended: completed"]
got = [b for b in body if any(b.startswith(w) for w in want)]
assert [next(w for w in want if g.startswith(w)) for g in got] == want, body
assert lines[0].startswith("Watching run "), lines[0]
'; then
	ok "a second terminal (read-only) follows the drill step by step and stops at its end (${took}s)"
else
	ko "following the drill (watch rc=$rc run rc=$runrc)" "$out
$(cat "$T/run.out")"
fi
id=$(ls "$T"/state/runs/ | sed -n 's/\.journal$//p' | head -1)
out=$(timeout 10 "$D" -c "$CFG" watch "$id" 2>&1); rc=$?
[ $rc = 0 ] && printf '%s' "$out" | grep -q 'run ended: completed' && ok "watch RUN replays a finished run and exits" ||
	ko "watch RUN (rc=$rc)" "$out"
out=$("$D" -c "$CFG" watch ../../etc/passwd 2>&1); rc=$?
[ $rc = 2 ] && ok "a RUN that is a path is refused" || ko "path as RUN (rc=$rc)" "$out"
