#include "cluster/gateway.hpp"

#include "common/metrics.hpp"

#include <caf/all.hpp>

#include <vector>

namespace messenger::cluster {

namespace {

using namespace messenger::actors;

struct gateway_state {
  gateway_state() = default; // not an aggregate: CAF must not build it from `self`
  registry_actor registry;
  std::vector<listener_actor> listeners;
  std::vector<gateway_actor> peers; ///< connected peers' gateways (from the view)
  static inline const char* name = "cluster_gateway";
};

using pointer = gateway_actor::stateful_pointer<gateway_state>;

void take_view(pointer self, const cluster_view& view) {
  auto& peers = self->state.peers;
  peers.clear();
  for (const auto& m : view.members)
    if (m.node_id != view.self_id && m.gateway)
      peers.push_back(caf::actor_cast<gateway_actor>(m.gateway));
}

void relay(pointer self, const domain_event& ev) {
  static auto& relayed = metrics::counter_of("messenger_cluster_events_relayed_total",
                                             "Events sent to peers' realtime subscribers");
  for (auto& p : self->state.peers) {
    self->send(p, relay_atom_v, ev);
    relayed.inc();
  }
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
    [=](event_atom, domain_event& ev) { relay(self, ev); },
    [=](relay_atom, domain_event& ev) {
      for (auto& l : self->state.listeners)
        self->send(l, event_atom_v, ev);
    },
    [=](subscribe_atom, listener_actor& l) { self->state.listeners.push_back(std::move(l)); },
    [=](view_atom, cluster_view& view) { take_view(self, view); },
  };
}

} // namespace

actors::gateway_actor spawn_gateway(caf::actor_system& sys, actors::registry_actor registry) {
  return sys.spawn(gateway, std::move(registry));
}

} // namespace messenger::cluster
