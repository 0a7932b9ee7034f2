#!/usr/bin/env bash
# ctest entry of the Node suites: a real messengerd on port 0 over a fresh database, driven by
# a script of this directory with unchanged clients from npm (scenario.mjs: the Chatwoot SDK
# @figuro/chatwoot-sdk; cable.mjs: Rails' @rails/actioncable).
#   MESSENGER_TEST_DATABASE_URL=postgresql://messenger@127.0.0.1:PORT/postgres \
#     tests/sdk/run.sh path/to/messengerd [scenario.mjs|cable.mjs|/abs/path/script.sh] [--through-prism]
# --through-prism runs a Node script with its requests going through Prism's validating proxy
# (tests/openapi/through-proxy.mjs): a response violation on neither of tests/openapi's known
# lists fails the suite.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
script=${2:-scenario.mjs}
through_prism=${3:-}
: "${MESSENGER_TEST_DATABASE_URL:?the throwaway PostgreSQL of ./test.sh}"
base=${MESSENGER_TEST_DATABASE_URL%/*}
db="messenger_sdk_$$_$RANDOM"
token="sdk-platform-token-$RANDOM$RANDOM$RANDOM"
work=$(mktemp -d /tmp/messenger-sdk.XXXXXX)
node_pid=""

cleanup() {
  if [[ -n $node_pid ]] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  psql "$MESSENGER_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# One install at a time: ctest -j runs several of these suites at once on a fresh clone.
(
  flock 9
  if [[ ! -d $here/node_modules/@figuro/chatwoot-sdk || ! -d $here/node_modules/@rails/actioncable
        || ! -d $here/node_modules/ws ]]; then
    cd "$here" && npm ci --no-audit --no-fund --loglevel=error
  fi
) 9>"${TMPDIR:-/tmp}/messenger-sdk-npm.lock"

if [[ $through_prism == --through-prism ]]; then
  "$here/../openapi/install.sh"
fi

psql "$MESSENGER_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
MESSENGER_DATABASE_URL="$base/$db" MESSENGER_HTTP_ADDR=127.0.0.1:0 \
  MESSENGER_CLUSTER_ADDR=127.0.0.1:0 MESSENGER_PLATFORM_TOKEN="$token" \
  MESSENGER_LOG_LEVEL=warn MESSENGER_CABLE_QUEUE_LIMIT=64 MESSENGER_PRESENCE_PUSH_MS=100 \
  "$binary" >"$work/stdout" 2>"$work/stderr" &
node_pid=$!

url=""
for _ in $(seq 1 300); do # up to 30 s for the "listening on" line
  if line=$(grep -m1 '^listening on ' "$work/stdout" 2>/dev/null); then
    url=${line#listening on }
    break
  fi
  if ! kill -0 "$node_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "messengerd did not start:" >&2
  cat "$work/stderr" >&2
  exit 1
fi

status=0
case $script in /*) path=$script ;; *) path=$here/$script ;; esac
case $path in
  *.sh) runner=(bash) ;; # e.g. tests/docs/walkthrough.sh
  *) runner=(node) ;;
esac
if [[ $through_prism == --through-prism ]]; then
  runner=(node "$here/../openapi/through-proxy.mjs")
fi
MESSENGER_URL=$url MESSENGER_PLATFORM_TOKEN=$token "${runner[@]}" "$path" || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- messengerd stderr" >&2
  tail -50 "$work/stderr" >&2
fi
exit $status
