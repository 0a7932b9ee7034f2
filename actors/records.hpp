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
typename Inspector::result_type inspect(Inspector& f, reporting_row& x) {
  return f(caf::meta::type_name("messenger::actors::reporting_row"), x.name, x.value,
           x.value_in_business_hours, x.account_id, x.inbox_id, x.user_id, x.conversation_id,
           x.event_start_time, x.event_end_time);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("messenger::domain::event"), x.kind, x.account_id, x.inbox_id,
           x.conversation_id, x.display_id, x.message_id, x.at, x.by, x.contact_id,
           x.contact_inbox_id, x.conversation, x.unread_count, x.activity, x.message, x.is_private,
           x.contact, x.presence, x.stream_id);
}

} // namespace messenger::domain

namespace messenger::actors {

using domain::conversation_row;
using domain::message_row;
using domain::performer;
using domain::reporting_row;

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
  /// The assignment state the inbox's last owner saved (empty when never saved): the ring,
  /// head first, and the rate window, rate_users[i] assigned at rate_times[i] (micros).
  std::vector<int64_t> ring;
  std::vector<int64_t> rate_users;
  std::vector<int64_t> rate_times;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_row& x) {
  return f(caf::meta::type_name("messenger::actors::inbox_row"), x.id, x.account_id,
           x.enable_auto_assignment, x.members, x.waiting, x.ring, x.rate_users, x.rate_times);
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

// -- conversation commands ----------------------------------------------------------------

/// Set the priority: 0..3 (low, medium, high, urgent), -1 = none.
struct priority_command {
  int32_t priority = -1;
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, priority_command& x) {
  return f(caf::meta::type_name("messenger::actors::priority_command"), x.priority, x.by);
}

/// Assign an agent (already checked to be a user of the account); 0 unassigns.
struct assign_command {
  int64_t assignee = 0;
  std::string assignee_name; ///< for the activity message
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, assign_command& x) {
  return f(caf::meta::type_name("messenger::actors::assign_command"), x.assignee, x.assignee_name,
           x.by);
}

/// The inbox's auto-assignment: compare-and-set, applied only while the conversation is
/// still open and still has `expected_assignee` (0: none).
struct auto_assign_command {
  int64_t agent = 0;
  std::string agent_name; ///< for the activity message
  int64_t expected_assignee = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auto_assign_command& x) {
  return f(caf::meta::type_name("messenger::actors::auto_assign_command"), x.agent, x.agent_name,
           x.expected_assignee);
}

/// Typing started (`on`) or stopped; nothing is stored, only published.
struct typing_command {
  bool on = false;
  bool is_private = false;
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, typing_command& x) {
  return f(caf::meta::type_name("messenger::actors::typing_command"), x.on, x.is_private, x.by);
}

/// Replace the conversation's labels (duplicates are dropped, order does not matter).
struct labels_command {
  std::vector<std::string> labels;
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, labels_command& x) {
  return f(caf::meta::type_name("messenger::actors::labels_command"), x.labels, x.by);
}

/// Replace the conversation's custom attributes: the text of a JSON object.
struct attributes_command {
  std::string custom_attributes;
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attributes_command& x) {
  return f(caf::meta::type_name("messenger::actors::attributes_command"), x.custom_attributes,
           x.by);
}

/// Assign a team (already checked to belong to the account); 0 drops the team.
struct team_command {
  int64_t team_id = 0;
  std::string team_name; ///< for the activity message
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, team_command& x) {
  return f(caf::meta::type_name("messenger::actors::team_command"), x.team_id, x.team_name, x.by);
}

/// Soft-delete one of the conversation's messages.
struct delete_message_command {
  int64_t message_id = 0;
  performer by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_message_command& x) {
  return f(caf::meta::type_name("messenger::actors::delete_message_command"), x.message_id, x.by);
}

// -- inbox commands ----------------------------------------------------------------------

/// An open conversation asks its inbox for an agent; `current_assignee` (0: none) keeps it
/// when that agent is still a member of the inbox.
struct agent_request {
  int64_t conversation_id = 0;
  int64_t current_assignee = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_request& x) {
  return f(caf::meta::type_name("messenger::actors::agent_request"), x.conversation_id,
           x.current_assignee);
}

/// A user was added to (`added`) or removed from the inbox's members.
struct inbox_member_change {
  int64_t user_id = 0;
  bool added = false;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_member_change& x) {
  return f(caf::meta::type_name("messenger::actors::inbox_member_change"), x.user_id, x.added,
           x.name);
}

/// An agent became eligible for auto-assignment in the inbox's account, or stopped being.
struct eligibility_change {
  int64_t user_id = 0;
  bool eligible = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eligibility_change& x) {
  return f(caf::meta::type_name("messenger::actors::eligibility_change"), x.user_id, x.eligible);
}

// -- operator commands -------------------------------------------------------------------

/// A live connection (cable, SSE) of the agent opened (`delta` +1) or closed (-1) in the
/// account.
struct connection_change {
  int64_t account_id = 0;
  int32_t delta = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_change& x) {
  return f(caf::meta::type_name("messenger::actors::connection_change"), x.account_id, x.delta);
}

/// The agent's configured availability in the account (0 online, 1 offline, 2 busy) and
/// auto_offline; persisted before it applies.
struct availability_command {
  int64_t account_id = 0;
  uint8_t availability = 0;
  bool auto_offline = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, availability_command& x) {
  return f(caf::meta::type_name("messenger::actors::availability_command"), x.account_id,
           x.availability, x.auto_offline);
}

/// The agent was added to (`added`) or removed from an inbox of the account.
struct operator_member_change {
  int64_t inbox_id = 0;
  int64_t account_id = 0;
  bool added = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, operator_member_change& x) {
  return f(caf::meta::type_name("messenger::actors::operator_member_change"), x.inbox_id,
           x.account_id, x.added);
}

/// Something that happened (domain/events.hpp), published once by the dispatcher.
using domain_event = domain::event;

} // namespace messenger::actors
