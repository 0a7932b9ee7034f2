#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// Client (public) API under /public/api/v1/inboxes/{inbox_identifier}: the inbox, contacts
/// (create with HMAC identity validation, show, update), the contact's conversations,
/// toggle_status (resolve), toggle_typing, update_last_seen and messages. No credentials:
/// the inbox identifier and the contact's source_id address everything.
void add_public_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
