#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

namespace messenger::cluster {

/// Spawns this node's gateway (see `gateway_actor`): what peers reach through the
/// middleman. Activations, retires and releases go to `registry` (its local variants);
/// events this node publishes (it subscribes itself to the dispatcher) are relayed to every
/// connected peer's gateway, and events relayed here go to the listeners subscribed with
/// `subscribe` (the realtime hub's listener), never to webhooks or activity, which the
/// publishing node delivers once.
actors::gateway_actor spawn_gateway(caf::actor_system& sys, actors::registry_actor registry);

} // namespace messenger::cluster
