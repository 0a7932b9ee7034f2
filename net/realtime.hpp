#pragma once

#include "actors/interfaces.hpp"
#include "domain/realtime.hpp"
#include "net/api/context.hpp"
#include "net/cable.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <mutex>
#include <string>
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
  };

  void add(subscription sub);
  void remove(const cable_connection* connection, const std::string& identifier);
  void remove_all(const cable_connection* connection);

  /// Sends `ev` to every subscription that may receive it; returns how many frames went out.
  size_t publish(const actors::domain_event& ev);

  size_t size() const;

private:
  mutable std::mutex mutex_;
  std::vector<subscription> subs_;
};

/// The event facts the rules need, read from a published event.
domain::realtime::event_facts facts_of(const actors::domain_event& ev);

/// The /cable handler: welcome on open, subscribe/unsubscribe (the pubsub_token checked
/// against PostgreSQL: a user of the account, or a contact inbox), update_presence.
std::shared_ptr<cable_handler> make_cable_handler(const api::context& ctx,
                                                  std::shared_ptr<cable_hub> hub);

/// A dispatcher listener that feeds the hub.
actors::listener_actor spawn_cable_listener(caf::actor_system& sys, std::shared_ptr<cable_hub> hub);

} // namespace messenger::net
