# Helpers shared by lab tests (sourced; not a test itself).

# drill_run_id < OUTPUT: the run id a drill's line-mode output names
drill_run_id() { sed -n 's/^\[DRILL\] Run \([^ ]*\) (drill) journal.*/\1/p' | head -1; }

# harmless_runbooks DIR: DIR/fo.yml, a failover (model replicated) and
# DIR/fb.yml, a fail-back, each one step that runs `true` on a control host
harmless_runbooks() {
	cat > "$1/fo.yml" <<RB
name: Harmless failover
model: replicated
steps:
  - id: look
    on: secondary:control
    run: "true"
RB
	cat > "$1/fb.yml" <<RB
name: Harmless fail-back
model: failback
steps:
  - id: look
    on: primary:control
    run: "true"
RB
}

# The lab's PostgreSQL, for the tests that move its topology (failover,
# fail-back, rollback) and must leave it as they found it.
# sql HOST SQL [DB]: the answer, as the monitoring user
sql() { psql -X -At -h "$1" -p "$LAB_PG_PORT" -U "$LAB_PG_MONITOR_USER" -d "${3:-postgres}" -c "$2" 2>&1; }
# as_pg_sql CLUSTER SQL: as postgres on the cluster's socket, in commcarehq
as_pg_sql() { runuser -u postgres -- psql -X -At -q -h "$LAB_DIR/pg/$1" -p "$LAB_PG_PORT" -d commcarehq -c "$2" 2>&1; }
# rows CLUSTER: the application's rows there
rows() { as_pg_sql "$1" "select count(*) from form_submissions"; }
# streaming HOST: until the standby on HOST streams (30 s at most)
streaming() {
	for _ in $(seq 60); do
		[ "$(sql "$1" 'select status from pg_stat_wal_receiver')" = streaming ] && return 0
		sleep 0.5
	done
	return 1
}
# topology_keep DIR: keep the two inventories as generated in DIR
topology_keep() {
	cp "$LAB_PRIMARY_ENV/inventory.ini" "$1/primary.ini"
	cp "$LAB_SECONDARY_ENV/inventory.ini" "$1/secondary.ini"
}
# topology_put_back DIR NAME: a test NAME that stopped half way leaves the lab
# in another topology; put the starting one (and DIR's inventories) back, so
# the scripts after it test their own things and not this failure
topology_put_back() {
	if [ "$(sql "$LAB_PG_PRIMARY_HOST" 'select pg_is_in_recovery()')" != f ] ||
	   [ "$(sql "$LAB_PG_STANDBY_HOST" 'select sender_host from pg_stat_wal_receiver')" != "$LAB_PG_PRIMARY_HOST" ] ||
	   ! cmp -s "$1/primary.ini" "$LAB_PRIMARY_ENV/inventory.ini" || ! cmp -s "$1/secondary.ini" "$LAB_SECONDARY_ENV/inventory.ini"; then
		echo "($2: the lab is not in its starting topology: resetting it)"
		cp "$1/primary.ini" "$LAB_PRIMARY_ENV/inventory.ini"
		cp "$1/secondary.ini" "$LAB_SECONDARY_ENV/inventory.ini"
		"$LAB_SH" reset-pg >/dev/null 2>&1
		streaming "$LAB_PG_STANDBY_HOST" || echo "FAIL: $2 the lab could not be reset to its starting topology"
	fi
}
