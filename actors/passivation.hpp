#pragma once

#include "actors/entity_context.hpp"
#include "actors/entity_metrics.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>

namespace messenger::actors {

/// The passivation handshake every entity actor shares: unless `keep` (recently used,
/// writes in flight, a timer or a queue to keep), the entity asks the registry to forget it
/// and quits once the registry agreed; otherwise (or on any doubt) `rearm` schedules the
/// next idle check. Requests that reach the registry afterwards spawn a fresh incarnation
/// from the committed state.
template <class Self, class Rearm>
void try_passivate(Self self, const registry_actor& registry, entity_kind kind, int64_t id,
                   bool keep, Rearm rearm) {
  if (keep) {
    rearm();
    return;
  }
  self
    ->request(registry, std::chrono::seconds{30}, passivate_atom_v, static_cast<uint8_t>(kind), id,
              self->address())
    .then(
      [=](bool forgotten) {
        if (forgotten) {
          entity_passivations(kind).inc();
          self->quit();
        } else {
          rearm();
        }
      },
      [=](caf::error&) { rearm(); });
}

/// The end of a retire (registry `retire` for a delete): once the entity has nothing in
/// flight (`in_flight`), every waiting retire request is answered and the actor quits.
template <class Self>
void quit_if_retired(Self self, int in_flight) {
  auto& st = self->state;
  if (!st.retiring || in_flight > 0)
    return;
  for (auto& rp : st.retired)
    rp.deliver(true);
  st.retired.clear();
  self->quit();
}

} // namespace messenger::actors
