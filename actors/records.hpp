#pragma once

// Wire records: what entity actors load from and save to the store, and what they
// answer. Plain structs with inspect() (registered in message_types.hpp). Nullable ids
// are 0 when absent (database ids start at 1), nullable times are 0 (microseconds since
// the epoch otherwise), a missing priority is -1.

#include "domain/events.hpp"
#include "domain/records.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace messenger::domain {

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

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_row& x) {
  return f(caf::meta::type_name("messenger::actors::message_row"), x.id, x.account_id, x.inbox_id,
           x.conversation_id, x.message_type, x.content_type, x.content, x.content_attributes,
           x.additional_attributes, x.is_private, x.status, x.source_id, x.echo_id, x.sender_type,
           x.sender_id, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, performer& x) {
  return f(caf::meta::type_name("messenger::actors::performer"), x.type, x.id, x.name,
           x.administrator);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("messenger::domain::event"), x.kind, x.account_id, x.inbox_id,
           x.conversation_id, x.display_id, x.message_id, x.at, x.by, x.contact_id,
           x.contact_inbox_id, x.conversation, x.unread_count, x.activity, x.message, x.is_private,
           x.contact, x.presence);
}

} // namespace messenger::domain

namespace messenger::actors {

using domain::conversation_row;
using domain::message_row;
using domain::performer;

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

/// Something that happened (domain/events.hpp), published once by the dispatcher.
using domain_event = domain::event;

} // namespace messenger::actors
