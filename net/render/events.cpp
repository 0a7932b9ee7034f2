#include "net/render/events.hpp"

#include "domain/types.hpp"

namespace messenger::net::render {

namespace {

using json = nlohmann::json;

json epoch(int64_t micros) {
  return micros == 0 ? json(nullptr) : json(micros / 1000000);
}

json id_or_null(int64_t id) {
  return id == 0 ? json(nullptr) : json(id);
}

json object_or_empty(const std::string& text) {
  auto doc = json::parse(text, nullptr, false); // a stored jsonb column, not an event
  return doc.is_object() ? doc : json::object();
}

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

/// The actor as message senders and typing users appear in webhooks.
json performer_json(const domain::performer& by) {
  return {{"id", by.id}, {"name", by.name}, {"type", by.type == "Contact" ? "contact" : "user"}};
}

json message_push(const domain::event& ev) {
  const auto& msg = ev.message;
  auto j = message(msg, ev.display_id);
  // Message#push_event_data has every column; these three the REST shape does not.
  j["processed_message_content"] = msg.content;
  j["external_source_ids"] = json::object();
  j["updated_at"] = domain::iso8601(msg.created_at);
  j["conversation"] = {{"assignee_id", id_or_null(ev.conversation.assignee_id)},
                       {"unread_count", ev.unread_count},
                       {"last_activity_at", epoch(ev.conversation.last_activity_at)}};
  return j;
}

/// Message#webhook_data: the type as its name, created_at as ISO-8601, the inbox and
/// conversation ids, the sender; never for activity messages.
std::optional<json> message_webhook(const domain::event& ev) {
  static const char* types[] = {"incoming", "outgoing", "activity", "template"};
  auto type = ev.message.message_type;
  if (type == 2)
    return std::nullopt;
  auto data = message_push(ev);
  data["message_type"] = types[type <= 3 ? type : 0];
  data["created_at"] = domain::iso8601(ev.message.created_at / 1000000 * 1000000);
  data["inbox"] = {{"id", ev.inbox_id}};
  data["conversation"] = {{"id", ev.display_id}, {"inbox_id", ev.inbox_id}};
  if (ev.by.id != 0 && !ev.by.type.empty())
    data["sender"] = performer_json(ev.by);
  return data;
}

std::string quoted(std::string_view text) {
  return json(std::string{text}).dump();
}

} // namespace

json conversation(const domain::conversation_row& row, int unread_count) {
  json j;
  j["id"] = row.display_id;
  j["account_id"] = row.account_id;
  j["inbox_id"] = row.inbox_id;
  j["uuid"] = row.uuid;
  j["status"]
    = std::string{domain::to_string(static_cast<domain::conversation_status>(row.status))};
  j["priority"]
    = row.priority < 0
        ? json(nullptr)
        : json(std::string{domain::to_string(static_cast<domain::priority>(row.priority))});
  j["assignee_id"] = id_or_null(row.assignee_id);
  j["team_id"] = id_or_null(row.team_id);
  j["labels"] = row.labels;
  j["custom_attributes"] = object_or_empty(row.custom_attributes);
  j["additional_attributes"] = object_or_empty(row.additional_attributes);
  j["snoozed_until"] = epoch(row.snoozed_until);
  j["waiting_since"] = row.waiting_since / 1000000; // 0 when null, as Chatwoot
  j["first_reply_created_at"] = epoch(row.first_reply_created_at);
  j["agent_last_seen_at"] = epoch(row.agent_last_seen_at);
  j["contact_last_seen_at"] = epoch(row.contact_last_seen_at);
  j["last_activity_at"] = epoch(row.last_activity_at);
  j["timestamp"] = epoch(row.last_activity_at);
  j["created_at"] = epoch(row.created_at);
  j["unread_count"] = unread_count;
  return j;
}

json message(const domain::message_row& msg, int64_t display_id) {
  json j;
  j["id"] = msg.id;
  j["content"] = msg.content;
  j["account_id"] = msg.account_id;
  j["inbox_id"] = msg.inbox_id;
  j["conversation_id"] = display_id;
  j["message_type"] = msg.message_type;
  j["content_type"] = std::string{domain::content_type_name(msg.content_type)};
  j["content_attributes"] = object_or_empty(msg.content_attributes);
  j["additional_attributes"] = object_or_empty(msg.additional_attributes);
  j["private"] = msg.is_private;
  j["status"] = std::string{domain::to_string(static_cast<domain::message_status>(msg.status))};
  j["source_id"] = text_or_null(msg.source_id);
  if (!msg.echo_id.empty())
    j["echo_id"] = msg.echo_id;
  j["sender_type"] = text_or_null(msg.sender_type);
  j["sender_id"] = id_or_null(msg.sender_id);
  j["created_at"] = msg.created_at / 1000000;
  j["sentiment"] = json::object();
  return j;
}

json event_data(const domain::event& ev) {
  switch (domain::payload_of(ev.kind)) {
    case domain::event_payload::message:
      return message_push(ev);
    case domain::event_payload::conversation:
      return conversation(ev.conversation, ev.unread_count);
    case domain::event_payload::typing:
      return {{"conversation", conversation(ev.conversation, ev.unread_count)},
              {"is_private", ev.is_private}};
    case domain::event_payload::contact:
    case domain::event_payload::presence:
      break;
  }
  return json::object();
}

std::string with_members(std::string_view object, std::string_view members) {
  if (object.size() < 2 || object.front() != '{')
    return std::string{"{"} + std::string{members} + "}";
  std::string out = "{";
  out += members;
  auto rest = object.substr(1);
  if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos && rest.front() != '}')
    out += ',';
  out += rest;
  return out;
}

std::string contact_push(const domain::event& ev, const json& performer) {
  std::string members = "\"performer\":";
  members += performer.dump();
  members += ",\"account_id\":";
  members += std::to_string(ev.account_id);
  return with_members(ev.contact, members);
}

std::string contact_document(json contact, int64_t account_id) {
  contact.erase("contact_inboxes");
  contact["type"] = "contact";
  contact["account"] = {{"id", account_id}};
  return contact.dump();
}

std::optional<std::string> webhook_body(const domain::event& ev) {
  auto name = domain::webhook_name(ev.kind);
  if (name.empty())
    return std::nullopt;
  json data;
  switch (domain::payload_of(ev.kind)) {
    case domain::event_payload::contact:
      return with_members(ev.contact, "\"event\":" + quoted(name));
    case domain::event_payload::message: {
      auto body = message_webhook(ev);
      if (!body)
        return std::nullopt;
      data = std::move(*body);
      break;
    }
    case domain::event_payload::typing:
      // {conversation, user, is_private} (WebhookListener#handle_typing_status).
      data = event_data(ev);
      if (ev.by.id != 0 && !ev.by.type.empty())
        data["user"] = performer_json(ev.by);
      break;
    default:
      data = event_data(ev);
      break;
  }
  data["account"] = {{"id", ev.account_id}};
  data["event"] = name;
  return data.dump();
}

} // namespace messenger::net::render
