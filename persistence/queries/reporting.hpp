#pragma once

#include "persistence/queries/row.hpp"

/// Reporting events, rendered as Chatwoot's reporting event JSON.
namespace messenger::persistence::queries::reporting {

/// GET /reporting_events filters; each one left out matches everything.
struct event_filter {
  int64_t account_id = 0;
  std::optional<int64_t> since; ///< unix seconds
  std::optional<int64_t> until; ///< unix seconds
  std::optional<int64_t> inbox_id;
  std::optional<int64_t> user_id;
  std::optional<std::string> name;
};

/// How many events match (read_count).
statement count(const event_filter& filter);
int64_t read_count(const result_set& rs);

constexpr int64_t page_size = 25;
/// One page (1-based) of the matching events (json_docs), newest first.
statement page(const event_filter& filter, int64_t page_number);

/// One conversation's events (by display id) as a JSON array, and whether the user may see
/// the conversation (an administrator, or a member of its inbox).
statement conversation_events(int64_t account_id, int64_t display_id, bool administrator,
                              int64_t user_id);
struct conversation_events_row {
  bool allowed = false;
  json_doc events;
};
/// nullopt when the account has no such conversation.
std::optional<conversation_events_row> read_conversation_events(const result_set& rs);

} // namespace messenger::persistence::queries::reporting
