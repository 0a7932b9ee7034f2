#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"

namespace messenger::net::api {

/// Application API: contacts (list, search, show, create, update, delete), a contact's
/// conversations, contactable inboxes and contact inboxes. Creates and updates publish
/// `contact.created` / `contact.updated`.
void add_contact_routes(router& routes, const context& ctx);

} // namespace messenger::net::api
