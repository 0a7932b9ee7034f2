#include "domain/status_rules.hpp"

namespace messenger::domain {

status_change change_status(conversation& conv, std::optional<conversation_status> requested,
                            opt_time snoozed_until) {
  status_change out;
  out.from = conv.status;
  conversation_status next;
  if (requested)
    next = *requested;
  else
    next = conv.status == conversation_status::open ? conversation_status::resolved
                                                    : conversation_status::open;
  opt_time next_snooze = next == conversation_status::snoozed ? snoozed_until : std::nullopt;
  out.to = next;
  out.snoozed_until_changed = next_snooze != conv.snoozed_until;
  out.changed = next != conv.status || out.snoozed_until_changed;
  conv.status = next;
  conv.snoozed_until = next_snooze;
  if (next == conversation_status::resolved && next != out.from && conv.waiting_since) {
    conv.waiting_since.reset();
    out.cleared_waiting_since = true;
  }
  return out;
}

std::string status_activity(conversation_status to, const std::string& actor) {
  switch (to) {
    case conversation_status::resolved:
      return "Conversation was marked resolved by " + actor;
    case conversation_status::open:
      return "Conversation was reopened by " + actor;
    case conversation_status::pending:
      return "Conversation was marked as pending by " + actor;
    case conversation_status::snoozed:
      return "Conversation was snoozed by " + actor;
  }
  return {};
}

std::string system_reopen_activity() {
  return "System reopened the conversation due to a new incoming message.";
}

bool change_priority(conversation& conv, std::optional<priority> next) {
  if (conv.prio == next)
    return false;
  conv.prio = next;
  return true;
}

std::string priority_activity(std::optional<priority> from, std::optional<priority> to,
                              const std::string& actor) {
  if (!to)
    return actor + " removed the priority";
  if (!from)
    return actor + " set the priority to " + std::string{to_string(*to)};
  return actor + " changed the priority from " + std::string{to_string(*from)} + " to "
         + std::string{to_string(*to)};
}

std::string assignment_activity(const std::string& assignee, bool self, const std::string& actor) {
  if (assignee.empty())
    return "Conversation unassigned by " + actor;
  if (self)
    return actor + " self-assigned this conversation";
  return "Assigned to " + assignee + " by " + actor;
}

bool snooze_due(const conversation& conv, timestamp now) {
  return conv.status == conversation_status::snoozed && conv.snoozed_until
         && *conv.snoozed_until <= now;
}

} // namespace messenger::domain
