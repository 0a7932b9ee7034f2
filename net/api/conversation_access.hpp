#pragma once

#include "actors/errors.hpp"
#include "actors/interfaces.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/context.hpp"
#include "net/http_types.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

/// The preamble of the handlers under …/conversations/:conversation_id (conversations.cpp,
/// messages.cpp): the conversation the path addresses, after the policy check, and the ask
/// of its actor.
namespace messenger::net::api {

inline constexpr auto conversation_timeout = std::chrono::seconds{30};

/// A conversation addressed by the path: its database id and inbox, after the policy check.
struct conversation_target {
  caller who;
  int64_t conversation_id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  int64_t display_id = 0;
};

/// Authenticates, resolves `:conversation_id` (a display id) and applies the conversation
/// policy: administrators see every conversation of the account, agents those of inboxes
/// they are members of (or of a team they belong to); others get 401, unknown ids 404.
void with_conversation(const context& ctx, const http_request& req, const responder& respond,
                       std::function<void(conversation_target)> next);

/// A route handler that reads the context: `fn(ctx, req, respond)`.
using context_handler = void (*)(const context&, http_request&, responder);

/// The router's handler for `fn` with `ctx` bound.
inline handler route_to(const context& ctx, context_handler fn) {
  return [ctx, fn](http_request& req, responder respond) { fn(ctx, req, std::move(respond)); };
}

/// The agent acting in a request.
actors::performer performer_of(const caller& who);

/// Resolves the conversation actor through the registry, then asks it; errors are answered.
template <class OnReply, class... Ts>
void ask_conversation(const context& ctx, int64_t conversation_id, const responder& respond,
                      OnReply on_reply, Ts... xs) {
  auto sys = ctx.sys;
  ask(
    *sys, ctx.registry, conversation_timeout,
    [sys, respond, on_reply, xs...](actors::conversation_actor& conv) {
      ask(
        *sys, conv, conversation_timeout, on_reply,
        [respond](caf::error& err) { respond(error_response(err)); }, xs...);
    },
    [respond](caf::error& err) { respond(error_response(err)); }, actors::conversation_atom_v,
    conversation_id);
}

} // namespace messenger::net::api
