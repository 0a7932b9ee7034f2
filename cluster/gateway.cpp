#include "cluster/gateway.hpp"

#include "common/metrics.hpp"
#include "domain/events.hpp"
#include "domain/placement.hpp"

#include <caf/all.hpp>

#include <unordered_map>
#include <vector>

namespace messenger::cluster {

namespace {

using namespace messenger::actors;

struct gateway_state {
  gateway_state() = default; // not an aggregate: CAF must not build it from `self`
  registry_actor registry;
  std::vector<listener_actor> listeners;
  cluster_view view;
  std::vector<gateway_actor> peers; ///< connected peers' gateways (from the view)
  /// The last stream id seen per account: a sequencer numbers on from it, so the ids stay
  /// monotonic when the sequencing moves to this node.
  std::unordered_map<int64_t, uint64_t> last_id;
  static inline const char* name = "cluster_gateway";
};

using pointer = gateway_actor::stateful_pointer<gateway_state>;

void take_view(pointer self, cluster_view view) {
  auto& st = self->state;
  st.peers.clear();
  for (const auto& m : view.members)
    if (m.node_id != view.self_id && m.gateway)
      st.peers.push_back(caf::actor_cast<gateway_actor>(m.gateway));
  st.view = std::move(view);
}

/// The gateway of the account's sequencer node; null when it is this node (or no peer is
/// placed, or the placed one is not connected: then this node numbers the event itself).
gateway_actor sequencer_of(const gateway_state& st, int64_t account_id) {
  if (st.view.members.size() < 2)
    return {};
  std::vector<std::string> ids;
  for (const auto& m : st.view.members)
    ids.push_back(m.node_id);
  auto owner = domain::placement::owner(ids, domain::placement::key("account", account_id));
  for (const auto& m : st.view.members)
    if (m.node_id == owner && owner != st.view.self_id && m.gateway)
      return caf::actor_cast<gateway_actor>(m.gateway);
  return {};
}

void deliver(pointer self, const domain_event& ev) {
  for (auto& l : self->state.listeners)
    self->send(l, event_atom_v, ev);
}

/// As the account's sequencer: number the event, deliver it here and to every peer.
void number_and_fan_out(pointer self, domain_event ev) {
  static auto& relayed = metrics::counter_of("messenger_cluster_events_relayed_total",
                                             "Events sent to peers' realtime subscribers");
  ev.stream_id = ++self->state.last_id[ev.account_id];
  deliver(self, ev);
  for (auto& p : self->state.peers) {
    self->send(p, relay_atom_v, ev);
    relayed.inc();
  }
}

/// An event this node published: numbered by its account's sequencer when it is one SSE
/// streams carry; others go to every node as they are.
void publish(pointer self, domain_event ev) {
  if (domain::broadcast(ev.kind)) {
    if (auto seq = sequencer_of(self->state, ev.account_id))
      return self->send(seq, sequence_atom_v, std::move(ev));
    return number_and_fan_out(self, std::move(ev));
  }
  deliver(self, ev);
  for (auto& p : self->state.peers)
    self->send(p, relay_atom_v, ev);
}

/// An event from a peer: numbered ones move the account's last id on.
void relayed(pointer self, const domain_event& ev) {
  if (ev.stream_id != 0) {
    auto& last = self->state.last_id[ev.account_id];
    last = std::max(last, ev.stream_id);
  }
  deliver(self, ev);
}

gateway_actor::behavior_type gateway(pointer self, registry_actor registry) {
  self->state.registry = std::move(registry);
  return {
    [=](activate_atom a, conversation_atom k, int64_t id) {
      return self->delegate(self->state.registry, a, k, id);
    },
    [=](activate_atom a, inbox_atom k, int64_t id) {
      return self->delegate(self->state.registry, a, k, id);
    },
    [=](activate_atom a, operator_atom k, int64_t id) {
      return self->delegate(self->state.registry, a, k, id);
    },
    [=](retire_atom a, uint8_t scope, int64_t id) {
      return self->delegate(self->state.registry, a, scope, id, local_atom_v);
    },
    [=](release_atom, uint8_t scope, int64_t id) {
      self->send(self->state.registry, release_atom_v, scope, id, local_atom_v);
    },
    [=](event_atom, domain_event& ev) { publish(self, std::move(ev)); },
    [=](sequence_atom, domain_event& ev) { number_and_fan_out(self, std::move(ev)); },
    [=](relay_atom, domain_event& ev) { relayed(self, ev); },
    [=](subscribe_atom, listener_actor& l) { self->state.listeners.push_back(std::move(l)); },
    [=](view_atom, cluster_view& view) { take_view(self, std::move(view)); },
  };
}

} // namespace

actors::gateway_actor spawn_gateway(caf::actor_system& sys, actors::registry_actor registry) {
  return sys.spawn(gateway, std::move(registry));
}

} // namespace messenger::cluster
