#!/usr/bin/env bash
# messenger-ctl against a real messengerd (started by tests/sdk/run.sh, which sets
# MESSENGER_URL and MESSENGER_PLATFORM_TOKEN). MESSENGER_CTL: the messenger-ctl binary.
set -euo pipefail
: "${MESSENGER_CTL:?path of messenger-ctl}" "${MESSENGER_URL:?}" "${MESSENGER_PLATFORM_TOKEN:?}"
ctl=$MESSENGER_CTL
T=$MESSENGER_PLATFORM_TOKEN
URL=$MESSENGER_URL
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

fail() { echo "FAIL: $*" >&2; echo "--- stdout" >&2; cat "$out" >&2; echo "--- stderr" >&2; cat "$err" >&2; exit 1; }
# run EXPECTED_STATUS ARGS...: runs the ctl, checks its exit status.
run() {
  local want=$1; shift
  local status=0
  "$ctl" "$@" >"$out" 2>"$err" || status=$?
  [[ $status -eq $want ]] || fail "messenger-ctl $* exited $status, expected $want"
}
api() { curl -sS --fail-with-body -X "$1" "$URL$2" -H "api_access_token: $3" \
          -H 'Content-Type: application/json' ${4:+--data "$4"}; }

# An account, an administrator, an agent and an inbox with the agent as member.
account=$(api POST /platform/api/v1/accounts "$T" '{"name":"Ops"}' | jq -e .id)
ada=$(api POST /platform/api/v1/users "$T" '{"name":"Ada","email":"ada@ops.test"}')
ben=$(api POST /platform/api/v1/users "$T" '{"name":"Ben","email":"ben@ops.test"}')
admin=$(jq -er .access_token <<<"$ada")
ben_id=$(jq -e .id <<<"$ben")
api POST "/platform/api/v1/accounts/$account/account_users" "$T" \
  "{\"user_id\": $(jq .id <<<"$ada"), \"role\": \"administrator\"}" >/dev/null
api POST "/platform/api/v1/accounts/$account/account_users" "$T" \
  "{\"user_id\": $ben_id, \"role\": \"agent\"}" >/dev/null
inbox=$(api POST "/api/v1/accounts/$account/inboxes" "$admin" \
  '{"name":"Website","channel":{"type":"api"}}' | jq -e .id)
api POST "/api/v1/accounts/$account/inbox_members" "$admin" \
  "{\"inbox_id\": $inbox, \"user_ids\": [$ben_id]}" >/dev/null

# actors (env URL and token): a table with this node; --json is the API's document.
run 0 actors
head -1 "$out" | grep -q '^NODE  *LEASE  *CONVERSATIONS  *INBOXES  *OPERATORS' || fail "actors header"
node=$("$ctl" --json actors | jq -er .node)
grep -q "^$node  *live" "$out" || fail "actors lists $node as live"
[[ $("$ctl" --json actors | jq '.nodes | length') -ge 1 ]] || fail "actors --json has nodes"

# actor inbox ID: the ring holds Ben; flags instead of the environment work too.
run 0 --url "$URL" --token "$T" actor inbox "$inbox"
grep -q "^ring (next first)  *$ben_id$" "$out" || fail "inbox ring shows Ben ($ben_id)"
grep -q '^rate limiter ' "$out" || fail "inbox shows its rate limiter"
[[ $("$ctl" --json actor inbox "$inbox" | jq -c .ring) == "[$ben_id]" ]] || fail "actor --json ring"
run 0 actor operator "$ben_id"
grep -q "^account $account  *offline" "$out" || fail "operator shows Ben offline in account $account"
run 1 actor inbox 999999
grep -q 'no inbox 999999' "$err" || fail "unknown inbox message"
run 2 actor inbox
run 2 actor inbox 1/2

# cluster and metrics.
run 0 cluster
grep -q "^$node \*" "$out" || fail "cluster marks the answering node"
grep -q ' up ' "$out" || fail "cluster shows the node up"
run 0 metrics
grep -q '^messenger_http_requests_total{' "$out" || fail "metrics exposition"

# drain is not there yet: a clear refusal, never a pretend success.
run 5 drain "$node"
grep -q 'not supported by this node yet' "$err" || fail "drain refusal message"

# Wrong token, no token, unreachable node, unknown verb.
run 4 --token wrong-token actors
grep -q '401' "$err" || fail "wrong token message names the 401"
MESSENGER_PLATFORM_TOKEN='' run 2 actors
grep -q 'no token' "$err" || fail "missing token message"
run 3 --url http://127.0.0.1:1 actors
grep -q 'unreachable' "$err" || fail "unreachable message"
run 2 frobnicate
echo "messenger-ctl: all checks passed"
