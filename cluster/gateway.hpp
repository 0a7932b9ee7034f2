#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

namespace messenger::cluster {

/// Spawns this node's gateway (see `gateway_actor`): what peers reach through the
/// middleman. Activations, retires and releases go to `registry` (its local variants).
/// Events this node publishes (the gateway is a dispatcher listener) go to the realtime
/// listeners of every node (`subscribe`: the hub's listener), never to webhooks or
/// activity, which the publishing node delivers once. An event that SSE streams carry is
/// first sent to its account's sequencer (rendezvous placement of "account:<id>"), which
/// numbers it (`stream_id`, on from the last number it saw for the account) and hands it
/// to every node including itself, so every node keeps the same ids in the same order.
actors::gateway_actor spawn_gateway(caf::actor_system& sys, actors::registry_actor registry);

} // namespace messenger::cluster
