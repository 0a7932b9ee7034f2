#!/usr/bin/env bash
# Installs what is missing, builds release, starts a private PostgreSQL under ./var/pg
# when MESSENGER_DATABASE_URL is unset, and runs one node in the foreground. Ctrl-C
# stops the node and the private database.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

scripts/build.sh release

own_db=0
if [[ -z ${MESSENGER_DATABASE_URL:-} ]]; then
  own_db=1
  mkdir -p var
  chmod 755 var
  port=${MESSENGER_PG_PORT:-}
  if [[ -z $port && -f var/pg.port ]]; then port=$(cat var/pg.port); fi
  if [[ -z $port ]]; then port=$(scripts/pg.sh free-port); fi
  echo "$port" >var/pg.port
  scripts/pg.sh start "$root/var/pg" "$port"
  psql_bin=$(command -v psql)
  if [[ $("$psql_bin" -h 127.0.0.1 -p "$port" -U messenger -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'messenger'") != 1 ]]; then
    "$psql_bin" -h 127.0.0.1 -p "$port" -U messenger -d postgres -qc "CREATE DATABASE messenger"
  fi
  export MESSENGER_DATABASE_URL="postgresql://messenger@127.0.0.1:$port/messenger"
  echo "private PostgreSQL: $MESSENGER_DATABASE_URL (data in ./var/pg)"
fi

stop_db() {
  if ((own_db)); then scripts/pg.sh stop "$root/var/pg"; fi
}

build/bin/messengerd "$@" &
node=$!
on_signal() {
  kill -TERM "$node" 2>/dev/null || true
}
trap on_signal INT TERM
status=0
wait "$node" || status=$?
# wait returns early when a trapped signal arrives: wait for the drain to finish.
if kill -0 "$node" 2>/dev/null; then wait "$node" || status=$?; fi
stop_db
exit $status
