#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and prints the
# environment that points them at it.
#
#   eval "$(bash .ci/postgres.sh start [DIR])"   # DIR defaults to a new temp dir
#   bash .ci/postgres.sh stop DIR
#
# start installs PostgreSQL from Debian's packages when initdb is missing,
# creates a cluster in DIR (or reuses the one already there), starts it on
# 127.0.0.1 and a free port with its Unix socket in DIR, creates the
# database iggyflow_test and prints, on stdout and nothing else:
#
#   export IGGYFLOW_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/iggyflow_test?sslmode=disable
#   export IGGYFLOW_TEST_POSTGRES_DIR=DIR
#
# initdb refuses to run as root, so as root the cluster belongs to the
# postgres user (created if missing) and every server command runs as it.
# The cluster trusts local connections and, unless IGGYFLOW_PG_DURABLE=1,
# runs with fsync off: it holds test data only.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
}

ensure_installed() {
  BINDIR=$(find_bindir)
  if [ -n "$BINDIR" ]; then return; fi
  log "initdb not found; installing postgresql from Debian packages"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
  BINDIR=$(find_bindir)
  if [ -z "$BINDIR" ]; then log "initdb still missing after install"; exit 1; fi
}

# as_owner runs a server command as the cluster owner.
as_owner() {
  if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
  if command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

ensure_owner() {
  if [ "$(id -u)" -ne 0 ]; then return; fi
  if ! id postgres >/dev/null 2>&1; then
    log "creating system user postgres"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  chown postgres: "$DIR"
  chmod 700 "$DIR"
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local p
  for p in $(seq 54320 54999); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  log "no free port in 54320-54999"; exit 1
}

start() {
  DIR=${1:-$(mktemp -d /tmp/iggyflow-pg.XXXXXX)}
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  ensure_installed
  ensure_owner

  if [ ! -f "$DIR/PG_VERSION" ]; then
    log "initdb $DIR"
    as_owner "$BINDIR/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --locale=C --no-sync >&2
  fi

  local port fsync=off
  port=$(free_port)
  if [ "${IGGYFLOW_PG_DURABLE:-0}" = 1 ]; then fsync=on; fi
  log "starting on 127.0.0.1:$port (fsync=$fsync)"
  as_owner "$BINDIR/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c max_connections=300 -c fsync=$fsync -c full_page_writes=$fsync" >&2

  local have
  have=$(as_owner "$BINDIR/psql" -h "$DIR" -p "$port" -U postgres -d postgres -Atq \
    -c "SELECT 1 FROM pg_database WHERE datname = 'iggyflow_test'")
  if [ "$have" != 1 ]; then
    as_owner "$BINDIR/psql" -h "$DIR" -p "$port" -U postgres -d postgres -q \
      -c "CREATE DATABASE iggyflow_test" >&2
  fi

  echo "export IGGYFLOW_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/iggyflow_test?sslmode=disable'"
  echo "export IGGYFLOW_TEST_POSTGRES_DIR='$DIR'"
  log "stop with: bash .ci/postgres.sh stop $DIR"
}

stop() {
  DIR=${1:?usage: postgres.sh stop DIR}
  BINDIR=$(find_bindir)
  if [ -z "$BINDIR" ] || [ ! -f "$DIR/postmaster.pid" ]; then return; fi
  as_owner "$BINDIR/pg_ctl" stop -D "$DIR" -m fast >&2
}

cmd=${1:-start}
shift || true
case "$cmd" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  *) echo "usage: postgres.sh start [DIR] | stop DIR" >&2; exit 2 ;;
esac
