#pragma once

#include "actors/interfaces.hpp"
#include "domain/types.hpp"

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>

namespace messenger::actors {

/// Limits and timings the entity actors use (from the configuration).
struct entity_options {
  uint32_t message_per_minute_limit = 200;
  uint32_t assignment_limit = 5;
  std::chrono::seconds assignment_window{300};
  std::chrono::seconds presence_duration{20};
  /// An entity with no message for this long passivates (state is in PostgreSQL).
  std::chrono::seconds idle_after{600};
  /// Cluster mode (every node process): an entity is activated only after this node took
  /// its entity_owners row, and only while the node has joined. Off in the actor unit
  /// tests, which have no membership.
  bool owned_entities = false;
};

/// Maps the actor clock (steady, simulated in tests) to wall time: wall = base_wall +
/// (clock.now() - base_clock). Tests pin base_wall, so domain times are deterministic.
struct time_base {
  domain::timestamp base_wall{};
  caf::actor_clock::time_point base_clock{};

  domain::timestamp now(const caf::actor_clock::time_point& clock_now) const {
    return base_wall + std::chrono::duration_cast<domain::duration>(clock_now - base_clock);
  }
  /// Delay on the actor clock until wall time `at` (zero if it passed).
  caf::timespan until(domain::timestamp at, const caf::actor_clock::time_point& clock_now) const {
    auto wall_now = now(clock_now);
    if (at <= wall_now)
      return caf::timespan{0};
    return std::chrono::duration_cast<caf::timespan>(at - wall_now);
  }
};

/// What every entity actor gets at spawn.
struct entity_context {
  registry_actor registry;
  store_actor store;
  dispatcher_actor dispatcher;
  entity_options options;
  time_base clock;
};

/// Entity kinds in passivation messages.
enum class entity_kind : uint8_t { conversation = 0, inbox = 1, operator_ = 2 };

/// What a delete takes away, for the registry's retire/release: one conversation, an inbox
/// (its actor and its conversations), a contact's conversations, or an account's
/// conversations and inboxes.
enum class retire_scope : uint8_t { conversation = 0, inbox = 1, contact = 2, account = 3 };

} // namespace messenger::actors
