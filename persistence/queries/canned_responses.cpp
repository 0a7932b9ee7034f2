#include "persistence/queries/canned_responses.hpp"

namespace messenger::persistence::queries::canned_responses {

namespace {

#define CANNED_JSON                                                                                \
  "jsonb_build_object('id', r.id, 'account_id', r.account_id, 'short_code', r.short_code, "        \
  "'content', r.content, 'created_at', r.created_at, 'updated_at', r.updated_at)::text AS j"

} // namespace

statement list(int64_t account_id, const std::optional<std::string>& search) {
  return statement_of("SELECT " CANNED_JSON " FROM canned_responses r WHERE r.account_id = "
                      "$1 AND ($2::text IS NULL OR r.short_code ILIKE '%' || $2 || '%' OR "
                      "r.content ILIKE '%' || $2 || '%') ORDER BY ($2::text IS NOT NULL AND "
                      "r.short_code ILIKE $2 || '%') DESC, r.id",
                      account_id, search);
}

statement create(int64_t account_id, const std::string& short_code, const std::string& content) {
  return statement_of(
    "WITH r AS (INSERT INTO canned_responses (account_id, short_code, "
    "content, created_at, updated_at) SELECT $1, $2::text, $3::text, now() AT TIME "
    "ZONE 'utc', now() AT TIME ZONE 'utc' WHERE NOT EXISTS (SELECT 1 FROM "
    "canned_responses WHERE account_id = $1 AND short_code = $2::text) "
    "RETURNING *) SELECT " CANNED_JSON ", false AS taken FROM r UNION ALL "
    "SELECT NULL, true WHERE NOT EXISTS (SELECT 1 FROM r)",
    account_id, short_code, content);
}

statement update(int64_t account_id, int64_t canned_id,
                 const std::optional<std::string>& short_code,
                 const std::optional<std::string>& content) {
  return statement_of("WITH r AS (UPDATE canned_responses SET short_code = coalesce($2::text, "
                      "short_code), content = coalesce($3::text, content), updated_at = now() AT "
                      "TIME ZONE 'utc' WHERE account_id = $1 AND id = $4 RETURNING *) "
                      "SELECT " CANNED_JSON ", false AS taken FROM r",
                      account_id, short_code, content, canned_id);
}

statement remove(int64_t account_id, int64_t canned_id) {
  return statement_of("DELETE FROM canned_responses WHERE account_id = $1 AND id = $2 RETURNING id",
                      account_id, canned_id);
}

saved read_saved(const result_set& rs) {
  saved out;
  if (auto row = first_row(rs, [](const row_view& r) { return r.boolean("taken"); }))
    out.short_code_taken = *row;
  if (!out.short_code_taken)
    out.doc = json_doc_of(rs);
  return out;
}

} // namespace messenger::persistence::queries::canned_responses
