#include "persistence/queries/messages.hpp"

#include "persistence/queries/message_rows.hpp"

namespace messenger::persistence::queries::messages {

// The one message column list (message_rows.hpp), shared with the actors' store.
#define MESSAGE_COLUMNS MESSENGER_MESSAGE_COLUMNS

const char* const columns = MESSAGE_COLUMNS;

message_record read_message(const row_view& r) {
  auto m = message_rows::read_message(r);
  m.display_id = r.int64("display_id");
  return m;
}

std::vector<message_record> read_messages(const result_set& rs) {
  return map_rows(rs, read_message);
}

std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

statement page(int64_t conversation_id, std::optional<int64_t> before,
               std::optional<int64_t> after) {
  std::string limit = before && after ? "1000" : after ? "100" : "20";
  std::string order = after && !before ? "ASC" : "DESC";
  auto sql = "SELECT * FROM (SELECT " MESSAGE_COLUMNS " "
             "FROM messages m WHERE conversation_id = $1 AND ($2::bigint IS NULL OR id < $2) AND "
             "($3::bigint IS NULL OR id > $3) ORDER BY id "
             + order + " LIMIT " + limit + ") m ORDER BY id ASC";
  return statement_of(std::move(sql), conversation_id, before, after);
}

statement by_source_or_echo(int64_t inbox_id, const std::string& source_id,
                            const std::string& echo_id) {
  return statement_of(
    "SELECT " MESSAGE_COLUMNS ", "
    "(SELECT display_id FROM conversations c WHERE c.id = m.conversation_id) AS display_id "
    "FROM messages m WHERE inbox_id = $1 AND ((NULLIF($2, '') IS NOT NULL AND source_id = $2) "
    "OR (NULLIF($3, '') IS NOT NULL AND echo_id = $3)) ORDER BY id LIMIT 1",
    inbox_id, source_id, echo_id);
}

statement by_id(int64_t message_id) {
  return statement_of("SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.id = $1", message_id);
}

statement search(const search_request& request) {
  return planned_each_time(statement_of(
    "SELECT " MESSAGE_COLUMNS ", "
    "c.display_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE "
    "m.account_id = $1 AND m.content ILIKE $2 AND "
    "m.created_at >= (now() AT TIME ZONE 'utc') - interval '3 months' AND ($3 OR "
    "m.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $4)) ORDER BY "
    "m.created_at DESC LIMIT 15 OFFSET $5",
    request.account_id, like_pattern(request.text), request.administrator, request.user_id,
    (request.page - 1) * 15));
}

statement last_of(const std::vector<int64_t>& conversation_ids) {
  return statement_of("SELECT 'last' AS kind, x.id AS conv, lm.* FROM unnest($1::int[]) x(id) "
                      "CROSS JOIN LATERAL (SELECT " MESSAGE_COLUMNS
                      " FROM messages m WHERE m.conversation_id = x.id ORDER BY m.id DESC LIMIT 1) "
                      "lm UNION ALL SELECT 'non_activity', x.id, ln.* FROM unnest($1::int[]) x(id) "
                      "CROSS JOIN LATERAL (SELECT " MESSAGE_COLUMNS
                      " FROM messages m WHERE m.conversation_id = x.id AND m.message_type <> 2 "
                      "ORDER BY m.id DESC LIMIT 1) ln",
                      conversation_ids);
}

std::vector<last_message_row> read_last(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return last_message_row{r.text("kind") == "last", r.int64("conv"), read_message(r)};
  });
}

statement last_chat(int64_t conversation_id) {
  return statement_of("SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.conversation_id "
                      "= $1 AND m.message_type <> 2 AND NOT m.private ORDER BY m.id DESC LIMIT 1",
                      conversation_id);
}

#undef MESSAGE_COLUMNS

} // namespace messenger::persistence::queries::messages
