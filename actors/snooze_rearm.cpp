#include "actors/snooze_rearm.hpp"

#include "common/log.hpp"

#include <caf/all.hpp>

#include <memory>

namespace messenger::actors {

namespace {

constexpr auto timeout = std::chrono::seconds{30};

} // namespace

void rearm_snoozed(caf::actor_system& sys, store_actor store, registry_actor registry) {
  sys.spawn(
    [](caf::event_based_actor* self, store_actor st, registry_actor reg) {
      // Linked: if the node shuts down meanwhile, this helper goes with the store instead
      // of waiting out its request timeout (a dying actor does not answer what it holds).
      self->link_to(st);
      self->request(st, timeout, snoozed_atom_v)
        .then(
          [=](std::vector<int64_t>& ids) {
            log::info("snooze_timers_rearmed", log::fields{}("conversations", ids.size()));
            auto pending = std::make_shared<size_t>(ids.size());
            if (ids.empty())
              self->quit();
            for (auto id : ids)
              self->request(reg, timeout, conversation_atom_v, id)
                .then(
                  [=](conversation_actor&) {
                    if (--*pending == 0)
                      self->quit();
                  },
                  [=](caf::error&) {
                    if (--*pending == 0)
                      self->quit();
                  });
          },
          [=](caf::error& err) {
            log::warn("snooze_rearm_failed", log::fields{}("error", self->system().render(err)));
            self->quit();
          });
    },
    std::move(store), std::move(registry));
}

} // namespace messenger::actors
