#pragma once

#include "domain/records.hpp"
#include "persistence/queries/row.hpp"

#include <optional>

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

/// A messages row as MESSENGER_MESSAGE_COLUMNS select it: the message (domain/records.hpp:
/// nullable ids 0, nullable texts "", created_at in microseconds) with its sender's push data.
struct message_record : domain::message_row {
  /// messenger_sender_json of the sender; nullopt when null or empty.
  std::optional<json_doc> sender;
  /// The conversation's display id, for the queries that select it (0 otherwise).
  int64_t display_id = 0;
};

/// One row selected with MESSENGER_MESSAGE_COLUMNS.
message_record read_message(const row_view& r);

/// Every row of a result selected with MESSENGER_MESSAGE_COLUMNS, in order.
std::vector<message_record> read_messages(const result_set& rs);

} // namespace messenger::persistence::queries::message_rows
