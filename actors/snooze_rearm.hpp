#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

namespace messenger::actors {

/// Re-arms exact snooze timers at start: activates every snoozed conversation with a
/// snoozed_until (each arms its own timer, or reopens at once when the time passed).
void rearm_snoozed(caf::actor_system& sys, store_actor store, registry_actor registry);

} // namespace messenger::actors
