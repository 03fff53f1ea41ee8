#!/usr/bin/env bash
# drconsole status --format openmetrics against the lab: promtool accepts
# the exposition, and it carries the standby's lag, backup ages, hosts up
# and the RPO exposure with the values status --json reports.
set -u
D=$DRCONSOLE
ok() { echo "PASS: metrics $1"; }
ko() { echo "FAIL: metrics $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/    /'; }

out=$("$D" -c "$LAB_CONFIG" status --format openmetrics 2>/dev/null)
if ! command -v promtool >/dev/null 2>&1; then
	echo "SKIP: metrics promtool check metrics on the lab (promtool not installed: Debian package prometheus)"
elif ! printf '%s\n' "$out" | grep -q '^# TYPE drconsole_'; then
	ko "promtool check metrics: no exposition to check" "$out"
elif res=$(printf '%s\n' "$out" | promtool check metrics 2>&1); then
	ok "promtool check metrics accepts the lab's exposition"
else
	ko "promtool check metrics" "$res"
fi
if printf '%s\n' "$out" | python3 -c '
import os, re, sys
E = os.environ
text = sys.stdin.read()
assert text.endswith("# EOF\n"), text[-200:]
s = {}
for line in text.splitlines():
    if line.startswith("#"):
        continue
    name, value = line.rsplit(" ", 1)
    s[name] = float(value)
def one(prefix, **labels):
    hits = [v for k, v in s.items() if k.startswith(prefix + "{") and all("%s=\"%s\"" % kv in k for kv in labels.items())]
    assert hits, (prefix, labels)
    return hits
lag = one("drconsole_replication_lag_seconds", site="secondary", store="postgres")
assert 0 <= lag[0] < 5, lag
assert one("drconsole_rpo_exposure_seconds", scenario="site_loss", store="postgres")[0] < 5
assert one("drconsole_rpo_state", scenario="site_loss", store="postgres")[0] == 0
ages = one("drconsole_backup_age_seconds", site="primary", store="postgres", source="s3")
assert all(a >= 0 for a in ages), ages
assert one("drconsole_hosts_up", site="primary")[0] >= 1
assert one("drconsole_hosts_up", site="secondary")[0] >= 1
assert one("drconsole_replication_lag_bytes", site="primary")[0] >= 0
assert s["drconsole_rpo_objective_seconds"] > 0
' 2>/tmp/drconsole-metrics-$$.err; then
	ok "lag, RPO exposure, backup ages and hosts up from the lab"
else
	ko "families from the lab" "$(cat /tmp/drconsole-metrics-$$.err; printf '%s\n' "$out" | grep -v '^#' | head -30)"
fi
rm -f /tmp/drconsole-metrics-$$.err
