# tests/e2e/planted.sh, sourced by tests/e2e/run.sh (its helpers, $D, $P,
# $S, mkenvs, mkconf): escape sequences planted in every local input (the
# SITE_HOST of proxy.yml, deploy_env, the env directory's name, an inventory
# host name, a runbook's name, SUDO_USER) must reach neither the output of
# any command nor the console's screen: OSC 52 (clipboard), CSI 2J (clear
# screen), OSC 0 (window title), C1 CSI (U+009B, and the raw byte 0x9b
# where the input may be any bytes) and U+202E (right-to-left override).

# the attack in YAML double quotes, and as bytes (UTF-8 or raw 0x9b)
PL_YAML='\e]52;c;ZXZpbA==\a\e[2J\e]0;pwned\a\u009b31m\u202e'
PL_UTF8=$'\e]52;c;ZXZpbA==\a\e[2J\e]0;pwned\a\xc2\x9b31m\xe2\x80\xae'
PL_RAW=$'\e]52;c;ZXZpbA==\a\e[2J\e]0;pwned\a\x9b31m\xe2\x80\xae'
# an inventory host name cannot hold '[' (a host range) or '=': C1 CSI instead
PL_INV=$'\e]52;c;ZXZpbA\a\e]0;pwned\a\x9b2J\x9b31m\xe2\x80\xae'
PL=$E2E_TMP/planted
mkenvs "$FIX/envs" "$PL" 10.1.0 "$P" 10.2.0 "$S"
PL_ENV="$PL/prodA${PL_UTF8}Z"
mv "$PL/production" "$PL_ENV"
sed -i "1s/.*/SITE_HOST: \"siteA${PL_YAML//\\/\\\\}Z\"/" "$PL_ENV/proxy.yml"
sed -i "s/^deploy_env: .*/deploy_env: \"depA${PL_YAML//\\/\\\\}Z\"/" "$PL_ENV/meta.yml"
printf '[proxy1]\nhostA%sZ ansible_host=%s.77 ansible_port=%s\n' "$PL_INV" "$P" "$SSH_PORT" \
	>>"$PL_ENV/inventory.ini"
# the inventory command prints JSON: a host name in UTF-8 (C1 as U+009B)
printf '[proxy1]\nhostA%sZ ansible_host=%s.78\n' "${PL_INV//$'\x9b'/$'\xc2\x9b'}" "$P" >"$PL/utf8.ini"
cat >"$PL/rb.yml" <<EOF
name: "rbA${PL_YAML}Z"
model: replicated
steps:
  - id: point
    title: Point {{ primary.site_host }} at the secondary
    on: secondary:control
    run: echo {{ primary.site_host }} {{ primary.deploy_env }} {{ primary.env }}
EOF
ENV_P="\"$PL/prodA${PL_YAML}Z\"" mkconf "$PL/drconsole.yml" \
	"postgres: { user: drconsole_monitor, sslmode: disable, port: $PG_PORT, connect_timeout: 2s }" \
	"refresh: 10s" "probe_timeout: 3s" "runbooks: [$PL/rb.yml]"
# the journal holds UTF-8 only: SUDO_USER with C1 as U+009B
PL_SUDO="userA${PL_UTF8}Z"

# clean FILE: no ESC, C0 but \n \t, DEL, C1, bidi control or invalid UTF-8
pl_clean() {
	python3 - "$1" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
bidi = set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a)) | {0x200e, 0x200f, 0x061c}
bad = []
for i, ch in enumerate(data.decode("utf-8", "surrogateescape")):
    o = ord(ch)
    if 0xdc80 <= o <= 0xdcff:
        bad.append("raw byte %#x" % (o - 0xdc00))
    elif (o < 0x20 and ch not in "\n\t") or o == 0x7f or 0x80 <= o <= 0x9f or o in bidi:
        bad.append("U+%04X" % o)
if bad:
    print("%s: %s" % (sys.argv[1], ", ".join(sorted(set(bad)))))
    sys.exit(1)
