#!/usr/bin/env bash
# The journal and the audit log under faults, in line mode (`drconsole run`)
# on the lab: kill -9 during the preflight (the resume still needs
# 'override' for a NO-GO), a torn last journal line cut off on resume, a
# runbook edited between a crash and its resume (the journal's copy
# governs; the report outlives the file), a full audit log (EFBIG) stops the
# run, and `report -o` never leaves a part-written file.
set -u
D=$DRCONSOLE
T=$(mktemp -d "$LAB_DIR/journal-test.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths (env dirs, keys) still resolve
ok() { echo "PASS: journal $1"; }
ko() { echo "FAIL: journal $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -12 | sed 's/^/    /'; }
jev() { grep -F "\"event\":\"$2\"" "$1" 2>/dev/null | grep -F "\"step\":\"$3\""; }	# journal, event, step
journal_of() { ls -t "$T"/state/runs/*-"$1".journal "$T"/state/runs/*-"$1"-[0-9]*.journal 2>/dev/null | head -1; }
json_lines() { python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$1" 2>&1; }
cleanup() { rm -rf "$T" "$T".*yml; }
trap cleanup EXIT

sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^  connect_timeout: .*#  connect_timeout: 10s#" \
	"$LAB_CONFIG" > "$CFG"

mkrb() {	# file, then steps YAML on stdin
	{ printf 'name: %s\nmodel: replicated\nsteps:\n' "$(basename "$1" .yml)"; cat; } > "$1"
}
wait_gone() { for _ in $(seq 100); do pgrep -f "$1" >/dev/null || return 0; sleep 0.1; done; }

# ---- kill -9 during the preflight; a torn last line; the resume needs 'override' ----
mkrb "$T/pre.yml" <<EOF
  - id: slow-check
    on: secondary:control
    check: { command: "sleep 2.37; false" }
  - id: act
    on: secondary:control
    run: touch $T/pre-acted
EOF
"$D" -c "$CFG" run "$T/pre.yml" --drill --yes > "$T/pre.out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do pgrep -f "sleep 2.37" >/dev/null && break; sleep 0.1; done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
wait_gone "sleep 2.37"
j=$(journal_of pre)
printf '{"event":"override","user":"ghost","rea' >> "$j"	# died inside write()
out=$(printf '2\n3\ny\n' | "$D" -c "$CFG" run "$T/pre.yml" --drill 2>&1); rc=$?	# resume; "3" is not 'override'
bad=$(json_lines "$j")
if [ $rc = 1 ] && [ ! -e "$T/pre-acted" ] && printf '%s' "$out" | grep -q "preflight again" &&
   printf '%s' "$out" | grep -q "NO-GO  *slow-check" && printf '%s' "$out" | grep -q "Not overridden" &&
   [ -z "$bad" ] && ! grep -q '"user":"ghost"' "$j" && ! grep -q '"event":"override"' "$j" &&
   grep -q '"event":"run_end".*"outcome":"no-go"' "$j"; then
	ok "kill -9 during the preflight: the resume runs the board again and a NO-GO stops without 'override'"
else
	ko "preflight crash" "rc=$rc bad=$bad $out"
fi
if grep -n '"event":"torn_line_removed"' "$j" | grep -q '"bytes":39' &&
   [ "$(grep -n '"event":"torn_line_removed"' "$j" | cut -d: -f1)" -lt "$(grep -n '"event":"resume"' "$j" | cut -d: -f1)" ]; then
	ok "a torn last line is cut off on resume and recorded before the resume event"
else
	ko "torn line" "$(cat "$j")"
fi
"$D" -c "$CFG" report "$(basename "$j" .journal)" 2>&1 | grep -q "incomplete last line (39 bytes" \
	&& ok "the report mentions the cut line" || ko "report of the cut line"

# ---- the runbook is edited between a crash and the resume: the journal's copy governs ----
mkrb "$T/ren.yml" <<EOF
  - id: first
    on: secondary:control
    run: echo one >> $T/ren-first.count
  - id: nap
    on: secondary:control
    run: echo start >> $T/ren-nap.count; sleep 3.71
  - id: last
    on: secondary:control
    run: echo last >> $T/ren-last.count
EOF
"$D" -c "$CFG" run "$T/ren.yml" --drill --yes > "$T/ren.out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do [ -s "$T/ren-nap.count" ] && break; sleep 0.1; done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
wait_gone "sleep 3.71"
j=$(journal_of ren)
sed -i -e 's/- id: first$/- id: first-renamed/' -e 's/echo one/echo renamed/' "$T/ren.yml"
out=$(printf '2\n4\ny\n' | "$D" -c "$CFG" run "$T/ren.yml" --drill 2>&1); rc=$?	# resume, skip nap, confirm last
if [ $rc = 0 ] && [ "$(cat "$T/ren-first.count")" = one ] && [ "$(wc -l < "$T/ren-nap.count")" = 1 ] &&
   [ -s "$T/ren-last.count" ] && printf '%s' "$out" | grep -q "changed since this run started" &&
   printf '%s' "$out" | grep -q "done  *first$" && ! printf '%s' "$out" | grep -q "first-renamed" &&
   grep -q '"runbook_sha256":"[0-9a-f]\{64\}"' "$j" && jev "$j" step_start last | grep -q '"command":"echo last'; then
	ok "a step renamed between the crash and the resume is not run again (the journal's copy governs)"
else
	ko "changed runbook on resume" "rc=$rc $(cat "$T/ren-first.count") $out"
fi
run=$(basename "$j" .journal)
rep1=$("$D" -c "$CFG" report "$run" 2>&1)
rm -f "$T/ren.yml"
rep2=$("$D" -c "$CFG" report "$run" 2>&1); rc=$?
if [ $rc = 0 ] && [ "$rep1" = "$rep2" ] && printf '%s' "$rep2" | grep -q "^| 1 | first | done |" &&
   printf '%s' "$rep2" | grep -q "sha256 \`[0-9a-f]\{16\}\`, as run"; then
	ok "the report comes from the journal's copy: the same after an edit, and after the file is deleted"
else
	ko "report without the runbook file" "rc=$rc $rep2"
fi

# ---- report -o: atomic (a failed write leaves the old file whole, no temporary behind) ----
printf 'OLD REPORT\n' > "$T/rep.md"
# (stderr through a pipe: the file size limit applies to a file it is redirected to)
(trap '' XFSZ; ulimit -f 0; exec "$D" -c "$CFG" report "$run" -o "$T/rep.md") 2>&1 >/dev/null | cat > "$T/rep.err"
rc=${PIPESTATUS[0]}
if [ $rc != 0 ] && [ "$(cat "$T/rep.md")" = "OLD REPORT" ] && [ -z "$(ls -A "$T" | grep '^\.rep\.md\.')" ] &&
   grep -q "File too large" "$T/rep.err"; then
	ok "report -o that cannot be written leaves the old file whole and no temporary file"
else
	ko "report -o atomic" "rc=$rc $(cat "$T/rep.md" "$T/rep.err")"
fi
"$D" -c "$CFG" report "$run" -o "$T/rep.md" >/dev/null 2>&1; rc=$?
[ $rc = 0 ] && [ "$(cat "$T/rep.md")" = "$rep2" ] && ok "report -o replaces the file with the report" \
	|| ko "report -o" "rc=$rc $(head -3 "$T/rep.md")"

# ---- the audit log cannot be written (EFBIG): the run stops like a journal failure ----
mkrb "$T/aud.yml" <<EOF
  - id: one
    on: secondary:control
    run: echo 1 >> $T/aud.count
  - id: two
    on: secondary:control
    run: echo 2 >> $T/aud.count
  - id: three
    on: secondary:control
    run: echo 3 >> $T/aud.count
EOF
A=$T/state/audit.log
size=$(stat -c %s "$A")
blocks=$(( size / 1024 + 2 ))
room=700	# the lock and run_start records fit, a step's records do not all fit
python3 -c 'import sys; n=int(sys.argv[2]); open(sys.argv[1],"a").write("#" * (n - 1) + "\n")' "$A" $(( blocks * 1024 - room - size ))
out=$( (trap '' XFSZ; ulimit -f $blocks; exec "$D" -c "$CFG" run "$T/aud.yml" --drill --yes) 2>&1 </dev/null); rc=$?
j=$(journal_of aud)
n=$(cat "$T/aud.count" 2>/dev/null | wc -l)
if [ $rc = 1 ] && [ "$n" -lt 3 ] && printf '%s' "$out" | grep -q "audit log: .*File too large: stopping" &&
   grep -q '"event":"audit_failed"' "$j" && ! grep -q '"event":"run_end"' "$j" &&
   [ ! -d "$LAB_DIR/locks/drconsole-backup-labprod.lock" ] && [ -z "$(json_lines "$j")" ]; then
	ok "a failed audit write stops the run ($n of 3 steps ran; journaled; the run stays open; lock released)"
else
	ko "audit EFBIG" "rc=$rc n=$n $out"
fi
last=$(tail -c 1 "$A" | od -An -c | tr -d ' ')
[ "$last" = '\n' ] && ok "the failed audit record left no fragment in audit.log" || ko "audit fragment" "$(tail -c 200 "$A")"
