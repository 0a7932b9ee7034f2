#pragma once

#include "persistence/queries/row.hpp"

/// The message columns of a messages row aliased `m` (what `message_rows::read_message`
/// reads), with the sender's push data as `sender_json`. A macro so that queries can splice
/// it into their string literals; the one definition of the column list.
#define MESSENGER_MESSAGE_COLUMNS                                                                  \
  "m.id, m.content, m.account_id, m.inbox_id, m.message_type, m.content_type, "                    \
  "coalesce(m.content_attributes, '{}')::text AS content_attributes, "                             \
  "coalesce(m.additional_attributes, '{}')::text AS additional_attributes, m.private, "            \
  "coalesce(m.status, 0) AS status, coalesce(m.source_id, '') AS source_id, "                      \
  "coalesce(m.echo_id, '') AS echo_id, coalesce(m.sender_type, '') AS sender_type, "               \
  "coalesce(m.sender_id, 0) AS sender_id, messenger_us(m.created_at) AS created_at, "              \
  "messenger_sender_json(m.sender_type, m.sender_id)::text AS sender_json"

namespace messenger::persistence::queries::message_rows {

/// MESSENGER_MESSAGE_COLUMNS as a value.
inline constexpr const char* columns = MESSENGER_MESSAGE_COLUMNS;

/// A messages row: nullable ids are 0, nullable texts "", created_at in microseconds.
struct message_record {
  int64_t id = 0;
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t conversation_id = 0; ///< not among the message columns (0 when read)
  uint8_t message_type = 0;
  uint8_t content_type = 0;
  std::string content;
  std::string content_attributes = "{}";
  std::string additional_attributes = "{}";
  bool is_private = false;
  uint8_t status = 0;
  std::string source_id;
  std::string echo_id;
  std::string sender_type;
  int64_t sender_id = 0;
  int64_t created_at = 0;
  /// messenger_sender_json(...) as text (empty when not selected or the sender is gone).
  std::string sender_json;
};

/// One row selected with MESSENGER_MESSAGE_COLUMNS.
message_record read_message(const row_view& r);

/// Every row of a result selected with MESSENGER_MESSAGE_COLUMNS, in order.
std::vector<message_record> read_messages(const result_set& rs);

} // namespace messenger::persistence::queries::message_rows
