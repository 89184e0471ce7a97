#!/usr/bin/env bash
# Local services for tests and development: NATS (JetStream), PostgreSQL 15 and Redis on 127.0.0.1.
#
#   hack/services.sh up      install what is missing, start all three, wait until ready, print exports
#   hack/services.sh down    stop exactly what `up` started (graceful, then kill)
#   hack/services.sh status  report each service; exit 0 only when all three run
#   hack/services.sh env     print the export lines for the connection settings
#   hack/services.sh clean   down, then delete all state
#
# Progress goes to stderr and the export lines to stdout, so `eval "$(hack/services.sh up)"` works.
# Settings (environment, defaults in brackets):
#   METAEVOLVE_SERVICES_DIR [<repo>/.services]  METAEVOLVE_NATS_PORT [14222]
#   METAEVOLVE_NATS_MONITOR_PORT [18222]  METAEVOLVE_POSTGRES_PORT [15432]  METAEVOLVE_REDIS_PORT [16379]
#   METAEVOLVE_SERVICES_TIMEOUT [60] seconds to wait for each service to become ready
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# Absolute and symlink-free, so the /tmp fallback name below is stable however the dir is named.
services_dir="$(realpath -m -- "${METAEVOLVE_SERVICES_DIR:-$repo_dir/.services}")"
nats_port="${METAEVOLVE_NATS_PORT:-14222}"
nats_monitor_port="${METAEVOLVE_NATS_MONITOR_PORT:-18222}"
postgres_port="${METAEVOLVE_POSTGRES_PORT:-15432}"
redis_port="${METAEVOLVE_REDIS_PORT:-16379}"
timeout_seconds="${METAEVOLVE_SERVICES_TIMEOUT:-60}"

# The application role. Tests and the code's defaults (core/ConnectionOptions) use the same values.
pg_user=metaevolve
pg_password=metaevolve
pg_database=metaevolve

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Shared plumbing

apt_updated=false
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install $* yourself"
  [[ $(id -u) -eq 0 ]] || die "installing $* needs root (apt-get)"
  # A Debian package's postinst may start its own daemon (redis on 6379, a postgres "main" cluster);
  # policy-rc.d forbids that, so after `down` nothing this script caused keeps running.
  local added_policy=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=true
  fi
  local status=0
  if [[ $apt_updated == false ]]; then
    log "apt: updating package lists"
    apt-get update -qq </dev/null >&2 || status=$?
    apt_updated=true
  fi
  if ((status == 0)); then
    log "apt: installing $*"
    apt-get install -y -qq --no-install-recommends "$@" </dev/null >&2 || status=$?
  fi
  if [[ $added_policy == true ]]; then rm -f /usr/sbin/policy-rc.d; fi
  ((status == 0)) || die "apt-get failed (exit $status) installing $*"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Describes who listens on a port, for the "already in use" message.
port_owner() {
  local owner=""
  if command -v ss >/dev/null; then
    owner="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n1 || true)"
  fi
  printf '%s' "${owner:-an unknown process}"
}

# Reads a pid file and prints the pid when that process is alive and its command line
# contains $2 (guards against a recycled pid).
live_pid() {
  local file="$1" name="$2" pid
  [[ -r $file ]] || return 1
  pid="$(head -n1 "$file" 2>/dev/null | tr -dc '0-9')"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || return 1
  printf '%s' "$pid"
}

# Fails `up` when another process (not ours) holds the port.
require_free_port() {
  local service="$1" port="$2"
  if port_open "$port"; then
    die "$service: port 127.0.0.1:$port is already in use by $(port_owner "$port"), which this services dir ($services_dir) did not start. Another copy may be running: stop it, or choose other ports (METAEVOLVE_*_PORT)."
  fi
}

