#pragma once

// Things that happened, typed. Entity actors publish an `event` once (through the
// dispatcher); realtime, webhooks, the activity listener and metrics read its typed payload,
// and net/render/ turns it into Chatwoot's JSON: nobody renders an event to text to parse it
// again. Kinds and their Chatwoot names are in one table (events.cpp).

#include "domain/records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace messenger::domain {

enum class event_kind : uint8_t {
  message_created,
  message_updated,
  first_reply_created,
  reply_created, ///< an agent's reply ended the contact's wait (listeners only)
  conversation_created,
  conversation_updated,
  conversation_status_changed,
  conversation_opened,   ///< listeners only
  conversation_resolved, ///< listeners only
  conversation_read,
  assignee_changed,
  team_changed,
  typing_on,
  typing_off,
  contact_created,
  contact_updated,
  presence_changed, ///< an agent's availability in an account (realtime coalesces these)
};

/// What an event of a kind carries besides the envelope.
enum class event_payload : uint8_t {
  message,      ///< `message` and the `conversation` it is in
  conversation, ///< `conversation` (after the change), `unread_count`, `activity`
  typing,       ///< `conversation`, `unread_count`, `is_private`
  contact,      ///< `contact`: the contact document as persistence renders it
  presence,     ///< `presence`: the agent's status; the agent is `by`
};

/// Chatwoot's event name ("message.created", "conversation.typing_on", ...).
std::string_view event_name(event_kind kind);
std::string to_string(event_kind kind);
std::optional<event_kind> event_kind_named(std::string_view name);
event_payload payload_of(event_kind kind);

/// Whether realtime pushes events of this kind at all (Chatwoot's listener-only events such
/// as `conversation.opened` or `reply.created` are not broadcast).
bool broadcast(event_kind kind);

/// Chatwoot's webhook event name ("message_created"), or "" when no webhook is sent.
std::string_view webhook_name(event_kind kind);

/// One event: who, where and when, and the payload its kind carries (payload_of).
struct event {
  event_kind kind = event_kind::conversation_updated;
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t conversation_id = 0;
  int64_t display_id = 0;
  int64_t message_id = 0;
  int64_t at = 0; ///< event time, microseconds
  performer by;
  int64_t contact_id = 0;       ///< the conversation's contact (realtime recipients)
  int64_t contact_inbox_id = 0; ///< the conversation's contact inbox
  // Payloads (by payload_of(kind)):
  conversation_row conversation; ///< the conversation as the change left it
  int32_t unread_count = 0;      ///< the conversation's unread incoming messages
  std::string activity;          ///< the activity message the change causes ("" = none)
  message_row message;
  bool is_private = false; ///< typing in a private note
  std::string contact;     ///< contact events: the contact's JSON document
  std::string presence;    ///< presence_changed: "online", "busy" or "offline"
  /// The event's SSE id in its account's stream, the same on every node: stamped by the
  /// account's sequencer node (cluster/gateway.cpp). 0: not numbered yet.
  uint64_t stream_id = 0;
};

} // namespace messenger::domain
