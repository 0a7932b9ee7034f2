#pragma once

#include "actors/entity_context.hpp"

namespace messenger::actors {

/// Spawned by the registry with the state it loaded. Arms the snooze timer when the
/// conversation is snoozed with a time (so timers survive restarts and passivation).
conversation_actor spawn_conversation(caf::local_actor* parent, conversation_row row,
                                      entity_context ctx);

} // namespace messenger::actors
