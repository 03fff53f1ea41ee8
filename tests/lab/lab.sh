#!/usr/bin/env bash
# The drconsole lab: a two-site commcare-cloud-style deployment on loopback.
#
#   primary site   127.N.20.x   control .10  proxy .11  web .12  db .20 (PostgreSQL primary)  couch .30
#   secondary site 127.N.30.x   control .10  proxy .11  web .12  db .20 (streaming standby)  couch .30
#   CouchDB-compatible servers (pouchdb-server) on the couch hosts, port 15984,
#   with continuous replication from the primary's to the secondary's
#   S3 (s3rver)    127.N.40.10:4568     a port that never speaks SSH: 127.N.20.99:2222
#
# Every host is its own sshd on port 2222 with its own ed25519 host key; the
# PostgreSQL clusters are Debian postgresql-common clusters (${CL}_primary,
# ${CL}_standby), so `pg_ctlcluster VERSION ${CL}_standby promote` works as
# on real hosts. Everything lives in build/lab/ and everything started is
# recorded by pid; `down` stops exactly that and removes build/lab/.
#
# LAB_NET=N (0..9, default 0) moves every address to 127.N.x.y and names
# the clusters drlabN_*, so several checkouts can run their own labs at once.
# LAB_DIR=DIR (default build/lab) puts the lab's files elsewhere, so one
# checkout can run several labs (on different LAB_NETs) at once.
#
# usage: lab.sh deps|up|down|status|load [SECONDS]|backup [TYPE]|backup-today [TYPE]|demo BINARY
#        lab.sh stop-sshd ADDR|start-sshd ADDR|rekey ADDR|restore-key ADDR
#        lab.sh stop-standby|start-standby|rebuild-standby
#        lab.sh s3-put KEY FILE [BUCKET]|s3-rm KEY [BUCKET]
#        lab.sh ssh-hosts N    N extra sshd hosts on 127.N.50.x (benchmarks)
#        lab.sh set-db-role SITE primary|standby PEER SLOT   (the site's inventory)
#        lab.sh reseed SITE MASTER SLOT   (pg_rewind, else pg_basebackup; fail-back)

#        lab.sh stop-couch primary|secondary|start-couch primary|secondary
#        lab.sh pause-couch SITE|resume-couch SITE (SIGSTOP: a server that accepts and never answers)
#        lab.sh block-couch-replication|unblock-couch-replication|restart-couch-replication
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TPL=$ROOT/tests/lab
LAB=${LAB_DIR:-$ROOT/build/lab}
RUN=$LAB/run
PGVER=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
SSH_PORT=2222
PG_PORT=5433
NET=${LAB_NET:-0}
case $NET in [0-9]) ;; *) echo "lab: LAB_NET must be 0..9" >&2; exit 2 ;; esac
P=127.$NET.20	# primary site prefix
S=127.$NET.30	# secondary site prefix
CL=drlab$([ "$NET" = 0 ] || echo "$NET")	# cluster name prefix
P_ADDRS="$P.10 $P.11 $P.12 $P.20 $P.30"
S_ADDRS="$S.10 $S.11 $S.12 $S.20 $S.30"
S3_ADDR=127.$NET.40.10
S3_PORT=4568
S3_REGION=us-east-1
S3_KEY=S3RVER
S3_SECRET=S3RVER
HANG_ADDR=$P.99
AWS_ADDR=127.$NET.40.20	# AWS stand-in: moto (RDS, STS) and the AWS Backup stub, when moto is installed
MOTO_PORT=5000
BACKUP_PORT=5001
P_ENV=labprod
S_ENV=backup-labprod
PG_BUCKET=dimagi-$P_ENV-postgres-backups

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: %s\n' "$*" >&2; exit 2; }
need_root() { [ "$(id -u)" = 0 ] || die "the lab needs root (PostgreSQL clusters, sshd on loopback addresses); run it as root or in CI"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

as_pg() { runuser -u postgres -- "$@"; }

site_of() { case "$1" in "$P".*) echo primary ;; "$S".*) echo secondary ;; *) echo none ;; esac; }

