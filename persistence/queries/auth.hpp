#pragma once

#include "persistence/queries/row.hpp"

namespace messenger::persistence::queries::auth {

/// The user an access token belongs to, and their place in one account.
struct account_user_row {
  int64_t user_id = 0;
  std::string name;
  bool account_exists = false;
  bool account_suspended = false;
  /// Chatwoot's account_users.role (0 agent, 1 administrator); nullopt: not a member.
  std::optional<int64_t> role;
};

statement account_user(const std::string& token_digest, int64_t account_id);
/// nullopt when no user holds the token.
std::optional<account_user_row> read_account_user(const result_set& rs);

} // namespace messenger::persistence::queries::auth
