#!/usr/bin/env bash
# Restore bench (on the lab: LAB_NET=N; brought up and down if not running):
# the lab restore (runbooks/lab/restore.yml: choose the backup, fetch it,
# check it, stop, move aside, extract, start and verify as a primary, pause
# and resume the backup jobs) through `drconsole run --drill --yes`, beside
# the same commands by hand: the commands the drconsole run journaled,
# each sent with `ssh host cmd`, and the start verified by polling psql.
# The secondary is rebuilt as a standby before every run (not timed).
# Target: drconsole's overhead at most 5 % of the hand-run time.
set -u
cd "$(dirname "$0")/../.."
D=${DRCONSOLE:-$PWD/drconsole}
ENVF=$PWD/build/lab/lab.env
REPS=${REPS:-3}
started=0
if [ ! -f "$ENVF" ] || ! tests/lab/lab.sh status >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "  SKIP: restore bench (the lab needs root)"
		exit 0
	fi
	tests/lab/lab.sh up >/dev/null 2>&1 || { echo "  SKIP: restore bench (lab up failed)"; exit 0; }
	started=1
fi
set -a; . "$ENVF"; set +a
export PGPASSFILE=$LAB_PGPASSFILE
T=$(mktemp -d "$LAB_DIR/bench-restore.XXXXXX")
DATA=/var/lib/postgresql/$LAB_PG_VERSION/$LAB_PG_STANDBY_CLUSTER
reset() {
	tests/lab/lab.sh rebuild-standby >/dev/null 2>&1
	rm -rf "$DATA".pre-restore-* "$LAB_DIR/restore" "$LAB_DIR/locks"
	sed -i 's/^#drconsole-paused [^ ]* //' "$LAB_DIR/sites/primary/crontab.postgres"
}
trap 'reset; rm -rf "$T" "$T.yml"; [ $started = 1 ] && tests/lab/lab.sh down >/dev/null 2>&1' EXIT
sed -e "s#^state_dir: .*#state_dir: $T/state#" "$LAB_CONFIG" > "$T.yml"
mkdir -p "$T/state"
RB=$PWD/runbooks/lab/restore.yml
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
sshc() {	# addr cmd
	ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o UserKnownHostsFile="$T/known_hosts" -i "$LAB_SSH_KEY" -p "$LAB_SSH_PORT" "$LAB_SSH_USER@$1" "$2"
}
cat "$LAB_PRIMARY_ENV/known_hosts" "$LAB_SECONDARY_ENV/known_hosts" > "$T/known_hosts"
primary() {
	psql -X -At -h "$LAB_PG_STANDBY_HOST" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d postgres \
		-c "select not pg_is_in_recovery() and exists (select 1 from pg_database where datname = 'commcarehq')" 2>/dev/null
}
# The journaled steps of a run as bash arrays (host address, step id, command).
# The journal holds the backup's presigned URL with its signature REDACTED (a
# credential), so the fetch is given a URL freshly presigned with boto3 for
# the same bucket and key (SigV4, path-style, the lab's S3 and keys).
steps_of() {	# journal
	python3 - "$1" <<'PY'
import json, os, re, shlex, sys, urllib.parse
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["LAB_S3_ENDPOINT"], region_name=os.environ["LAB_S3_REGION"],
                  aws_access_key_id=os.environ["LAB_S3_ACCESS_KEY"], aws_secret_access_key=os.environ["LAB_S3_SECRET_KEY"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
def fresh(m):
    u = urllib.parse.urlsplit(m.group(0))
    bucket, key = u.path.lstrip("/").split("/", 1)
    return s3.generate_presigned_url("get_object", ExpiresIn=3600,
                                     Params={"Bucket": bucket, "Key": urllib.parse.unquote(key)})
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev.get("event") == "step_start" and ev.get("command"):
        cmd = re.sub(r"https?://[^\s'\"]*X-Amz-Signature=REDACTED[^\s'\"]*", fresh, ev["command"])
        if "REDACTED" in cmd:
            sys.exit("step %s: a REDACTED value left in its command" % ev["step"])
        print("H+=(%s) S+=(%s) C+=(%s)" % tuple(shlex.quote(str(v)) for v in (ev.get("target"), ev["step"], cmd)))
PY
}
dr=() ; hand=()
journal=""
for _ in $(seq "$REPS"); do
	reset
	s=$(now); "$D" -c "$T.yml" run "$RB" --drill --yes >"$T/run.out" 2>&1 </dev/null || { echo "  FAIL: drconsole run"; tail -5 "$T/run.out"; exit 1; }
	dr+=($(( ($(now) - s) / 1000000 )))
	journal=$(ls -t "$T"/state/runs/*.journal | head -1)
	H=() S=() C=()
	steps_of "$journal" > "$T/steps.sh" || { echo "  FAIL: steps of $journal"; exit 1; }
	. "$T/steps.sh"
	reset
	s=$(now)
	for i in "${!C[@]}"; do
		s1=$(now)
		# stdin, stdout and stderr closed on the remote side: the postmaster
		# that start-postgres leaves running must not hold the channel open
		sshc "${H[$i]}" "{ ${C[$i]}
} </dev/null >\"\$DRLAB_DIR\"/bench-step.out 2>&1" >/dev/null 2>&1 </dev/null ||
			{ echo "  FAIL: by hand: ${S[$i]}"; exit 1; }
		if [ "${S[$i]}" = start-postgres ]; then
			for _ in $(seq 300); do [ "$(primary)" = t ] && break; sleep 0.1; done
		fi
		echo "${S[$i]} $(( ($(now) - s1) / 1000000 ))" >> "$T/hand-steps"
	done
	hand+=($(( ($(now) - s) / 1000000 )))
done
a=$(printf '%s\n' "${dr[@]}" | median); b=$(printf '%s\n' "${hand[@]}" | median)
echo "  drconsole run of the lab restore (backup chosen from S3, lock, journal, audit): median ${a} ms of $REPS (${dr[*]})"
echo "  the same ${#C[@]} commands by hand (ssh host cmd, the fetch with a fresh presigned URL, psql polled for the start): median ${b} ms of $REPS (${hand[*]})"
echo "  by hand, per step (ms, every run): $(awk '{t[$1] = t[$1] " " $2} END {for (k in t) printf "%s:%s; ", k, t[k]}' "$T/hand-steps")"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (a busy machine makes single runs noisy)"
awk -v a="$a" -v b="$b" 'BEGIN { printf "  overhead %.1f %% of the hand-run time (target <= 5 %%): %s\n", (a - b) * 100 / b, a <= b * 1.05 ? "met" : "NOT met" }'
