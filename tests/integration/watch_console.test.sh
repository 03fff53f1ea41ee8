#!/usr/bin/env bash
# A second console on the same state dir follows a lab drill step by step
# (tmux): W opens the read-only checklist of the run in progress, each step
# turns RUNNING then done as the drill's journal says, and the end shows.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
. tests/e2e/lib.sh
e2e_start "watch console"
ok() { echo "PASS: watch console $1"; }
ko() { echo "FAIL: watch console $1"; screen 2>/dev/null | sed 's/^/    | /' | head -30; }
T=$(mktemp -d "$LAB_DIR/watchc-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
runpid=""
cleanup_watch() { [ -n "$runpid" ] && kill "$runpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T" "$T".yml; }
trap 'cleanup_watch; e2e_cleanup' EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG" > "$CFG"
# Each step waits for a gate file the test creates once it has seen the
# step RUNNING, so a console slow to start (a loaded machine, a sanitizer
# build) still sees every step as it happens; a step gives up after 120 s.
gate() { echo "i=0; while [ ! -e '$T/go-$1' ] && [ \$i -lt 600 ]; do sleep 0.2; i=\$((i+1)); done; [ -e '$T/go-$1' ]"; }
cat > "$T/rb.yml" <<EOF
name: Watched drill
model: replicated
steps:
  - id: first-step
    on: secondary:control
    run: "$(gate 1)"
  - id: second-step
    on: secondary:control
    run: "$(gate 2)"
    destructive: true
  - id: third-step
    on: secondary:control
    run: "$(gate 3)"
EOF

"$D" -c "$CFG" run "$T/rb.yml" --drill --yes > "$T/run.out" 2>&1 </dev/null &
runpid=$!
for _ in $(seq 100); do ls "$T"/state/runs/*.journal >/dev/null 2>&1 && break; sleep 0.1; done
start 200 40 "$D -c $CFG --read-only --log $T/console.log"
wait_for "SECONDARY backup-labprod" 30 >/dev/null
keys W
if wait_for "WATCHING" 10 && wait_re "RUNNING +first-step" 15; then
	ok "W: the read-only checklist of the drill in progress, its first step RUNNING"
else
	ko "first step running"
fi
touch "$T/go-1"
if wait_re "done +first-step" 15 && wait_re "RUNNING +second-step \(destructive\)" 15; then
	ok "the first step done, the second (destructive) RUNNING, as the journal says"
else
	ko "second step"
fi
touch "$T/go-2"
wait_re "RUNNING +third-step" 15 >/dev/null
touch "$T/go-3"
if wait_re "done +third-step" 15 && wait_for "the run has ended" 3 && wait_re "run ended: completed" 3; then
	ok "the last step done and the end of the run shown"
else
	ko "end of the run"
fi
wait "$runpid"; rc=$?; runpid=""
[ $rc = 0 ] && ok "the watched drill completed (exit 0): watching did not disturb it" || ko "drill exit $rc"
keys Escape
wait_for "SECONDARY backup-labprod" 3 >/dev/null && ! screen | grep -q WATCHING && ok "Esc closes the view" || ko "Esc"
