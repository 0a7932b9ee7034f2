#include "actors/event_data.hpp"

#include "domain/types.hpp"

#include <nlohmann/json.hpp>

namespace messenger::actors {

namespace {

nlohmann::json epoch(int64_t micros) {
  return micros == 0 ? nlohmann::json(nullptr) : nlohmann::json(micros / 1000000);
}

nlohmann::json id_or_null(int64_t id) {
  return id == 0 ? nlohmann::json(nullptr) : nlohmann::json(id);
}

nlohmann::json object_or_empty(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  return doc.is_object() ? doc : nlohmann::json::object();
}

nlohmann::json message_object(const message_row& msg, int64_t display_id) {
  nlohmann::json j;
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
  j["source_id"] = msg.source_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(msg.source_id);
  if (!msg.echo_id.empty())
    j["echo_id"] = msg.echo_id;
  j["sender_type"]
    = msg.sender_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(msg.sender_type);
  j["sender_id"] = id_or_null(msg.sender_id);
  j["created_at"] = msg.created_at / 1000000;
  j["sentiment"] = nlohmann::json::object();
  return j;
}

} // namespace

std::string conversation_json(const conversation_row& row, int unread_count,
                              const std::string& activity) {
  nlohmann::json j;
  j["id"] = row.display_id;
  j["account_id"] = row.account_id;
  j["inbox_id"] = row.inbox_id;
  j["uuid"] = row.uuid;
  j["status"]
    = std::string{domain::to_string(static_cast<domain::conversation_status>(row.status))};
  j["priority"] = row.priority < 0
                    ? nlohmann::json(nullptr)
                    : nlohmann::json(
                      std::string{domain::to_string(static_cast<domain::priority>(row.priority))});
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
  if (!activity.empty())
    j["activity"] = activity;
  return j.dump();
}

std::string message_json(const message_row& msg, int64_t display_id) {
  return message_object(msg, display_id).dump();
}

std::string message_event_json(const message_row& msg, const conversation_row& row,
                               int unread_count) {
  auto j = message_object(msg, row.display_id);
  // Message#push_event_data has every column; these three the REST shape does not.
  j["processed_message_content"] = msg.content;
  j["external_source_ids"] = nlohmann::json::object();
  j["updated_at"] = domain::iso8601(msg.created_at);
  j["conversation"] = {{"assignee_id", id_or_null(row.assignee_id)},
                       {"unread_count", unread_count},
                       {"last_activity_at", epoch(row.last_activity_at)}};
  return j.dump();
}

} // namespace messenger::actors
