#pragma once

#include "actors/interfaces.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace messenger::cluster {

struct membership_options {
  std::string node_id;
  std::string http_addr;
  std::string cluster_addr;
  std::chrono::seconds lease{10};
  std::chrono::seconds heartbeat{3};
};

/// Spawns the actor that keeps this node's row in `cluster_nodes` alive: `join` inserts
/// it with a fresh incarnation and a lease (database time), a heartbeat renews the lease
/// every `heartbeat`, a lost lease triggers a re-join, `leave` marks the row 'left'.
actors::membership_actor spawn_membership(caf::actor_system& sys, actors::writer_actor writer,
                                          membership_options opts);

} // namespace messenger::cluster
