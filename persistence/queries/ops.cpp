#include "persistence/queries/ops.hpp"

namespace messenger::persistence::queries::ops {

statement cluster_nodes() {
  return statement_of(
    "SELECT node_id, incarnation, coalesce(http_addr, '') AS http_addr, "
    "coalesce(cluster_addr, '') AS cluster_addr, status, "
    "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS started_at, "
    "to_char(lease_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS lease_until, "
    "coalesce(to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '') "
    "AS heartbeat_at, lease_until > now() AS live "
    "FROM cluster_nodes WHERE status <> 'left' OR lease_until > now() ORDER BY node_id");
}

std::vector<cluster_node_row> read_cluster_nodes(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    cluster_node_row row;
    row.node_id = r.text("node_id");
    row.incarnation = r.int64("incarnation");
    row.http_addr = r.text("http_addr");
    row.cluster_addr = r.text("cluster_addr");
    row.status = r.text("status");
    row.started_at = r.text("started_at");
    row.lease_until = r.text("lease_until");
    row.heartbeat_at = r.text("heartbeat_at");
    row.live = r.boolean("live");
    return row;
  });
}

} // namespace messenger::persistence::queries::ops
