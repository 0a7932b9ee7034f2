#!/usr/bin/env bash
# Private PostgreSQL clusters for run.sh and test.sh (never the system's own cluster).
#   scripts/pg.sh start DATA_DIR PORT   initdb once (superuser "messenger", trust auth on
#                                       loopback only), then start listening on 127.0.0.1:PORT
#   scripts/pg.sh stop DATA_DIR         fast shutdown
#   scripts/pg.sh free-port             prints a free TCP port on 127.0.0.1
set -euo pipefail

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do :; done
  if [[ ! -x "$dir/pg_ctl" ]]; then
    echo "pg.sh: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
    exit 1
  fi
  echo "$dir"
}

# Runs a command as the postgres OS user when we are root (PostgreSQL refuses root).
as_db_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd=${1:-}
case "$cmd" in
  free-port)
    for _ in $(seq 1 200); do
      port=$((20000 + RANDOM % 30000))
      if ! port_in_use "$port"; then
        echo "$port"
        exit 0
      fi
    done
    echo "pg.sh: no free port found" >&2
    exit 1
    ;;
  start)
    data=$2
    port=$3
    bin=$(pg_bin)
    mkdir -p "$data"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$data"; fi
    chmod 700 "$data"
    if [[ ! -f "$data/PG_VERSION" ]]; then
      as_db_user "$bin/initdb" -D "$data" -U messenger --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$data.initdb.log" 2>&1 || { cat "$data.initdb.log" >&2; exit 1; }
    fi
    as_db_user "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $data -c fsync=${MESSENGER_PG_FSYNC:-on}" \
      start >/dev/null || { tail -20 "$data/server.log" >&2; exit 1; }
    ;;
  stop)
    data=$2
    bin=$(pg_bin)
    if [[ -f "$data/postmaster.pid" ]]; then
      as_db_user "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: scripts/pg.sh start DATA_DIR PORT | stop DATA_DIR | free-port" >&2
    exit 2
    ;;
esac
