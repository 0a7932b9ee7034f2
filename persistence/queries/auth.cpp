#include "persistence/queries/auth.hpp"

namespace messenger::persistence::queries::auth {

statement account_user(const std::string& token_digest, int64_t account_id) {
  return statement_of(
    "SELECT u.id, u.name, a.id AS account_id, coalesce(a.status, 0) AS account_status, "
    "au.role FROM access_tokens t JOIN users u ON u.id = t.owner_id "
    "LEFT JOIN accounts a ON a.id = $2 "
    "LEFT JOIN account_users au ON au.user_id = u.id AND au.account_id = $2 "
    "WHERE t.owner_type = 'User' AND t.token_digest = $1",
    token_digest, account_id);
}

std::optional<account_user_row> read_account_user(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    account_user_row row;
    row.user_id = r.int64("id");
    row.name = r.text("name");
    row.account_exists = !r.is_null("account_id");
    row.account_suspended = r.int64("account_status") == 1;
    row.role = r.opt_int64("role");
    return row;
  });
}

} // namespace messenger::persistence::queries::auth
