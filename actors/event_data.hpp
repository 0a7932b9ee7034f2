#pragma once

#include "actors/records.hpp"

#include <string>

namespace messenger::actors {

/// Chatwoot-shaped JSON of a conversation for event payloads (push_event_data subset:
/// ids, status, assignee, priority, timestamps as epoch seconds, labels, attributes).
std::string conversation_json(const conversation_row& row, int unread_count,
                              const std::string& activity = {});

/// Chatwoot-shaped JSON of a message for event payloads (message_type as integer,
/// created_at as epoch seconds, conversation_id as the display id).
std::string message_json(const message_row& msg, int64_t display_id);

/// A message event's data: `message_json` plus Chatwoot's `conversation` summary
/// (assignee_id, unread_count, last_activity_at; realtime adds contact_inbox).
std::string message_event_json(const message_row& msg, const conversation_row& row,
                               int unread_count);

} // namespace messenger::actors
