#include "domain/events.hpp"

#include <array>

namespace messenger::domain {

namespace {

struct kind_info {
  event_kind kind;
  std::string_view name;
  event_payload payload;
  bool broadcast;
  std::string_view webhook;
};

using enum event_kind;
using enum event_payload;

constexpr std::array<kind_info, 17> kinds{{
  {message_created, "message.created", message, true, "message_created"},
  {message_updated, "message.updated", message, true, "message_updated"},
  {first_reply_created, "first.reply.created", message, true, ""},
  {reply_created, "reply.created", message, false, ""},
  {conversation_created, "conversation.created", conversation, true, "conversation_created"},
  {conversation_updated, "conversation.updated", conversation, true, "conversation_updated"},
  {conversation_status_changed, "conversation.status_changed", conversation, true,
   "conversation_status_changed"},
  {conversation_opened, "conversation.opened", conversation, false, ""},
  {conversation_resolved, "conversation.resolved", conversation, false, ""},
  {conversation_read, "conversation.read", conversation, true, ""},
  {assignee_changed, "assignee.changed", conversation, true, ""},
  {team_changed, "team.changed", conversation, true, ""},
  {typing_on, "conversation.typing_on", typing, true, "conversation_typing_on"},
  {typing_off, "conversation.typing_off", typing, true, "conversation_typing_off"},
  {contact_created, "contact.created", contact, true, "contact_created"},
  {contact_updated, "contact.updated", contact, true, "contact_updated"},
  {presence_changed, "presence.changed", presence, false, ""},
}};

const kind_info& info(event_kind kind) {
  return kinds[static_cast<size_t>(kind) < kinds.size() ? static_cast<size_t>(kind) : 0];
}

// The table is in the enum's order.
constexpr bool in_order() {
  for (size_t i = 0; i < kinds.size(); ++i)
    if (static_cast<size_t>(kinds[i].kind) != i)
      return false;
  return true;
}
static_assert(in_order());

} // namespace

std::string_view event_name(event_kind kind) {
  return info(kind).name;
}

std::string to_string(event_kind kind) {
  return std::string{event_name(kind)};
}

std::optional<event_kind> event_kind_named(std::string_view name) {
  for (const auto& k : kinds)
    if (k.name == name)
      return k.kind;
  return std::nullopt;
}

event_payload payload_of(event_kind kind) {
  return info(kind).payload;
}

bool broadcast(event_kind kind) {
  return info(kind).broadcast;
}

std::string_view webhook_name(event_kind kind) {
  return info(kind).webhook;
}

} // namespace messenger::domain
