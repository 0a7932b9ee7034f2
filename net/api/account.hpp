#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

/// Application API of an account's own resources, one file per Chatwoot controller.
namespace messenger::net::api {

/// The path prefix of every account-scoped Application API route.
inline constexpr const char* account_base = "/api/v1/accounts/:account_id";

/// GET/PATCH the account (accounts.cpp).
void add_accounts_routes(router& routes, const context& ctx);
/// Agents (availability goes through the operator actor) and
/// `POST /api/v1/profile/availability` (agents.cpp).
void add_agent_routes(router& routes, const context& ctx);
/// Teams and team members (teams.cpp).
void add_team_routes(router& routes, const context& ctx);
/// Labels (labels.cpp).
void add_label_routes(router& routes, const context& ctx);
/// Canned responses (canned_responses.cpp).
void add_canned_response_routes(router& routes, const context& ctx);
/// Account webhooks (account_webhooks.cpp).
void add_account_webhook_routes(router& routes, const context& ctx);
/// Reporting events of the account and of a conversation (reporting.cpp).
void add_reporting_routes(router& routes, const context& ctx);

/// All of the above.
void add_account_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
