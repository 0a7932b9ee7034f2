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
  return c; // the listed row is the conversation plus its unread count and meta
}

json message_body(const messages::message_record& m, int64_t display_id) {
  auto j = render::message(m, display_id);
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
