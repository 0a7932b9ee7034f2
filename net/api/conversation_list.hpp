#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// GET /api/v1/accounts/{a}/conversations (filters status, assignee_type, inbox_id, labels,
/// q, page; 25 per page by last_activity_at desc; meta counts in one query),
/// GET …/conversations/meta, POST …/conversations (through the inbox actor, with an
/// optional first message through the conversation actor).
void add_conversation_list_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
