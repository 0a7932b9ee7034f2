#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// Application API: inboxes (API channel), inbox members (which tell the inbox and
/// operator actors).
void add_inbox_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