# ---- npm dependencies -------------------------------------------------------
cmd_deps() {
	command -v npm >/dev/null || die "npm is missing (make deps-test installs it)"
	if [ ! -x "$TPL/node_modules/.bin/s3rver" ] || [ ! -x "$TPL/node_modules/.bin/pouchdb-server" ]; then
		log "installing npm packages from tests/lab/package-lock.json"
		# --ignore-scripts: leveldown's native build needs a download; the lab runs CouchDB in memory
		(cd "$TPL" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed"
	fi
}

# ---- sshd per host ------------------------------------------------------------
sshd_conf() {	# addr
	local a=$1 site d=$LAB/ssh/$1
	site=$(site_of "$a")
	mkdir -p "$d"
	[ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$a" -f "$d/ssh_host_ed25519_key"
	cat > "$d/sshd_config" <<EOF
ListenAddress $a:$SSH_PORT
HostKey $d/ssh_host_ed25519_key
PidFile $RUN/sshd-$a.pid
AuthorizedKeysFile $LAB/keys/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
MaxStartups 200
MaxSessions 64
LogLevel VERBOSE
Subsystem sftp internal-sftp
# HOME: remote commands must not pay for the login user's shell rc files
# (bash sources ~/.bashrc for commands run by sshd)
# PGHOST/PGPORT: the host's own cluster, as the default socket is on a real host
SetEnv HOME=$LAB/home DRLAB_SITE=$site DRLAB_DIR=$LAB DRLAB_PG_CLUSTER=${CL}_$([ "$site" = primary ] && echo primary || echo standby) PGHOST=$LAB/pg/$([ "$site" = primary ] && echo primary || echo standby) PGPORT=$PG_PORT DRLAB_AWS_RDS=http://$AWS_ADDR:$MOTO_PORT DRLAB_AWS_BACKUP=http://$AWS_ADDR:$BACKUP_PORT PATH=$LAB/sites/$site/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
}

start_sshd() {	# addr
	local a=$1
	pid_alive "$RUN/sshd-$a.pid" && return 0
	sshd_conf "$a"
	/usr/sbin/sshd -f "$LAB/ssh/$a/sshd_config" -E "$LAB/logs/sshd-$a.log" || die "sshd on $a failed (see $LAB/logs/sshd-$a.log)"
	for _ in $(seq 50); do pid_alive "$RUN/sshd-$a.pid" && return 0; sleep 0.1; done
	die "sshd on $a did not start"
}

stop_pidfile() {	# pidfile
	local f=$1 p
	[ -f "$f" ] || return 0
	p=$(cat "$f")
	if kill -0 "$p" 2>/dev/null; then
		kill "$p" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	fi
	rm -f "$f"
}

known_hosts_for() {	# site addrs...
	local a
	for a in "$@"; do
		printf '[%s]:%s %s\n' "$a" "$SSH_PORT" "$(cut -d' ' -f1-2 "$LAB/ssh/$a/ssh_host_ed25519_key.pub")"
	done
}

# ---- PostgreSQL ---------------------------------------------------------------
pg_conf() {	# cluster addr sockdir
	local c=$1 a=$2 sock=$3
	mkdir -p "$sock"; chown postgres:postgres "$sock"
	cat > "/etc/postgresql/$PGVER/$c/conf.d/drlab.conf" <<EOF
listen_addresses = '$a'
unix_socket_directories = '$sock'
wal_level = replica
max_wal_senders = 8
max_replication_slots = 8
hot_standby = on
wal_keep_size = 128MB
wal_sender_timeout = 60s
wal_receiver_status_interval = 2s
# pg_rewind (fail-back re-seeds the old primary by rewinding it)
wal_log_hints = on
EOF
	cat > "/etc/postgresql/$PGVER/$c/pg_hba.conf" <<EOF
local all postgres peer
local all all peer
host replication hqrepl 127.0.0.0/8 scram-sha-256
host all all 127.0.0.0/8 scram-sha-256
EOF
	chown postgres:postgres "/etc/postgresql/$PGVER/$c/conf.d/drlab.conf" "/etc/postgresql/$PGVER/$c/pg_hba.conf"
	chmod 644 "/etc/postgresql/$PGVER/$c/conf.d/drlab.conf"
	chmod 640 "/etc/postgresql/$PGVER/$c/pg_hba.conf"
}

pg_pass_files() {
	(umask 077; printf '*:%s:*:drconsole_monitor:lab-monitor\n*:%s:*:hqrepl:lab-repl\n*:%s:*:hqrewind:lab-rewind\n' "$PG_PORT" "$PG_PORT" "$PG_PORT" > "$LAB/pgpass")
	cp "$LAB/pgpass" "$LAB/pg/pgpass.postgres"
	chown postgres:postgres "$LAB/pg/pgpass.postgres"
	chmod 600 "$LAB/pg/pgpass.postgres"
}

psql_primary() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$LAB/pg/primary" -p "$PG_PORT" "$@"; }

setup_primary() {
	if ! pg_lsclusters -h | awk '{print $2}' | grep -qx ${CL}_primary; then
		pg_createcluster "$PGVER" ${CL}_primary -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
	fi
	pg_conf ${CL}_primary $P.20 "$LAB/pg/primary"
	pg_ctlcluster "$PGVER" ${CL}_primary status >/dev/null 2>&1 || pg_ctlcluster "$PGVER" ${CL}_primary start
	psql_primary -d postgres <<'EOF'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hqrepl') THEN
    CREATE ROLE hqrepl LOGIN REPLICATION PASSWORD 'lab-repl';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drconsole_monitor') THEN
    CREATE ROLE drconsole_monitor LOGIN PASSWORD 'lab-monitor' IN ROLE pg_monitor;
  END IF;
  -- pg_rewind's source role: not a superuser, the functions it calls (PostgreSQL docs, pg_rewind)
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hqrewind') THEN
    CREATE ROLE hqrewind LOGIN PASSWORD 'lab-rewind';
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO hqrewind;
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO hqrewind;
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO hqrewind;
    GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO hqrewind;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'standby1') THEN
    PERFORM pg_create_physical_replication_slot('standby1');
  END IF;
END $$;
EOF
	psql_primary -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'commcarehq'" | grep -q 1 ||
		psql_primary -d postgres -c "CREATE DATABASE commcarehq"
	psql_primary -d commcarehq -c "CREATE TABLE IF NOT EXISTS form_submissions (id bigserial PRIMARY KEY, received timestamptz DEFAULT now(), body text)"
}

setup_standby() {
	local data=/var/lib/postgresql/$PGVER/${CL}_standby
	if pg_lsclusters -h | awk '{print $2}' | grep -qx ${CL}_standby; then
		pg_conf ${CL}_standby $S.20 "$LAB/pg/standby"
		pg_ctlcluster "$PGVER" ${CL}_standby status >/dev/null 2>&1 || pg_ctlcluster "$PGVER" ${CL}_standby start
		return 0
	fi
	pg_createcluster "$PGVER" ${CL}_standby -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
	pg_conf ${CL}_standby $S.20 "$LAB/pg/standby"
	rm -rf "${data:?}"/*
	as_pg env PGPASSFILE="$LAB/pg/pgpass.postgres" pg_basebackup -h $P.20 -p "$PG_PORT" -U hqrepl \
		-D "$data" -R -S standby1 -X stream -c fast -w >/dev/null
	pg_ctlcluster "$PGVER" ${CL}_standby start
	wait_standby_caught_up
}

# A standby just built is not ready until it streams and has replayed all the
# WAL its upstream has sent: until then its lag is unknown, which is what the
# probes say. Tests that rebuild it expect a healthy standby, so wait (30 s at most).
wait_standby_caught_up() {
	local v
	for _ in $(seq 150); do
		v=$(as_pg psql -X -At -h "$LAB/pg/standby" -p "$PG_PORT" -d postgres -c \
			"SELECT count(*) FROM pg_stat_wal_receiver w WHERE w.status = 'streaming' AND pg_last_wal_replay_lsn() >= w.latest_end_lsn" 2>/dev/null || true)
		[ "$v" = 1 ] && return 0
		sleep 0.2
	done
	log "the standby has not caught up with its upstream after 30 s"
}

# ---- S3 -------------------------------------------------------------------------
s3_curl() {	# curl args... (signed with the lab's keys; the secret goes via a netrc-style config file, not argv)
	curl -sS --fail-with-body --max-time 20 --aws-sigv4 "aws:amz:$S3_REGION:s3" -K "$LAB/s3.curlrc" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

start_s3() {
	pid_alive "$RUN/s3rver.pid" && return 0
	mkdir -p "$LAB/s3"
	(umask 077; printf 'user = "%s:%s"\n' "$S3_KEY" "$S3_SECRET" > "$LAB/s3.curlrc")
	local args=()
	for b in "$PG_BUCKET" "dimagi-$P_ENV-couch-backups" "dimagi-$P_ENV-blobdb-backups"; do
		args+=(--configure-bucket "$b")
	done
	# s3rver's continuation tokens are DES-encrypted: OpenSSL 3 needs its legacy provider for that
	local legacy=""
	node --openssl-legacy-provider -e 0 >/dev/null 2>&1 && legacy=--openssl-legacy-provider
	nohup node $legacy "$TPL/node_modules/s3rver/bin/s3rver.js" -d "$LAB/s3" -a "$S3_ADDR" -p "$S3_PORT" -s "${args[@]}" \
		</dev/null > "$LAB/logs/s3rver.log" 2>&1 &
	echo $! > "$RUN/s3rver.pid"
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://$S3_ADDR:$S3_PORT/" && return 0
		sleep 0.1
	done
	die "s3rver did not start (see $LAB/logs/s3rver.log)"
}

s3_put() {	# key file [bucket]
	s3_curl -o /dev/null -T "$2" "http://$S3_ADDR:$S3_PORT/${3:-$PG_BUCKET}/$1"
}

s3_rm() {	# key [bucket]
	s3_curl -o /dev/null -X DELETE "http://$S3_ADDR:$S3_PORT/${2:-$PG_BUCKET}/$1"
}

# ---- CouchDB (pouchdb-server, in memory) -------------------------------------------
start_couch() {	# addr name
	local a=$1 n=$2
	pid_alive "$RUN/couch-$n.pid" && return 0
	mkdir -p "$LAB/couch/$n"
	# exec: the recorded pid is node's own, and no shell keeps the caller's stdout open
	(cd "$LAB/couch/$n" && exec node "$TPL/node_modules/pouchdb-server/bin/pouchdb-server" --in-memory \
		-o "$a" -p 15984) </dev/null > "$LAB/logs/couch-$n.log" 2>&1 &
	echo $! > "$RUN/couch-$n.pid"
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://$a:15984/" && break
		sleep 0.1
	done
	curl -sS -o /dev/null -X PUT "http://$a:15984/commcarehq" || die "couch on $a did not start"
}

# The replication is a _replicator document on the primary (not a POST
# /_replicate): pouchdb-server 4.2 has no /_scheduler and its /_active_tasks
# is a stub that always answers [], so the document (with its
# _replication_state) is the only place a probe can see the replication.
# PUT of an existing id answers 409: idempotent. Deleting a _replicator
# document makes pouchdb-server 4.2 crash (an unhandled rejection once the
# cancelled replication completes), so replications are never cancelled.
COUCH_REP_DOC=drlab-primary-to-secondary
start_couch_replication() {	# [doc id suffix]
	local code id=$COUCH_REP_DOC${1:+-$1}
	# already there (lab up on a running lab): a triggered replication document
	# cannot be written again (403), and need not be
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://$P.30:15984/_replicator/$id")
	[ "$code" = 200 ] && return 0
	code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -X PUT \
		"http://$P.30:15984/_replicator/$id" \
		-d "{\"source\":\"http://$P.30:15984/commcarehq\",\"target\":\"http://$S.30:15984/commcarehq\",\"continuous\":true${1:+,\"drlab_generation\":\"$1\"}}")
	case $code in 201|202|409) ;; *) die "couch replication document $id: HTTP $code" ;; esac
}

couch_addr() {	# primary|secondary
	case $1 in primary) echo $P.30 ;; secondary) echo $S.30 ;; *) die "couch: primary or secondary, not '$1'" ;; esac
}

# A real plain-mode backup of the primary, named and uploaded as create_postgres_dump.sh does.
cmd_backup() {
	local type=${1:-daily} date dir name
	date=$(date -u +%Y_%m_%d)
	[ "$type" = hourly ] && date=$(date -u +%Y_%m_%d_%H)
	dir=$LAB/sites/primary/opt/data/backups/postgresql
	name=postgres_${P_ENV}_${type}_${date}
	mkdir -p "$dir"; chown postgres:postgres "$dir"
	rm -rf "${dir:?}/$name"
	as_pg env PGPASSFILE="$LAB/pg/pgpass.postgres" pg_basebackup -h $P.20 -p "$PG_PORT" -U hqrepl \
		-Fp -Xs -c fast -D "$dir/$name" -w
	tar -C / -czf "$dir/$name.tar.gz" "${dir#/}/$name"
	rm -rf "${dir:?}/$name"
	s3_put "$name.tar.gz" "$dir/$name.tar.gz"
	# the versioned fixed-key convention of the same backup
	s3_put "postgres_${type}_db0-$P_ENV.tar.gz" "$dir/$name.tar.gz"
	printf '[OK] Last %s postgres backup is %s.tar.gz\n' "$type" "$name" > "$dir/s3_backup_status.txt"
	echo "$name.tar.gz" > "$LAB/last-backup-$type"
	log "backup $name.tar.gz ($(du -h "$dir/$name.tar.gz" | cut -f1)) uploaded to $PG_BUCKET"
}

# The dated key of this day's (or hour's) backup, taken now if the lab has none:
# a suite that started before midnight still finds "today's" backup after it.
cmd_backup_today() {
	local type=${1:-daily} date
	date=$(date -u +%Y_%m_%d)
	[ "$type" = hourly ] && date=$(date -u +%Y_%m_%d_%H)
	[ -f "$LAB/sites/primary/opt/data/backups/postgresql/postgres_${P_ENV}_${type}_${date}.tar.gz" ] &&
		[ "$(cat "$LAB/last-backup-$type" 2>/dev/null)" = "postgres_${P_ENV}_${type}_${date}.tar.gz" ] ||
		cmd_backup "$type" >&2
	cat "$LAB/last-backup-$type"
}

seed_s3() {
	local tmp old
	tmp=$(mktemp)
	echo "lab placeholder: an older backup" > "$tmp"
	old=$(date -u -d '3 days ago' +%Y_%m_%d)
	# the latest Sunday, today included: what the weekly cron (0 <nadir> * * 0) last named
	s3_put "postgres_${P_ENV}_weekly_$(date -u -d "$(date -u +%w) days ago" +%Y_%m_%d).tar.gz" "$tmp"
	s3_put "postgres_${P_ENV}_daily_$old.tar.gz" "$tmp"
	s3_put "couchdb_daily_$old.tar.gz" "$tmp" "dimagi-$P_ENV-couch-backups"
	rm -f "$tmp"
}

# ---- env dirs, config, stand-ins -------------------------------------------------
# The database role a site's inventory gives its db host: "primary PEER SLOT"
# (PEER streams from it through SLOT) or "standby MASTER SLOT". The start:
# the primary's db is the primary, the secondary's its standby. A fail-back
# moves them (set-db-role) and back.
db_role() {	# site
	if [ -f "$LAB/db-role-$1" ]; then cat "$LAB/db-role-$1"
	elif [ "$1" = primary ]; then echo "primary $S.20 standby1"
	else echo "standby $P.20 standby1"
	fi
}

write_env() {	# site env deploy_env prefix($P|$S)
	local site=$1 env=$2 b=$4 d=$LAB/environments/$2 role peer slot
	read -r role peer slot < <(db_role "$site")
	mkdir -p "$d"
	{
		printf '# Lab environment (generated by tests/lab/lab.sh)\n'
		printf '[control_a0]\n%s.10 hostname=control-a0-%s ansible_port=%s\n' "$b" "$env" "$SSH_PORT"
		printf '[proxy_a0]\n%s.11 hostname=proxy-a0-%s ansible_port=%s\n' "$b" "$env" "$SSH_PORT"
		printf '[web_a0]\n%s.12 hostname=web-a0-%s ansible_port=%s\n' "$b" "$env" "$SSH_PORT"
		if [ "$role" = primary ]; then
			printf '[db_a0]\n%s.20 hostname=db-a0-%s ansible_port=%s hot_standby_server=%s postgresql_replication_slots="[\x27%s\x27]"\n' "$b" "$env" "$SSH_PORT" "$peer" "$slot"
		else
			printf '[db_a0]\n%s.20 hostname=db-a0-%s ansible_port=%s hot_standby_master=%s replication_slot=%s\n' "$b" "$env" "$SSH_PORT" "$peer" "$slot"
		fi
		printf '[control:children]\ncontrol_a0\n[proxy:children]\nproxy_a0\n'
		printf '[webworkers:children]\nweb_a0\n[celery:children]\nweb_a0\n[pillowtop:children]\nweb_a0\n'
		printf '[django_manage:children]\nwebworkers\n'
		if [ "$role" = primary ]; then
			printf '[postgresql:children]\ndb_a0\n[pg_standby:children]\n'
		else
			printf '[postgresql:children]\n[pg_standby:children]\ndb_a0\n'
		fi
		if [ "$site" = primary ]; then printf '[pg_backup:children]\ndb_a0\n'; fi
		printf '[couch_a0]\n%s.30 hostname=couch-a0-%s ansible_port=%s\n' "$b" "$env" "$SSH_PORT"
		printf '[couchdb2:children]\ncouch_a0\n[shared_dir_host:children]\ndb_a0\n'
	} > "$d/inventory.ini"
	cat > "$d/meta.yml" <<EOF
deploy_env: $3
env_monitoring_id: $3
users:
  - dimagi
slack_alerts_channel: alerts-$3
EOF
	cat > "$d/public.yml" <<EOF
aws_region: $S3_REGION
aws_endpoint: http://$S3_ADDR:$S3_PORT
aws_versioning_enabled: false
backup_postgres: plain
postgres_s3: $([ "$site" = primary ] && echo True || echo False)
postgresql_backup_days: 1
postgresql_backup_weeks: 1
nadir_hour: 2
backup_couch: False
backup_blobdb: False
postgres_snapshot_bucket: dimagi-$P_ENV-postgres-backups
commcare_cloud_remote_user: $(id -un)
# where the lab backup writes; the same in both envs, as in a copied env dir
postgresql_backup_dir: $LAB/sites/primary/opt/data/backups/postgresql
couch_dbs:
  default:
    host: "{{ groups.couchdb2.0 }}"
    port: 15984
    name: commcarehq
localsettings:
  HQ_INSTANCE: '$([ "$site" = primary ] && echo www || echo backup.www)'
EOF
	cat > "$d/postgresql.yml" <<EOF
DEFAULT_POSTGRESQL_HOST: db_a0
dbs:
  main:
    host: db_a0
  formplayer:
    host: db_a0
  ucr:
    host: db_a0
postgres_override:
  postgresql_version: '$PGVER'
EOF
	printf 'SITE_HOST: %s\n' "$([ "$site" = primary ] && echo www.labprod.example || echo backup.www.labprod.example)" > "$d/proxy.yml"
	printf 'celery_processes:\n  web_a0:\n    repeat_record_queue:\n      concurrency: 2\n' > "$d/app-processes.yml"
	printf '{}\n' > "$d/fab-settings.yml"
}

# A crontab stand-in per site: the lab's hosts share this machine, whose own
# crontabs are never touched. The primary's postgres user gets the backup
# jobs commcare-cloud installs on pg_backup hosts (create_postgres_dump.sh
# prunes old backups on every run), so a restore can pause and resume them.
write_crontab_standin() {	# site
	local site=$1 bin=$LAB/sites/$1/bin
	cat > "$bin/crontab" <<EOF
#!/usr/bin/env bash
# LAB STAND-IN for crontab: [-u USER] -l|-r|FILE|-, one file per user under the lab.
set -u
u=\$(id -un)
[ "\${1:-}" = -u ] && { u=\$2; shift 2; }
f=$LAB/sites/$site/crontab.\$u
case "\${1:-}" in
-l) [ -f "\$f" ] || { echo "no crontab for \$u" >&2; exit 1; }; cat "\$f" ;;
-) cat > "\$f.tmp" && mv "\$f.tmp" "\$f" ;;
-r) rm -f "\$f" ;;
*) [ -f "\${1:-}" ] && cp "\$1" "\$f" || { echo "usage: crontab [-u USER] -l|-r|FILE|-" >&2; exit 1; } ;;
esac
EOF
	chmod +x "$bin/crontab"
	if [ "$site" = primary ] && [ ! -f "$LAB/sites/$site/crontab.postgres" ]; then
		cat > "$LAB/sites/$site/crontab.postgres" <<EOF
#Ansible: Create Daily Backup
0 0 * * 1-6 /usr/local/sbin/create_postgres_dump.sh daily
#Ansible: Create Weekly Backup
0 0 * * 0 /usr/local/sbin/create_postgres_dump.sh weekly
EOF
	fi
}

write_standin() {	# site env
	local site=$1 env=$2 bin=$LAB/sites/$1/bin
	mkdir -p "$bin"
	cat > "$bin/commcare-cloud" <<EOF
#!/usr/bin/env bash
# LAB STAND-IN for commcare-cloud: logs every invocation and performs the few
# effects drconsole's lab runbooks rely on. It is not commcare-cloud.
set -u
site=$site env=$env lab=$LAB
log=\$lab/sites/\$site/commcare-cloud.log
printf '%s %s %s\n' "\$(date -u +%Y-%m-%dT%H:%M:%SZ)" "\$site" "\$*" >> "\$log"
case "\${1:-}" in --help|-h|"") echo "commcare-cloud (drconsole lab stand-in): ENV downtime|run-shell-command|service|update-config|deploy|django-manage|validate-environment-settings|ap"; exit 0 ;; esac
[ "\$1" = "\$env" ] || { echo "commcare-cloud (lab stand-in): unknown environment '\$1' (this is \$env)" >&2; exit 2; }
shift
app_pid=\$lab/run/app-\$site.pid
case "\${1:-} \${2:-}" in
"downtime start")
	if [ -f "\$app_pid" ] && kill -0 "\$(cat "\$app_pid")" 2>/dev/null; then kill "\$(cat "\$app_pid")"; fi
	rm -f "\$app_pid"; echo "supervisor processes stopped on \$env" ;;
"downtime end")
	if ! { [ -f "\$app_pid" ] && kill -0 "\$(cat "\$app_pid")" 2>/dev/null; }; then
		nohup sleep 1000000 >/dev/null 2>&1 & echo \$! > "\$app_pid"
	fi
	echo "supervisor processes started on \$env" ;;
"service nginx")
	echo "nginx \${3:-status} on \$env (lab stand-in: no nginx)" ;;
"service postgresql")
	case "\${3:-status}" in
	stop|start|status) c=${CL}_\$([ \$site = primary ] && echo primary || echo standby); exec pg_ctlcluster $PGVER "\$c" "\${3:-status}" ;;
	*) echo "unsupported: service postgresql \${3:-}" >&2; exit 2 ;;
	esac ;;
"run-shell-command "*)
	shift 2; while [ "\${1:-}" = -b ] || [ "\${1:-}" = --become-user ] || [ "\${1:-}" = --silence-warnings ]; do
		[ "\$1" = --become-user ] && shift; shift; done
	exec bash -c "\$1" ;;
"update-config "*|"deploy "*|"django-manage "*|"validate-environment-settings "*|"ap "*|"ansible-playbook "*)
	echo "ok (lab stand-in): \$*" ;;
*) echo "commcare-cloud (lab stand-in): unsupported command: \$*" >&2; exit 2 ;;
esac
EOF
	chmod +x "$bin/commcare-cloud"
	ln -sf commcare-cloud "$bin/cchq"
	write_crontab_standin "$site"
	# LAB TOOLS for the lab's fail-back runbook (not commcare-cloud): what an
	# operator does by hand or with setup_pg_standby.yml on real hosts
	cat > "$bin/drlab-set-db-role" <<EOF
#!/usr/bin/env bash
# usage: drlab-set-db-role primary PEER SLOT | standby MASTER SLOT
# rewrites this site's env dir (inventory.ini: db_a0's group and variables)
exec env LAB_NET=$NET LAB_DIR=$LAB "$TPL/lab.sh" set-db-role $site "\$@"
EOF
	cat > "$bin/drlab-reseed" <<EOF
#!/usr/bin/env bash
# usage: drlab-reseed MASTER SLOT
# makes this host's PostgreSQL cluster a streaming standby of MASTER through
# SLOT: pg_rewind when the timelines allow it, else pg_basebackup (wipes it)
exec env LAB_NET=$NET LAB_DIR=$LAB "$TPL/lab.sh" reseed $site "\$@"
EOF
	chmod +x "$bin/drlab-set-db-role" "$bin/drlab-reseed"
	if ! pid_alive "$RUN/app-$site.pid"; then
		nohup sleep 1000000 >/dev/null 2>&1 &
		echo $! > "$RUN/app-$site.pid"
	fi
}

write_config() {
	cat > "$LAB/drconsole.yml" <<EOF
# drconsole configuration for the loopback lab (generated by tests/lab/lab.sh)
objectives: { rpo: 15m, rto: 2h, drill_every: 0 }  # cadence: tests/integration/drills.test.sh
sites:
  primary:   { env_dir: environments/$P_ENV,   control: control }
  secondary: { env_dir: environments/$S_ENV, control: control, drill_target: true }
ssh:
  user: $(id -un)
  identity_file: keys/operator
  known_hosts: keys/user_known_hosts
  agent: false
  connect_timeout: 3s
postgres: { user: drconsole_monitor, dbname: postgres, port: $PG_PORT, sslmode: disable, connect_timeout: 3s }
s3:
  region: $S3_REGION
  path_style: true
  access_key_env: LAB_S3_ACCESS_KEY
  secret_key_env: LAB_S3_SECRET_KEY
  timeout: 5s
refresh: 5s
probe_timeout: 5s
runbooks: [$ROOT/runbooks/failover.yml, $ROOT/runbooks/lab/failover.yml]
state_dir: state
lock_dir: $LAB/locks
EOF
	: > "$LAB/keys/user_known_hosts"
	cat > "$LAB/lab.env" <<EOF
LAB_DIR=$LAB
LAB_NET=$NET
LAB_PRIMARY_PREFIX=$P
LAB_SECONDARY_PREFIX=$S
LAB_CONFIG=$LAB/drconsole.yml
LAB_PRIMARY_ENV=$LAB/environments/$P_ENV
LAB_SECONDARY_ENV=$LAB/environments/$S_ENV
LAB_SSH_USER=$(id -un)
LAB_SSH_KEY=$LAB/keys/operator
LAB_SSH_PORT=$SSH_PORT
LAB_PRIMARY_HOSTS="$P_ADDRS"
LAB_SECONDARY_HOSTS="$S_ADDRS"
LAB_PG_VERSION=$PGVER
LAB_PG_PRIMARY_CLUSTER=${CL}_primary
LAB_PG_STANDBY_CLUSTER=${CL}_standby
LAB_PG_PRIMARY_HOST=$P.20
LAB_PG_STANDBY_HOST=$S.20
LAB_PG_PORT=$PG_PORT
LAB_PG_MONITOR_USER=drconsole_monitor
LAB_PGPASSFILE=$LAB/pgpass
LAB_S3_ENDPOINT=http://$S3_ADDR:$S3_PORT
LAB_S3_REGION=$S3_REGION
LAB_S3_ACCESS_KEY=$S3_KEY
LAB_S3_SECRET_KEY=$S3_SECRET
LAB_S3_BUCKET_PG=$PG_BUCKET
LAB_COUCH_PRIMARY_URL=http://$P.30:15984
LAB_COUCH_SECONDARY_URL=http://$S.30:15984
LAB_HANG_ADDR=$HANG_ADDR
LAB_HANG_PORT=$SSH_PORT
EOF
	if aws_available; then
		cat >> "$LAB/lab.env" <<EOF
LAB_AWS_ENDPOINT_RDS=http://$AWS_ADDR:$MOTO_PORT
LAB_AWS_ENDPOINT_STS=http://$AWS_ADDR:$MOTO_PORT
LAB_AWS_ENDPOINT_BACKUP=http://$AWS_ADDR:$BACKUP_PORT
LAB_AWS_ACCESS_KEY=LABAWSKEY
LAB_AWS_SECRET_KEY=lab-aws-secret
LAB_AWS_BACKUP_LOG=$LAB/logs/aws-backup-requests.log
EOF
	fi
}

# ---- AWS stand-in -----------------------------------------------------------------
# moto serves RDS and STS; tests/lab/aws_backup_stub.py answers AWS Backup's
# recovery-point listing from recorded pages. Seeded with the RDS instances of
# tests/fixtures/envs-aws/production. Skipped (with a line) when moto is missing.
aws_available() { command -v moto_server >/dev/null 2>&1 && python3 -c 'import boto3' 2>/dev/null; }

start_aws() {
	aws_available || { log "no AWS stand-in: moto_server or boto3 is not installed"; return 0; }
	if ! pid_alive "$RUN/moto.pid"; then
		nohup moto_server -H "$AWS_ADDR" -p "$MOTO_PORT" </dev/null > "$LAB/logs/moto.log" 2>&1 &
		echo $! > "$RUN/moto.pid"
	fi
	if ! pid_alive "$RUN/aws-backup.pid"; then
		nohup python3 "$ROOT/tests/lab/aws_backup_stub.py" "$AWS_ADDR" "$BACKUP_PORT" "$ROOT/tests/fixtures/aws" \
			"$LAB/logs/aws-backup-requests.log" "http://$AWS_ADDR:$MOTO_PORT" </dev/null > "$LAB/logs/aws-backup.log" 2>&1 &
		echo $! > "$RUN/aws-backup.pid"
	fi
	for _ in $(seq 300); do
		curl -s -o /dev/null "http://$AWS_ADDR:$MOTO_PORT/" && curl -s -o /dev/null "http://$AWS_ADDR:$BACKUP_PORT/" && break
		sleep 0.1
	done
	python3 - "http://$AWS_ADDR:$MOTO_PORT" <<'PY' || die "the AWS stand-in did not start (see $LAB/logs/moto.log)"
import sys, boto3
rds = boto3.client("rds", region_name="us-east-1", endpoint_url=sys.argv[1],
                   aws_access_key_id="LABAWSKEY", aws_secret_access_key="lab-aws-secret")
have = {i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]}
for n in ["pgmain1", "pgformplayer2", "pgucr0", "pgsynclog2", "pgauditcare1"] + [f"pgshard{i}" for i in range(1, 6)]:
    if f"{n}-production" not in have:
        rds.create_db_instance(DBInstanceIdentifier=f"{n}-production", DBInstanceClass="db.m5.xlarge",
                               Engine="postgres", EngineVersion="14.18", AllocatedStorage=100, MultiAZ=True,
                               BackupRetentionPeriod=7, MasterUsername="u", MasterUserPassword="password123")
PY
	lab_aws_cli
}

# The control hosts' AWS CLI (Debian's awscli in /usr/bin, on their PATH; else the
# one on this PATH, linked into theirs) and the lab's credentials in the lab home's
# ~/.aws, as an operator's control host has them; runbooks/lab/restore-aws.yml
# points it at the stand-in with --endpoint-url.
lab_aws_cli() {
	local cli site
	for site in primary secondary; do
		mkdir -p "$LAB/sites/$site/bin"
		rm -f "$LAB/sites/$site/bin/aws"
	done
	if [ ! -x /usr/bin/aws ]; then
		cli=$(command -v aws 2>/dev/null) || { log "no AWS CLI: restore-aws drills are skipped (make deps-test installs awscli)"; return 0; }
		case $cli in */.pyenv/shims/*) cli=$(pyenv which aws 2>/dev/null) || return 0 ;; esac
		for site in primary secondary; do ln -sf "$cli" "$LAB/sites/$site/bin/aws"; done
	fi
	mkdir -p "$LAB/home/.aws"
	printf '[default]\naws_access_key_id = LABAWSKEY\naws_secret_access_key = lab-aws-secret\n' > "$LAB/home/.aws/credentials"
	printf '[default]\nregion = us-east-2\noutput = text\n' > "$LAB/home/.aws/config"
	chmod 600 "$LAB/home/.aws/credentials"
}

start_hang() {
	pid_alive "$RUN/hang.pid" && return 0
	nohup python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c)   # accept and never speak
' "$HANG_ADDR" "$SSH_PORT" </dev/null > "$LAB/logs/hang.log" 2>&1 &
	echo $! > "$RUN/hang.pid"
}

cmd_up() {
	local t0=$SECONDS a
	need_root
	[ -n "$PGVER" ] || die "no PostgreSQL server installed (make deps-test installs it)"
	cmd_deps
	mkdir -p "$LAB"/{run,logs,keys,pg,home,environments,sites/primary,sites/secondary} /run/sshd
	chmod 755 "$LAB" "$LAB/pg"
	[ -f "$LAB/keys/operator" ] || ssh-keygen -q -t ed25519 -N '' -C drconsole-lab-operator -f "$LAB/keys/operator"
	cp "$LAB/keys/operator.pub" "$LAB/keys/authorized_keys"
	for a in $P_ADDRS $S_ADDRS; do start_sshd "$a"; done
	start_hang
	pg_pass_files
	setup_primary
	setup_standby
	start_s3
	start_aws
	start_couch $P.30 primary
	start_couch $S.30 secondary
	start_couch_replication
	write_env primary "$P_ENV" "$P_ENV" "$P"
	write_env secondary "$S_ENV" "$S_ENV" "$S"
	known_hosts_for $P_ADDRS > "$LAB/environments/$P_ENV/known_hosts"
	known_hosts_for $S_ADDRS > "$LAB/environments/$S_ENV/known_hosts"
	write_standin primary "$P_ENV"
	write_standin secondary "$S_ENV"
	write_config
	seed_s3
	cmd_backup daily >/dev/null 2>&1 || cmd_backup daily
	log "up in $((SECONDS - t0))s; config: $LAB/drconsole.yml"
}

cmd_down() {
	local f
	for f in "$RUN"/*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
	if command -v pg_lsclusters >/dev/null 2>&1; then
		for c in ${CL}_standby ${CL}_primary; do
			if pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx "$c"; then
				pg_dropcluster --stop "$PGVER" "$c" || true
				rm -rf "/etc/postgresql/$PGVER/$c"
			fi
		done
	fi
	rm -rf "$LAB"
	log "down"
}

cmd_status() {
	local bad=0 a
	[ -d "$LAB" ] || { echo "lab is down"; return 1; }
	for a in $P_ADDRS $S_ADDRS; do
		if pid_alive "$RUN/sshd-$a.pid"; then echo "healthy    sshd $a:$SSH_PORT"; else echo "UNHEALTHY  sshd $a:$SSH_PORT"; bad=1; fi
	done
	if pg_isready -q -h $P.20 -p "$PG_PORT"; then echo "healthy    postgresql primary $P.20:$PG_PORT"; else echo "UNHEALTHY  postgresql primary"; bad=1; fi
	if pg_isready -q -h $S.20 -p "$PG_PORT"; then
		if [ "$(as_pg psql -X -h "$LAB/pg/standby" -p "$PG_PORT" -d postgres -tAc 'select status from pg_stat_wal_receiver')" = streaming ]; then
			echo "healthy    postgresql standby $S.20:$PG_PORT (streaming)"
		else
			echo "UNHEALTHY  postgresql standby: not streaming"; bad=1
		fi
	else
		echo "UNHEALTHY  postgresql standby"; bad=1
	fi
	if s3_curl -o /dev/null "http://$S3_ADDR:$S3_PORT/$PG_BUCKET?list-type=2" 2>/dev/null; then echo "healthy    s3 $S3_ADDR:$S3_PORT"; else echo "UNHEALTHY  s3"; bad=1; fi
	for n in primary secondary; do
		if pid_alive "$RUN/couch-$n.pid"; then echo "healthy    couchdb $n"; else echo "UNHEALTHY  couchdb $n"; bad=1; fi
	done
	if pid_alive "$RUN/hang.pid"; then echo "healthy    hang listener $HANG_ADDR:$SSH_PORT"; else echo "UNHEALTHY  hang listener"; bad=1; fi
	if aws_available; then
		if pid_alive "$RUN/moto.pid" && pid_alive "$RUN/aws-backup.pid"; then echo "healthy    aws stand-in $AWS_ADDR:$MOTO_PORT (moto) :$BACKUP_PORT (backup)"; else echo "UNHEALTHY  aws stand-in"; bad=1; fi
	fi
	return $bad
}

cmd_load() {
	local secs=${1:-30}
	as_pg pgbench -q -h "$LAB/pg/primary" -p "$PG_PORT" -i -s 2 commcarehq >/dev/null 2>&1 || true
	as_pg pgbench -h "$LAB/pg/primary" -p "$PG_PORT" -c 4 -T "$secs" -n commcarehq >/dev/null 2>&1
}

cmd_demo() {
	local bin=$1
	echo "The lab is up. Primary site $P.x, secondary $S.x, S3 on $S3_ADDR:$S3_PORT."
	set -a; . "$LAB/lab.env"; set +a
	export PGPASSFILE=$LAB/pgpass
	if "$bin" --help 2>&1 | grep -q '^  console'; then
		"$bin" -c "$LAB/drconsole.yml" || true
	else
		"$bin" -c "$LAB/drconsole.yml" status || true
	fi
	echo
	echo "The lab is still running. Stop it with: make lab-down"
}

# ---- fail-back: db roles and re-seeding ------------------------------------------
cmd_set_db_role() {	# site primary|standby PEER-OR-MASTER SLOT
	local site=$1 role=$2 peer=$3 slot=$4
	case $site in primary|secondary) ;; *) die "set-db-role: primary or secondary, not '$site'" ;; esac
	case $role in primary|standby) ;; *) die "set-db-role: primary or standby, not '$role'" ;; esac
	echo "$role $peer $slot" > "$LAB/db-role-$site"
	if [ "$site" = primary ]; then write_env primary "$P_ENV" "$P_ENV" "$P"; else write_env secondary "$S_ENV" "$S_ENV" "$S"; fi
	echo "$site inventory: db_a0 is $role ($peer, slot $slot)"
}

# The site's cluster becomes a standby of master through slot. pg_rewind
# (wal_log_hints = on) keeps the data directory and rewinds what diverged
# after the switch; when it cannot (no common history, a cluster that never
# shut down cleanly), pg_basebackup copies everything.
cmd_reseed() {	# site master slot
	local site=$1 master=$2 slot=$3 c data bin=/usr/lib/postgresql/$PGVER/bin how
	case $site in primary) c=${CL}_primary ;; secondary) c=${CL}_standby ;; *) die "reseed: primary or secondary" ;; esac
	data=/var/lib/postgresql/$PGVER/$c
	if pg_ctlcluster "$PGVER" "$c" status >/dev/null 2>&1; then pg_ctlcluster -m fast "$PGVER" "$c" stop; fi
	# a source promoted moments ago: its control file names the new timeline
	# only after a checkpoint, and pg_rewind reads the timeline from there
	# (pg_rewind's documentation); on a real host: psql -c CHECKPOINT on it
	case $master in
	$P.20) as_pg psql -X -q -h "$LAB/pg/primary" -p "$PG_PORT" -d postgres -c CHECKPOINT >/dev/null 2>&1 || true ;;
	$S.20) as_pg psql -X -q -h "$LAB/pg/standby" -p "$PG_PORT" -d postgres -c CHECKPOINT >/dev/null 2>&1 || true ;;
	esac
	if as_pg env PGPASSFILE="$LAB/pg/pgpass.postgres" "$bin/pg_rewind" -D "$data" \
		--source-server="host=$master port=$PG_PORT user=hqrewind dbname=postgres" 2>&1 &&
	   reseed_start "$c" "$data" "$master" "$slot"; then
		how=pg_rewind
	else
		# pg_rewind refused, or its result does not start (a minimum recovery
		# point the new timeline does not contain, seen when the source was
		# promoted moments before): the whole cluster, as an operator would
		pg_ctlcluster -m immediate "$PGVER" "$c" stop >/dev/null 2>&1 || true
		echo "pg_rewind did not apply: copying the whole cluster with pg_basebackup"
		rm -rf "${data:?}"/*
		as_pg env PGPASSFILE="$LAB/pg/pgpass.postgres" pg_basebackup -h "$master" -p "$PG_PORT" -U hqrepl \
			-D "$data" -X stream -c fast -w || die "reseed: pg_basebackup from $master failed"
		reseed_start "$c" "$data" "$master" "$slot" || die "reseed: $c does not start after pg_basebackup"
		how=pg_basebackup
	fi
	echo "$c re-seeded by $how as a standby of $master (slot $slot)"
}

reseed_start() {	# cluster data master slot: configure as a standby of master and start
	local c=$1 data=$2 master=$3 slot=$4
	# what the source had (pg_rewind copies its postgresql.auto.conf) is not ours
	sed -i '/^primary_conninfo\|^primary_slot_name/d' "$data/postgresql.auto.conf" 2>/dev/null || true
	printf "primary_conninfo = 'host=%s port=%s user=hqrepl passfile=''%s'' application_name=%s'\nprimary_slot_name = '%s'\n" \
		"$master" "$PG_PORT" "$LAB/pg/pgpass.postgres" "$c" "$slot" >> "$data/postgresql.auto.conf"
	chown postgres:postgres "$data/postgresql.auto.conf"
	as_pg touch "$data/standby.signal"
	pg_ctlcluster "$PGVER" "$c" start || return 1
	# started is not enough: a rewound cluster whose history the source's
	# timeline does not continue starts, then never streams
	for _ in $(seq 60); do
		[ "$(as_pg psql -X -h "$LAB/pg/$([ "$c" = "${CL}_primary" ] && echo primary || echo standby)" -p "$PG_PORT" \
			-d postgres -tAc 'select status from pg_stat_wal_receiver' 2>/dev/null)" = streaming ] && return 0
		sleep 0.5
	done
	echo "$c started but does not stream from $master after 30 s"
	return 1
}

# ---- ssh: N extra sshd hosts for benchmarks -----------------------------------
# 127.N.50.1 .. 127.N.50.COUNT, port 2222, sixteen addresses per sshd (its
# ListenAddress limit), one host key per sshd; two env dirs (sshbench-a: the
# first half, sshbench-b: the rest) with their known_hosts, a config
# drconsole-sshbench.yml, a pssh host list and an ansible inventory in
# build/lab/sshbench/. Stopped by `down` (pid files in run/).
cmd_ssh_hosts() {
	local count=${1:-64} d=$LAB/sshbench i k a env half f line
	[ "$count" -ge 2 ] && [ "$count" -le 250 ] || die "ssh-hosts: COUNT must be 2..250"
	need_root
	[ -d "$LAB/keys" ] || die "ssh-hosts: the lab is not up"
	for f in "$RUN"/sshbench-*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
	rm -rf "$d" "$LAB/environments/sshbench-a" "$LAB/environments/sshbench-b"
	mkdir -p "$d"
	: > "$d/known_hosts"; : > "$d/hosts.txt"
	printf '[all_bench]\n' > "$d/inventory.ini"
	half=$(( (count + 1) / 2 ))
	for env in sshbench-a sshbench-b; do
		mkdir -p "$LAB/environments/$env"
		printf 'deploy_env: %s\nenv_monitoring_id: %s\nusers:\n  - dimagi\n' "$env" "$env" > "$LAB/environments/$env/meta.yml"
		printf 'commcare_cloud_remote_user: %s\nbackup_postgres: False\n' "$(id -un)" > "$LAB/environments/$env/public.yml"
		printf 'dbs: {}\n' > "$LAB/environments/$env/postgresql.yml"
		printf '[control]\n' > "$LAB/environments/$env/inventory.ini"
		printf 'SITE_HOST: %s.example\n' "$env" > "$LAB/environments/$env/proxy.yml"
		printf '{}\n' > "$LAB/environments/$env/app-processes.yml"
		printf '{}\n' > "$LAB/environments/$env/fab-settings.yml"
		: > "$LAB/environments/$env/known_hosts"
	done
	for k in $(seq 0 $(( (count - 1) / 16 ))); do
		mkdir -p "$d/sshd-$k"
		ssh-keygen -q -t ed25519 -N '' -C "sshbench-$k" -f "$d/sshd-$k/key"
		{
			for i in $(seq $((k * 16 + 1)) $((k * 16 + 16))); do
				[ "$i" -le "$count" ] && printf 'ListenAddress 127.%s.50.%s:%s\n' "$NET" "$i" "$SSH_PORT"
			done
			printf 'HostKey %s\nPidFile %s\nAuthorizedKeysFile %s\n' "$d/sshd-$k/key" "$RUN/sshbench-$k.pid" "$LAB/keys/authorized_keys"
			printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n'
			printf 'UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nMaxStartups 1000\nLogLevel ERROR\n'
			printf 'SetEnv HOME=%s\n' "$LAB/home"	# no login-shell rc files: an exec costs the command, not the user's ~/.bashrc
		} > "$d/sshd-$k/sshd_config"
		for i in $(seq $((k * 16 + 1)) $((k * 16 + 16))); do
			[ "$i" -le "$count" ] || break
			a=127.$NET.50.$i
			env=sshbench-a; [ "$i" -gt "$half" ] && env=sshbench-b
			line="[$a]:$SSH_PORT $(cut -d' ' -f1-2 "$d/sshd-$k/key.pub")"
			echo "$line" >> "$d/known_hosts"
			echo "$line" >> "$LAB/environments/$env/known_hosts"
			printf '%s ansible_port=%s\n' "$a" "$SSH_PORT" >> "$LAB/environments/$env/inventory.ini"
			echo "$a:$SSH_PORT" >> "$d/hosts.txt"
			printf '%s ansible_port=%s\n' "$a" "$SSH_PORT" >> "$d/inventory.ini"
		done
		/usr/sbin/sshd -f "$d/sshd-$k/sshd_config" -E "$LAB/logs/sshbench-$k.log" || die "sshbench sshd $k failed"
	done
	for k in $(seq 0 $(( (count - 1) / 16 ))); do
		for _ in $(seq 50); do pid_alive "$RUN/sshbench-$k.pid" && break; sleep 0.1; done
	done
	sed -e "s|environments/$P_ENV,|environments/sshbench-a,|" \
		-e "s|environments/$S_ENV,|environments/sshbench-b,|" \
		-e 's/^probe_timeout: .*/probe_timeout: 20s/' -e 's/connect_timeout: 3s/connect_timeout: 15s/' \
		"$LAB/drconsole.yml" > "$LAB/drconsole-sshbench.yml"
	log "ssh-hosts: $count sshd hosts on 127.$NET.50.1-$count; config $LAB/drconsole-sshbench.yml"
}

case "${1:-}" in
deps) cmd_deps ;;
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
load) shift; cmd_load "$@" ;;
backup) shift; cmd_backup "$@" ;;
backup-today) shift; cmd_backup_today "$@" ;;
demo) shift; cmd_demo "$@" ;;
stop-sshd) stop_pidfile "$RUN/sshd-$2.pid" ;;
start-sshd) start_sshd "$2" ;;
rekey)
	cp -n "$LAB/ssh/$2/ssh_host_ed25519_key" "$LAB/ssh/$2/orig_key" 2>/dev/null || true
	cp -n "$LAB/ssh/$2/ssh_host_ed25519_key.pub" "$LAB/ssh/$2/orig_key.pub" 2>/dev/null || true
	stop_pidfile "$RUN/sshd-$2.pid"
	rm -f "$LAB/ssh/$2/ssh_host_ed25519_key" "$LAB/ssh/$2/ssh_host_ed25519_key.pub"
	start_sshd "$2" ;;
