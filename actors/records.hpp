#pragma once

// Wire records: what entity actors load from and save to the store, and what they
// answer. Plain structs with inspect() (registered in message_types.hpp). Nullable ids
// are 0 when absent (database ids start at 1), nullable times are 0 (microseconds since
// the epoch otherwise), a missing priority is -1.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace messenger::actors {

/// A conversations row plus what the conversation's rules need to know about its messages.
struct conversation_row {
  int64_t id = 0;
  int64_t display_id = 0;
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  int64_t contact_inbox_id = 0;
  uint8_t status = 0;
  int32_t priority = -1;
  int64_t assignee_id = 0;
  int64_t assignee_agent_bot_id = 0;
  int64_t team_id = 0;
  int64_t created_at = 0;
  int64_t last_activity_at = 0;
  int64_t waiting_since = 0;
  int64_t first_reply_created_at = 0;
  int64_t snoozed_until = 0;
  int64_t agent_last_seen_at = 0;
  int64_t assignee_last_seen_at = 0;
  int64_t contact_last_seen_at = 0;
  std::string uuid;
  std::string custom_attributes = "{}";
  std::string additional_attributes = "{}";
  std::vector<std::string> labels;
  // Derived, read-only for the store's save.
  bool contact_blocked = false;
  bool inbox_active_bot = false;
  bool inbox_auto_assignment = true;
  int64_t human_outgoing_public_count = 0;
  int64_t last_message_at = 0;
  std::vector<int64_t> recent_incoming; ///< newest 10 incoming created_at, oldest first
  std::vector<int64_t> last_minute;     ///< created_at of messages in the last 60 s
  int64_t last_resolved_end = 0;        ///< end of the latest conversation_resolved event
  int64_t last_non_human_activity = 0;  ///< see BEHAVIOUR.md §2
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_row& x) {
  return f(caf::meta::type_name("messenger::actors::conversation_row"), x.id, x.display_id,
           x.account_id, x.inbox_id, x.contact_id, x.contact_inbox_id, x.status, x.priority,
           x.assignee_id, x.assignee_agent_bot_id, x.team_id, x.created_at, x.last_activity_at,
           x.waiting_since, x.first_reply_created_at, x.snoozed_until, x.agent_last_seen_at,
           x.assignee_last_seen_at, x.contact_last_seen_at, x.uuid, x.custom_attributes,
           x.additional_attributes, x.labels, x.contact_blocked, x.inbox_active_bot,
           x.inbox_auto_assignment, x.human_outgoing_public_count, x.last_message_at,
           x.recent_incoming, x.last_minute, x.last_resolved_end, x.last_non_human_activity);
}

/// A messages row.
struct message_row {
  int64_t id = 0;
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t conversation_id = 0; ///< conversations.id (the API shows display_id)
  uint8_t message_type = 0;
  uint8_t content_type = 0;
  std::string content;
  std::string content_attributes = "{}";
  std::string additional_attributes = "{}";
  bool is_private = false;
  uint8_t status = 0;
  std::string source_id;   ///< "" = null
  std::string echo_id;     ///< "" = null
  std::string sender_type; ///< "" = null, else "Contact", "User", "AgentBot"
  int64_t sender_id = 0;
  int64_t created_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_row& x) {
  return f(caf::meta::type_name("messenger::actors::message_row"), x.id, x.account_id, x.inbox_id,
           x.conversation_id, x.message_type, x.content_type, x.content, x.content_attributes,
           x.additional_attributes, x.is_private, x.status, x.source_id, x.echo_id, x.sender_type,
           x.sender_id, x.created_at);
}

/// One reporting_events row.
struct reporting_row {
  std::string name;
  double value = 0;
  double value_in_business_hours = 0;
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t user_id = 0;
  int64_t conversation_id = 0;
  int64_t event_start_time = 0;
  int64_t event_end_time = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reporting_row& x) {
  return f(caf::meta::type_name("messenger::actors::reporting_row"), x.name, x.value,
           x.value_in_business_hours, x.account_id, x.inbox_id, x.user_id, x.conversation_id,
           x.event_start_time, x.event_end_time);
}

