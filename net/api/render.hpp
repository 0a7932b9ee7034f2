#pragma once

#include "actors/records.hpp"
#include "net/api/context.hpp"
#include "persistence/sql.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace messenger::net::api {

/// "2026-08-01T09:00:00.000Z" from microseconds since the epoch.
std::string iso8601(int64_t micros);

/// The Application API conversation JSON (API.md "Conversation"): display id, times as epoch
/// seconds (0 when null), snoozed_until as ISO-8601 or null, meta with sender/assignee ids.
nlohmann::json conversation_body(const actors::conversation_row& row);

/// Answers 200 with the conversation JSON of `row` after reading its sender and assignee.
void respond_conversation(const context& ctx, const actors::conversation_row& row,
                          responder respond);

/// The conversation JSON of row `i` of a query selecting `conversation_list_columns`, with the
/// full `meta.sender` (contact) and `meta.assignee` (agent) objects.
nlohmann::json conversation_body(const persistence::result_set& rs, size_t i);

/// Replaces `meta.sender`/`meta.assignee` with the rendered contact and agent JSON (text from
/// `conversation_meta_columns`; empty = none: `assignee` and `assignee_type` are dropped).
void set_meta(nlohmann::json& conversation, const std::string& sender_json,
              const std::string& assignee_json);

/// `sender_json`, `assignee_json` of a conversation aliased `c`.
extern const char* const conversation_meta_columns;

/// The conversation columns the list queries select (see `conversation_from_row`).
extern const char* const conversation_list_columns;

/// Builds a conversation_row from row `i` of a query selecting `conversation_list_columns`.
actors::conversation_row conversation_from_row(const persistence::result_set& rs, size_t i);

/// A message_row from row `i` of a query selecting the message columns (id, content,
/// account_id, inbox_id, message_type, content_type, content_attributes,
/// additional_attributes, private, status, source_id, echo_id, sender_type, sender_id,
/// created_at in microseconds; text columns coalesced to '').
actors::message_row message_from_row(const persistence::result_set& rs, size_t i);

} // namespace messenger::net::api