restore-key)
	stop_pidfile "$RUN/sshd-$2.pid"
	mv "$LAB/ssh/$2/orig_key" "$LAB/ssh/$2/ssh_host_ed25519_key"
	mv "$LAB/ssh/$2/orig_key.pub" "$LAB/ssh/$2/ssh_host_ed25519_key.pub"
	start_sshd "$2" ;;
stop-standby) pg_ctlcluster "$PGVER" ${CL}_standby stop ;;
start-standby) pg_ctlcluster "$PGVER" ${CL}_standby start ;;
reset-pg)
	# the starting topology back after a drill that stopped half way: the
	# primary's cluster a writable primary again (whatever it was left as),
	# then the secondary's rebuilt as its streaming standby
	c=${CL}_primary; data=/var/lib/postgresql/$PGVER/$c
	pg_ctlcluster -m fast "$PGVER" "$c" stop >/dev/null 2>&1 || true
	rm -f "$data/standby.signal"
	sed -i '/^primary_conninfo\|^primary_slot_name/d' "$data/postgresql.auto.conf" 2>/dev/null || true
	pg_ctlcluster "$PGVER" "$c" start
	exec "$TPL/lab.sh" rebuild-standby ;;
rebuild-standby)
	pg_dropcluster --stop "$PGVER" ${CL}_standby || true
	psql_primary -d postgres -tAc "SELECT pg_drop_replication_slot('standby1') WHERE EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name='standby1' AND NOT active)" >/dev/null
	psql_primary -d postgres -tAc "SELECT pg_create_physical_replication_slot('standby1') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name='standby1')" >/dev/null
	setup_standby ;;
