#pragma once

#include "actors/entity_context.hpp"

#include <caf/fwd.hpp>

namespace messenger::actors {

/// Spawns the entity registry. `ctx.registry` is filled in with the registry itself.
/// Entities are spawned on first use after their state was loaded from `ctx.store`;
/// requests that arrive while loading wait for it. On exit the registry stops every
/// entity it spawned.
registry_actor spawn_registry(caf::actor_system& sys, entity_context ctx);

} // namespace messenger::actors