/// What a conversation actor commits atomically: its mutable columns, optionally a new
/// message (inserted first; its id comes back) and reporting events.
struct conversation_write {
  conversation_row conversation;
  bool labels_changed = false; ///< sync tags/taggings with conversation.labels
  bool has_message = false;
  message_row message;
  std::vector<reporting_row> reports;
  /// A message of this conversation to soft-delete in the same transaction (0: none);
  /// the store answers with the deleted message, or not_found when it has no such message.
  int64_t delete_message_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_write& x) {
  return f(caf::meta::type_name("messenger::actors::conversation_write"), x.conversation,
           x.labels_changed, x.has_message, x.message, x.reports, x.delete_message_id);
}

/// A member of an inbox, in the order members were added.
struct inbox_member {
  int64_t user_id = 0;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_member& x) {
  return f(caf::meta::type_name("messenger::actors::inbox_member"), x.user_id, x.name);
}

struct inbox_row {
  int64_t id = 0;
  int64_t account_id = 0;
  bool enable_auto_assignment = true;
  std::vector<inbox_member> members;
  /// Open, unassigned conversations waiting for an agent, oldest first.
  std::vector<int64_t> waiting;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_row& x) {
  return f(caf::meta::type_name("messenger::actors::inbox_row"), x.id, x.account_id,
           x.enable_auto_assignment, x.members, x.waiting);
}

/// An agent's settings in one account (account_users) and the inboxes it belongs to.
struct operator_account {
  int64_t account_id = 0;
  uint8_t availability = 0;
  bool auto_offline = true;
  std::vector<int64_t> inboxes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, operator_account& x) {
  return f(caf::meta::type_name("messenger::actors::operator_account"), x.account_id,
           x.availability, x.auto_offline, x.inboxes);
}

struct operator_row {
  int64_t user_id = 0;
  std::string name;
  std::vector<operator_account> accounts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, operator_row& x) {
  return f(caf::meta::type_name("messenger::actors::operator_row"), x.user_id, x.name, x.accounts);
}

/// Who did something (Current.executed_by): a user (id, name, role), a contact, or the
/// system (id 0).
struct performer {
  std::string type; ///< "User", "Contact", "AgentBot" or "" for the system
  int64_t id = 0;
  std::string name;
  bool administrator = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, performer& x) {
  return f(caf::meta::type_name("messenger::actors::performer"), x.type, x.id, x.name,
           x.administrator);
}

/// A message command as the API hands it to the conversation actor (already validated).
struct message_command {
  message_row message; ///< id, conversation and created_at are filled in by the actor
  performer by;
  bool preserve_waiting_since = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_command& x) {
  return f(caf::meta::type_name("messenger::actors::message_command"), x.message, x.by,
           x.preserve_waiting_since);
}

/// toggle_status: status -1 = toggle; snoozed_until 0 = none / until next reply.
struct status_command {
  int32_t status = -1;
  int64_t snoozed_until = 0;
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_command& x) {
  return f(caf::meta::type_name("messenger::actors::status_command"), x.status, x.snoozed_until,
           x.by);
}

/// Something that happened, published once by the dispatcher (Chatwoot event names).
struct domain_event {
  std::string name; ///< "message.created", "conversation.status_changed", ...
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t conversation_id = 0;
  int64_t display_id = 0;
  int64_t message_id = 0;
  int64_t at = 0;   ///< event time, microseconds
  std::string data; ///< JSON object with the event's payload
  performer by;
  int64_t contact_id = 0;       ///< the conversation's contact (realtime recipients)
  int64_t contact_inbox_id = 0; ///< the conversation's contact inbox
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, domain_event& x) {
  return f(caf::meta::type_name("messenger::actors::domain_event"), x.name, x.account_id,
           x.inbox_id, x.conversation_id, x.display_id, x.message_id, x.at, x.data, x.by,
           x.contact_id, x.contact_inbox_id);
}

} // namespace messenger::actors
