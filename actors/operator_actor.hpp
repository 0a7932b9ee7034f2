#pragma once

#include "actors/entity_context.hpp"

namespace messenger::actors {

/// Spawned by the registry with the agent's account settings and inboxes.
operator_actor spawn_operator(caf::local_actor* parent, operator_row row, entity_context ctx);

} // namespace messenger::actors
