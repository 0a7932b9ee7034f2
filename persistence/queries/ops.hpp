#pragma once

#include "persistence/queries/row.hpp"

namespace messenger::persistence::queries::ops {

/// One row of cluster_nodes as the ops console shows it (times in ISO 8601, UTC).
struct cluster_node_row {
  std::string node_id;
  int64_t incarnation = 0;
  std::string http_addr;
  std::string cluster_addr;
  std::string status;
  std::string started_at;
  std::string lease_until;
  std::string heartbeat_at;
  bool live = false; ///< the lease has not expired (database time)
};

/// The nodes that have not left, plus any whose lease is still running, by node id.
statement cluster_nodes();
std::vector<cluster_node_row> read_cluster_nodes(const result_set& rs);

} // namespace messenger::persistence::queries::ops
