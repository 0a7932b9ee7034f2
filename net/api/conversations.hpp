#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// Application API on one conversation: show, PATCH (priority), toggle_status,
/// toggle_priority, toggle_typing_status, update_last_seen, unread, custom_attributes,
/// labels, assignments, and its messages (list with before/after, create). Every write goes
/// through the conversation actor and is answered after its commit.
void add_conversation_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
