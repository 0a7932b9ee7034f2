#!/usr/bin/env bash
# ctest cluster.netns_partition: a node-1<->node-2 network partition between three real
# messengerd processes, each in its own network namespace (run as root).
#   MESSENGER_TEST_DATABASE_URL=postgresql://messenger@127.0.0.1:PORT/postgres \
#     tests/cluster/netns.sh path/to/messengerd [netns_partition.mjs]
# PostgreSQL stays in the root namespace; the nodes reach it through its unix socket (scripts/pg.sh
# starts it with -k DATADIR; unix sockets cross network namespaces). Namespace mx-<pid>-N is joined
# to the root namespace by a veth pair (root side 10.77.N.1/24, node side 10.77.N.2/24, default
# route via 10.77.N.1, ip_forward on in the root namespace), so node<->node traffic is routed
# through the root namespace and a blackhole route inside one namespace cuts one pair of nodes.
# Exits 77 (ctest SKIP_RETURN_CODE) when namespaces cannot be created.
# The script gets what tests/cluster/run.sh gives its scripts (NODE_URLS, NODE_PIDS, NODE_IDS,
# PLATFORM_TOKEN, DATABASE_URL (TCP, for psql in the root namespace), LOG_DIR, MESSENGERD) and
# NODE_NETNS (the namespaces, in node order). KEEP_LOGS=1 keeps the nodes' logs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
script=${2:-netns_partition.mjs}
: "${MESSENGER_TEST_DATABASE_URL:?the throwaway PostgreSQL of ./test.sh}"
base=${MESSENGER_TEST_DATABASE_URL%/*}
db="messenger_netns_$$_$RANDOM"
token="cluster-platform-token-$RANDOM$RANDOM$RANDOM"
ids=(node-1 node-2 node-3)
nss=() vethroot=()
for i in 1 2 3; do
  nss+=("mx-$$-$i")
  vethroot+=("mx$$r$i") # the node side is mx<pid>n<i>; both at most 15 characters
done

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP netns.sh needs root (ip netns add); running as uid $(id -u)" >&2
  exit 77
fi
if ! err=$(ip netns add "mx-$$-probe" 2>&1); then
  echo "SKIP ip netns add failed: $err" >&2
  exit 77
fi
ip netns del "mx-$$-probe"

work=$(mktemp -d /tmp/messenger-netns.XXXXXX)
: >"$work/pids"
old_forward=$(sysctl -n net.ipv4.ip_forward)
db_created=0

# shellcheck source=scripts/cluster-nodes.sh
source "$here/../../scripts/cluster-nodes.sh"

cleanup() {
  stop_nodes "$work/pids"
  local i
  for i in 0 1 2; do
    ip netns del "${nss[$i]}" 2>/dev/null || true
    ip link del "${vethroot[$i]}" 2>/dev/null || true
  done
  sysctl -qw net.ipv4.ip_forward="$old_forward" || true
  if ((db_created)); then
    psql "$MESSENGER_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  fi
  local left
  left=$(ip netns list | grep -c "^mx-$$-" || true)
  ((left == 0)) || echo "cleanup: $left namespaces mx-$$-* left" >&2
  if [[ ${KEEP_LOGS:-} == 1 ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap "exit 143" TERM
trap "exit 130" INT

ensure_sdk_packages

# The unix socket of the server behind MESSENGER_TEST_DATABASE_URL.
sockdir=$(psql "$MESSENGER_TEST_DATABASE_URL" -tAc "show unix_socket_directories" | cut -d, -f1)
pgport=$(psql "$MESSENGER_TEST_DATABASE_URL" -tAc "show port")
if [[ -z $sockdir || ! -S $sockdir/.s.PGSQL.$pgport ]]; then
  echo "FAIL no unix socket of the test PostgreSQL (unix_socket_directories '$sockdir', port $pgport)" >&2
  exit 1
fi

# The namespaces.
sysctl -qw net.ipv4.ip_forward=1
for i in 0 1 2; do
  n=$((i + 1)) ns=${nss[$i]} r=${vethroot[$i]} v="mx$$n$n"
  ip netns add "$ns"
  ip link add "$r" type veth peer name "$v"
  ip link set "$v" netns "$ns"
  ip addr add "10.77.$n.1/24" dev "$r"
  ip link set "$r" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "10.77.$n.2/24" dev "$v"
  ip -n "$ns" link set "$v" up
  ip -n "$ns" route add default via "10.77.$n.1"
done

psql "$MESSENGER_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
db_created=1

# Every node's settings but its id and addresses (as run.sh's, with the database reached through
# the unix socket, and the root-side addresses exempt from the rate limits).
export MESSENGER_DATABASE_URL="postgresql://messenger@/$db?host=$sockdir&port=$pgport" \
  MESSENGER_PLATFORM_TOKEN="$token" \
  MESSENGER_LOG_LEVEL=warn MESSENGER_PRESENCE_PUSH_MS=100 \
  MESSENGER_ASSIGNMENT_LIMIT=1000 MESSENGER_CONVERSATION_MESSAGE_PER_MINUTE_LIMIT=100000 \
  MESSENGER_RATE_LIMIT_ALLOWED_IPS="127.0.0.1,::1,10.77.1.1,10.77.2.1,10.77.3.1,10.77.1.2,10.77.2.2,10.77.3.2"

# Starts node $1 in namespace $2 at address $3 and waits (up to 30 s) for its "listening on"
# line; prints "pid url".
start_node() {
  local id=$1 ns=$2 addr=$3 pid
  ip netns exec "$ns" env MESSENGER_NODE_ID="$id" MESSENGER_HTTP_ADDR="$addr:0" \
    MESSENGER_CLUSTER_ADDR="$addr:0" "$binary" >"$work/$id.stdout" 2>"$work/$id.stderr" &
  pid=$! # ip netns exec and env exec the binary: the same process
  echo "$pid" >>"$work/pids"
  await_listening "$id" "$pid" "$work"
}

urls=() pids=()
for i in 0 1 2; do
  if ! started=$(start_node "${ids[$i]}" "${nss[$i]}" "10.77.$((i + 1)).2"); then
    print_logs "$work"
    exit 1
  fi
  pids+=("${started%% *}")
  urls+=("${started#* }")
done
echo "     nodes: ${urls[*]} (namespaces ${nss[*]})"

join() { local IFS=,; echo "$*"; }
status=0
case $script in /*) path=$script ;; *) path=$here/$script ;; esac
NODE_URLS=$(join "${urls[@]}") NODE_PIDS=$(join "${pids[@]}") NODE_IDS=$(join "${ids[@]}") \
  NODE_NETNS=$(join "${nss[@]}") PLATFORM_TOKEN=$token DATABASE_URL="$base/$db" LOG_DIR=$work \
  MESSENGERD=$binary node "$path" || status=$?
if [[ $status -ne 0 ]]; then
  print_logs "$work"
fi
exit $status
