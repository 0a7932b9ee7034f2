#pragma once

#include "actors/records.hpp"
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

/// The message columns of a messages row aliased `m` (what `message_from_row` and
/// `message_body` read), with the sender's push data as `sender_json`.
#define MESSENGER_MESSAGE_COLUMNS                                                                  \
  "m.id, m.content, m.account_id, m.inbox_id, m.message_type, m.content_type, "                    \
  "coalesce(m.content_attributes, '{}')::text AS content_attributes, "                             \
  "coalesce(m.additional_attributes, '{}')::text AS additional_attributes, m.private, "            \
  "coalesce(m.status, 0) AS status, coalesce(m.source_id, '') AS source_id, "                      \
  "coalesce(m.echo_id, '') AS echo_id, coalesce(m.sender_type, '') AS sender_type, "               \
  "coalesce(m.sender_id, 0) AS sender_id, messenger_us(m.created_at) AS created_at, "              \
  "messenger_sender_json(m.sender_type, m.sender_id)::text AS sender_json"

/// The message JSON (Message#push_event_data) of row `i` of a query selecting
/// MESSENGER_MESSAGE_COLUMNS, with its `sender`.
nlohmann::json message_body(const persistence::result_set& rs, size_t i, int64_t display_id);

/// The message JSON of a message just created by `by` (its sender, without a query).
nlohmann::json message_body(const actors::message_row& msg, int64_t display_id,
                            const actors::performer& by);

/// A message_row from row `i` of a query selecting the message columns (id, content,
/// account_id, inbox_id, message_type, content_type, content_attributes,
/// additional_attributes, private, status, source_id, echo_id, sender_type, sender_id,
/// created_at in microseconds; text columns coalesced to '').
actors::message_row message_from_row(const persistence::result_set& rs, size_t i);

} // namespace messenger::net::api
