#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

namespace messenger::actors {

/// Spawns the event dispatcher.
dispatcher_actor spawn_dispatcher(caf::actor_system& sys);

} // namespace messenger::actors
