#pragma once

#include "persistence/queries/row.hpp"

/// The Application API's account (GET/PATCH /api/v1/accounts/:id), rendered as Chatwoot's
/// account JSON by SQL (read with json_doc_of).
namespace messenger::persistence::queries::accounts {

statement show(int64_t account_id);

/// PATCH: only the given attributes change.
struct account_update {
  int64_t account_id = 0;
  std::optional<std::string> name;
  std::optional<std::string> domain;
  std::optional<std::string> support_email;
  std::optional<int64_t> auto_resolve_after;
};
statement update(const account_update& change);

} // namespace messenger::persistence::queries::accounts
