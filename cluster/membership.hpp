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
  /// How long a middleman connection attempt to a peer may take.
  std::chrono::milliseconds connect_timeout{4000};
};

/// The actors membership works with besides the writer. Any may be null (the membership
/// tests run without them): no reader, no member list; no liveness actor, no lock.
struct membership_links {
  actors::reader_actor reader;
  actors::liveness_actor liveness;
  /// Gets every new view and the self-fence.
  actors::registry_actor registry;
  /// This node's gateway: its entry in the view, and it gets the view to relay events.
  actors::gateway_actor gateway;
};

/// Spawns the actor that keeps this node in the cluster:
/// - `join` inserts its row in `cluster_nodes` with a fresh incarnation and a lease
///   (database time) and takes the liveness lock; `leave` marks the row 'left';
/// - every `heartbeat` it renews the lease, checks the lock and reads the live members; a
///   lost lease or lock, or no renewal for `lease - heartbeat` by the actor clock
///   (monotonic), fences the node (the registry stops every entity) and joins again with a
///   new incarnation;
/// - it connects to every live peer's published gateway through the middleman actor
///   (asynchronously, with a timeout), watches the connection, and sends the view (members
///   with their gateways) to the registry and the gateway whenever it changes. A peer that
///   goes down makes it read the members at once (`refresh`).
actors::membership_actor spawn_membership(caf::actor_system& sys, actors::writer_actor writer,
                                          membership_options opts, membership_links links = {});

} // namespace messenger::cluster
