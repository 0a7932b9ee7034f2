#include "net/api/render.hpp"

#include "actors/event_data.hpp"
#include "actors/row_codec.hpp"
#include "domain/types.hpp"

namespace messenger::net::api {

using json = nlohmann::json;

json conversation_body(const actors::conversation_row& row, int unread_count) {
  auto j = json::parse(actors::conversation_json(row, unread_count), nullptr, false);
  j["snoozed_until"]
    = row.snoozed_until == 0 ? json(nullptr) : json(domain::iso8601(row.snoozed_until));
  for (const char* key : {"first_reply_created_at", "agent_last_seen_at", "contact_last_seen_at",
                          "last_activity_at", "timestamp", "created_at"})
    if (j[key].is_null())
      j[key] = 0;
  j["assignee_last_seen_at"] = row.assignee_last_seen_at / 1000000;
  j["can_reply"] = true;
  j["meta"] = {{"sender", {{"id", row.contact_id}}},
               {"assignee", row.assignee_id == 0 ? json(nullptr) : json{{"id", row.assignee_id}}},
               {"assignee_type", row.assignee_id == 0 ? json(nullptr) : json("User")},
               {"channel", "Channel::Api"},
               {"hmac_verified", false}};
  j.erase("activity");
  return j;
}

#define CONVERSATION_META_COLUMNS                                                                  \
  "(SELECT messenger_contact_json(ct, false) FROM contacts ct WHERE ct.id = "                      \
  "c.contact_id)::text AS sender_json, (SELECT messenger_agent_json(u, au) FROM users u JOIN "     \
  "account_users au ON au.user_id = u.id AND au.account_id = c.account_id WHERE u.id = "           \
  "c.assignee_id)::text AS assignee_json"

const char* const conversation_meta_columns = CONVERSATION_META_COLUMNS;

void set_meta(json& conversation, const std::string& sender_json,
              const std::string& assignee_json) {
  auto& meta = conversation["meta"];
  if (!sender_json.empty())
    meta["sender"] = json::parse(sender_json, nullptr, false);
  if (!assignee_json.empty()) {
    meta["assignee"] = json::parse(assignee_json, nullptr, false);
    meta["assignee_type"] = "User";
  } else {
    meta.erase("assignee");
    meta.erase("assignee_type");
  }
}

json conversation_body(const persistence::result_set& rs, size_t i) {
  auto j
    = conversation_body(conversation_from_row(rs, i), std::stoi(rs.field(i, "unread_count").text));
  set_meta(j, rs.field(i, "sender_json").text, rs.field(i, "assignee_json").text);
  return j;
}

persistence::statement last_messages_query(const std::vector<int64_t>& conversation_ids) {
  // Per conversation its last message of any kind and its last non-activity message.
  std::string sql = "SELECT 'last' AS kind, x.id AS conv, lm.* FROM unnest($1::int[]) x(id) "
                    "CROSS JOIN LATERAL (SELECT " MESSENGER_MESSAGE_COLUMNS
                    " FROM messages m WHERE m.conversation_id = x.id ORDER BY m.id DESC LIMIT 1) "
                    "lm UNION ALL SELECT 'non_activity', x.id, ln.* FROM unnest($1::int[]) x(id) "
                    "CROSS JOIN LATERAL (SELECT " MESSENGER_MESSAGE_COLUMNS
                    " FROM messages m WHERE m.conversation_id = x.id AND m.message_type <> 2 "
                    "ORDER BY m.id DESC LIMIT 1) ln";
  return persistence::make_statement(std::move(sql), {id_array(conversation_ids)});
}

void set_last_messages(std::vector<json>& conversations, const std::vector<int64_t>& ids,
                       const persistence::result_set& rs) {
  for (auto& c : conversations) {
    c["messages"] = json::array();
    c["last_non_activity_message"] = nullptr;
  }
  for (size_t i = 0; i < rs.rows.size(); ++i) {
    auto conv = std::stoll(rs.field(i, "conv").text);
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] != conv)
        continue;
      auto display = conversations[k].value("id", int64_t{0});
      if (rs.field(i, "kind").text == "last")
        conversations[k]["messages"] = json::array({message_body(rs, i, display)});
      else
        conversations[k]["last_non_activity_message"] = message_body(rs, i, display);
    }
  }
}

