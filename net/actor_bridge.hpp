#pragma once

#include "net/http_types.hpp"

#include <caf/all.hpp>

#include <utility>

namespace messenger::net {

/// Sends one request to an actor from an I/O thread without blocking it: a short-lived
/// actor makes the request and calls `on_reply(results...)` or `on_error(caf::error)` on
/// a CAF worker. Exactly one of them runs, at the latest when `timeout` expires.
/// The callbacks usually end in a `responder`, which hops back onto the connection.
template <class Handle, class OnReply, class OnError, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest, caf::timespan timeout, OnReply on_reply,
         OnError on_error, Ts&&... xs) {
  // The request's arguments travel as spawn arguments (never none: CAF 0.17 dereferences a
  // null argument tuple for argument-less function actors).
  sys.spawn(
    [dest, timeout, on_reply = std::move(on_reply), on_error = std::move(on_error)](
      caf::event_based_actor* self, std::decay_t<Ts>... args) mutable {
      self->request(dest, timeout, std::move(args)...)
        .then(std::move(on_reply),
              [on_error = std::move(on_error)](caf::error& err) mutable { on_error(err); });
    },
    std::forward<Ts>(xs)...);
}

} // namespace messenger::net
