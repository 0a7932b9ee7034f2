#pragma once

#include "net/api/context.hpp"
#include "net/router.hpp"
#include "persistence/queries/contacts.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace messenger::net::api {

/// Application API: contacts (list, search, show, create, update, delete), a contact's
/// conversations, contactable inboxes and contact inboxes. Creates and updates publish
/// `contact.created` / `contact.updated`.
void add_contact_routes(router& routes, const context& ctx);

/// The contact attributes a create or update may carry (Application and Client API).
using contact_fields = persistence::queries::contacts::fields;

/// Reads and validates them with Chatwoot's model rules (email, E.164 phone, lengths,
/// attribute objects); answers 422 and returns nothing when one is invalid.
std::optional<contact_fields> contact_fields_of(const nlohmann::json& body,
                                                const responder& respond);

} // namespace messenger::net::api