void respond_conversation(const context& ctx, const actors::conversation_row& row,
                          responder respond) {
  auto body = conversation_body(row, actors::unread_count(row));
  std::string sql = "SELECT ";
  sql += conversation_meta_columns;
  sql += " FROM (SELECT $1::int AS contact_id, $2::int AS assignee_id, $3::int AS account_id) c";
  query(
    ctx,
    persistence::make_statement(sql,
                                {std::to_string(row.contact_id), std::to_string(row.assignee_id),
                                 std::to_string(row.account_id)}),
    [ctx, body, id = row.id, respond](persistence::result_set& rs) mutable {
      if (!rs.rows.empty())
        set_meta(body, rs.field(0, "sender_json").text, rs.field(0, "assignee_json").text);
      query(
        ctx, last_messages_query({id}),
        [body, id](persistence::result_set& last) {
          std::vector<json> one{body};
          set_last_messages(one, {id}, last);
          return http_response::json(200, one[0].dump());
        },
        respond);
      return deferred();
    },
    pass_on(respond));
}

// unread_count (BEHAVIOUR.md §8): incoming messages after agent_last_seen_at, at most 10; at
// most 10 entries of index_messages_on_conversation_account_type_created per conversation.
#define UNREAD_COUNT_COLUMN                                                                        \
  "(SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND "            \
  "m.account_id = c.account_id AND m.message_type = 0 AND m.created_at > "                         \
  "coalesce(c.agent_last_seen_at, '-infinity') LIMIT 10) u) AS unread_count"

const char* const conversation_list_columns
  = "c.id, c.display_id, c.account_id, c.inbox_id, coalesce(c.contact_id, 0) AS contact_id, "
    "c.status, coalesce(c.priority, -1) AS priority, coalesce(c.assignee_id, 0) AS assignee_id, "
    "coalesce(c.team_id, 0) AS team_id, messenger_us(c.created_at) AS created_at, "
    "messenger_us(c.last_activity_at) AS last_activity_at, "
    "coalesce(messenger_us(c.waiting_since), 0) AS waiting_since, "
    "coalesce(messenger_us(c.first_reply_created_at), 0) AS first_reply_created_at, "
    "coalesce(messenger_us(c.snoozed_until), 0) AS snoozed_until, "
    "coalesce(messenger_us(c.agent_last_seen_at), 0) AS agent_last_seen_at, "
    "coalesce(messenger_us(c.assignee_last_seen_at), 0) AS assignee_last_seen_at, "
    "coalesce(messenger_us(c.contact_last_seen_at), 0) AS contact_last_seen_at, "
    "c.uuid::text AS uuid, coalesce(c.custom_attributes, '{}')::text AS custom_attributes, "
    "coalesce(c.additional_attributes, '{}')::text AS additional_attributes, "
    "coalesce(c.cached_label_list, '') AS labels, " UNREAD_COUNT_COLUMN
    ", " CONVERSATION_META_COLUMNS;

actors::conversation_row conversation_from_row(const persistence::result_set& rs, size_t i) {
  auto num = [&](const char* c) { return std::stoll(rs.field(i, c).text); };
  actors::conversation_row r;
  r.id = num("id");
  r.display_id = num("display_id");
  r.account_id = num("account_id");
  r.inbox_id = num("inbox_id");
  r.contact_id = num("contact_id");
  r.status = static_cast<uint8_t>(num("status"));
  r.priority = static_cast<int32_t>(num("priority"));
  r.assignee_id = num("assignee_id");
  r.team_id = num("team_id");
  r.created_at = num("created_at");
  r.last_activity_at = num("last_activity_at");
  r.waiting_since = num("waiting_since");
  r.first_reply_created_at = num("first_reply_created_at");
  r.snoozed_until = num("snoozed_until");
  r.agent_last_seen_at = num("agent_last_seen_at");
  r.assignee_last_seen_at = num("assignee_last_seen_at");
  r.contact_last_seen_at = num("contact_last_seen_at");
  r.uuid = rs.field(i, "uuid").text;
  r.custom_attributes = rs.field(i, "custom_attributes").text;
  r.additional_attributes = rs.field(i, "additional_attributes").text;
  auto labels = rs.field(i, "labels").text;
  size_t start = 0;
  while (!labels.empty() && start <= labels.size()) {
    auto end = labels.find(", ", start);
    r.labels.push_back(labels.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos)
      break;
    start = end + 2;
  }
  return r;
}

json message_body(const persistence::result_set& rs, size_t i, int64_t display_id) {
  auto j = json::parse(actors::message_json(message_from_row(rs, i), display_id));
  const auto& sender = rs.field(i, "sender_json");
  if (!sender.is_null && !sender.text.empty())
    j["sender"] = json::parse(sender.text, nullptr, false);
  return j;
}

json message_body(const actors::message_row& msg, int64_t display_id, const actors::performer& by) {
  auto j = json::parse(actors::message_json(msg, display_id));
  if (msg.sender_type == "User" && by.type == "User" && by.id == msg.sender_id)
    j["sender"] = {{"id", by.id},      {"name", by.name}, {"available_name", by.name},
                   {"avatar_url", ""}, {"type", "user"},  {"availability_status", "online"},
                   {"thumbnail", ""}};
  return j;
}

} // namespace messenger::net::api
