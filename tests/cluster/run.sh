#!/usr/bin/env bash
# ctest entry of the cluster suites: three real messengerd processes (node-1..3) on one fresh
# database, started one after another, then a Node script of this directory drives them.
#   MESSENGER_TEST_DATABASE_URL=postgresql://messenger@127.0.0.1:PORT/postgres \
#     tests/cluster/run.sh path/to/messengerd [three_nodes.mjs | fencing.mjs | partition.mjs]
# Before the script runs, every node's GET /ops/api/cluster must list the three nodes live and
# connected (up to 30 s). CLUSTER_WAIT=skip skips that wait (only for developing the scripts
# against a binary without clustering).
# The script gets NODE_URLS, NODE_PIDS, NODE_IDS (comma-separated, in node order),
# PLATFORM_TOKEN, DATABASE_URL, LOG_DIR, MESSENGERD and the common MESSENGER_* settings in its
# environment, so it can start a node itself (same settings, its own MESSENGER_NODE_ID); it
# appends the pid of every node it starts to $LOG_DIR/pids, which the cleanup here stops too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
script=${2:-three_nodes.mjs}
: "${MESSENGER_TEST_DATABASE_URL:?the throwaway PostgreSQL of ./test.sh}"
base=${MESSENGER_TEST_DATABASE_URL%/*}
db="messenger_cluster_$$_$RANDOM"
token="cluster-platform-token-$RANDOM$RANDOM$RANDOM"
work=$(mktemp -d /tmp/messenger-cluster.XXXXXX)
: >"$work/pids"
ids=(node-1 node-2 node-3)

# shellcheck source=scripts/cluster-nodes.sh
source "$here/../../scripts/cluster-nodes.sh"

cleanup() {
  stop_nodes "$work/pids"
  psql "$MESSENGER_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  if [[ ${KEEP_LOGS:-} == 1 ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

ensure_sdk_packages

psql "$MESSENGER_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null

# Every node's settings but its id; the script inherits them to start nodes of its own.
export MESSENGER_DATABASE_URL="$base/$db" MESSENGER_HTTP_ADDR=127.0.0.1:0 \
  MESSENGER_CLUSTER_ADDR=127.0.0.1:0 MESSENGER_PLATFORM_TOKEN="$token" \
  MESSENGER_LOG_LEVEL=warn MESSENGER_PRESENCE_PUSH_MS=100 \
  MESSENGER_ASSIGNMENT_LIMIT=1000 MESSENGER_CONVERSATION_MESSAGE_PER_MINUTE_LIMIT=100000

# Starts node $1 and waits (up to 30 s) for its "listening on" line; prints the base URL.
start_node() {
  local id=$1 pid
  MESSENGER_NODE_ID=$id "$binary" >"$work/$id.stdout" 2>"$work/$id.stderr" &
  pid=$!
  echo "$pid" >>"$work/pids"
  await_listening "$id" "$pid" "$work"
}

urls=() pids=()
for id in "${ids[@]}"; do
  if ! started=$(start_node "$id"); then
    print_logs "$work"
    exit 1
  fi
  pids+=("${started%% *}")
  urls+=("${started#* }")
done

# True when the node at $1 sees the three nodes live and connected.
cluster_formed() {
  curl -sf --max-time 2 "$1/ops/api/cluster" -H "api_access_token: $token" 2>/dev/null |
    jq -e '(.nodes | length) == 3 and all(.nodes[]; .live == true and .connected == true)' \
      >/dev/null 2>&1
}

if [[ ${CLUSTER_WAIT:-} != skip ]]; then
  formed=0
  for _ in $(seq 1 300); do # up to 30 s
    formed=1
    for url in "${urls[@]}"; do cluster_formed "$url" || { formed=0; break; }; done
    ((formed)) && break
    sleep 0.1
  done
  if ((!formed)); then
    echo "FAIL the cluster did not form within 30 s; /ops/api/cluster of each node:" >&2
    for i in "${!urls[@]}"; do
      echo "--- ${ids[$i]} (${urls[$i]})" >&2
      curl -s --max-time 2 "${urls[$i]}/ops/api/cluster" -H "api_access_token: $token" |
        jq -c '[.nodes[]? | {id, live, connected, status}]' >&2 || true
    done
    print_logs "$work"
    exit 1
  fi
fi

join() { local IFS=,; echo "$*"; }
status=0
case $script in /*) path=$script ;; *) path=$here/$script ;; esac
NODE_URLS=$(join "${urls[@]}") NODE_PIDS=$(join "${pids[@]}") NODE_IDS=$(join "${ids[@]}") \
  PLATFORM_TOKEN=$token DATABASE_URL="$MESSENGER_DATABASE_URL" LOG_DIR=$work \
  MESSENGERD=$binary node "$path" || status=$?
if [[ $status -ne 0 ]]; then
  print_logs "$work"
fi
exit $status
