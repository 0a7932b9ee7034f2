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

namespace messenger::persistence::queries::cluster {

namespace {

constexpr const char* live_members_sql = R"sql(
SELECT node_id, incarnation, coalesce(cluster_addr, '') AS cluster_addr FROM cluster_nodes
 WHERE status = 'up' AND lease_until > now() AND NOT messenger_incarnation_dead(incarnation)
 ORDER BY node_id)sql";

constexpr const char* agree_settings_sql = R"sql(
WITH stored AS (
  INSERT INTO cluster_settings AS s (id, lease_s, heartbeat_s, peer_heartbeat_ms, peer_timeout_ms)
  VALUES (1, $2, $3, $4, $5)
  ON CONFLICT (id) DO UPDATE
    SET lease_s = excluded.lease_s, heartbeat_s = excluded.heartbeat_s,
        peer_heartbeat_ms = excluded.peer_heartbeat_ms, peer_timeout_ms = excluded.peer_timeout_ms
    WHERE NOT EXISTS (SELECT 1 FROM cluster_nodes n
                       WHERE n.node_id <> $1 AND n.status = 'up' AND n.lease_until > now()
                         AND NOT messenger_incarnation_dead(n.incarnation))
  RETURNING s.lease_s, s.heartbeat_s, s.peer_heartbeat_ms, s.peer_timeout_ms)
SELECT * FROM stored
UNION ALL
SELECT lease_s, heartbeat_s, peer_heartbeat_ms, peer_timeout_ms FROM cluster_settings
 WHERE NOT EXISTS (SELECT 1 FROM stored))sql";

constexpr const char* acquire_sql = "SELECT messenger_acquire($1, $2, $3, $4) AS epoch";

constexpr const char* owned_counts_sql = R"sql(
SELECT owner_node, owner_incarnation, entity_type, count(*) AS n FROM entity_owners
 WHERE owner_node <> '' GROUP BY owner_node, owner_incarnation, entity_type)sql";

} // namespace

statement live_members() {
  return statement_of(live_members_sql);
}

std::vector<member_row> read_members(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return member_row{r.text("node_id"), r.int64("incarnation"), r.text("cluster_addr")};
  });
}

statement lock_incarnation(int64_t incarnation) {
  return statement_of("SELECT pg_try_advisory_lock(7411, $1::int) AS held", incarnation);
}

statement holds_incarnation(int64_t incarnation) {
  return statement_of("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                      "AND classid = 7411 AND objid = $1::int AND pid = pg_backend_pid() "
                      "AND granted) AS held",
                      incarnation);
}

bool read_held(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.boolean("held"); }).value_or(false);
}

statement agree_settings(const std::string& node_id, const timing_settings& mine) {
  return statement_of(agree_settings_sql, node_id, mine.lease_s, mine.heartbeat_s,
                      mine.peer_heartbeat_ms, mine.peer_timeout_ms);
}

std::optional<timing_settings> read_settings(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return timing_settings{r.int64("lease_s"), r.int64("heartbeat_s"), r.int64("peer_heartbeat_ms"),
                           r.int64("peer_timeout_ms")};
  });
}

statement acquire(const std::string& kind, int64_t id, const std::string& node_id,
                  int64_t incarnation) {
  return statement_of(acquire_sql, kind, std::to_string(id), node_id, incarnation);
}

std::optional<int64_t> read_epoch(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.opt_int64("epoch"); })
    .value_or(std::nullopt);
}

statement release(const std::string& kind, int64_t id, int64_t epoch) {
  return statement_of("UPDATE entity_owners SET owner_node = '' "
                      "WHERE entity_type = $1 AND entity_id = $2 AND epoch = $3",
                      kind, std::to_string(id), epoch);
}

statement release_all(const std::string& node_id, int64_t incarnation) {
  return statement_of("UPDATE entity_owners SET owner_node = '' "
                      "WHERE owner_node = $1 AND owner_incarnation = $2",
                      node_id, incarnation);
}

statement fence(const std::string& kind, int64_t id, int64_t epoch) {
  return statement_of("SELECT messenger_fence($1, $2, $3)", kind, std::to_string(id), epoch);
}

statement owned_counts() {
  return statement_of(owned_counts_sql);
}

std::vector<owned_count> read_owned_counts(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return owned_count{r.text("owner_node"), r.int64("owner_incarnation"), r.text("entity_type"),
                       r.int64("n")};
  });
}

} // namespace messenger::persistence::queries::cluster
