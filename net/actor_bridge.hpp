#pragma once

#include "net/http_types.hpp"

#include <caf/all.hpp>

#include <utility>

namespace messenger::net {

/// Sends one request to an actor from an I/O thread without blocking it: a short-lived
/// actor makes the request and calls `on_reply(results...)` or `on_error(caf::error)` on
/// a CAF worker. Exactly one of them runs, at the latest when `timeout` expires.
/// The callbacks usually end in a `responder`, which hops back onto the connection.
/// An actor on another node is monitored: when its node dies (or the connection to it
/// breaks) the request fails at once with `remote_link_unreachable` (a 503), instead of
/// waiting out the timeout (CAF 0.17 never fails a request to a lost node by itself).
template <class Handle, class OnReply, class OnError, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest, caf::timespan timeout, OnReply on_reply,
         OnError on_error, Ts&&... xs) {
  // The request's arguments travel as spawn arguments (never none: CAF 0.17 dereferences a
  // null argument tuple for argument-less function actors).
  sys.spawn(
    [dest, timeout, on_reply = std::move(on_reply),
     fail = std::make_shared<OnError>(std::move(on_error))](caf::event_based_actor* self,
                                                            std::decay_t<Ts>... args) mutable {
      if (dest && dest.node() != self->node()) {
        self->monitor(dest);
        self->set_down_handler([self, fail](caf::down_msg& dm) {
          caf::error err
            = dm.reason ? dm.reason : caf::error{caf::exit_reason::remote_link_unreachable};
          (*fail)(err);
          self->quit(); // the reply, should it still come, is dropped with this actor
        });
      }
      self->request(dest, timeout, std::move(args)...)
        .then(std::move(on_reply), [self, fail](caf::error& err) {
          (*fail)(err);
          self->quit();
        });
    },
    std::forward<Ts>(xs)...);
}

} // namespace messenger::net
