#pragma once

// The registry's state and the functions its two files share (actors/registry.cpp: tables,
// activation, passivation, deletes; actors/registry_cluster.cpp: placement over the
// cluster's members, handoff, self-fence, deletes on every node). Internal to actors/.

#include "actors/entity_context.hpp"
#include "actors/interfaces.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace messenger::actors::registry_detail {

constexpr auto timeout = std::chrono::seconds{30};
/// How long an activation asked of a peer may take (the peer answers at once or after one
/// load; a dead peer is noticed sooner through its connection).
constexpr auto peer_timeout = std::chrono::seconds{10};
/// An acquire refused because the previous owner still holds the row (handing over) is
/// retried this often, this many times.
constexpr auto acquire_retry = std::chrono::milliseconds{50};
constexpr uint32_t acquire_attempts = 100;

/// What a live entity belongs to, for retiring by scope (0: not applicable).
struct entity_keys {
  int64_t account = 0;
  int64_t inbox = 0;
  int64_t contact = 0;
};

/// A retire: its scope, and the registry epoch it started.
struct retire_record {
  retire_scope scope{};
  int64_t id = 0;
  uint64_t epoch = 0;
};

/// Live entities of one kind plus the requests waiting for one being loaded (with the
/// registry epoch their load started at).
template <class Handle>
struct entity_table {
  std::map<int64_t, Handle> live;
  std::map<int64_t, entity_keys> keys;
  std::map<int64_t, std::vector<caf::typed_response_promise<Handle>>> loading;
  std::map<int64_t, uint64_t> load_epoch;
  std::map<int64_t, uint32_t> acquire_attempt; ///< refused acquires of a load under way
};

struct registry_state {
  registry_state() = default; // not an aggregate: CAF must not build it from `self`
  entity_context ctx;
  entity_table<conversation_actor> conversations;
  entity_table<inbox_actor> inboxes;
  entity_table<operator_actor> operators;
  /// Scopes being deleted: nothing inside is activated until released.
  std::vector<retire_record> blocked;
  /// Recent retires: a load that started before one of them and ends inside its scope read
  /// a row the delete may have removed since, so it is not activated.
  std::vector<retire_record> history;
  uint64_t epoch = 0;
  /// Self-fences so far: a load that straddles one is not activated (its epoch is void).
  uint64_t fences = 0;
  /// Draining for a graceful shutdown: nothing is activated here any more.
  bool draining = false;
  /// The live members (from membership); empty: a single node (tests), all local.
  cluster_view view;
  /// Handles of entities owned by peers, by (kind, id); monitored, dropped on down and
  /// whenever the member list changes.
  std::map<std::pair<uint8_t, int64_t>, caf::strong_actor_ptr> remote;
  /// Activations asked of a peer's gateway and not answered yet, by ticket: failed at once
  /// when that gateway goes down (CAF 0.17 would let them wait out their timeout).
  struct awaiting {
    caf::actor_addr gateway;
    std::function<void(const caf::error&)> fail;
  };
  std::map<uint64_t, awaiting> asked_peers;
  uint64_t next_ticket = 0;
  std::set<caf::actor_addr> watched_gateways;
  static inline const char* name = "registry";
};

using pointer = registry_actor::stateful_pointer<registry_state>;

template <class Handle>
void stop_all(entity_table<Handle>& tab) {
  for (auto& [_, hdl] : tab.live)
    caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
  tab.live.clear();
}

/// Deletes on this node only (registry.cpp).
caf::result<uint64_t> retire(pointer self, uint8_t scope_code, int64_t scope_id);
void release(pointer self, uint8_t scope_code, int64_t scope_id);

// -- the cluster (registry_cluster.cpp) ------------------------------------------------------

/// The member owning (entity, id) when it is not this node; null when it is local (or
/// there is no cluster).
const cluster_member* remote_owner(const registry_state& st, entity_kind entity, int64_t id);
/// An activation asked by a peer for an entity this node places on a third node: refused.
caf::error placed_elsewhere(const registry_state& st, entity_kind kind, int64_t id);
/// A delete's retire and release, here and on every connected peer.
caf::result<uint64_t> retire_everywhere(pointer self, uint8_t scope, int64_t id);
void release_everywhere(pointer self, uint8_t scope, int64_t id);
/// A new member list from membership: handoff of what is now placed elsewhere.
void apply_view(pointer self, cluster_view view);
/// Graceful shutdown: every live entity hands over (finishes, saves, stops, releases its
/// row) and nothing is activated here afterwards; answers how many there were.
caf::result<entity_counts> drain(pointer self);
/// The node lost its lease: every entity stops at once.
void fence(pointer self);
/// A peer's gateway went down: activations waiting for it fail now.
void gateway_down(pointer self, const caf::actor_addr& source);

} // namespace messenger::actors::registry_detail
