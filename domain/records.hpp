#pragma once

// The records entity actors own and events carry: a conversation, a message, who acted.
// Plain structs (their inspect() overloads, for crossing actors and nodes, are in
// actors/records.hpp). Nullable ids are 0 when absent (database ids start at 1), nullable
// times are 0 (microseconds since the epoch otherwise), a missing priority is -1.

#include <cstdint>
#include <string>
#include <vector>

namespace messenger::domain {

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

/// Who did something (Current.executed_by): a user (id, name, role), a contact, or the
/// system (id 0).
struct performer {
  std::string type; ///< "User", "Contact", "AgentBot" or "" for the system
  int64_t id = 0;
  std::string name;
  bool administrator = false;
};

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

} // namespace messenger::domain
