#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

namespace messenger::actors {

/// The production store: loads entity state through the reader and commits entity
/// writes through the group-commit writer (one write command per conversation_write,
/// so the message, the conversation row and the reporting events commit together).
store_actor spawn_pg_store(caf::actor_system& sys, writer_actor writer, reader_actor reader);

} // namespace messenger::actors
