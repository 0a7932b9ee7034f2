#include "persistence/queries/realtime.hpp"

namespace messenger::persistence::queries::realtime {

statement configured_presence(int64_t account_id) {
  return statement_of(
    "SELECT user_id, CASE WHEN auto_offline THEN 'offline' WHEN availability = 0 THEN "
    "'online' WHEN availability = 2 THEN 'busy' ELSE 'offline' END AS status FROM "
    "account_users WHERE account_id = $1",
    account_id);
}

std::vector<presence_row> read_presence(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return presence_row{r.int64("user_id"), r.text("status")};
  });
}

statement agent_subscriber(const std::string& pubsub_token, int64_t user_id, int64_t account_id) {
  return statement_of(
    "SELECT au.role, coalesce((SELECT array_agg(m.inbox_id) FROM inbox_members "
    "m JOIN inboxes i ON i.id = m.inbox_id WHERE m.user_id = u.id AND i.account_id = $3), "
    "'{}') AS inboxes FROM users u JOIN account_users au ON au.user_id = u.id AND "
    "au.account_id = $3 WHERE u.pubsub_token = $1 AND u.id = $2",
    pubsub_token, user_id, account_id);
}

std::optional<agent_subscriber_row> read_agent_subscriber(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return agent_subscriber_row{r.int64("role") == 1, r.int64_list("inboxes")};
  });
}

statement contact_subscriber(const std::string& pubsub_token) {
  return statement_of(
    "SELECT ci.id, ci.contact_id, coalesce(ci.hmac_verified, false) AS verified, i.account_id "
    "FROM contact_inboxes ci JOIN inboxes i ON i.id = ci.inbox_id WHERE ci.pubsub_token = $1",
    pubsub_token);
}

std::optional<contact_subscriber_row> read_contact_subscriber(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return contact_subscriber_row{r.int64("id"), r.int64("contact_id"), r.boolean("verified"),
                                  r.int64("account_id")};
  });
}

statement agent_inboxes(int64_t user_id, int64_t account_id) {
  return statement_of(
    "SELECT coalesce(array_agg(m.inbox_id), '{}') AS inboxes FROM inbox_members "
    "m JOIN inboxes i ON i.id = m.inbox_id WHERE m.user_id = $1 AND i.account_id = $2",
    user_id, account_id);
}

std::vector<int64_t> read_agent_inboxes(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.int64_list("inboxes"); })
    .value_or(std::vector<int64_t>{});
}

statement push_data(const std::vector<push_key>& keys) {
  std::vector<std::string> kinds;
  std::vector<int64_t> ids;
  for (const auto& key : keys) {
    kinds.push_back(key.kind);
    ids.push_back(key.id);
  }
  return statement_of(
    "SELECT k.kind, k.id, CASE k.kind WHEN 'User' THEN messenger_sender_json('User', k.id)::text "
    "WHEN 'Contact' THEN messenger_sender_json('Contact', k.id)::text "
    "WHEN 'Team' THEN (SELECT jsonb_build_object('id', t.id, 'name', t.name)::text FROM teams t "
    "WHERE t.id = k.id) "
    "WHEN 'ContactInbox' THEN (SELECT jsonb_build_object('id', ci.id, 'contact_id', "
    "ci.contact_id, 'inbox_id', ci.inbox_id, 'source_id', ci.source_id, 'hmac_verified', "
    "coalesce(ci.hmac_verified, false), 'pubsub_token', ci.pubsub_token, 'created_at', "
    "ci.created_at, 'updated_at', ci.updated_at)::text FROM contact_inboxes ci WHERE ci.id = "
    "k.id) "
    "WHEN 'Inbox' THEN (SELECT to_jsonb(i.channel_type)::text FROM inboxes i WHERE i.id = k.id) "
    "END AS body FROM unnest($1::text[], $2::bigint[]) AS k(kind, id)",
    kinds, ids);
}

std::vector<push_data_row> read_push_data(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    push_data_row row{{r.text("kind"), r.int64("id")}, std::nullopt};
    if (auto body = r.opt_text("body"))
      row.body = json_doc{std::move(*body)};
    return row;
  });
}

} // namespace messenger::persistence::queries::realtime
