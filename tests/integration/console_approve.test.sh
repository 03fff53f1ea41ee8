#!/usr/bin/env bash
# Four eyes in the console, against the lab, in tmux: with
# approvals.destructive: 2 the operator's console confirms a destructive
# step, then its checklist shows the step waiting for a second operator
# with the countdown while the console stays responsive (Tab, F); a second
# process of another user (created here, removed at the end) approves with
# `drconsole approve`, and the console's run goes on and finishes. Then the
# same from the second user's own console: it announces the request, A
# shows the step, the command and the estimate, and typing the step id
# approves it.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
. tests/e2e/lib.sh
e2e_start "console approve"
U=drcappr${LAB_NET:-0}
T=$(mktemp -d "$LAB_DIR/console-approve.XXXXXX")
CFG=$T.yml	# beside the lab config: its relative paths still resolve
RB=$T/approve-test.yml
cleanup() {
	e2e_cleanup
	rm -rf "$T" "$T.yml" "$LAB_DIR/locks"
	# the second operator's console ends with the tmux server: wait for it before removing its user
	for _ in $(seq 50); do pgrep -u "$U" >/dev/null || break; sleep 0.1; done
	userdel "$U" >/dev/null 2>&1
	getent group "$U" >/dev/null && groupdel "$U" >/dev/null 2>&1
}
trap cleanup EXIT
ok() { echo "PASS: console approve $1"; }
ko() { echo "FAIL: console approve $1"; screen 2>/dev/null | sed 's/^/    | /' | head -50; }
answer() { sleep 0.4; keys "$@"; }

if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null; then
	echo "SKIP: console approve (creating a second operator needs root and useradd)"
	exit 0
fi
userdel "$U" >/dev/null 2>&1; getent group "$U" >/dev/null && groupdel "$U" >/dev/null 2>&1
useradd -M -U -s /usr/sbin/nologin "$U" || { echo "FAIL: console approve useradd $U"; exit 0; }
chgrp "$U" "$T"; chmod 2770 "$T"
install -d -g "$U" -m 2770 "$T/state"
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^runbooks: .*#runbooks: [$RB]#" "$LAB_CONFIG" >"$CFG"
printf 'approvals: { destructive: 2, timeout: 5m }\n' >>"$CFG"
cat >"$RB" <<EOF
name: Approve test
model: replicated
steps:
  - id: wipe
    title: A destructive step
    on: secondary:control
    run: echo x >> $T/wiped
    destructive: true
EOF
chmod 644 "$CFG" "$RB"

start 160 45 "runuser -u root -G $U -- $D -c $CFG --log $T/console.log"
wait_for "SECONDARY backup-labprod" 5
keys F
wait_for "choose a runbook" 3 && keys Enter
if wait_for "Type to confirm" 15; then
	answer backup-labprod Enter
else
	ko "typed question"
fi
if wait_for "waiting for approval by a second operator (drconsole approve" 10 &&
   wait_re "\? APPROVAL +⚠ A destructive step +[0-9]+m[0-9]+s left" 3 && [ ! -e "$T/wiped" ]; then
	ok "the checklist shows the step waiting for a second operator, with the countdown; nothing ran"
else
	ko "waiting"
fi
id=$(ls "$T/state/approvals" 2>/dev/null | sed -n 's/\.request$//p' | head -1)
# the console is not blocked by the wait: Tab shows the dashboard, F the run again
answer Tab
if wait_for "PRIMARY labprod" 3 && keys F && wait_for "waiting for approval by a second operator" 3; then
	ok "the wait does not block the console (Tab, F)"
else
	ko "responsive"
fi
out=$(runuser -u "$U" -- "$D" -c "$CFG" approve "$id" wipe --yes 2>&1); rc=$?
if [ $rc = 0 ] && wait_for "FINISHED (exit 0)" 15 && [ -e "$T/wiped" ] &&
   wait_for "wipe approved by $U (uid $(id -u "$U"))" 3; then
	ok "another user's drconsole approve lets the console's run go on; it names the approver"
else
	ko "approve (rc=$rc: $out)"
fi

# ---- the second operator's own console approves the next run
AS=approver
start_approver() { E2E_SESSION=$AS start 160 45 "runuser -u $U -- $D -c $CFG --log $T/approver.log"; }
as2() { E2E_SESSION=$AS "$@"; }
start_approver
as2 wait_for "SECONDARY backup-labprod" 10
keys Escape
wait_gone "FINISHED" 3
keys F
wait_for "choose a runbook" 3 && keys Enter
wait_for "Type to confirm" 15 && answer backup-labprod Enter
wait_for "waiting for approval by a second operator" 10
if as2 wait_for "waits for a second operator to approve step wipe: A reviews it" 5; then
	ok "the second operator's console announces the pending request"
else
	E2E_SESSION=$AS ko "announce"
fi
as2 keys A
if as2 wait_for "APPROVE a destructive step of run" 3 && as2 wait_re "command +echo x >> $T/wiped" 2 &&
   as2 wait_for "data loss  none: this step does not end replication" 2; then
	ok "A shows the step, the exact command and the data-loss estimate"
else
	E2E_SESSION=$AS ko "approve view"
fi
sleep 0.3
as2 keys w i p Enter
as2 wait_for "does not match the step id 'wipe': not approved" 3 && as2 has "APPROVE a destructive step" &&
	[ "$(wc -l <"$T/wiped")" = 1 ] && ok "a mistyped step id approves nothing; the view stays to type it again" ||
	E2E_SESSION=$AS ko "mistyped"
as2 keys w i p e Enter
if as2 wait_for "approved step wipe of run" 3 && wait_for "FINISHED (exit 0)" 15 &&
   [ "$(wc -l <"$T/wiped")" = 2 ] && wait_for "wipe approved by $U" 3; then
	ok "typing the step id in the second operator's console approves it; the run goes on"
else
	ko "console approval"; E2E_SESSION=$AS ko "console approval (the second console)"
fi

# ---- a read-only console can never approve
E2E_SESSION=ro start 160 45 "runuser -u $U -- $D -c $CFG --read-only --log $T/ro.log"
E2E_SESSION=ro wait_for "SECONDARY backup-labprod" 10
E2E_SESSION=ro keys A
E2E_SESSION=ro wait_for "read-only mode can never approve" 3 && ! E2E_SESSION=ro has "APPROVE a destructive step" &&
	ok "a read-only console refuses A with the reason" || E2E_SESSION=ro ko "read-only"
