#!/usr/bin/env bash
# Step titles are shown rendered wherever a step is named: line mode, the
# INTERRUPTED prompt of a resumed run (after kill -9 mid-step) and the
# report; never the raw template ({{ secondary.env }}).
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/titles-test.XXXXXX")
CFG=$T.yml
ok() { echo "PASS: step titles $1"; }
ko() { echo "FAIL: step titles $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -12 | sed 's/^/    /'; }
cleanup() { rm -rf "$T" "$T".yml "$LAB_DIR/locks"; }
trap cleanup EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	"$LAB_CONFIG" > "$CFG"
printf '%s\n' "name: titled" "model: replicated" "steps:" "  - id: nap" \
	"    title: Nap on {{ secondary.env }} ({{ secondary.deploy_env }})" \
	"    on: secondary:control" "    run: echo started >> $T/nap.count; sleep 4" > "$T/titled.yml"
"$D" -c "$CFG" run "$T/titled.yml" --drill --yes </dev/null > "$T/first.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$T/nap.count" ] && break; sleep 0.1; done
sleep 0.3
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
sleep 5	# the orphaned remote sleep ends
if grep -q "Step 1/1 nap: Nap on backup-labprod (backup-labprod)" "$T/first.out"; then
	ok "line mode shows the rendered title"
else
	ko "line mode" "$(cat "$T/first.out")"
fi
out=$(printf '2\n1\n' | "$D" -c "$CFG" run "$T/titled.yml" --drill 2>&1)	# resume, then stop
if printf '%s' "$out" | grep -qF "Step nap (Nap on backup-labprod (backup-labprod)) was INTERRUPTED" &&
   ! printf '%s' "$out" | grep -qF "{{"; then
	ok "the INTERRUPTED prompt shows the rendered title"
else
	ko "INTERRUPTED prompt" "$out"
fi
run=$(ls "$T"/state/runs/ 2>/dev/null | sed -n 's/\.journal$//p' | head -1)
rep=$("$D" -c "$CFG" report "$run" 2>&1)
if printf '%s' "$rep" | grep -qF "| Nap on backup-labprod (backup-labprod) |" && ! printf '%s' "$rep" | grep -qF "{{"; then
	ok "the report shows the rendered title"
else
	ko "report" "$rep"
fi
