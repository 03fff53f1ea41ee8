#!/usr/bin/env bash
# Runbooks from the console, against the lab, in tmux: F opens the picker,
# a run's checklist shows step states and live output; escape sequences a
# remote command prints do not reach the terminal; kill -9 of the console
# mid-step, then a new console offers to resume and the interrupted step
# waits for a decision (it is not re-run); a wrong typed confirmation
# refuses the destructive step and the exact one runs it; a second operator
# cannot take the lock; q asks while a run is active; a dry-run of the lab
# failover from the picker executes nothing; c asks before it cancels the
# running command, which is then killed on its host.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
. tests/e2e/lib.sh
e2e_start "console run"
T=$(mktemp -d "$LAB_DIR/console-run.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
RB=$T/console-test.yml
LABRB=$LAB_DIR/../../runbooks/lab/failover.yml
cleanup() { e2e_cleanup; rm -rf "$T" "$T".*yml "$T.yml" "$LAB_DIR/locks"; }
trap cleanup EXIT
ok() { echo "PASS: console run $1"; }
ko() { echo "FAIL: console run $1"; screen 2>/dev/null | sed 's/^/    | /' | head -50; }
cclogs() { cat "$LAB_DIR"/sites/*/commcare-cloud.log 2>/dev/null | md5sum; }
in_recovery() { psql -X -At -h "$LAB_PG_STANDBY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres -c "select pg_is_in_recovery()" 2>&1; }
marks() { [ -e "$T/mark" ] && wc -l <"$T/mark" || echo 0; }
# answer a question: the console drops keys that arrive within 250 ms of it
answer() { sleep 0.4; keys "$@"; }
# the number of the option whose text contains $1, in the question shown
option_no() { screen | grep -oE "[0-9]\) $1" | head -1 | cut -d')' -f1; }

HUPRB=$T/hangup-test.yml
CANRB=$T/cancel-test.yml
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^runbooks: .*#runbooks: [$RB, $LABRB, $HUPRB, $CANRB]#" \
	-e "s#^  connect_timeout: .*#  connect_timeout: 10s#" "$LAB_CONFIG" >"$CFG"
cat >"$RB" <<EOF
name: Console test
model: replicated
steps:
  - id: esc
    title: Print escape sequences
    on: secondary:control
    run: printf 'before\033[2J\033[H\033]0;pwned\007\033[31mRED\033[0m after\n'
  - id: slow
    title: A slow step
    on: secondary:control
    run: echo x >> $T/mark; sleep 60
  - id: wipe
    title: A destructive step
    on: secondary:control
    run: touch $T/wiped
    destructive: true
EOF
cat >"$HUPRB" <<EOF
name: Hangup test
model: replicated
steps:
  - id: long
    title: A step that outlives the terminal
    on: secondary:control
    run: sleep 3; echo finished >> $T/hup-mark
  - id: after
    title: A step that needs the operator
    on: secondary:control
    run: echo after >> $T/hup-mark
EOF
cat >"$CANRB" <<EOF
name: Cancel test
model: replicated
steps:
  - id: slow
    title: A step to cancel
    on: secondary:control
    run: sleep 47.13
    on_failure: stop
EOF
CON="$D -c $CFG --log $T/console.log"
console_pid() { pgrep -f -- "^$D -c $CFG" | head -1; }

# ---- F: the picker, Enter starts the run in the checklist view
start 160 45 "$CON"
wait_for "SECONDARY backup-labprod" 5
keys F
if wait_for "Failover: choose a runbook" 3 && screen | grep -q "Console test (console-test.yml)" &&
   screen | grep -qE "Mode: +LIVE +runs every command"; then
	ok "F opens the picker with the configured runbooks and the mode (LIVE)"
else
	ko "picker"
fi
keys m
wait_for "DRILL  the same steps" 2 && keys m && wait_for "DRY-RUN  shows every command" 2 && keys m &&
	wait_re "Mode: +LIVE" 2 && ok "m cycles the mode: drill, dry-run, live" || ko "mode cycle"
keys Enter
if wait_for "Run this step?" 15 && wait_re "▌ +LIVE +Console test +0/3 steps .* [0-9TZ]+-console-test$" 2 &&
   screen | grep -qE "\? ASKING +Print escape sequences" && screen | grep -qE "· pending +A slow step"; then
	ok "the checklist: title, mode, steps with their states, the question"
else
	ko "checklist"
fi

# ---- escape sequences printed by the remote command
answer y
if wait_for "esc done" 10 && screen | grep -q "before.*RED.* after" &&
   screen | head -1 | grep -q "^ drconsole  labprod → backup-labprod" &&
   [ "$(tm display -p -t "$E2E_SESSION" '#{pane_title}')" != pwned ] &&
   ! tm capture-pane -p -e -t "$E2E_SESSION" | grep -q $'\e\[31mRED'; then
	ok "a remote command's escape sequences are shown as text: the screen, title and colours are untouched"
else
	ko "escape sequences (title: $(tm display -p -t "$E2E_SESSION" '#{pane_title}'))"
fi

# ---- the lock: a second operator (own state dir) is refused, the holder named
wait_for "Run this step?" 5
sed "s#^state_dir: .*#state_dir: $T/state2#" "$CFG" >"$T.other.yml"
out=$("$D" -c "$T.other.yml" run "$RB" </dev/null 2>&1); rc=$?
if [ $rc != 0 ] && printf '%s' "$out" | grep -qi "lock" && printf '%s' "$out" | grep -q "$(id -un)" && [ "$(marks)" = 0 ]; then
	ok "a second operator cannot take the lock while the console's run holds it (holder named)"
else
	ko "lock" ; printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
fi

# ---- Tab: the dashboard while the question waits; F comes back
answer Tab
if wait_for "the run waits for your answer: F, R or B shows it again" 3 && wait_re "LIVE RUN" 2; then
	keys F
	wait_for "Run this step?" 3 && ok "Tab shows the dashboard while a question waits; F returns to it" \
		|| ko "F back to the run"
else
	ko "Tab to the dashboard"
fi

# ---- q while a run is active asks; n keeps the console (back at the
# question, keys within 250 ms are dropped: answer waits)
answer q
if wait_for "A run is active. Quit anyway? (y/N)" 3; then
	keys n
	wait_gone "Quit anyway" 3 && ! screen | grep -q __EXIT__ && ok "q asks while a run is active; n keeps it" \
		|| ko "quit no"
else
	ko "quit dialog"
fi

# ---- kill -9 mid-step, then resume from a new console
wait_for "Run this step?" 3
answer y
for _ in $(seq 50); do [ "$(marks)" = 1 ] && break; sleep 0.1; done
if wait_re "▶ RUNNING +A slow step +[0-9]" 5; then
	ok "a running step counts up in the checklist"
else
	ko "running step"
fi
pid=$(console_pid)
if [ -z "$pid" ]; then
	ko "kill -9: no console process matches ^$D -c $CFG ($(pgrep -af drconsole | head -3 | tr '\n' ';'))"
else
	kill -9 "$pid"
	wait_for "__EXIT__ 137" 5 || ko "kill -9 of $pid ($(ps -o pid=,stat=,etime=,args= -p "$pid" 2>&1 | cut -c1-120))"
fi
start 160 45 "$CON"
if wait_for "Unfinished runs: resume?" 10 && screen | grep -q "Console test  live  by $(id -un)"; then
	ok "a new console offers the unfinished run"
else
	ko "resume offer"
fi
keys Enter
if wait_for "INTERRUPTED" 15 && wait_re "! INTERRUPTED +A slow step" 5 && [ "$(marks)" = 1 ]; then
	ok "resumed: the interrupted step is shown INTERRUPTED and waits for a decision (not re-run)"
else
	ko "interrupted step (marks $(marks))"
fi
n=$(option_no "skip")
if [ -n "$n" ]; then
	answer "$n" Enter
else
	ko "no skip option"
fi

# ---- the destructive step: a wrong typed confirmation refuses it
if wait_for "Type the environment name 'backup-labprod'" 10 && wait_for "Type to confirm" 2; then
	answer backup-labpro Enter
	if wait_for "does not match: cancelled" 5 && wait_for "STOPPED (exit 1)" 5 && [ ! -e "$T/wiped" ]; then
		ok "a wrong typed confirmation refuses the destructive step (nothing run)"
	else
		ko "wrong typed"
	fi
else
	ko "typed question"
fi
# Esc, F, Enter: the earlier run is resumed and the exact name confirms
keys Escape
wait_gone "STOPPED" 3
keys F
wait_for "choose a runbook" 3 && keys Enter
if wait_for "The earlier run" 15; then
	answer "$(option_no "resume")" Enter
	wait_for "Type to confirm" 10 && answer backup-labprod Enter
	if wait_for "FINISHED (exit 0)" 10 && [ -e "$T/wiped" ] && [ "$(marks)" = 1 ] &&
	   screen | grep -qE "✓ done +⚠ A destructive step" && screen | grep -qE "\- skipped +A slow step"; then
		ok "resumed again from the picker: the exact name runs the step; finished, no step ran twice"
	else
		ko "exact typed (marks $(marks))"
	fi
else
	ko "earlier run question"
fi
id=$(ls "$T/state/runs" | sed -n 's/\.journal$//p' | head -1)
"$D" -c "$CFG" report "$id" 2>/dev/null | grep -q "wipe" && ok "its report (drconsole report $id)" || ko "report"

# ---- dry-run of the lab failover from the picker: nothing executed
keys Escape
wait_gone "FINISHED" 3
before=$(cclogs)
keys F
wait_for "choose a runbook" 3
keys j m m
wait_re "Mode: +DRY-RUN" 2 && keys Enter
fin=0
for _ in $(seq 60); do
	screen | grep -q "FINISHED (exit 0)" && { fin=1; break; }
	screen | grep -q "Run this step?" && answer y
	sleep 0.2
done
if [ $fin = 1 ] && screen | grep -q "DRY-RUN" && [ "$(cclogs)" = "$before" ] && [ "$(in_recovery)" = t ] &&
   screen | grep -q "17/17 steps"; then
	ok "a dry-run of the lab failover from the console: every step shown, nothing executed"
else
	ko "dry-run from the console (recovery $(in_recovery))"
fi
keys q
wait_for "__EXIT__ 0" 5 && ok "q quits once the run finished" || ko "quit"

# ---- the terminal hangs up mid-step: the step keeps going, is journaled, the run stops after it
start 160 45 "$CON"
wait_for "SECONDARY backup-labprod" 5
keys F
wait_for "choose a runbook" 3
keys j j
wait_for "Hangup test" 2 && keys Enter
wait_for "Run this step?" 15 && answer y
if wait_re "▶ RUNNING +A step that outlives" 5; then
	pid=$(console_pid)
	kill -HUP "$pid"
	hj=$(ls -t "$T"/state/runs/*-hangup-test.journal 2>/dev/null | head -1)
	if wait_for "__EXIT__ 0" 15 && grep -qx finished "$T/hup-mark" && ! grep -q after "$T/hup-mark" &&
	   grep '"event":"step_end"' "$hj" | grep -q '"step":"long"' && ! grep -q '"event":"run_end"' "$hj"; then
		ok "SIGHUP mid-step: the step finished on its host and was journaled; the run stopped at the next question"
	else
		ko "hangup (mark: $(cat "$T/hup-mark" 2>/dev/null | tr '\n' ' '))"
	fi
	start 160 45 "$CON"
	if wait_for "Unfinished runs: resume?" 10 && screen | grep -q "Hangup test  live"; then
		keys Escape
		wait_for "left for later" 3 && ok "after the hangup the next console offers the run; Esc leaves it for later" \
			|| ko "resume later"
	else
		ko "resume offer after hangup"
	fi
	keys q
	wait_for "__EXIT__ 0" 5 || ko "quit after hangup test"
else
	ko "hangup run did not start"
fi
# ---- c: asks first (any other key keeps the command), y kills it on its host
start 160 45 "$CON"
wait_for "Unfinished runs: resume?" 10 && keys Escape	# the hangup test's run, left for later
wait_for "SECONDARY backup-labprod" 5
keys F
wait_for "choose a runbook" 3
keys j j j
wait_for "Cancel test" 2 && keys Enter
wait_for "Run this step?" 15 && answer y
remote_sleep() {	# until the step's command runs on its host (5 s at most)
	for _ in $(seq 50); do pgrep -f "sleep 47.13" >/dev/null && return 0; sleep 0.1; done
	return 1
}
if wait_re "▶ RUNNING +A step to cancel" 5 && remote_sleep; then
	answer c
	if wait_for "Cancel the running command? y cancels it" 3; then
		answer n
		sleep 1
		if wait_gone "Cancel the running command?" 3 && screen | grep -qE "▶ RUNNING +A step to cancel" &&
		   pgrep -f "sleep 47.13" >/dev/null; then
			ok "c asks before cancelling; another key keeps the command running"
		else
			ko "c then n"
		fi
		answer c
		wait_for "Cancel the running command? y cancels it" 3 && answer y
		cj=$(ls -t "$T"/state/runs/*-cancel-test.journal 2>/dev/null | head -1)
		gone=0
		for _ in $(seq 100); do pgrep -f "sleep 47.13" >/dev/null || { gone=1; break; }; sleep 0.1; done
		if wait_for "STOPPED" 15 && [ $gone = 1 ] &&
		   grep '"event":"step_end"' "$cj" | grep '"step":"slow"' | grep -q '"ok":false'; then
			ok "c, y: the command is killed on its host, the step fails and the run stops (journaled)"
		else
			ko "c, y (command gone: $gone)"
		fi
	else
		ko "c does not ask"
	fi
else
	ko "cancel test run did not start ($(pgrep -af "sleep 47" | head -2 | tr "\n" ";"))"
fi
pkill -f "sleep 47.13" 2>/dev/null
keys Escape
keys q
wait_for "__EXIT__ 0" 5 || ko "quit after the cancel test"

# stderr went to the log while curses was active: nothing a sanitizer said may hide there
if grep -qE "Sanitizer|runtime error" "$T/console.log" 2>/dev/null; then
	echo "FAIL: console run sanitizer report in the console log"
	grep -E -A20 "Sanitizer|runtime error" "$T/console.log" | head -40 | sed 's/^/    | /'
else
	ok "no sanitizer report in the console log"
fi
