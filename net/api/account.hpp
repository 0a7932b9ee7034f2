#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// Application API of an account's own resources: the account, agents (availability goes
/// through the operator actor), `POST /api/v1/profile/availability`, teams and team members,
/// labels, canned responses, webhooks and reporting events.
void add_account_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
