#pragma once

#include "domain/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace messenger::domain {

/// The state a conversation actor owns (the `conversations` row plus what its rules need
/// to know about the conversation's messages, kept in memory by the single owner).
struct conversation {
  int64_t id = 0;         ///< conversations.id
  int64_t display_id = 0; ///< per-account number used by every API
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  std::optional<int64_t> contact_id;
  std::optional<int64_t> contact_inbox_id;
  conversation_status status = conversation_status::open;
  std::optional<priority> prio;
  std::optional<int64_t> assignee_id;
  std::optional<int64_t> assignee_agent_bot_id;
  std::optional<int64_t> team_id;
  timestamp created_at{};
  timestamp last_activity_at{};
  opt_time waiting_since;
  opt_time first_reply_created_at;
  opt_time snoozed_until;
  opt_time agent_last_seen_at;
  opt_time assignee_last_seen_at;
  opt_time contact_last_seen_at;
  bool contact_blocked = false;

  // Derived from the conversation's messages (loaded at activation, then maintained).
  /// Outgoing public messages from a non-bot sender without a campaign (§2 count).
  int64_t human_outgoing_public_count = 0;
  /// created_at of the newest message of any kind.
  opt_time last_message_at;
  /// created_at of the newest incoming messages, oldest first, at most 10 (unread_count).
  std::vector<timestamp> recent_incoming;
};

/// Number of incoming messages newer than agent_last_seen_at, capped at 10 (§8).
int unread_count(const conversation& conv);

/// Remembers an incoming message's time for unread_count (keeps the newest 10).
void remember_incoming(conversation& conv, timestamp created_at);

} // namespace messenger::domain
