#pragma once

#include "net/api/context.hpp"
#include "net/api/messages.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// Application API on one conversation: show, PATCH (priority), toggle_status,
/// toggle_priority, toggle_typing_status, update_last_seen, unread, custom_attributes,
/// labels and assignments. Every write goes through the conversation actor and is answered
/// after its commit. (Its messages: messages.hpp.)
void add_conversation_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
