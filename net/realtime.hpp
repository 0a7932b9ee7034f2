#pragma once

#include "actors/interfaces.hpp"
#include "domain/realtime.hpp"
#include "net/api/context.hpp"
#include "net/cable.hpp"

#include <caf/fwd.hpp>

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace messenger::net {

/// The node's realtime hub: every confirmed /cable subscription with who holds it, and the
/// fan-out of dispatcher events to them by BEHAVIOUR.md §12's rules
/// (`domain::realtime::delivers`). Thread-safe: subscriptions change on I/O threads, events
/// arrive on a CAF worker; frames are handed to the connections' own queues.
class cable_hub {
public:
  struct subscription {
    std::weak_ptr<cable_connection> connection;
    const cable_connection* key = nullptr;
    std::string identifier;
    domain::realtime::subscriber who;
    std::string head; ///< message_frame_head(identifier), made by `add`
  };

  void add(subscription sub);
  void remove(const cable_connection* connection, const std::string& identifier);
  void remove_all(const cable_connection* connection);

  /// Sends `ev` with its rendered push data (`payload`, Chatwoot's push_event_data with
  /// `account_id`) to every subscription and stream that may receive it; returns how many
  /// frames went out.
  size_t publish(const actors::domain_event& ev, const std::string& payload);

  size_t size() const;

  /// Starts an SSE stream for `who`: the events after `last_id` it may see (replayed from the
  /// account's window; `event: resync` first when `last_id` is older than the window), then
  /// live events. Replay and registration happen under one lock: nothing is missed between.
  void open_stream(const std::shared_ptr<sse_connection>& connection,
                   domain::realtime::subscriber who, std::optional<uint64_t> last_id);
  void close_stream(const sse_connection* connection);

  /// Events kept per account for `Last-Event-ID` (default 1,000).
  void set_replay_capacity(size_t events) { replay_capacity_ = events; }

  /// Notes an agent's new status (from its operator actor's `presence.changed`); true when
  /// the account had no push pending, i.e. the caller schedules one.
  bool note_presence(int64_t account_id, int64_t user_id, std::string status);
  /// The account's pending push is being sent: later changes schedule another.
  void presence_flushed(int64_t account_id);
  /// The statuses operator actors published for the account.
  std::unordered_map<int64_t, std::string> presence_of(int64_t account_id) const;
  /// Contacts of the account with a live /cable subscription on this node (their presence).
  std::vector<int64_t> online_contacts(int64_t account_id) const;
  /// Sends an unnumbered event (presence) to every agent subscription and agent SSE stream
  /// of the account; returns how many frames went out.
  size_t send_to_agents(int64_t account_id, const std::string& name, const std::string& data);

private:
  struct stream {
    std::weak_ptr<sse_connection> connection;
    const sse_connection* key = nullptr;
    domain::realtime::subscriber who;
  };

  mutable std::mutex mutex_;
  std::vector<subscription> subs_;
  std::vector<stream> streams_;
  std::unordered_map<int64_t, domain::realtime::replay_buffer> buffers_;
  size_t replay_capacity_ = 1000;
  std::unordered_map<int64_t, std::unordered_map<int64_t, std::string>> presence_;
  std::unordered_map<int64_t, bool> presence_pending_;
};

/// The event facts the rules need, read from a published event.
domain::realtime::event_facts facts_of(const actors::domain_event& ev);

/// The /cable handler: welcome on open, subscribe/unsubscribe (the pubsub_token checked
/// against PostgreSQL: a user of the account, or a contact inbox), update_presence.
std::shared_ptr<cable_handler> make_cable_handler(const api::context& ctx,
                                                  std::shared_ptr<cable_hub> hub);

/// `GET /api/v1/accounts/{id}/events`: authenticates (`api_access_token` header or query
/// parameter) and opens the SSE stream with `Last-Event-ID` (header, or `last_event_id`).
std::shared_ptr<sse_handler> make_sse_handler(const api::context& ctx,
                                              std::shared_ptr<cable_hub> hub);

/// A dispatcher listener that feeds the hub. `presence.changed` events are coalesced per
/// account for `presence_delay`, then the account's presence goes to its agents.
actors::listener_actor spawn_cable_listener(const api::context& ctx, std::shared_ptr<cable_hub> hub,
                                            std::chrono::milliseconds presence_delay);

} // namespace messenger::net
