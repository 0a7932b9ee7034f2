#include "actors/activity_listener.hpp"

#include "common/log.hpp"

#include <caf/all.hpp>

namespace messenger::actors {

namespace {

constexpr auto timeout = std::chrono::seconds{30};

listener_actor::behavior_type activity_listener(listener_actor::pointer self,
                                                registry_actor registry) {
  return {
    [=](event_atom, domain_event& ev) {
      if (ev.activity.empty())
        return;
      message_command cmd;
      cmd.message.message_type = 2; // activity
      cmd.message.content = ev.activity;
      cmd.by = ev.by;
      self->request(registry, timeout, conversation_atom_v, ev.conversation_id)
        .then(
          [=](conversation_actor& conv) {
            self->request(conv, timeout, message_atom_v, cmd)
              .then([](message_row&) {},
                    [=](caf::error& err) {
                      log::warn("activity_message_failed",
                                log::fields{}("conversation", ev.conversation_id)(
                                  "error", self->system().render(err)));
                    });
          },
          [](caf::error&) {});
    },
  };
}

} // namespace

listener_actor spawn_activity_listener(caf::actor_system& sys, registry_actor registry) {
  return sys.spawn(activity_listener, std::move(registry));
}

} // namespace messenger::actors
