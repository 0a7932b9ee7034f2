#!/usr/bin/env bash
# B6 (PERF.md §4): failover of a 3-node cluster after kill -9, and the cost of one remote hop.
#   BENCH_DATABASE_URL=postgresql://messenger@127.0.0.1:PORT/postgres \
#     bench/failover.sh BINARY [--conversations 10000] [--rate 2000] [--seconds 20] [--hop] …
# Creates a fresh database on that server (dropped at the end; KEEP_DB=1 keeps it), starts
# three messengerd nodes (node-1..3) on it, waits until every node sees the three live and
# connected, then runs bench/failover.mjs with the remaining arguments (see there for all of
# them). fsync is whatever the server has. KEEP_LOGS=1 keeps the nodes' stdout/stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:?usage: bench/failover.sh BINARY [failover.mjs options]}
shift
: "${BENCH_DATABASE_URL:?a server URL such as postgresql://messenger@127.0.0.1:PORT/postgres}"
base=${BENCH_DATABASE_URL%/*}
db="bench_failover_$$_$RANDOM"
token="bench-platform-token-$RANDOM$RANDOM$RANDOM"
work=$(mktemp -d /tmp/bench-failover.XXXXXX)
: >"$work/pids"
ids=(node-1 node-2 node-3)

# shellcheck source=scripts/cluster-nodes.sh
source "$here/../scripts/cluster-nodes.sh"

# What the nodes wrote on stderr (log level warn): per node the count of each event (the
# third field: "TIME LEVEL EVENT key=value…") and its first line, so that errors during the
# failover show up in the bench's output.
summarize_logs() {
  local f
  for f in "$work"/*.stderr; do
    [[ -f $f ]] || continue
    echo "node log $(basename "$f" .stderr): $(wc -l <"$f") stderr lines"
    awk '{ key = $2 " " $3; if (!(key in n)) { first[key] = $0; order[++k] = key } n[key]++ }
         END { for (i = 1; i <= k; ++i) printf "    %6d x %s\n           first: %s\n", n[order[i]], order[i], substr(first[order[i]], 1, 300) }' "$f"
  done
  return 0
}

cleanup() {
  stop_nodes "$work/pids"
  summarize_logs
  if [[ ${KEEP_DB:-} == 1 ]]; then
    echo "database kept: $base/$db"
  else
    psql "$BENCH_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  fi
  if [[ ${KEEP_LOGS:-} == 1 ]]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

psql "$BENCH_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null

export MESSENGER_DATABASE_URL="$base/$db" MESSENGER_HTTP_ADDR=127.0.0.1:0 \
  MESSENGER_CLUSTER_ADDR=127.0.0.1:0 MESSENGER_PLATFORM_TOKEN="$token" \
  MESSENGER_LOG_LEVEL=warn MESSENGER_CONVERSATION_MESSAGE_PER_MINUTE_LIMIT=1000000 \
  MESSENGER_RATE_LIMIT_PER_TOKEN=100000000 MESSENGER_RATE_LIMIT_PER_IP=100000000

# Starts node $1 and waits (up to 30 s) for its "listening on" line; prints "pid url".
start_node() {
  local id=$1 pid
  MESSENGER_NODE_ID=$id "$binary" >"$work/$id.stdout" 2>"$work/$id.stderr" &
  pid=$!
  echo "$pid" >>"$work/pids"
  await_listening "$id" "$pid" "$work"
}

# True when the node at $1 sees the three nodes live and connected.
cluster_formed() {
  curl -sf --max-time 2 "$1/ops/api/cluster" -H "api_access_token: $token" 2>/dev/null |
    jq -e '(.nodes | length) == 3 and all(.nodes[]; .live == true and .connected == true)' \
      >/dev/null 2>&1
}

# Waits up to 30 s until every node sees the cluster formed.
await_cluster() {
  local url formed
  for _ in $(seq 1 300); do
    formed=1
    for url in "$@"; do cluster_formed "$url" || { formed=0; break; }; done
    ((formed)) && return 0
    sleep 0.1
  done
  echo "FAILED: the cluster did not form within 30 s" >&2
  return 1
}

urls=() pids=()
for id in "${ids[@]}"; do
  started=$(start_node "$id")
  pids+=("${started%% *}")
  urls+=("${started#* }")
done
started_at=$(date +%s.%N)
await_cluster "${urls[@]}"
formed_s=$(awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "cluster: ${ids[*]} live and connected on every node ${formed_s} s after the last start"

join() { local IFS=,; echo "$*"; }
NODE_URLS=$(join "${urls[@]}") NODE_PIDS=$(join "${pids[@]}") NODE_IDS=$(join "${ids[@]}") \
  PLATFORM_TOKEN=$token DATABASE_URL="$MESSENGER_DATABASE_URL" \
  node "$here/failover.mjs" "$@"
