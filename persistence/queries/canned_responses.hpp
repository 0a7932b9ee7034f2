#pragma once

#include "persistence/queries/row.hpp"

/// An account's canned responses, rendered as Chatwoot's canned response JSON.
namespace messenger::persistence::queries::canned_responses {

/// The account's canned responses (json_docs); with a search, those whose short code or
/// content contains it, short codes starting with it first (Chatwoot's order).
statement list(int64_t account_id, const std::optional<std::string>& search);

/// Short codes are unique per account (Chatwoot validates it; no index backs it).
statement create(int64_t account_id, const std::string& short_code, const std::string& content);
/// A PATCH: only the given attributes change; no row when the account has no such one.
statement update(int64_t account_id, int64_t canned_id,
                 const std::optional<std::string>& short_code,
                 const std::optional<std::string>& content);
/// Returns the id; no row when the account has no such canned response.
statement remove(int64_t account_id, int64_t canned_id);

/// The outcome of create/update: the saved document, or the short code was taken.
struct saved {
  bool short_code_taken = false;
  std::optional<json_doc> doc; ///< nullopt: not found (update) or taken
};
saved read_saved(const result_set& rs);

} // namespace messenger::persistence::queries::canned_responses
