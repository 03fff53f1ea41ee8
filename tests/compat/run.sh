#!/usr/bin/env bash
# Compatibility suite: drconsole's inventory parser against ansible-inventory
# on the corpus in inventories/ (--list and --list --export must agree) and
# invalid/ (both must reject). Prints PASS:/FAIL:/SKIP: lines.
set -u
cd "$(dirname "$0")"
DRCONSOLE=${DRCONSOLE:-../../drconsole}
case $DRCONSOLE in /*) ;; *) DRCONSOLE=$PWD/$DRCONSOLE ;; esac

# env dirs shaped like commcare-cloud's real ones (envs/): no lint error on any of them
for c in production staging bare; do
	out=$("$DRCONSOLE" -c "$c.yml" lint 2>&1)
	if printf '%s\n' "$out" | grep -Eq '^0 errors, '; then
		echo "PASS: lint: no error on the $c-shaped env"
	else
		echo "FAIL: lint: no error on the $c-shaped env"
		printf '%s\n' "$out" | head -10
	fi
done
# one HOME for every ansible-inventory run, removed however the suite ends
DRCONSOLE_COMPAT_HOME=$(mktemp -d "${TMPDIR:-/tmp}/drconsole-compat-XXXXXX")
export DRCONSOLE_COMPAT_HOME
trap 'rm -rf "$DRCONSOLE_COMPAT_HOME"' EXIT
if ! command -v ansible-inventory >/dev/null 2>&1; then
	for f in inventories/*.ini envs/*/inventory.ini invalid/*.ini; do
		echo "SKIP: inventory $(basename "$f" .ini) (ansible-inventory not installed)"
	done
	exit 0
fi
for f in inventories/*.ini envs/*/inventory.ini; do
	name=$(basename "$f" .ini)
	[ "$name" = inventory ] && name=envs/$(basename "$(dirname "$f")")
	for mode in list export; do
		if out=$(python3 compare.py "$DRCONSOLE" "$f" $([ $mode = export ] && echo export) 2>&1); then
			echo "PASS: inventory $name --$mode agrees with ansible-inventory"
		else
			echo "FAIL: inventory $name --$mode differs from ansible-inventory"
			printf '%s\n' "$out" | head -40
		fi
	done
done
for f in invalid/*.ini; do
	name=$(basename "$f" .ini)
	if out=$(python3 compare.py "$DRCONSOLE" --invalid "$f" 2>&1); then
		echo "PASS: invalid inventory $name rejected by both"
	else
		echo "FAIL: invalid inventory $name"
		printf '%s\n' "$out" | head -10
	fi
done
