#pragma once

// The ops surface of a node (CONTRACT.md "Ops"): the inspection API under /ops/api, the
// console page at /ops and the Prometheus exposition at /metrics. Every endpoint but the
// console page itself needs the platform token in `api_access_token`.

#include "actors/interfaces.hpp"
#include "net/router.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace messenger::net::ops {

/// What the ops endpoints look at.
struct ops_sources {
  caf::actor_system* sys = nullptr;
  actors::reader_actor reader;
  actors::writer_actor writer;
  actors::registry_actor registry;
  actors::membership_actor membership;
  std::string platform_token;
  std::string node_id;
  std::string http_addr;
  std::string cluster_addr;
};

/// GET /ops, /ops/api/actors, /ops/api/actors/:kind/:id, /ops/api/cluster, /metrics.
void add_ops_routes(router& routes, ops_sources sources);

/// A listener that counts published events for /metrics (messages created by type,
/// assignments). Subscribe it to the dispatcher.
actors::listener_actor spawn_event_metrics(caf::actor_system& sys);

/// The console page (net/ops/console.html, embedded at build time).
const std::string& console_html();

} // namespace messenger::net::ops
