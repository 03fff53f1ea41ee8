# tests/e2e/lib.sh: drive the real drconsole in a private tmux server and read
# its screen with capture-pane. Every wait is bounded: poll the screen until
# the expected text shows up (or a deadline passes), never a long fixed sleep.
# Sourced by tests/e2e/run.sh, tests/e2e/screenshots.sh and the lab-backed
# tests/integration/console*.test.sh.

E2E_NET=${LAB_NET:-0}
E2E_SOCK=drc-e2e-$E2E_NET
E2E_TMP=$(mktemp -d /tmp/drc-e2e.XXXXXX)
E2E_CONF=$E2E_TMP/tmux.conf
E2E_SESSION=drc
printf 'set -g default-terminal "tmux-256color"\nset -g history-limit 200\nset -g status off\n' >"$E2E_CONF"

tm() { tmux -L "$E2E_SOCK" -f "$E2E_CONF" "$@"; }

e2e_cleanup() {
	tm kill-server >/dev/null 2>&1
	rm -rf "$E2E_TMP"
}

# e2e_start SUITE: a UTF-8 locale, colour allowed, cleanup at exit; without
# tmux the suite is skipped (one SKIP line, exit 0).
e2e_start() {
	if ! command -v tmux >/dev/null 2>&1; then
		echo "SKIP: $1 (tmux is not installed)"
		rm -rf "$E2E_TMP"
		exit 0
	fi
	export LANG=C.UTF-8 LC_ALL=C.UTF-8
	unset NO_COLOR
	trap e2e_cleanup EXIT
}

# start W H CMD: run CMD (a shell string) in a fresh W x H session. When CMD
# ends, "__EXIT__ <status>" is printed at the start of a line of its own and
# the pane stays for inspection. A console killed with -9 leaves the terminal
# raw (no carriage return on a newline) with the cursor anywhere: the
# marker's own "\r\n" keeps it whole, where a long "Killed ..." line from
# the shell would otherwise wrap it.
start() {
	local w=$1 h=$2
	shift 2
	# a session that outlives the test sessions, so killing one never takes
	# the server down while the next one starts
	tm has-session -t keepalive 2>/dev/null || tm new-session -d -s keepalive -x 80 -y 24 "sleep 3600"
	tm kill-session -t "$E2E_SESSION" >/dev/null 2>&1
	for _ in 1 2 3 4 5; do
		tm new-session -d -s "$E2E_SESSION" -x "$w" -y "$h" \
			"cd '$PWD' && $*; printf '\\r\\n__EXIT__ %s\\r\\n' \$?; sleep 120" && return 0
		sleep 0.2
	done
	return 1
}

screen() { tm capture-pane -p -t "$E2E_SESSION" "$@"; }
keys() { tm send-keys -t "$E2E_SESSION" "$@"; }
resize() { tm resize-window -t "$E2E_SESSION" -x "$1" -y "$2"; }

# The wait_* limits are for the release build; DRC_TIME_SCALE (set for a
# sanitizer pass by tests/run.sh) stretches them. A wait returns as soon as
# the screen shows what it waits for, so a longer limit costs time only
# when a test is about to fail.
wait_end() { echo $(( $(date +%s%N) + $1 * ${DRC_TIME_SCALE:-1} * 1000000000 )); }

# wait_for TEXT [SECONDS]: until a line of the screen contains TEXT (fixed string).
wait_for() {
	local text=$1 limit=${2:-5} end
	end=$(wait_end "$limit")
	while [ "$(date +%s%N)" -lt "$end" ]; do
		screen | grep -qF -- "$text" && return 0
		sleep 0.05
	done
	return 1
}

# wait_re REGEX [SECONDS]: until a line matches the extended regular expression.
wait_re() {
	local re=$1 limit=${2:-5} end
	end=$(wait_end "$limit")
	while [ "$(date +%s%N)" -lt "$end" ]; do
		screen | grep -qE -- "$re" && return 0
		sleep 0.05
	done
	return 1
}

# wait_gone TEXT [SECONDS]: until no line contains TEXT.
wait_gone() {
	local text=$1 limit=${2:-5} end
	end=$(wait_end "$limit")
	while [ "$(date +%s%N)" -lt "$end" ]; do
		screen | grep -qF -- "$text" || return 0
		sleep 0.05
	done
	return 1
}

# has TEXT: the screen shows TEXT now.
has() { screen | grep -qF -- "$1"; }

pass() { echo "PASS: e2e $1"; }
fail() {
	echo "FAIL: e2e $1"
	screen 2>/dev/null | sed 's/^/    | /' | head -"${2:-30}"
}
# check NAME CONDITION...: PASS when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
