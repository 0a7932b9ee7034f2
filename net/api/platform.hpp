#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// Platform API (/platform/api/v1): accounts, users, account_users. Authenticated by the
/// platform token (MESSENGER_PLATFORM_TOKEN) in the `api_access_token` header. This is
/// how an installation is bootstrapped.
void add_platform_routes(router& routes, const context& ctx);

/// Application API GET /api/v1/profile (the calling user, with its access token).
void add_profile_routes(router& routes, const context& ctx);

/// Answers with the profile (user JSON with `access_token` and `accounts`) of `token`'s user.
void respond_profile(const context& ctx, const std::string& token, responder respond);

} // namespace messenger::net::api
