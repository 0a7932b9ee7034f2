# Sourced by the scripts that start several messengerd nodes (tests/cluster/run.sh,
# tests/cluster/netns.sh, bench/failover.sh). Each keeps its nodes' pids, one per line, in a
# pid file, and their output in WORK/ID.stdout and WORK/ID.stderr.

# await_listening ID PID WORK: waits (up to 30 s) for the node's "listening on" line and
# prints "PID URL"; returns 1 when the node exits or does not get there.
await_listening() {
  local id=$1 pid=$2 work=$3 line
  for _ in $(seq 1 300); do
    if line=$(grep -m1 '^listening on ' "$work/$id.stdout" 2>/dev/null); then
      echo "$pid ${line#listening on }"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$id did not start (pid $pid)" >&2
  return 1
}

# stop_nodes PIDFILE: stops every node of the file still running: CONT (a test may have
# paused one), TERM, up to 25 s to drain, then KILL.
stop_nodes() {
  local pids=() pid
  while read -r pid; do
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && pids+=("$pid")
  done <"$1"
  ((${#pids[@]})) || return 0
  kill -CONT "${pids[@]}" 2>/dev/null || true
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 250); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# print_logs WORK: the last 40 lines of every node's non-empty stderr in WORK, on stderr.
print_logs() {
  local f
  for f in "$1"/*.stderr; do
    [[ -s $f ]] || continue
    echo "--- $(basename "$f") (last 40 lines)" >&2
    tail -40 "$f" >&2
  done
}

# ensure_sdk_packages: the npm packages of tests/sdk (ws, @rails/actioncable) that the
# cluster scenarios use, installed once (one install at a time, as tests/sdk/run.sh does).
ensure_sdk_packages() {
  local sdk
  sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/sdk" && pwd)"
  (
    flock 9
    if [[ ! -d $sdk/node_modules/ws || ! -d $sdk/node_modules/@rails/actioncable ]]; then
      cd "$sdk" && npm ci --no-audit --no-fund --loglevel=error
    fi
  ) 9>"${TMPDIR:-/tmp}/messenger-sdk-npm.lock"
}
