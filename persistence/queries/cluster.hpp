#pragma once

#include "persistence/queries/row.hpp"

/// This node's row in cluster_nodes: join with a fresh incarnation and a lease (database
/// time), renew the lease, leave.
namespace messenger::persistence::queries::cluster {

struct node_address {
  std::string node_id;
  std::string http_addr;
  std::string cluster_addr;
};

/// Inserts (or takes over) the node's row as 'up' with the next incarnation and a lease of
/// `lease_seconds`.
statement join(const node_address& node, int64_t lease_seconds);

/// What a join assigned.
struct joined_row {
  int64_t incarnation = 0;
  std::string lease_until; ///< PostgreSQL's text form of the lease end
};

std::optional<joined_row> read_join(const result_set& rs);

/// Renews the lease of `incarnation` while it is still up and unexpired.
statement heartbeat(const std::string& node_id, int64_t incarnation, int64_t lease_seconds);

/// The new lease end, or nullopt when the lease was already lost (no row renewed).
std::optional<std::string> read_heartbeat(const result_set& rs);

/// Marks the row of `incarnation` 'left'.
statement leave(const std::string& node_id, int64_t incarnation);

} // namespace messenger::persistence::queries::cluster
