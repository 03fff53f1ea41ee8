#!/usr/bin/env bash
# make screenshots: the real console in tmux, captured with its colours
# (capture-pane -e), converted to HTML by aha and rendered to PNG by headless
# Chromium, into screenshots/ (not monochrome: aha drops reverse video after
# "\e[0;7m", so its image would mislead). Uses the lab when it is up (LAB_NET), else
# the offline fixture env pair.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
D=${DRCONSOLE:-$ROOT/drconsole}
OUT=$ROOT/screenshots
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR
for tool in tmux aha chromium; do
	command -v $tool >/dev/null 2>&1 || { echo "screenshots: $tool is not installed (make deps-shots)" >&2; exit 1; }
done
. tests/e2e/lib.sh
trap e2e_cleanup EXIT
mkdir -p "$OUT"

CONF=$ROOT/tests/fixtures/drconsole.yml
if [ -f build/lab/lab.env ] && tests/lab/lab.sh status >/dev/null 2>&1; then
	set -a; . build/lab/lab.env; set +a
	export PGPASSFILE=$LAB_PGPASSFILE
	CONF=$LAB_CONFIG
	echo "screenshots: using the lab ($CONF)"
else
	echo "screenshots: the lab is down; using the offline fixture"
fi

# shot NAME COLS LINES: capture the current screen into screenshots/NAME.png
shot() {
	local name=$1 cols=$2 lines=$3 html=$E2E_TMP/$1.html prof
	screen -e | aha --black --title "drconsole: $name" >"$html.raw"
	# a fixed monospace font and cell size, no page margin
	sed 's|<head>|<head><style>body{margin:6px;background:#000}pre{font-family:"DejaVu Sans Mono",monospace;font-size:14px;line-height:17px;margin:0}</style>|' \
		"$html.raw" >"$html"
	prof=$(mktemp -d)
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --hide-scrollbars \
		--user-data-dir="$prof" --screenshot="$OUT/$name.png" \
		--window-size=$((cols * 845 / 100 + 12)),$((lines * 17 + 12)) "file://$html" >/dev/null 2>&1
	rm -rf "$prof"
	echo "screenshots: $OUT/$name.png"
}

# settle: a few refreshes so sparklines have samples
settle() {
	wait_for "Hosts" 5
	for _ in 1 2 3; do keys r; sleep 1.1; done
	keys Escape
	sleep 0.3
}

start 160 40 "$D -c $CONF --log $E2E_TMP/log"
settle
shot dashboard-wide 160 40

resize 100 30
wait_for "1 PRIMARY" 3
keys Tab
wait_for "┌─ SECONDARY" 3
sleep 0.3
shot dashboard-narrow 100 30

resize 120 36
sleep 0.3
keys g Enter
wait_for "Fields" 3 || true
sleep 0.3
shot detail 120 36
tm kill-session -t "$E2E_SESSION"

for th in light high-contrast; do
	start 160 40 "$D -c $CONF --log $E2E_TMP/log --theme $th"
	settle
	shot "theme-$th" 160 40
	tm kill-session -t "$E2E_SESSION"
done

# the checklist of a drill (lab only): its own state dir, stopped at the
# typed confirmation of the promotion, then quit (the run is cancelled)
if [ "$CONF" = "${LAB_CONFIG:-}" ]; then
	SC=$LAB_DIR/screenshots.yml
	sed "s#^state_dir: .*#state_dir: $E2E_TMP/state#" "$CONF" >"$SC"
	start 160 40 "$D -c $SC --log $E2E_TMP/log"
	wait_for "Hosts" 5
	sleep 2
	keys F
	wait_for "choose a runbook" 3
	keys j m Enter
	for _ in $(seq 60); do
		screen | grep -q "Type to confirm" && break
		screen | grep -q "y confirms" && { sleep 0.4; keys y; }
		sleep 0.2
	done
	sleep 0.5
	shot checklist 160 40
	keys Escape
	sleep 0.3
	keys q
	sleep 0.5
	keys y
	wait_for "__EXIT__" 10
	tm kill-session -t "$E2E_SESSION"
	rm -f "$SC"
fi
