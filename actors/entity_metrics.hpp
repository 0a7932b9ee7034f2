#pragma once

// Entity lifecycle counters for GET /metrics and GET /ops/api/actors: spawns (counted by the
// registry) and passivations (counted by the passivation handshake), per kind.

#include "actors/entity_context.hpp"
#include "common/metrics.hpp"

namespace messenger::actors {

inline const char* kind_name(entity_kind kind) {
  switch (kind) {
    case entity_kind::conversation:
      return "conversation";
    case entity_kind::inbox:
      return "inbox";
    case entity_kind::operator_:
      return "operator";
  }
  return "unknown";
}

inline metrics::counter& entity_spawns(entity_kind kind) {
  return metrics::counter_of("messenger_actor_spawns_total",
                             "Entity actors spawned (activated from the database)",
                             metrics::label("kind", kind_name(kind)));
}

inline metrics::counter& entity_passivations(entity_kind kind) {
  return metrics::counter_of("messenger_actor_passivations_total",
                             "Entity actors passivated after being idle",
                             metrics::label("kind", kind_name(kind)));
}

} // namespace messenger::actors
