#include "persistence/queries/cluster.hpp"

namespace messenger::persistence::queries::cluster {

namespace {

constexpr const char* join_sql = R"sql(
INSERT INTO cluster_nodes (node_id, incarnation, http_addr, cluster_addr, status, started_at,
                           lease_until, heartbeat_at)
VALUES ($1, nextval('cluster_incarnation_seq'), $2, $3, 'up', now(),
        now() + make_interval(secs => $4::int), now())
ON CONFLICT (node_id) DO UPDATE
  SET incarnation = excluded.incarnation, http_addr = excluded.http_addr,
      cluster_addr = excluded.cluster_addr, status = 'up', started_at = excluded.started_at,
      lease_until = excluded.lease_until, heartbeat_at = excluded.heartbeat_at
RETURNING incarnation, lease_until)sql";

constexpr const char* heartbeat_sql = R"sql(
UPDATE cluster_nodes SET lease_until = now() + make_interval(secs => $3::int), heartbeat_at = now()
 WHERE node_id = $1 AND incarnation = $2 AND status = 'up' AND lease_until > now()
RETURNING lease_until)sql";

constexpr const char* leave_sql = R"sql(
UPDATE cluster_nodes SET status = 'left', lease_until = now()
 WHERE node_id = $1 AND incarnation = $2)sql";

} // namespace

statement join(const node_address& node, int64_t lease_seconds) {
  return statement_of(join_sql, node.node_id, node.http_addr, node.cluster_addr, lease_seconds);
}

std::optional<joined_row> read_join(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return joined_row{r.int64("incarnation"), r.text("lease_until")};
  });
}

statement heartbeat(const std::string& node_id, int64_t incarnation, int64_t lease_seconds) {
  return statement_of(heartbeat_sql, node_id, incarnation, lease_seconds);
}

std::optional<std::string> read_heartbeat(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.text("lease_until"); });
}

statement leave(const std::string& node_id, int64_t incarnation) {
  return statement_of(leave_sql, node_id, incarnation);
}

} // namespace messenger::persistence::queries::cluster
