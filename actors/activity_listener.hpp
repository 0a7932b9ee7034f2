#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

namespace messenger::actors {

/// Spawns the listener that writes Chatwoot's activity messages ("Conversation was
/// marked resolved by Jane") for events whose data carries an "activity" text, through
/// the conversation actor (asynchronously, off the writer's path).
listener_actor spawn_activity_listener(caf::actor_system& sys, registry_actor registry);

} // namespace messenger::actors
