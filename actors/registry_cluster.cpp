#include "actors/entity_metrics.hpp"
#include "actors/errors.hpp"
#include "actors/registry_state.hpp"
#include "actors/snooze_rearm.hpp"
#include "common/log.hpp"
#include "domain/placement.hpp"

#include <algorithm>
#include <memory>

// Placement of the registry's entities over the cluster's members, handoff when they
// change, the self-fence, and deletes on every node (docs/cluster.md).
namespace messenger::actors::registry_detail {

/// The member owning (entity, id) when it is not this node; null when it is local (or
/// there is no cluster).
const cluster_member* remote_owner(const registry_state& st, entity_kind entity, int64_t id) {
  if (st.view.members.size() < 2)
    return nullptr;
  std::vector<std::string> ids;
  ids.reserve(st.view.members.size());
  for (const auto& m : st.view.members)
    ids.push_back(m.node_id);
  auto owner = domain::placement::owner(ids, domain::placement::key(kind_name(entity), id));
  if (owner == st.view.self_id)
    return nullptr;
  for (const auto& m : st.view.members)
    if (m.node_id == owner)
      return &m;
  return nullptr;
}

/// Gateways of the connected peers (every member but this node).
std::vector<gateway_actor> peer_gateways(const registry_state& st) {
  std::vector<gateway_actor> out;
  for (const auto& m : st.view.members)
    if (m.node_id != st.view.self_id && m.gateway)
      out.push_back(caf::actor_cast<gateway_actor>(m.gateway));
  return out;
}

/// A delete retires its scope on every node (entities of the scope may live anywhere);
/// the answer is the number stopped cluster-wide. An unreachable peer counts as none: an
/// entity of the scope it still runs writes to rows the delete removed, and those writes
/// fail; it stops when it passivates.
caf::result<uint64_t> retire_everywhere(pointer self, uint8_t scope, int64_t id) {
  auto peers = peer_gateways(self->state);
  auto promise = self->make_response_promise<uint64_t>();
  struct tally {
    size_t left;
    uint64_t stopped = 0;
  };
  auto t = std::make_shared<tally>(tally{peers.size() + 1});
  auto one = [=](uint64_t n) mutable {
    t->stopped += n;
    if (--t->left == 0)
      promise.deliver(t->stopped);
  };
  self
    ->request(caf::actor_cast<registry_actor>(self), timeout, retire_atom_v, scope, id,
              local_atom_v)
    .then([=](uint64_t n) mutable { one(n); },
          [=](caf::error& err) mutable {
            if (t->left == 0)
              return;
            t->left = 0;
            promise.deliver(err);
          });
  for (auto& gw : peers)
    self->request(gw, peer_timeout, retire_atom_v, scope, id)
      .then([=](uint64_t n) mutable { one(n); }, [=](caf::error&) mutable { one(0); });
  return promise;
}

void release_everywhere(pointer self, uint8_t scope, int64_t id) {
  release(self, scope, id);
  for (auto& gw : peer_gateways(self->state))
    self->send(gw, release_atom_v, scope, id);
}

/// Hands over the live entities of `tab` that `moves(id)` selects: each finishes what it
/// has in flight (an inbox also saves its ring and rate window) and stops (conversations,
/// inboxes) or stops (operators), then its entity_owners row is released for the next
/// owner's acquire; `one_done` is called once per entity after its release was sent.
template <class Handle, class Moves, class Done>
void hand_over_if(pointer self, entity_table<Handle>& tab, entity_kind kind, Moves moves,
                  Done one_done) {
  auto code = static_cast<uint8_t>(kind);
  for (auto it = tab.live.begin(); it != tab.live.end();) {
    auto id = it->first;
    if (!moves(id)) {
      ++it;
      continue;
    }
    auto hdl = it->second;
    tab.keys.erase(id);
    it = tab.live.erase(it);
    auto store = self->state.ctx.store;
    if constexpr (std::is_same_v<Handle, operator_actor>) {
      self->send_exit(hdl, caf::exit_reason::user_shutdown);
      self->send(store, release_atom_v, code, id);
      one_done();
    } else {
      auto released = [=]() mutable {
        self->send(store, release_atom_v, code, id);
        one_done();
      };
      self->request(hdl, timeout, retire_atom_v)
        .then([=](bool) mutable { released(); }, [=](caf::error&) mutable { released(); });
    }
  }
}

/// Hands the live entities of `tab` that are now placed elsewhere over.
template <class Handle>
void hand_over(pointer self, entity_table<Handle>& tab, entity_kind kind) {
  hand_over_if(
    self, tab, kind, [&](int64_t id) { return remote_owner(self->state, kind, id) != nullptr; },
    [] {});
}

bool lost_a_member(const cluster_view& before, const cluster_view& after) {
  for (const auto& m : before.members) {
    bool kept
      = std::any_of(after.members.begin(), after.members.end(), [&](const cluster_member& n) {
          return n.node_id == m.node_id && n.incarnation == m.incarnation;
        });
    if (!kept)
      return true;
  }
  return false;
}

/// A new member list: cached remote handles are dropped, entities placed elsewhere now are
/// handed over, and when a member was lost its snoozed conversations are activated on
/// their new owners so their timers fire.
void apply_view(pointer self, cluster_view view) {
  auto& st = self->state;
  bool lost = lost_a_member(st.view, view);
  st.view = std::move(view);
  st.remote.clear();
  hand_over(self, st.conversations, entity_kind::conversation);
  hand_over(self, st.inboxes, entity_kind::inbox);
  hand_over(self, st.operators, entity_kind::operator_);
  if (lost && st.ctx.options.owned_entities)
    rearm_snoozed(self->system(), st.ctx.store, caf::actor_cast<registry_actor>(self));
}

caf::result<entity_counts> drain(pointer self) {
  auto& st = self->state;
  st.draining = true;
  entity_counts counts{st.conversations.live.size(), st.inboxes.live.size(),
                       st.operators.live.size()};
  log::info("registry_draining", log::fields{}("conversations", counts.conversations)(
                                   "inboxes", counts.inboxes)("operators", counts.operators));
  auto promise = self->make_response_promise<entity_counts>();
  auto left
    = std::make_shared<uint64_t>(counts.conversations + counts.inboxes + counts.operators + 1);
  auto one_done = [=]() mutable {
    if (--*left == 0)
      promise.deliver(counts);
  };
  auto all = [](int64_t) { return true; };
  hand_over_if(self, st.conversations, entity_kind::conversation, all, one_done);
  hand_over_if(self, st.inboxes, entity_kind::inbox, all, one_done);
  hand_over_if(self, st.operators, entity_kind::operator_, all, one_done);
  one_done();
  return promise;
}

/// The node lost its lease: every entity stops at once (no write, no answer), the store
/// forgets its epochs, and nothing activates until membership sends a joined view.
void fence(pointer self) {
  auto& st = self->state;
  log::warn("cluster_self_fence",
            log::fields{}("node", st.view.self_id)("entities", st.conversations.live.size()
                                                                 + st.inboxes.live.size()
                                                                 + st.operators.live.size()));
  stop_all(st.conversations);
  stop_all(st.inboxes);
  stop_all(st.operators);
  st.remote.clear();
  st.view.joined = false;
  ++st.fences;
  self->send(st.ctx.store, fence_atom_v);
}

/// A peer's gateway went down (its node died or the connection broke): every activation
/// still waiting for it fails now with owner_unreachable (503).
void gateway_down(pointer self, const caf::actor_addr& source) {
  auto& st = self->state;
  if (st.watched_gateways.erase(source) == 0)
    return;
  auto err = to_caf_error({errc::owner_unreachable, "the owning node went down"});
  for (auto it = st.asked_peers.begin(); it != st.asked_peers.end();) {
    if (it->second.gateway == source) {
      it->second.fail(err);
      it = st.asked_peers.erase(it);
    } else {
      ++it;
    }
  }
}

/// A peer asked for an entity this node's view places on a third node: the views disagree
/// for a moment (a member just joined or left). Refused (503) rather than activated twice
/// over; the caller retries once the views agree.
caf::error placed_elsewhere(const registry_state& st, entity_kind kind, int64_t id) {
  if (const auto* owner = remote_owner(st, kind, id))
    return to_caf_error({errc::owner_unreachable, "placed on " + owner->node_id + " now"});
  return {};
}

} // namespace messenger::actors::registry_detail
