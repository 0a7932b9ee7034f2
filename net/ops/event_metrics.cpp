#include "common/metrics.hpp"
#include "domain/types.hpp"
#include "net/ops/ops.hpp"

#include <caf/all.hpp>

namespace messenger::net::ops {

namespace {

metrics::counter& messages_created(uint8_t type) {
  std::string name = "unknown";
  if (type <= 3)
    name = domain::to_string(static_cast<domain::message_type>(type));
  return metrics::counter_of("messenger_messages_created_total", "Messages created, by type",
                             metrics::label("type", name));
}

metrics::counter& assignments(bool automatic) {
  return metrics::counter_of("messenger_assignments_total",
                             "Assignee changes (auto: by the inbox's round robin)",
                             metrics::label("source", automatic ? "auto" : "manual"));
}

// (An unused argument: CAF 0.17 dereferences a null argument tuple when a function actor is
// spawned without arguments.)
actors::listener_actor::behavior_type event_metrics(actors::listener_actor::pointer, int) {
  return {
    [](actors::event_atom, actors::domain_event& ev) {
      if (ev.kind == domain::event_kind::message_created) {
        messages_created(ev.message.message_type).inc();
      } else if (ev.kind == domain::event_kind::assignee_changed) {
        assignments(ev.by.type.empty()).inc();
      }
    },
  };
}

} // namespace

actors::listener_actor spawn_event_metrics(caf::actor_system& sys) {
  return sys.spawn(event_metrics, 0);
}

} // namespace messenger::net::ops
