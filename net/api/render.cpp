#include "net/api/render.hpp"

#include "actors/row_codec.hpp"
#include "domain/types.hpp"
#include "net/render/events.hpp"

namespace messenger::net::api {

using json = nlohmann::json;
namespace conversations = persistence::queries::conversations;
namespace messages = persistence::queries::messages;

json conversation_body(const actors::conversation_row& row, int unread_count) {
  auto j = render::conversation(row, unread_count);
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
  return j;
}

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

json conversation_body(const conversations::list_row& row) {
  auto j = conversation_body(conversation_from_row(row), static_cast<int>(row.unread_count));
  set_meta(j, row.sender_json, row.assignee_json);
  return j;
}

void set_last_messages(std::vector<json>& conversations, const std::vector<int64_t>& ids,
                       const std::vector<messages::last_message_row>& last) {
  for (auto& c : conversations) {
    c["messages"] = json::array();
    c["last_non_activity_message"] = nullptr;
  }
  for (const auto& row : last) {
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] != row.conversation_id)
        continue;
      auto display = conversations[k].value("id", int64_t{0});
      if (row.last)
        conversations[k]["messages"] = json::array({message_body(row.message, display)});
      else
        conversations[k]["last_non_activity_message"] = message_body(row.message, display);
    }
  }
}

void respond_conversation(const context& ctx, const actors::conversation_row& row,
                          responder respond) {
  auto body = conversation_body(row, actors::unread_count(row));
  query(
    ctx, conversations::meta(row.contact_id, row.assignee_id, row.account_id),
    [ctx, body, id = row.id, respond](persistence::result_set& rs) mutable {
      if (auto meta = conversations::read_meta(rs))
        set_meta(body, meta->sender_json, meta->assignee_json);
      query(
        ctx, messages::last_of({id}),
        [body, id](persistence::result_set& last) {
          std::vector<json> one{body};
          set_last_messages(one, {id}, messages::read_last(last));
          return http_response::json(200, one[0].dump());
        },
        respond);
      return deferred();
    },
    pass_on(respond));
}

actors::conversation_row conversation_from_row(const conversations::list_row& c) {
  actors::conversation_row r;
  r.id = c.id;
  r.display_id = c.display_id;
  r.account_id = c.account_id;
  r.inbox_id = c.inbox_id;
  r.contact_id = c.contact_id;
  r.status = static_cast<uint8_t>(c.status);
  r.priority = static_cast<int32_t>(c.priority);
  r.assignee_id = c.assignee_id;
  r.team_id = c.team_id;
  r.created_at = c.created_at;
  r.last_activity_at = c.last_activity_at;
  r.waiting_since = c.waiting_since;
  r.first_reply_created_at = c.first_reply_created_at;
  r.snoozed_until = c.snoozed_until;
  r.agent_last_seen_at = c.agent_last_seen_at;
  r.assignee_last_seen_at = c.assignee_last_seen_at;
  r.contact_last_seen_at = c.contact_last_seen_at;
  r.uuid = c.uuid;
  r.custom_attributes = c.custom_attributes;
  r.additional_attributes = c.additional_attributes;
  r.labels = c.labels;
  return r;
}

actors::message_row message_from_record(const messages::message_record& m) {
  actors::message_row r;
  r.id = m.id;
  r.content = m.content;
  r.account_id = m.account_id;
  r.inbox_id = m.inbox_id;
  r.message_type = static_cast<uint8_t>(m.message_type);
  r.content_type = static_cast<uint8_t>(m.content_type);
  r.content_attributes = m.content_attributes;
  r.additional_attributes = m.additional_attributes;
  r.is_private = m.is_private;
  r.status = static_cast<uint8_t>(m.status);
  r.source_id = m.source_id;
  r.echo_id = m.echo_id;
  r.sender_type = m.sender_type;
  r.sender_id = m.sender_id;
  r.created_at = m.created_at;
  return r;
}

json message_body(const messages::message_record& m, int64_t display_id) {
  auto j = render::message(message_from_record(m), display_id);
  if (m.sender)
    j["sender"] = json::parse(m.sender->json, nullptr, false);
  return j;
}

json message_body(const actors::message_row& msg, int64_t display_id, const actors::performer& by) {
  auto j = render::message(msg, display_id);
  if (msg.sender_type == "User" && by.type == "User" && by.id == msg.sender_id)
    j["sender"] = {{"id", by.id},      {"name", by.name}, {"available_name", by.name},
                   {"avatar_url", ""}, {"type", "user"},  {"availability_status", "online"},
                   {"thumbnail", ""}};
  return j;
}

json conversation_body(const persistence::result_set& rs, size_t i) {
  return conversation_body(conversations::read_list_row({rs, i}));
}

actors::conversation_row conversation_from_row(const persistence::result_set& rs, size_t i) {
  return conversation_from_row(conversations::read_list_row({rs, i}));
}

json message_body(const persistence::result_set& rs, size_t i, int64_t display_id) {
  return message_body(messages::read_message({rs, i}), display_id);
}

} // namespace messenger::net::api
