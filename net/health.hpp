#pragma once

#include "actors/interfaces.hpp"
#include "net/router.hpp"

#include <caf/fwd.hpp>

#include <atomic>
#include <memory>

namespace messenger::net {

/// What /readyz looks at.
struct readiness_sources {
  caf::actor_system* sys = nullptr;
  actors::reader_actor reader;
  actors::membership_actor membership;
  /// Whether the migrations of this binary are known to be applied; while false, /readyz
  /// looks at schema_migrations (and sets it once they are).
  std::shared_ptr<std::atomic<bool>> migrations_applied;
};

/// GET /healthz: 200 {"status":"ok"} while the process runs.
/// GET /readyz: 200 when the database answers, the migrations of this binary are applied
/// and the node has joined the cluster; else 503. The body lists each check.
void add_health_routes(router& routes, readiness_sources sources);

} // namespace messenger::net
