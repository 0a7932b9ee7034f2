#include "persistence/queries/webhooks.hpp"

namespace messenger::persistence::queries::webhooks {

namespace {

#define WEBHOOK_JSON                                                                               \
  "jsonb_build_object('id', w.id, 'url', w.url, 'name', w.name, 'subscriptions', "                 \
  "w.subscriptions, 'account_id', w.account_id, 'secret', w.secret, 'inbox', (SELECT "             \
  "jsonb_build_object('id', i.id, 'name', i.name) FROM inboxes i WHERE i.id = w.inbox_id))::text " \
  "AS j"

} // namespace

statement list(int64_t account_id) {
  return statement_of("SELECT " WEBHOOK_JSON " FROM webhooks w WHERE w.account_id = $1 "
                      "ORDER BY w.id",
                      account_id);
}

statement create(const webhook_fields& hook, std::optional<int64_t> inbox_id,
                 const std::string& secret) {
  return statement_of("WITH w AS (INSERT INTO webhooks (account_id, inbox_id, url, name, "
                      "subscriptions, webhook_type, secret, created_at, updated_at) SELECT "
                      "$1, i.id, $2, $3, coalesce($4::jsonb, '[\"conversation_status_"
                      "changed\", \"conversation_updated\", \"conversation_created\", "
                      "\"contact_created\", \"contact_updated\", \"message_created\", "
                      "\"message_updated\", \"webwidget_triggered\"]'), CASE WHEN i.id IS "
                      "NULL THEN 0 ELSE 1 END, $6, now() AT TIME ZONE 'utc', now() AT TIME "
                      "ZONE 'utc' FROM (SELECT (SELECT id FROM inboxes WHERE account_id = $1 "
                      "AND id = $5::int) AS id) i RETURNING *) SELECT " WEBHOOK_JSON " FROM w",
                      hook.account_id, hook.url, hook.name, hook.subscriptions, inbox_id, secret);
}

statement update(const webhook_fields& hook, int64_t webhook_id) {
  return statement_of("WITH w AS (UPDATE webhooks SET url = coalesce($2, url), name = "
                      "coalesce($3, name), subscriptions = coalesce($4::jsonb, "
                      "subscriptions), updated_at = now() AT TIME ZONE 'utc' WHERE "
                      "account_id = $1 AND id = $5 RETURNING *) SELECT " WEBHOOK_JSON " FROM w",
                      hook.account_id, hook.url, hook.name, hook.subscriptions, webhook_id);
}

statement remove(int64_t account_id, int64_t webhook_id) {
  return statement_of("DELETE FROM webhooks WHERE account_id = $1 AND id = $2 RETURNING id",
                      account_id, webhook_id);
}

statement targets(int64_t account_id) {
  return statement_of(
    "SELECT w.url, coalesce(w.secret, '') AS secret, coalesce(w.subscriptions, "
    "'[]')::text AS subscriptions, coalesce(w.inbox_id, 0) AS inbox_id, 'account' AS kind "
    "FROM webhooks w WHERE w.account_id = $1 AND w.url IS NOT NULL UNION ALL SELECT "
    "ch.webhook_url, '', '[]', i.id, 'inbox' FROM inboxes i JOIN channel_api ch ON ch.id = "
    "i.channel_id AND i.channel_type = 'Channel::Api' WHERE i.account_id = $1 AND "
    "coalesce(ch.webhook_url, '') <> ''",
    account_id);
}

std::vector<target_row> read_targets(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return target_row{r.text("url"), r.text("secret"), r.text("subscriptions"), r.int64("inbox_id"),
                      r.text("kind") == "inbox"};
  });
}

} // namespace messenger::persistence::queries::webhooks
