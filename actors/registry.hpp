#pragma once

#include "actors/entity_context.hpp"

#include <caf/fwd.hpp>

namespace messenger::actors {

/// Spawns the entity registry. `ctx.registry` is filled in with the registry itself.
/// Entities are spawned on first use after their state was loaded from `ctx.store`;
/// requests that arrive while loading wait for it. On exit the registry stops every
/// entity it spawned.
registry_actor spawn_registry(caf::actor_system& sys, entity_context ctx);

/// Spawns the event dispatcher.
dispatcher_actor spawn_dispatcher(caf::actor_system& sys);

/// Spawns the listener that writes Chatwoot's activity messages ("Conversation was
/// marked resolved by Jane") for events whose data carries an "activity" text, through
/// the conversation actor (asynchronously, off the writer's path).
listener_actor spawn_activity_listener(caf::actor_system& sys, registry_actor registry);

/// Re-arms exact snooze timers at start: activates every snoozed conversation with a
/// snoozed_until (each arms its own timer, or reopens at once when the time passed).
void rearm_snoozed(caf::actor_system& sys, store_actor store, registry_actor registry);

} // namespace messenger::actors
