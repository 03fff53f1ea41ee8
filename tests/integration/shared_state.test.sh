#!/usr/bin/env bash
# Two operators on one jump host sharing the documented state directory (a
# setgid directory of their group): the second one (a user created here,
# removed at the end) can run drills there after the first has (each has an
# audit log and a log file of their own, which the group can read), and can
# commit the first one's drill failover although its journal is writable by
# its operator only: the commit goes to a note beside the journal, owned by
# the committer, and status, the report and a second commit all see it.
set -u
. "$(dirname "$0")/lib.sh"
D=$DRCONSOLE
U=drshr${LAB_NET:-0}	# one per lab network: labs run side by side
T=$(mktemp -d "$LAB_DIR/shared-test.XXXXXX")
CFG=$T.yml
ok() { echo "PASS: shared state $1"; }
ko() { echo "FAIL: shared state $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -14 | sed 's/^/    /'; }
cleanup() {
	rm -rf "$T" "$T".yml "$T"-u.yml
	userdel "$U" >/dev/null 2>&1
	getent group "$U" >/dev/null && groupdel "$U" >/dev/null 2>&1
}
trap cleanup EXIT
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null; then
	echo "SKIP: shared state (creating a second operator needs root and useradd)"
	exit 0
fi
userdel "$U" >/dev/null 2>&1; getent group "$U" >/dev/null && groupdel "$U" >/dev/null 2>&1
if ! useradd -M -U -s /usr/sbin/nologin "$U"; then
	echo "FAIL: shared state useradd $U"
	exit 0
fi
chgrp "$U" "$T"; chmod 2770 "$T"
install -d -g "$U" -m 2770 "$T/state"
harmless_runbooks "$T"
chmod 644 "$T/fo.yml" "$T/fb.yml"
sed -e "s#^state_dir: .*#state_dir: $T/state#" -e "s#^runbooks: .*#runbooks: [$T/fo.yml, $T/fb.yml]#" \
	"$LAB_CONFIG" > "$CFG"
# the second operator's own copy of the lab's SSH key
install -o "$U" -m 600 "$LAB_DIR/keys/operator" "$T/ukey"
sed -e "s#^  identity_file: .*#  identity_file: $T/ukey#" "$CFG" > "$T-u.yml"
chmod 644 "$CFG" "$T-u.yml"
op() { runuser -u root -G "$U" -- "$D" "$@"; }	# the first operator (root, in the group)
second() { runuser -u "$U" -- "$D" "$@"; }

# the first operator's drill: their journal and audit log
o1=$(op -c "$CFG" run "$T/fo.yml" --drill --yes 2>&1 </dev/null); r1=$?
fo=$(printf '%s\n' "$o1" | drill_run_id)
j=$T/state/runs/$fo.journal
# the second operator runs a drill of their own in the same state directory
o2=$(cd "$T" && second -c "$T-u.yml" run "$T/fo.yml" --drill --yes 2>&1 </dev/null); r2=$?
if [ "$r1" = 0 ] && [ "$r2" = 0 ] && [ -s "$T/state/audit.root.log" ] && [ -s "$T/state/audit.$U.log" ] &&
   [ "$(stat -c '%U %a' "$T/state/audit.$U.log")" = "$U 640" ] &&
   [ "$(stat -c '%a' "$j")" = 640 ]; then
	ok "a second operator runs a drill after the first: each has an audit log of their own, readable by the group"
else
	ko "second operator's run (rc $r1 $r2)" "$(ls -l "$T/state" "$T/state/runs") $o2"
fi
# the second operator commits a failover drill of the first operator's (the newest)
o3=$(op -c "$CFG" run "$T/fo.yml" --drill --yes 2>&1 </dev/null)
fo=$(printf '%s\n' "$o3" | drill_run_id)
j=$T/state/runs/$fo.journal
before=$(cksum < "$j")
o4=$(second -c "$T-u.yml" --drill commit 2>&1 </dev/null); r4=$?
state=$(op -c "$CFG" --drill status --offline --json 2>/dev/null | python3 -c 'import json,sys; f=json.load(sys.stdin)["failover"]; print(f["state"], f["run"], f["by"])')
rep=$(op -c "$CFG" report "$fo" 2>&1)
if [ "$r4" = 0 ] && printf '%s' "$o4" | grep -q "failover $fo committed by $U" &&
   [ "$state" = "committed $fo $U" ] && [ "$(cksum < "$j")" = "$before" ] &&
   [ "$(stat -c '%U %a' "$T/state/runs/$fo.commit")" = "$U 640" ] &&
   printf '%s' "$rep" | grep -q "Committed by $U at"; then
	ok "a teammate commits the first operator's failover: a note beside the journal, owned by the committer; status and the report say who"
else
	ko "teammate's commit (rc $r4, state '$state')" "$o4
$(ls -l "$T/state/runs") $rep"
fi
o5=$(op -c "$CFG" --drill commit 2>&1 </dev/null); r5=$?
[ "$r5" = 1 ] && printf '%s' "$o5" | grep -q "already committed (by $U)" &&
	ok "a second commit is refused: already committed by the teammate" || ko "second commit (rc $r5)" "$o5"
# a note planted by hand as another file type, or naming another event, commits nothing
o6=$(op -c "$CFG" run "$T/fo.yml" --drill --yes 2>&1 </dev/null)
fo2=$(printf '%s\n' "$o6" | drill_run_id)
printf '{"event":"run_end","t":1}\n' > "$T/state/runs/$fo2.commit"
state=$(op -c "$CFG" --drill status --offline --json 2>/dev/null | python3 -c 'import json,sys; f=json.load(sys.stdin)["failover"]; print(f["state"], f["run"])')
[ "$state" = "uncommitted $fo2" ] && ok "a note that holds no commit is ignored" || ko "bad note" "$state"