# Runs `$2...` until it succeeds or the timeout passes; on timeout prints the log tail and fails.
wait_ready() {
  local service="$1" logfile="$2"; shift 2
  local deadline=$((SECONDS + timeout_seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "$service: not ready after ${timeout_seconds}s; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.2
  done
}

# Sends TERM, waits, then KILL: `down` must leave nothing running.
stop_pid() {
  local service="$1" pid="$2" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 100)); then
      log "$service: still running after 10s, killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# ---------------------------------------------------------------------------------------------
# NATS (JetStream on, monitoring on its own port)

nats_dir="$services_dir/nats"
nats_pidfile="$nats_dir/nats-server.pid"
nats_log="$nats_dir/nats-server.log"

nats_healthy() { curl -fs "http://127.0.0.1:$nats_monitor_port/healthz?js-enabled-only=true"; }

nats_up() {
  command -v nats-server >/dev/null || apt_install nats-server
  mkdir -p "$nats_dir/jetstream"
  local pid
  if pid="$(live_pid "$nats_pidfile" nats-server)"; then
    log "nats: already running (pid $pid)"
  else
    require_free_port nats "$nats_port"
    require_free_port "nats monitoring" "$nats_monitor_port"
    rm -f "$nats_pidfile"
    # setsid + closed stdio: the server must not hold the caller's terminal or pipes open.
    setsid nats-server -a 127.0.0.1 -p "$nats_port" -m "$nats_monitor_port" \
      -js -sd "$nats_dir/jetstream" -P "$nats_pidfile" \
      </dev/null >>"$nats_log" 2>&1 9>&- &
    started_now+=(nats)
    log "nats: starting on 127.0.0.1:$nats_port (monitoring :$nats_monitor_port)"
  fi
  wait_ready nats "$nats_log" nats_healthy
  log "nats: ready"
}

nats_down() {
  local pid
  if pid="$(live_pid "$nats_pidfile" nats-server)"; then
    stop_pid nats "$pid"
    log "nats: stopped (pid $pid)"
  else
    log "nats: not running"
  fi
  rm -f "$nats_pidfile"
}

nats_status() {
  local pid
  if pid="$(live_pid "$nats_pidfile" nats-server)"; then
    if nats_healthy >/dev/null 2>&1; then
      log "nats: running (pid $pid) nats://127.0.0.1:$nats_port, monitoring http://127.0.0.1:$nats_monitor_port, JetStream ready"
    else
      log "nats: running (pid $pid) but not healthy; see $nats_log"
      return 1
    fi
  else
    log "nats: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL 15 (runs as the postgres user: initdb refuses root)

# The data dir is reached through $services_dir/postgres. When the postgres user cannot enter
# $services_dir (a checkout under a root-only directory), that entry is a symlink to a
# postgres-owned directory under /tmp, named after a hash of the services dir.
pg_link="$services_dir/postgres"
pg_fallback="/tmp/metaevolve-$(printf '%s' "$services_dir" | sha256sum | cut -c1-12)"

pg_bindir() {
  local dir
  for dir in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin; do
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] && "$dir/postgres" --version 2>/dev/null | grep -q ' 15\.'; then
      printf '%s' "$dir"
      return 0
    fi
  done
  return 1
}

# Runs a command as the postgres user (as ourselves when not root), from a directory it may enter.
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

pg_owner() { if [[ $(id -u) -eq 0 ]]; then printf postgres; else id -un; fi; }

# Creates (first time) and resolves the directory holding data, socket and log.
pg_prepare_dir() {
  if [[ ! -e $pg_link && ! -L $pg_link ]]; then
    mkdir -p "$pg_link"
    chown "$(pg_owner)" "$pg_link"
    chmod 700 "$pg_link"
    if ! as_postgres test -w "$pg_link"; then
      rmdir "$pg_link"
      mkdir -p "$pg_fallback"
      chmod 700 "$pg_fallback"
      ln -s "$pg_fallback" "$pg_link"
      log "postgres: $(pg_owner) cannot enter $services_dir; data lives in $pg_fallback (symlinked from $pg_link)"
    fi
  fi
  if [[ -L $pg_link ]]; then
    # The target may have been removed (e.g. /tmp cleaned): recreate it empty.
    local target; target="$(readlink "$pg_link")"
    mkdir -p "$target"
    chmod 700 "$target"
    chown "$(pg_owner)" "$target"
  fi
  pg_dir="$(readlink -f "$pg_link")"
  pg_data="$pg_dir/data"
  pg_log="$pg_dir/postgres.log"
}

pg_ready() {
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$postgres_port" -t 1
}

pg_postmaster_pid() {
  [[ -n ${pg_data:-} ]] || return 1
  live_pid "$pg_data/postmaster.pid" postgres
}

pg_init() {
  log "postgres: initializing $pg_data"
  as_postgres "$pg_bin/initdb" -D "$pg_data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=reject >"$pg_dir/initdb.log" 2>&1 ||
    { tail -n 30 "$pg_dir/initdb.log" >&2; die "postgres: initdb failed"; }
  # The superuser only over the socket (peer); everyone else by password over loopback.
  cat >"$pg_data/pg_hba.conf" <<'EOF'
local all all                peer
host  all postgres 0.0.0.0/0 reject
host  all postgres ::/0      reject
host  all all 127.0.0.1/32   scram-sha-256
host  all all ::1/128        scram-sha-256
EOF
  # Throwaway test cluster: speed over durability; several processes with pools connect at once.
  cat >>"$pg_data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $postgres_port
unix_socket_directories = '$pg_dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
EOF
  chown "$(pg_owner)" "$pg_data/pg_hba.conf" "$pg_data/postgresql.conf"
}

# Idempotent: role with the password (and CREATEROLE), database owned by it.
pg_provision() {
  as_postgres "$pg_bin/psql" -h "$pg_dir" -p "$postgres_port" -U postgres -d postgres -X -q \
    -v ON_ERROR_STOP=1 -v user="$pg_user" -v password="$pg_password" -v db="$pg_database" \
    >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
-- CREATEROLE: the operator gives each namespace with pools a login role of its own (docs/security.md).
ALTER ROLE :"user" WITH LOGIN CREATEROLE PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
}

pg_login_works() {
  PGPASSWORD="$pg_password" PGCONNECT_TIMEOUT=3 "$pg_bin/psql" -h 127.0.0.1 -p "$postgres_port" \
    -U "$pg_user" -d "$pg_database" -X -q -t -c 'SELECT 1' </dev/null
}

postgres_up() {
  pg_bin="$(pg_bindir)" || { apt_install postgresql-15; pg_bin="$(pg_bindir)" || die "postgres: no PostgreSQL 15 binaries after installing postgresql-15"; }
  pg_prepare_dir
  local pid
  if pid="$(pg_postmaster_pid)"; then
    log "postgres: already running (pid $pid)"
  else
    require_free_port postgres "$postgres_port"
    [[ -s $pg_data/PG_VERSION ]] || pg_init
    log "postgres: starting on 127.0.0.1:$postgres_port"
    started_now+=(postgres)
    # pg_ctl daemonizes the server itself and records it in postmaster.pid.
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_log" -o "-p $postgres_port" -s -w -t "$timeout_seconds" start </dev/null >&2 9>&- ||
      { tail -n 30 "$pg_log" >&2 2>/dev/null; die "postgres: pg_ctl start failed"; }
  fi
  wait_ready postgres "$pg_log" pg_ready
  pg_provision
  wait_ready postgres "$pg_log" pg_login_works
  log "postgres: ready (database $pg_database, role $pg_user)"
}

postgres_down() {
  [[ -e $pg_link ]] || { log "postgres: not running"; return 0; }
  pg_bin="$(pg_bindir)" || true
  pg_prepare_dir
  local pid
  if pid="$(pg_postmaster_pid)"; then
    if [[ -z ${pg_bin:-} ]] || ! as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -s -m fast -w -t 20 stop </dev/null >&2; then
      log "postgres: fast shutdown failed, stopping pid $pid"
      stop_pid postgres "$pid"
    fi
    log "postgres: stopped (pid $pid)"
  else
    log "postgres: not running"
  fi
}

postgres_status() {
  local pid
  if [[ -e $pg_link ]] && pg_bin="$(pg_bindir)" && pg_prepare_dir && pid="$(pg_postmaster_pid)"; then
    if pg_ready; then
      log "postgres: running (pid $pid) 127.0.0.1:$postgres_port, data $pg_data"
    else
      log "postgres: running (pid $pid) but not accepting connections; see $pg_log"
      return 1
    fi
  else
    log "postgres: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis (no persistence)

redis_dir="$services_dir/redis"
redis_pidfile="$redis_dir/redis-server.pid"
redis_log="$redis_dir/redis-server.log"

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
  mkdir -p "$redis_dir"
  local pid
  if pid="$(live_pid "$redis_pidfile" redis-server)"; then
    log "redis: already running (pid $pid)"
  else
    require_free_port redis "$redis_port"
    rm -f "$redis_pidfile"
    log "redis: starting on 127.0.0.1:$redis_port"
    started_now+=(redis)
    # Errors before daemonizing go to stdout, later ones to --logfile: both end up in one log.
    # shellcheck disable=SC2094
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
      --daemonize yes --pidfile "$redis_pidfile" --logfile "$redis_log" --dir "$redis_dir" \
      </dev/null >>"$redis_log" 2>&1 9>&- || { tail -n 30 "$redis_log" >&2; die "redis: failed to start"; }
  fi
  wait_ready redis "$redis_log" redis_ping
  log "redis: ready"
}

redis_down() {
  local pid
  if pid="$(live_pid "$redis_pidfile" redis-server)"; then
    stop_pid redis "$pid"
    log "redis: stopped (pid $pid)"
  else
    log "redis: not running"
  fi
  rm -f "$redis_pidfile"
}

redis_status() {
  local pid
  if pid="$(live_pid "$redis_pidfile" redis-server)"; then
    if redis_ping; then
      log "redis: running (pid $pid) 127.0.0.1:$redis_port"
    else
      log "redis: running (pid $pid) but not answering PING; see $redis_log"
      return 1
    fi
  else
    log "redis: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Commands

print_env() {
  cat <<EOF
export METAEVOLVE_SERVICES_DIR='$services_dir'
export METAEVOLVE_NATS_PORT=$nats_port
export METAEVOLVE_NATS_MONITOR_PORT=$nats_monitor_port
export METAEVOLVE_POSTGRES_PORT=$postgres_port
export METAEVOLVE_REDIS_PORT=$redis_port
export METAEVOLVE_NATS_URL='nats://127.0.0.1:$nats_port'
export METAEVOLVE_POSTGRES='Host=127.0.0.1;Port=$postgres_port;Username=$pg_user;Password=$pg_password;Database=$pg_database'
export METAEVOLVE_REDIS='127.0.0.1:$redis_port'
EOF
}

# Checks every port before starting anything, so a conflict never leaves a half-started set.
preflight_ports() {
  local conflicts=()
  live_pid "$nats_pidfile" nats-server >/dev/null ||
    { port_open "$nats_port" && conflicts+=("nats 127.0.0.1:$nats_port ($(port_owner "$nats_port"))"); 
      port_open "$nats_monitor_port" && conflicts+=("nats monitoring 127.0.0.1:$nats_monitor_port ($(port_owner "$nats_monitor_port"))"); }
  if [[ -e $pg_link ]]; then pg_prepare_dir; fi
  pg_postmaster_pid >/dev/null ||
    { port_open "$postgres_port" && conflicts+=("postgres 127.0.0.1:$postgres_port ($(port_owner "$postgres_port"))"); }
  live_pid "$redis_pidfile" redis-server >/dev/null ||
    { port_open "$redis_port" && conflicts+=("redis 127.0.0.1:$redis_port ($(port_owner "$redis_port"))"); }
  if ((${#conflicts[@]})); then
    log "error: these ports are already in use by processes this services dir ($services_dir) did not start:"
    printf '  %s\n' "${conflicts[@]}" >&2
    log "Another copy is probably running: stop it (hack/services.sh down with its METAEVOLVE_SERVICES_DIR), or choose other ports (METAEVOLVE_NATS_PORT, METAEVOLVE_NATS_MONITOR_PORT, METAEVOLVE_POSTGRES_PORT, METAEVOLVE_REDIS_PORT)."
    exit 1
  fi
}

# Serializes up/down/clean on one services dir (e.g. two test runs starting at once).
# The daemons are started with fd 9 closed, or they would hold the lock for their whole life.
lock_services_dir() {
  exec 9>"$services_dir/.lock"
  flock 9
}

# Services this `up` started; a failing `up` stops them again, so it never leaves a partial set.
started_now=()
stop_started_on_failure() {
  local status=$?
  ((status != 0 && ${#started_now[@]} > 0)) || return 0
  log "up failed; stopping what it started: ${started_now[*]}"
  local service
  for service in "${started_now[@]}"; do "${service}_down" || true; done
}

cmd_up() {
  mkdir -p "$services_dir"
  lock_services_dir
  preflight_ports
  trap stop_started_on_failure EXIT
  nats_up
  postgres_up
  redis_up
  trap - EXIT
  log "all services ready; state in $services_dir"
  print_env
}

cmd_down() {
  [[ -d $services_dir ]] || { log "nothing to stop: $services_dir does not exist"; return 0; }
  lock_services_dir
  local failed=0
  redis_down || failed=1
  postgres_down || failed=1
  nats_down || failed=1
  return "$failed"
}

cmd_status() {
  [[ -d $services_dir ]] || { log "nats: stopped"; log "postgres: stopped"; log "redis: stopped"; return 3; }
  local failed=0
  nats_status || failed=3
  postgres_status || failed=3
  redis_status || failed=3
  return "$failed"
}

cmd_clean() {
  cmd_down
  [[ -d $services_dir ]] || return 0
  if [[ -L $pg_link ]]; then rm -rf "$(readlink "$pg_link")"; fi
  rm -rf "$services_dir"
  log "removed $services_dir"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  clean) cmd_clean ;;
  *)
    log "usage: $0 up|down|status|env|clean"
    exit 2
    ;;
esac