stop-couch) couch_addr "$2" >/dev/null; stop_pidfile "$RUN/couch-$2.pid" ;;
start-couch)	# in memory: a restarted server starts empty
	start_couch "$(couch_addr "$2")" "$2"
	[ "$2" = primary ] && start_couch_replication
	true ;;
block-couch-replication)	# the secondary refuses replicated writes (like a failing target): it falls behind
	curl -sS -o /dev/null -X PUT -H 'Content-Type: application/json' "http://$S.30:15984/commcarehq/_design/drlab_block" \
		-d '{"validate_doc_update":"function (newDoc, oldDoc, userCtx) { throw({forbidden: \"drlab: replication blocked\"}); }"}' ;;
unblock-couch-replication)	# refused documents are never retried: rebuild the secondary (in memory) and
	# start a new replication to it, which refills it from the start (as after a restore)
	stop_pidfile "$RUN/couch-secondary.pid"
	start_couch $S.30 secondary
	start_couch_replication "$(date +%s%N)" ;;
pause-couch) kill -STOP "$(cat "$RUN/couch-$(couch_addr "$2" >/dev/null; echo "$2").pid")" ;;
resume-couch) kill -CONT "$(cat "$RUN/couch-$(couch_addr "$2" >/dev/null; echo "$2").pid")" ;;
restart-couch-replication)	# a new replication (new signature), as after restoring a target: refills it from seq 0
	start_couch_replication "$(date +%s%N)" ;;
s3-put) s3_put "$2" "$3" "${4:-}" ;;
s3-rm) s3_rm "$2" "${3:-}" ;;
ssh-hosts) cmd_ssh_hosts "${2:-64}" ;;
set-db-role) cmd_set_db_role "$2" "$3" "$4" "$5" ;;
reseed) cmd_reseed "$2" "$3" "$4" ;;

*) echo "usage: $0 deps|up|down|status|load [SECONDS]|backup [TYPE]|backup-today [TYPE]|demo BINARY|stop-sshd ADDR|start-sshd ADDR|rekey ADDR|restore-key ADDR|stop-standby|start-standby|rebuild-standby|s3-put KEY FILE [BUCKET]|s3-rm KEY [BUCKET]|stop-couch SITE|start-couch SITE|pause-couch SITE|resume-couch SITE|block-couch-replication|unblock-couch-replication|restart-couch-replication|ssh-hosts N" >&2; exit 2 ;;
esac
