#pragma once

#include "domain/conversation.hpp"

#include <optional>

namespace messenger::domain {

/// What the rules need to know about a new message (BEHAVIOUR.md §1–§3).
struct message_facts {
  message_type type = message_type::incoming;
  bool is_private = false;
  sender_kind sender = sender_kind::none;
  bool automation = false;    ///< content_attributes.automation_rule_id present
  bool campaign = false;      ///< additional_attributes.campaign_id present
  bool external_echo = false; ///< content_attributes.external_echo present
  bool preserve_waiting_since = false;
  timestamp created_at{};
};

/// outgoing, not automation, not campaign, and sent by a User or echoed from the channel.
bool is_human_response(const message_facts& m);
/// outgoing and sent by an AgentBot or a Captain assistant.
bool is_bot_response(const message_facts& m);

/// Inbox facts that change how an incoming message reopens a conversation.
struct inbox_facts {
  bool active_bot = false;
};

/// Everything a new message does to its conversation, in Chatwoot's order.
struct message_effect {
  /// Status after an incoming message reopened the conversation (§6 implicit transitions).
  std::optional<conversation_status> reopened_to;
  /// This is the valid first reply: dispatch first.reply.created (+ first_response event).
  bool first_reply = false;
  /// A human replied while the customer was waiting: dispatch reply.created with this
  /// waiting_since (→ reply_time reporting event).
  opt_time reply_waiting_since;
  /// waiting_since or first_reply_created_at changed: dispatch conversation.updated.
  bool conversation_updated = false;
};

/// Applies a message to the conversation it belongs to (pure; `m.created_at` is the time).
/// Updates last_activity_at, status (reopen), waiting_since, first_reply_created_at, the
/// counters behind the first-reply rule and unread_count.
message_effect apply_message(conversation& conv, const message_facts& m, const inbox_facts& inbox);

} // namespace messenger::domain