EOF
}
# pl_cmd NAME MARKER ARGS...: run a command (stdout and stderr as bytes);
# its output must be clean and show MARKER (the planted value, sanitised)
pl_n=0
pl_cmd() {
	local name=$1 marker=$2 out
	shift 2
	pl_n=$((pl_n + 1))
	out=$E2E_TMP/planted.$pl_n.out
	SUDO_USER=$PL_SUDO "$D" -c "$PL/drconsole.yml" --log "$LOG" "$@" >"$out" 2>&1 </dev/null
	if ! pl_clean "$out"; then
		fail "planted escapes: $name prints controls"
	elif [ -n "$marker" ] && ! grep -qiF -- "$marker" "$out"; then
		echo "FAIL: e2e planted escapes: $name does not show '$marker'"
		head -20 "$out" | sed 's/^/    | /'
	else
		pass "planted escapes: $name prints none of them"
	fi
}
pl_cmd "status --offline" "SITE_HOST    siteAZ" status --offline
pl_cmd "status --offline (env dir, deploy_env)" "PRIMARY prodAZ (deploy_env depAZ)" status --offline
pl_cmd "status --offline (inventory host)" "hostAZ" status --offline
pl_cmd "status" "PRIMARY prodAZ (depAZ)" status
pl_cmd "status --json" '"site_host": "siteA\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eZ"' status --json
pl_cmd "status --offline --json" '"deploy_env": "depA\u001b]52' status --offline --json
pl_cmd "drift" "siteAZ" drift
pl_cmd "drift --json" 'siteA\u001b]52' drift --json
pl_cmd "lint" "hostAZ" lint
pl_cmd "lint --json" 'host hostA\u001b]52;c;ZXZpbA\u0007' lint --json
pl_cmd "run --dry-run" "Point siteAZ at the secondary" run "$PL/rb.yml" --dry-run
pl_cmd "run --dry-run (runbook name)" "Preflight: rbAZ" run "$PL/rb.yml" --dry-run
pl_cmd "runs" "sudo from userAZ" runs
pl_cmd "runs (runbook name cut to its column)" " rbAZ " runs
pl_run=$(ls "$STATE/runs" 2>/dev/null | sed -n 's/\.journal$//p' | grep -- '-rb$' | tail -1)
pl_cmd "report" "# Dry-run report: rbAZ" report "$pl_run"
pl_cmd "report -o FILE" "" report "$pl_run" -o "$E2E_TMP/planted-report.md"
if pl_clean "$E2E_TMP/planted-report.md" && grep -qF "rbAZ" "$E2E_TMP/planted-report.md"; then
	pass "planted escapes: the report file carries none of them"
else
	fail "planted escapes: report -o FILE"
fi
pl_cmd "inventory" 'hostA\u001b]52;c;ZXZpbA\u0007\u001b]0;pwned\u0007\u009b2J\u009b31m\u202eZ' inventory "$PL/utf8.ini"
pl_cmd "check" "DRCONSOLE" check

# the console: nothing planted may set the title, the clipboard, clear the
# screen or reorder text; the names are drawn, sanitised
printf 'set -g set-clipboard on\nset -g allow-rename on\n' >>"$E2E_CONF"
tm source-file "$E2E_CONF" 2>/dev/null
tm delete-buffer >/dev/null 2>&1
start 140 40 "SUDO_USER='$PL_SUDO' $D -c '$PL/drconsole.yml' --log '$LOG'"
if wait_for "prodAZ" 5 && wait_for "Hosts 0/" 5; then
	keys F
	wait_for "rbAZ" 3
	screen -e >"$E2E_TMP/planted.screen"
	sed -E 's/\x1b\[[0-9;:]*m//g' "$E2E_TMP/planted.screen" >"$E2E_TMP/planted.text"
	title=$(tm display-message -p -t "$E2E_SESSION" '#{pane_title}')
	buffers=$(tm list-buffers 2>/dev/null | wc -l)
	if pl_clean "$E2E_TMP/planted.text" && [ "$title" != pwned ] && [ "$buffers" = 0 ] &&
	   grep -qF "rbAZ" "$E2E_TMP/planted.text"; then
		pass "planted escapes: the console draws the names without them"
	else
		fail "planted escapes in the console (title '$title', $buffers paste buffers)" 40
	fi
else
	fail "planted escapes: the console did not start on the planted env dir" 40
fi
tm kill-session -t "$E2E_SESSION"
