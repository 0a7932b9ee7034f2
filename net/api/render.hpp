#pragma once

#include "actors/records.hpp"
#include "actors/row_codec.hpp"
#include "net/api/context.hpp"
#include "persistence/queries/conversations.hpp"
#include "persistence/queries/messages.hpp"
#include "persistence/sql.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace messenger::net::api {

/// The Application API conversation JSON (API.md "Conversation"): display id, times as epoch
/// seconds (0 when null), snoozed_until as ISO-8601 or null, meta with sender/assignee ids.
nlohmann::json conversation_body(const actors::conversation_row& row, int unread_count);

/// The conversation JSON of a listed conversation, with the full `meta.sender` (contact) and
/// `meta.assignee` (agent) objects.
nlohmann::json conversation_body(const persistence::queries::conversations::list_row& row);

/// Sets `messages` ([last message] or []) and `last_non_activity_message` (or null) on the
/// conversations (parallel to `ids`) from the rows of `messages::last_of(ids)`.
void set_last_messages(std::vector<nlohmann::json>& conversations, const std::vector<int64_t>& ids,
                       const std::vector<persistence::queries::messages::last_message_row>& last);

/// Answers 200 with the conversation JSON of `row` (a row the conversation actor answered:
/// its unread_count comes from the row's recent_incoming) after reading its sender, assignee
/// and last messages.
void respond_conversation(const context& ctx, const actors::conversation_row& row,
                          responder respond);

/// Replaces `meta.sender`/`meta.assignee` with the rendered contact and agent JSON (empty =
/// none: `assignee` and `assignee_type` are dropped).
void set_meta(nlohmann::json& conversation, const std::string& sender_json,
              const std::string& assignee_json);

/// The conversation_row of a listed conversation.
actors::conversation_row
conversation_from_row(const persistence::queries::conversations::list_row& row);

/// The message JSON (Message#push_event_data) of a message read from the database, with its
/// `sender`.
nlohmann::json message_body(const persistence::queries::messages::message_record& m,
                            int64_t display_id);

/// The message JSON of a message just created by `by` (its sender, without a query).
nlohmann::json message_body(const actors::message_row& msg, int64_t display_id,
                            const actors::performer& by);

// Kept for the handlers that still build their own statements over these columns
// (contacts, public API); they read rows through the functions below.

/// `persistence::queries::conversations::list_columns`.
inline const char* const& conversation_list_columns
  = persistence::queries::conversations::list_columns;

/// The conversation JSON of row `i` of a query selecting `conversation_list_columns`.
nlohmann::json conversation_body(const persistence::result_set& rs, size_t i);

/// The conversation_row of row `i` of a query selecting `conversation_list_columns`.
actors::conversation_row conversation_from_row(const persistence::result_set& rs, size_t i);

/// The message JSON of row `i` of a query selecting the message columns, with its `sender`.
nlohmann::json message_body(const persistence::result_set& rs, size_t i, int64_t display_id);

using actors::message_from_row;

} // namespace messenger::net::api
