#pragma once

#include "persistence/queries/row.hpp"

/// An account's labels, rendered as Chatwoot's label JSON (json_docs / json_doc_of).
namespace messenger::persistence::queries::labels {

/// Every label of the account, by title.
statement list(int64_t account_id);
statement show(int64_t account_id, int64_t label_id);

/// POST/PATCH attributes; a PATCH changes only the given ones. Titles are stored
/// lower-cased.
struct label_fields {
  int64_t account_id = 0;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> color;
  std::optional<bool> show_on_sidebar;
};
statement create(const label_fields& label);
/// No row when the account has no such label.
statement update(const label_fields& label, int64_t label_id);
/// Returns the id; no row when the account has no such label.
statement remove(int64_t account_id, int64_t label_id);

} // namespace messenger::persistence::queries::labels
