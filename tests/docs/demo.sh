#!/usr/bin/env bash
# scripts/demo.sh against a real node, twice: the first run seeds the account, the second
# reuses everything and creates nothing; the seeded conversations cover every status.
#   MESSENGER_URL=... MESSENGER_PLATFORM_TOKEN=... tests/docs/demo.sh   (ctest: docs.demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/messenger-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
export MESSENGER_DEMO_STATE=$work/demo.env

"$root/scripts/demo.sh" "$MESSENGER_URL" >"$work/first"
"$root/scripts/demo.sh" "$MESSENGER_URL" >"$work/second"
head -1 "$work/first"
head -1 "$work/second"
fail() { echo "FAIL: $*" >&2; exit 1; }
grep -q ', 0 reused' "$work/first" || fail "the first run reused something on a fresh node"
grep -q ': 0 created' "$work/second" || fail "the second run created something"
[[ $(sed -n 2p "$work/first") == $(sed -n 2p "$work/second") ]] || fail "the second run used another account"

# shellcheck disable=SC1090
source "$MESSENGER_DEMO_STATE"
statuses=$(curl -sS "$MESSENGER_URL/api/v1/accounts/$ACCOUNT/conversations?status=all" \
  -H "api_access_token: $ADMIN_TOKEN" | jq -c '[.data.payload[].status] | sort')
[[ $statuses == '["open","open","pending","resolved","snoozed"]' ]] || fail "statuses $statuses"
messages=$(curl -sS "$MESSENGER_URL/api/v1/accounts/$ACCOUNT/search/messages?q=refund" \
  -H "api_access_token: $ADMIN_TOKEN" | jq '.payload | length')
((messages >= 1)) || fail "no seeded message found by search"
echo "demo: seeded, reused on the second run, statuses $statuses"
