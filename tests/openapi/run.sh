#!/usr/bin/env bash
# ctest entry openapi.prism: a real messengerd on port 0 over a fresh database, and scenario.mjs
# calling every done endpoint through Prism (@stoplight/prism-cli, pinned in package-lock.json;
# proxy.mjs starts it) as a validating proxy with Chatwoot's OpenAPI document (swagger.json). The scenario fails on a response violation that is on neither
# known-document-errors.txt nor known-our-errors.txt (see scenario.mjs).
#   MESSENGER_TEST_DATABASE_URL=postgresql://messenger@127.0.0.1:PORT/postgres \
#     tests/openapi/run.sh path/to/messengerd
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
: "${MESSENGER_TEST_DATABASE_URL:?the throwaway PostgreSQL of ./test.sh}"
base=${MESSENGER_TEST_DATABASE_URL%/*}
db="messenger_openapi_$$_$RANDOM"
token="openapi-platform-token-$RANDOM$RANDOM$RANDOM"
work=$(mktemp -d /tmp/messenger-openapi.XXXXXX)
node_pid=""

stop() { # pid
  if [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$node_pid"
  psql "$MESSENGER_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/install.sh"

wait_line() { # file pattern pid -> prints the first matching line; up to 60 s
  for _ in $(seq 1 600); do
    if line=$(grep -m1 -E "$2" "$1" 2>/dev/null); then
      echo "$line"
      return 0
    fi
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

psql "$MESSENGER_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
MESSENGER_DATABASE_URL="$base/$db" MESSENGER_HTTP_ADDR=127.0.0.1:0 \
  MESSENGER_CLUSTER_ADDR=127.0.0.1:0 MESSENGER_PLATFORM_TOKEN="$token" \
  MESSENGER_LOG_LEVEL=warn "$binary" >"$work/stdout" 2>"$work/stderr" &
node_pid=$!
if ! line=$(wait_line "$work/stdout" '^listening on ' "$node_pid"); then
  echo "messengerd did not start:" >&2
  cat "$work/stderr" >&2
  exit 1
fi
url=${line#listening on }

status=0
MESSENGER_URL=$url MESSENGER_PLATFORM_TOKEN=$token node "$here/scenario.mjs" || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- messengerd stderr" >&2
  tail -30 "$work/stderr" >&2
fi
exit $status
