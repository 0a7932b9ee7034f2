#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace messenger::cluster {

/// Spawns the detached actor that holds this process's liveness lock (a session-level
/// advisory lock on its incarnation) on a connection of its own. `lock(incarnation)`
/// answers true while that lock is held: it takes it on first use (closing the connection of
/// an older incarnation first) and afterwards checks the session still holds it. A process
/// that dies loses it with its socket, which is how peers see a crash within milliseconds
/// instead of a lease (messenger_incarnation_dead in migration 0006).
actors::liveness_actor spawn_liveness(caf::actor_system& sys, std::string database_url);

} // namespace messenger::cluster
