#pragma once

// Realtime delivery rules (BEHAVIOUR.md §12), the ActionCable wire format and the SSE replay
// buffer: pure, so the hub and the edges only move bytes.

#include "domain/events.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace messenger::domain::realtime {

/// Who holds a /cable subscription or an SSE stream.
struct subscriber {
  bool agent = true; ///< an agent (user) or a contact (contact inbox)
  int64_t account_id = 0;
  int64_t user_id = 0;          ///< agents
  bool administrator = false;   ///< agents: administrators get every inbox's events
  std::vector<int64_t> inboxes; ///< agents: inboxes they are members of
  int64_t contact_id = 0;       ///< contacts
  int64_t contact_inbox_id = 0; ///< contacts
  bool hmac_verified = false;   ///< contacts: their contact inbox is HMAC-verified
};

/// What the rules need to know about an event.
struct event_facts {
  event_kind kind = event_kind::conversation_updated;
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;       ///< the conversation's contact
  int64_t contact_inbox_id = 0; ///< the conversation's contact inbox
  bool contact_hmac_verified = false;
  bool private_or_activity = false; ///< messages: private notes and activity messages
  std::string actor_type;           ///< "User", "Contact" or "" (typing: the actor is skipped)
  int64_t actor_id = 0;
};

/// Whether `sub` receives `ev` (BEHAVIOUR.md §12's recipient table). `presence.update` goes
/// to the subscriber itself and is not decided here.
bool delivers(const event_facts& ev, const subscriber& sub);

// --- ActionCable (actioncable-v1-json) ---------------------------------------------------

/// A client command: subscribe, unsubscribe or message (perform).
struct cable_command {
  std::string command;    ///< "subscribe", "unsubscribe", "message"
  std::string identifier; ///< the identifier string exactly as sent
  std::string action;     ///< message: data.action (e.g. "update_presence")
};

/// Parses one client frame; nothing when it is not a command ActionCable knows.
std::optional<cable_command> parse_command(const std::string& frame);

/// RoomChannel's subscription parameters, parsed from the identifier.
struct room_params {
  std::string channel;
  std::string pubsub_token;
  int64_t account_id = 0;
  int64_t user_id = 0; ///< 0 = a contact subscription
};

std::optional<room_params> parse_room(const std::string& identifier);

/// A message frame in two parts, `head + body`: the head depends only on the subscription
/// (made once when it is confirmed), the body only on the event (made once per event and
/// shared by every socket it goes to).
std::string message_frame_head(const std::string& identifier);
std::string message_frame_body(const std::string& event, const std::string& data_json);

std::string welcome_frame();
std::string ping_frame(int64_t epoch_seconds);
std::string confirm_frame(const std::string& identifier);
std::string reject_frame(const std::string& identifier);
/// {"identifier": …, "message": {"event": …, "data": <data_json>}}
std::string message_frame(const std::string& identifier, const std::string& event,
                          const std::string& data_json);
/// The disconnect frame ActionCable sends before closing ({"type":"disconnect",…}).
std::string disconnect_frame(const std::string& reason, bool reconnect);

// --- SSE replay -----------------------------------------------------------------------------

/// One delivered event, numbered per account.
struct numbered_event {
  uint64_t id = 0;
  std::string name;
  std::string data_json;
  event_facts facts;
};

/// The per-account replay window for `Last-Event-ID`: ids increase by one per event; the
/// newest `capacity` events are kept.
class replay_buffer {
public:
  explicit replay_buffer(size_t capacity) : capacity_(capacity) {}

  /// Numbers and keeps an event; returns its id. With `id` (a cluster-wide number from the
  /// account's sequencer) the event keeps that number; one not above the last kept is a
  /// late duplicate: not kept, 0 returned.
  uint64_t append(std::string name, std::string data_json, event_facts facts, uint64_t id = 0);

  /// The events after `last_id`, oldest first; nothing when `last_id` is older than the
  /// window (the client must refetch: `event: resync`).
  std::optional<std::vector<numbered_event>> since(uint64_t last_id) const;

  uint64_t last_id() const { return next_id_ - 1; }
  size_t size() const { return events_.size(); }

private:
  size_t capacity_;
  uint64_t next_id_ = 1;
  std::deque<numbered_event> events_;
};

/// One SSE message: "id: N\nevent: NAME\ndata: JSON\n\n".
std::string sse_frame(uint64_t id, const std::string& event, const std::string& data_json);

} // namespace messenger::domain::realtime
