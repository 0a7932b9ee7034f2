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
  sys.spawn([dest, timeout, on_reply = std::move(on_reply), on_error = std::move(on_error),
             ... args = std::forward<Ts>(xs)](caf::event_based_actor* self) mutable {
    self->request(dest, timeout, std::move(args)...)
      .then(std::move(on_reply),
            [on_error = std::move(on_error)](caf::error& err) mutable { on_error(err); });
  });
}

} // namespace messenger::net
