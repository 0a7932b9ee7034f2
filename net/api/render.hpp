#pragma once

#include "actors/records.hpp"
#include "actors/row_codec.hpp"
#include "net/api/context.hpp"
#include "persistence/sql.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace messenger::net::api {

/// The Application API conversation JSON (API.md "Conversation"): display id, times as epoch
/// seconds (0 when null), snoozed_until as ISO-8601 or null, meta with sender/assignee ids.
nlohmann::json conversation_body(const actors::conversation_row& row, int unread_count);

/// The last message and the last non-activity message of each conversation (database ids).
persistence::statement last_messages_query(const std::vector<int64_t>& conversation_ids);

/// Sets `messages` ([last message] or []) and `last_non_activity_message` (or null) on the
/// conversations (parallel to `ids`) from the rows of `last_messages_query`.
void set_last_messages(std::vector<nlohmann::json>& conversations, const std::vector<int64_t>& ids,
                       const persistence::result_set& rs);

/// Answers 200 with the conversation JSON of `row` (a row the conversation actor answered:
/// its unread_count comes from the row's recent_incoming) after reading its sender, assignee
/// and last messages.
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

/// The conversation columns the list queries select (see `conversation_from_row`), with
/// `unread_count` and the `conversation_meta_columns`.
extern const char* const conversation_list_columns;

/// Builds a conversation_row from row `i` of a query selecting `conversation_list_columns`.
actors::conversation_row conversation_from_row(const persistence::result_set& rs, size_t i);

/// The message JSON (Message#push_event_data) of row `i` of a query selecting
/// MESSENGER_MESSAGE_COLUMNS, with its `sender`.
nlohmann::json message_body(const persistence::result_set& rs, size_t i, int64_t display_id);

/// The message JSON of a message just created by `by` (its sender, without a query).
nlohmann::json message_body(const actors::message_row& msg, int64_t display_id,
                            const actors::performer& by);

using actors::message_from_row;

} // namespace messenger::net::api
