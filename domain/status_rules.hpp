#pragma once

#include "domain/conversation.hpp"

#include <optional>
#include <string>

namespace messenger::domain {

/// The outcome of a status change (BEHAVIOUR.md §6, §7).
struct status_change {
  conversation_status from = conversation_status::open;
  conversation_status to = conversation_status::open;
  bool changed = false; ///< status (or snoozed_until) differs from before
  bool snoozed_until_changed = false;
  bool cleared_waiting_since = false; ///< resolving clears waiting_since
};

/// toggle_status: without `requested`, open → resolved and resolved/pending/snoozed →
/// open; with it, any → that status. `snoozed_until` is kept only for `snoozed` (null
/// means "until next reply") and forced to null for every other status. Resolving clears
/// waiting_since; reopening leaves it alone (it restarts with the next incoming message).
status_change change_status(conversation& conv, std::optional<conversation_status> requested,
                            opt_time snoozed_until);

/// The activity message Chatwoot writes for a status change made by `actor`
/// ("Conversation was marked resolved by Jane"), or for the system reopen.
std::string status_activity(conversation_status to, const std::string& actor);
std::string system_reopen_activity();

/// toggle_priority / PATCH priority. Returns true when it changed.
bool change_priority(conversation& conv, std::optional<priority> next);

/// "Jane set the priority to high" / "... changed the priority from low to high" /
/// "... removed the priority".
std::string priority_activity(std::optional<priority> from, std::optional<priority> to,
                              const std::string& actor);

/// "Assigned to Bob by Jane", "Jane self-assigned this conversation",
/// "Conversation unassigned by Jane".
std::string assignment_activity(const std::string& assignee, bool self, const std::string& actor);

/// True when a snooze timer armed for `snoozed_until` should reopen the conversation now.
bool snooze_due(const conversation& conv, timestamp now);

} // namespace messenger::domain
