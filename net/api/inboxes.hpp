#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace messenger::net::api {

/// Application API: inboxes (API channel), inbox members (which tell the inbox and
/// operator actors).
void add_inbox_routes(router& routes, const context& ctx);

/// Tells the inbox actor and each agent's operator actor about a membership change (after
/// the commit; the actors reload from PostgreSQL when they are not active).
void notify_members(const context& ctx, int64_t account_id, int64_t inbox_id,
                    const std::vector<std::pair<int64_t, std::string>>& users, bool added);

} // namespace messenger::net::api
