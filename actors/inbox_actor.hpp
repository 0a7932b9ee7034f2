#pragma once

#include "actors/entity_context.hpp"

namespace messenger::actors {

/// Spawned by the registry with the inbox's members and waiting conversations.
inbox_actor spawn_inbox(caf::local_actor* parent, inbox_row row, entity_context ctx);

} // namespace messenger::actors
