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

namespace messenger::persistence::queries::cluster {

// -- members ---------------------------------------------------------------------------

/// A live member: 'up', lease unexpired (database clock), its process still holding its lock.
struct member_row {
  std::string node_id;
  int64_t incarnation = 0;
  std::string cluster_addr;
};

statement live_members();
std::vector<member_row> read_members(const result_set& rs);

/// Takes the session-level lock that says "incarnation is alive" (on a connection kept for it).
statement lock_incarnation(int64_t incarnation);
/// Whether this session still holds the lock of `incarnation` (one row, column `held`).
statement holds_incarnation(int64_t incarnation);
bool read_held(const result_set& rs);

/// The timings every node must share: stored by the first node, matched by the others
/// (rewritten only while no node but `node_id` is live).
struct timing_settings {
  int64_t lease_s = 0;
  int64_t heartbeat_s = 0;
  int64_t peer_heartbeat_ms = 0;
  int64_t peer_timeout_ms = 0;
  bool operator==(const timing_settings&) const = default;
};

statement agree_settings(const std::string& node_id, const timing_settings& mine);
std::optional<timing_settings> read_settings(const result_set& rs);

// -- entity ownership (fencing) ----------------------------------------------------------

/// Takes (kind, id) for (node, incarnation) with a new epoch when the row is free, already
/// this incarnation's, or held by an incarnation that is not live; only while this node is
/// live itself. Answers the epoch, or no row when someone live holds it.
statement acquire(const std::string& kind, int64_t id, const std::string& node_id,
                  int64_t incarnation);
std::optional<int64_t> read_epoch(const result_set& rs);

/// Gives (kind, id) up if it is still held under `epoch`.
statement release(const std::string& kind, int64_t id, int64_t epoch);

/// Gives up every entity the incarnation holds (graceful leave).
statement release_all(const std::string& node_id, int64_t incarnation);

/// First statement of an entity's write transaction: fails with errc::fenced when the epoch
/// moved on, and makes a takeover wait for the transaction.
statement fence(const std::string& kind, int64_t id, int64_t epoch);

/// Held entities per (node, incarnation, kind).
struct owned_count {
  std::string node_id;
  int64_t incarnation = 0;
  std::string kind;
  int64_t count = 0;
};

statement owned_counts();
std::vector<owned_count> read_owned_counts(const result_set& rs);

} // namespace messenger::persistence::queries::cluster
