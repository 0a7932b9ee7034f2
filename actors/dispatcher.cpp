#include "actors/dispatcher.hpp"

#include <caf/all.hpp>

namespace messenger::actors {

namespace {

struct dispatcher_state {
  std::vector<listener_actor> listeners;
  static inline const char* name = "event_dispatcher";
};

dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           std::vector<listener_actor> initial) {
  self->state.listeners = std::move(initial);
  return {
    [=](publish_atom, domain_event& ev) {
      for (auto& listener : self->state.listeners)
        self->send(listener, event_atom_v, ev); // asynchronous: never waits for a listener
    },
    [=](subscribe_atom, listener_actor& listener) {
      self->state.listeners.push_back(std::move(listener));
    },
  };
}

} // namespace

dispatcher_actor spawn_dispatcher(caf::actor_system& sys) {
  // (An argument on purpose: CAF 0.17 dereferences a null argument tuple when a function
  // actor is spawned without arguments, which UBSan reports.)
  return sys.spawn(dispatcher, std::vector<listener_actor>{});
}

} // namespace messenger::actors
