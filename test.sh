#!/usr/bin/env bash
# Installs what is missing, builds the dev preset (and asan with MESSENGER_TEST_ASAN=1),
# starts a throwaway PostgreSQL on a free port, runs every ctest suite, stops the
# database. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

scripts/deps.sh

presets=(dev)
if [[ ${MESSENGER_TEST_ASAN:-0} == 1 ]]; then presets+=(asan); fi

for preset in "${presets[@]}"; do
  echo "== build $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
done

pgdir=$(mktemp -d /tmp/messenger-test-pg.XXXXXX)
chmod 755 "$pgdir"
port=$(scripts/pg.sh free-port)
cleanup() {
  scripts/pg.sh stop "$pgdir/data" || true
  rm -rf "$pgdir"
}
trap cleanup EXIT
echo "== starting throwaway PostgreSQL on 127.0.0.1:$port"
MESSENGER_PG_FSYNC=off scripts/pg.sh start "$pgdir/data" "$port"
export MESSENGER_TEST_DATABASE_URL="postgresql://messenger@127.0.0.1:$port/postgres"

status=0
for preset in "${presets[@]}"; do
  echo "== ctest $preset"
  # Two at a time (2 cores): every suite has its own database, ports and processes.
  (cd "$root" && ctest --preset "$preset" --output-on-failure -j2) || status=1
done
exit $status
