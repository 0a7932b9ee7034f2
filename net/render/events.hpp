#pragma once

// Chatwoot's JSON for records and events, rendered in one place from typed values: the REST
// handlers, the realtime push listener and webhooks all start from these shapes and add
// what only they know (looked-up senders, `meta`, `account`).

#include "domain/events.hpp"
#include "domain/records.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace messenger::net::render {

/// The conversation's own fields as its events carry them (Conversation#push_event_data
/// without the looked-up parts): times as epoch seconds or null (`waiting_since` 0 when
/// null, as Chatwoot), ids null when absent.
nlohmann::json conversation(const domain::conversation_row& row, int unread_count);

/// Message#push_event_data's own columns (the REST message shape without `sender`).
nlohmann::json message(const domain::message_row& msg, int64_t display_id);

/// The data of an event of kind message, conversation or typing before the push listener
/// adds what it looks up (`sender`, `meta`, `performer`, ...):
/// - message: the message with every column and the conversation's
///   {assignee_id, unread_count, last_activity_at};
/// - conversation: the conversation;
/// - typing: {conversation, is_private}.
/// Contact and presence events have no such data (contact_push).
nlohmann::json event_data(const domain::event& ev);

/// A contact event's realtime data: its document with `performer` (the acting agent's push
/// data, or null) and `account_id`.
std::string contact_push(const domain::event& ev, const nlohmann::json& performer);

/// The document a contact event carries: the contact's JSON (without `contact_inboxes`),
/// `type: "contact"` and `account: {id}` (Contact#push_event_data / webhook_data).
std::string contact_document(nlohmann::json contact, int64_t account_id);

/// The webhook body of an event (Chatwoot's webhook_data shapes with `event` and
/// `account`), nothing when Chatwoot sends none (no webhook name, activity messages).
std::optional<std::string> webhook_body(const domain::event& ev);

/// `{"members", …rest of object}`: members prepended to a rendered JSON object's text.
std::string with_members(std::string_view object, std::string_view members);

} // namespace messenger::net::render
