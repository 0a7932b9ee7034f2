#include "actors/activity_listener.hpp"

#include "common/log.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

namespace messenger::actors {

namespace {

constexpr auto timeout = std::chrono::seconds{30};

listener_actor::behavior_type activity_listener(listener_actor::pointer self,
                                                registry_actor registry) {
  return {
    [=](event_atom, domain_event& ev) {
      if (ev.data.find("\"activity\"") == std::string::npos)
        return;
      auto doc = nlohmann::json::parse(ev.data, nullptr, false);
      if (!doc.is_object() || !doc.contains("activity") || !doc["activity"].is_string())
        return;
      message_command cmd;
      cmd.message.message_type = 2; // activity
      cmd.message.content = doc["activity"].get<std::string>();
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
