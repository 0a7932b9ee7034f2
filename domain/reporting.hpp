#pragma once

#include "domain/types.hpp"

#include <optional>
#include <string>

namespace messenger::domain {

/// One reporting_events row (§13). Values are seconds (float column).
struct reporting_event {
  std::string name;
  double value = 0;
  double value_in_business_hours = 0; ///< 0 unless the inbox has working hours (not yet)
  std::optional<int64_t> user_id;
  timestamp event_start_time{};
  timestamp event_end_time{};
};

double seconds_between(timestamp from, timestamp to);

/// first_response: message time − last non-human activity (the end of the latest
/// bot hand-off or conversation_opened event, else the conversation's creation).
reporting_event first_response(timestamp message_at, timestamp last_non_human_activity,
                               std::optional<int64_t> replying_agent);

/// reply_time: message time − waiting_since, user = the conversation's assignee.
reporting_event reply_time(timestamp message_at, timestamp waiting_since,
                           std::optional<int64_t> assignee);

/// conversation_resolved: event time − conversation created_at (whole age).
reporting_event conversation_resolved(timestamp now, timestamp created_at,
                                      std::optional<int64_t> assignee);

/// conversation_opened (on reopen only): time since the latest resolve that ended at or
/// before now, or 0 when it was never resolved (start = created_at then).
reporting_event conversation_opened(timestamp now, opt_time last_resolved_end, timestamp created_at,
                                    std::optional<int64_t> assignee);

} // namespace messenger::domain
