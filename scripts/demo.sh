#!/usr/bin/env bash
# Seeds a demo account into a running messengerd and prints what to try next:
#   an administrator and two agents (with their access tokens), two API inboxes with
#   auto-assignment, a team, labels, contacts, and conversations in every status with messages.
# Idempotent: ids and tokens are kept in var/demo.env; a second run checks and reuses what
# exists and creates only what is missing.
#   MESSENGER_PLATFORM_TOKEN=... scripts/demo.sh [URL]      (URL defaults to http://127.0.0.1:3000)
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:-${MESSENGER_URL:-http://127.0.0.1:3000}}
PLATFORM_TOKEN=${MESSENGER_PLATFORM_TOKEN:?set MESSENGER_PLATFORM_TOKEN to the node\'s platform token}
state=${MESSENGER_DEMO_STATE:-var/demo.env}
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done

# api METHOD PATH TOKEN [JSON]: the answer on stdout; fails on an error status.
api() {
  curl -sS --fail-with-body -X "$1" "$URL$2" -H "api_access_token: $3" \
    -H 'Content-Type: application/json' ${4:+--data "$4"}
}
# status METHOD PATH TOKEN: only the HTTP status.
status() { curl -sS -o /dev/null -w '%{http_code}' -X "$1" "$URL$2" -H "api_access_token: $3"; }

created=0
reused=0
note() { if [[ $1 == created ]]; then created=$((created + 1)); else reused=$((reused + 1)); fi; }

# --- account and users: reused when the saved ones still work on this node.
ACCOUNT="" ADMIN_TOKEN="" AGENT1_TOKEN="" AGENT2_TOKEN="" ADMIN_ID="" AGENT1_ID="" AGENT2_ID=""
if [[ -f $state ]]; then
  # shellcheck disable=SC1090
  source "$state"
fi
if [[ -n $ACCOUNT && $(status GET "/platform/api/v1/accounts/$ACCOUNT" "$PLATFORM_TOKEN") == 200 &&
  $(status GET /api/v1/profile "$ADMIN_TOKEN") == 200 ]]; then
  note reused
else
  ACCOUNT=$(api POST /platform/api/v1/accounts "$PLATFORM_TOKEN" '{"name":"Demo Support"}' | jq -e .id)
  tag="demo$ACCOUNT-$(date +%s)" # e-mails are unique per installation
  make_user() { # make_user NAME LOCALPART ROLE -> "id token"
    local user
    user=$(api POST /platform/api/v1/users "$PLATFORM_TOKEN" \
      "{\"name\":\"$1\",\"email\":\"$2+$tag@demo.test\"}")
    api POST "/platform/api/v1/accounts/$ACCOUNT/account_users" "$PLATFORM_TOKEN" \
      "{\"user_id\":$(jq .id <<<"$user"),\"role\":\"$3\"}" >/dev/null
    jq -r '"\(.id) \(.access_token)"' <<<"$user"
  }
  read -r ADMIN_ID ADMIN_TOKEN < <(make_user "Ada Admin" ada administrator)
  read -r AGENT1_ID AGENT1_TOKEN < <(make_user "Ben Agent" ben agent)
  read -r AGENT2_ID AGENT2_TOKEN < <(make_user "Cleo Agent" cleo agent)
  mkdir -p "$(dirname "$state")"
  declare -p URL ACCOUNT ADMIN_ID ADMIN_TOKEN AGENT1_ID AGENT1_TOKEN AGENT2_ID AGENT2_TOKEN \
    | sed 's/^declare -- //' >"$state"
  note created
fi
A=/api/v1/accounts/$ACCOUNT

# find_or_create LIST_PATH JQ_SELECT CREATE_PATH CREATE_JSON: the id in $found
found=""
find_or_create() {
  found=$(api GET "$1" "$ADMIN_TOKEN" | jq -r "$2 | .id" | head -1)
  if [[ -n $found && $found != null ]]; then
    note reused
  else
    found=$(api POST "$3" "$ADMIN_TOKEN" "$4" | jq -e '.id // .payload.contact.id')
    note created
  fi
}

# --- inboxes with both agents; a team; labels.
declare -A inbox
for name in Website "Mobile App"; do
  find_or_create "$A/inboxes" ".payload[] | select(.name == \"$name\")" "$A/inboxes" \
    "{\"name\":\"$name\",\"enable_auto_assignment\":true,\"channel\":{\"type\":\"api\"}}"
  inbox[$name]=$found
  api PATCH "$A/inbox_members" "$ADMIN_TOKEN" \
    "{\"inbox_id\":${inbox[$name]},\"user_ids\":[$AGENT1_ID,$AGENT2_ID]}" >/dev/null
done
find_or_create "$A/teams" '.[] | select(.name == "billing")' "$A/teams" \
  '{"name":"billing","description":"Invoices, refunds and plans"}'
team=$found
api PATCH "$A/teams/$team/team_members" "$ADMIN_TOKEN" "{\"user_ids\":[$AGENT1_ID]}" >/dev/null
for label in billing bug vip; do
  find_or_create "$A/labels" ".payload[] | select(.title == \"$label\")" "$A/labels" \
    "{\"title\":\"$label\",\"show_on_sidebar\":true}"
done

# --- contacts, each with one conversation in a given status and a few messages.
# name|email|inbox|status|labels|first message|reply (empty: none yet)
seed=(
  "Carla Diaz|carla@example.com|Website|open|billing|My invoice shows the wrong plan.|"
  "Dmitri Ivanov|dmitri@example.com|Website|open|bug,vip|The export button does nothing.|Thanks, we are looking into it."
  "Eun-ji Park|eunji@example.com|Mobile App|pending||Can I change my username?|Yes: Settings, then Profile."
  "Farah Khan|farah@example.com|Mobile App|snoozed|vip|Please call me back tomorrow.|Sure, I will call you at 10."
  "Gustav Berg|gustav@example.com|Website|resolved|billing|How do I get a refund?|Refund issued, 3-5 days."
)
for row in "${seed[@]}"; do
  IFS='|' read -r name email box want labels first reply <<<"$row"
  find_or_create "$A/contacts/search?q=$email" '.payload[]' "$A/contacts" \
    "{\"name\":\"$name\",\"email\":\"$email\",\"inbox_id\":${inbox[$box]}}"
  contact=$found
  existing=$(api GET "$A/contacts/$contact/conversations" "$ADMIN_TOKEN" | jq -r '.payload[0].id // empty')
  if [[ -n $existing ]]; then
    note reused
    continue
  fi
  conv=$(api POST "$A/conversations" "$ADMIN_TOKEN" \
    "{\"inbox_id\":${inbox[$box]},\"contact_id\":$contact}" | jq -e .id)
  note created
  M="$A/conversations/$conv/messages"
  api POST "$M" "$ADMIN_TOKEN" "$(jq -n --arg c "$first" '{content: $c, message_type: "incoming"}')" >/dev/null
  if [[ -n $reply ]]; then
    api POST "$M" "$AGENT1_TOKEN" "$(jq -n --arg c "$reply" '{content: $c}')" >/dev/null
  fi
  if [[ -n $labels ]]; then
    api POST "$A/conversations/$conv/labels" "$ADMIN_TOKEN" \
      "$(jq -n --arg l "$labels" '{labels: ($l | split(","))}')" >/dev/null
  fi
  case $want in
    open) ;;
    snoozed)
      until=$(($(date +%s) + 86400))
      api POST "$A/conversations/$conv/toggle_status" "$ADMIN_TOKEN" \
        "{\"status\":\"snoozed\",\"snoozed_until\":$until}" >/dev/null ;;
    *) api POST "$A/conversations/$conv/toggle_status" "$ADMIN_TOKEN" "{\"status\":\"$want\"}" >/dev/null ;;
  esac
done

counts=$(api GET "$A/conversations/meta?status=all" "$ADMIN_TOKEN" | jq -c .meta)
cat <<EOF
demo seeded on $URL: $created created, $reused reused (state in $state)
  account      $ACCOUNT  "Demo Support"
  administrator id $ADMIN_ID  token $ADMIN_TOKEN
  agent Ben    id $AGENT1_ID  token $AGENT1_TOKEN  (team billing)
  agent Cleo   id $AGENT2_ID  token $AGENT2_TOKEN
  inboxes      Website ${inbox[Website]}, Mobile App ${inbox[Mobile App]} (auto-assignment on)
  conversations $counts

Try next:
  curl -s "$URL$A/conversations?status=all" -H "api_access_token: $AGENT1_TOKEN" | jq '.data.payload[] | {id, status, labels}'
  curl -sg "$URL$A/conversations?labels[]=vip&status=all" -H "api_access_token: $ADMIN_TOKEN" | jq '[.data.payload[].id]'
  curl -sN "$URL$A/events" -H "api_access_token: $AGENT1_TOKEN" -H 'Last-Event-ID: 0'   # live events (SSE)
EOF
