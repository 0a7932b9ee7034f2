#pragma once

#include "domain/conversation.hpp"

#include <cstdint>

namespace messenger::domain {

struct last_seen_update {
  bool agent_changed = false;
  bool assignee_changed = false;
};

/// Agent-side update_last_seen (BEHAVIOUR.md §8): the assignee marks both
/// agent_last_seen_at and assignee_last_seen_at, anyone else only agent_last_seen_at.
/// With nothing unread the write is throttled to once per hour.
last_seen_update agent_seen(conversation& conv, int64_t caller_user_id, timestamp now);

/// POST .../unread: both markers to (last incoming message − 1 s), or null without one.
void mark_unread(conversation& conv);

/// Contact side: contact_last_seen_at = now (no throttle). Returns true (always writes).
bool contact_seen(conversation& conv, timestamp now);

} // namespace messenger::domain
