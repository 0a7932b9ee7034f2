#pragma once

#include "persistence/queries/message_rows.hpp"
#include "persistence/queries/row.hpp"

/// The message reads of the HTTP edge and the push listener: a conversation's page of
/// messages, a message by id or by its source/echo id, the last messages of conversations,
/// and the account-wide search.
namespace messenger::persistence::queries::messages {

/// The message columns of a messages row aliased `m` (what `read_message` reads), with the
/// sender's push data as `sender_json`.
extern const char* const columns;

/// One message as `columns` select it (message_rows.hpp's record; `display_id` read too).
using message_rows::message_record;

message_record read_message(const row_view& r);
std::vector<message_record> read_messages(const result_set& rs);

/// '%text%' with %, _ and \ matching themselves (the LIKE pattern of a literal text).
std::string like_pattern(const std::string& text);

/// A conversation's messages (API.md §2.3), ascending by id: 20 before `before` (or the
/// newest), 100 after `after`, up to 1,000 between both.
statement page(int64_t conversation_id, std::optional<int64_t> before,
               std::optional<int64_t> after);

/// The first message of the inbox with this source_id or echo_id ("" = not this one), with
/// its conversation's display_id.
statement by_source_or_echo(int64_t inbox_id, const std::string& source_id,
                            const std::string& echo_id);

/// One message by id.
statement by_id(int64_t message_id);

/// Account-wide search (SearchService, SQL path): messages containing `text`, newest first,
/// 15 per page, the last three months, the inboxes the caller may see; with display_id.
struct search_request {
  int64_t account_id = 0;
  std::string text;
  bool administrator = false;
  int64_t user_id = 0;
  int64_t page = 1;
};
statement search(const search_request& request);

/// Per conversation (database ids) its last message of any kind and its last non-activity
/// message.
statement last_of(const std::vector<int64_t>& conversation_ids);

struct last_message_row {
  bool last = false; ///< true: the last message; false: the last non-activity message
  int64_t conversation_id = 0;
  message_record message;
};
std::vector<last_message_row> read_last(const result_set& rs);

/// The conversation's last chat message (Message.chat: not an activity, not private).
statement last_chat(int64_t conversation_id);

} // namespace messenger::persistence::queries::messages
