#pragma once

// Typed actor handles exported across folders. An untyped caf::actor never leaves a .cpp.

#include "actors/message_types.hpp"

#include <caf/typed_actor.hpp>

namespace messenger::actors {

/// Group-commit writer: replies only after the command's transaction committed.
using writer_actor = caf::typed_actor<
  caf::replies_to<write_atom, persistence::write_command>::with<persistence::write_result>,
  caf::replies_to<stats_atom>::with<writer_stats>, caf::replies_to<drain_atom>::with<writer_stats>>;

/// The blocking half of the writer: one connection, one batch at a time (detached).
using committer_actor = caf::typed_actor<
  caf::replies_to<batch_atom, std::vector<persistence::write_command>>::with<batch_outcome>>;

/// Read queries (pool of connections) and the database health probe.
using reader_actor = caf::typed_actor<
  caf::replies_to<query_atom, persistence::statement>::with<persistence::result_set>,
  caf::replies_to<health_atom>::with<db_health>>;

/// This node's membership row in cluster_nodes (join, lease heartbeat, leave).
using membership_actor = caf::typed_actor<
  caf::replies_to<join_atom>::with<node_status>, caf::reacts_to<heartbeat_atom, uint64_t>,
  caf::replies_to<status_atom>::with<node_status>, caf::replies_to<leave_atom>::with<node_status>>;

} // namespace messenger::actors
