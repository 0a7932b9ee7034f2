#include "persistence/queries/message_rows.hpp"

namespace messenger::persistence::queries::message_rows {

message_record read_message(const row_view& r) {
  message_record m;
  m.id = r.int64("id");
  m.content = r.text("content");
  m.account_id = r.int64("account_id");
  m.inbox_id = r.int64("inbox_id");
  m.message_type = static_cast<uint8_t>(r.int64("message_type"));
  m.content_type = static_cast<uint8_t>(r.int64("content_type"));
  m.content_attributes = r.text("content_attributes");
  m.additional_attributes = r.text("additional_attributes");
  m.is_private = r.boolean("private");
  m.status = static_cast<uint8_t>(r.int64("status"));
  m.source_id = r.text("source_id");
  m.echo_id = r.text("echo_id");
  m.sender_type = r.text("sender_type");
  m.sender_id = r.int64("sender_id");
  m.created_at = r.int64("created_at");
  if (auto sender = r.opt_text("sender_json"); sender && !sender->empty())
    m.sender = json_doc{std::move(*sender)};
  return m;
}

std::vector<message_record> read_messages(const result_set& rs) {
  return map_rows(rs, read_message);
}

} // namespace messenger::persistence::queries::message_rows
