#include "actors/row_codec.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace messenger::actors {

namespace {

template <class T>
std::optional<T> opt_id(int64_t id) {
  return id == 0 ? std::nullopt : std::optional<T>{id};
}

bool has_key(const std::string& json_text, const char* key) {
  auto doc = nlohmann::json::parse(json_text, nullptr, false);
  return doc.is_object() && doc.contains(key) && !doc[key].is_null()
         && !(doc[key].is_string() && doc[key].get<std::string>().empty());
}

} // namespace

domain::opt_time to_opt_time(int64_t micros) {
  return micros == 0 ? std::nullopt : domain::opt_time{domain::from_micros(micros)};
}

int64_t from_opt_time(const domain::opt_time& t) {
  return t ? domain::to_micros(*t) : 0;
}

domain::conversation to_domain(const conversation_row& row) {
  domain::conversation c;
  c.id = row.id;
  c.display_id = row.display_id;
  c.account_id = row.account_id;
  c.inbox_id = row.inbox_id;
  c.contact_id = opt_id<int64_t>(row.contact_id);
  c.contact_inbox_id = opt_id<int64_t>(row.contact_inbox_id);
  c.status = static_cast<domain::conversation_status>(row.status);
  if (row.priority >= 0)
    c.prio = static_cast<domain::priority>(row.priority);
  c.assignee_id = opt_id<int64_t>(row.assignee_id);
  c.assignee_agent_bot_id = opt_id<int64_t>(row.assignee_agent_bot_id);
  c.team_id = opt_id<int64_t>(row.team_id);
  c.created_at = domain::from_micros(row.created_at);
  c.last_activity_at = domain::from_micros(row.last_activity_at);
  c.waiting_since = to_opt_time(row.waiting_since);
  c.first_reply_created_at = to_opt_time(row.first_reply_created_at);
  c.snoozed_until = to_opt_time(row.snoozed_until);
  c.agent_last_seen_at = to_opt_time(row.agent_last_seen_at);
  c.assignee_last_seen_at = to_opt_time(row.assignee_last_seen_at);
  c.contact_last_seen_at = to_opt_time(row.contact_last_seen_at);
  c.contact_blocked = row.contact_blocked;
  c.human_outgoing_public_count = row.human_outgoing_public_count;
  c.last_message_at = to_opt_time(row.last_message_at);
  for (auto t : row.recent_incoming)
    c.recent_incoming.push_back(domain::from_micros(t));
  return c;
}

void from_domain(const domain::conversation& c, conversation_row& row) {
  row.status = static_cast<uint8_t>(c.status);
  row.priority = c.prio ? static_cast<int32_t>(*c.prio) : -1;
  row.assignee_id = c.assignee_id.value_or(0);
  row.assignee_agent_bot_id = c.assignee_agent_bot_id.value_or(0);
  row.team_id = c.team_id.value_or(0);
  row.last_activity_at = domain::to_micros(c.last_activity_at);
  row.waiting_since = from_opt_time(c.waiting_since);
  row.first_reply_created_at = from_opt_time(c.first_reply_created_at);
  row.snoozed_until = from_opt_time(c.snoozed_until);
  row.agent_last_seen_at = from_opt_time(c.agent_last_seen_at);
  row.assignee_last_seen_at = from_opt_time(c.assignee_last_seen_at);
  row.contact_last_seen_at = from_opt_time(c.contact_last_seen_at);
  row.human_outgoing_public_count = c.human_outgoing_public_count;
  row.last_message_at = from_opt_time(c.last_message_at);
  row.recent_incoming.clear();
  for (auto t : c.recent_incoming)
    row.recent_incoming.push_back(domain::to_micros(t));
}

int unread_count(const conversation_row& row) {
  domain::conversation c;
  c.agent_last_seen_at = to_opt_time(row.agent_last_seen_at);
  for (auto t : row.recent_incoming)
    c.recent_incoming.push_back(domain::from_micros(t));
  return domain::unread_count(c);
}

domain::message_facts facts_of(const message_row& msg, bool preserve_waiting_since) {
  domain::message_facts m;
  m.type = static_cast<domain::message_type>(msg.message_type);
  m.is_private = msg.is_private;
  m.sender = domain::parse_sender_kind(msg.sender_type).value_or(domain::sender_kind::none);
  m.automation = has_key(msg.content_attributes, "automation_rule_id");
  m.campaign = has_key(msg.additional_attributes, "campaign_id");
  m.external_echo = has_key(msg.content_attributes, "external_echo");
  m.preserve_waiting_since = preserve_waiting_since;
  m.created_at = domain::from_micros(msg.created_at);
  return m;
}

message_row to_message_row(const persistence::queries::message_rows::message_record& m) {
  return m; // the record is the message plus its sender: the message part
}

message_row message_from_row(const persistence::result_set& rs, size_t i) {
  return to_message_row(persistence::queries::message_rows::read_message({rs, i}));
}

} // namespace messenger::actors
