#include "domain/reporting.hpp"

namespace messenger::domain {

double seconds_between(timestamp from, timestamp to) {
  return std::chrono::duration<double>(to - from).count();
}

reporting_event first_response(timestamp message_at, timestamp last_non_human_activity,
                               std::optional<int64_t> replying_agent) {
  return {"first_response",
          seconds_between(last_non_human_activity, message_at),
          0,
          replying_agent,
          last_non_human_activity,
          message_at};
}

reporting_event reply_time(timestamp message_at, timestamp waiting_since,
                           std::optional<int64_t> assignee) {
  return {"reply_time", seconds_between(waiting_since, message_at), 0, assignee, waiting_since,
          message_at};
}

reporting_event conversation_resolved(timestamp now, timestamp created_at,
                                      std::optional<int64_t> assignee) {
  return {"conversation_resolved", seconds_between(created_at, now), 0, assignee, created_at, now};
}

reporting_event conversation_opened(timestamp now, opt_time last_resolved_end, timestamp created_at,
                                    std::optional<int64_t> assignee) {
  if (!last_resolved_end || *last_resolved_end > now)
    return {"conversation_opened", 0, 0, assignee, created_at, now};
  return {"conversation_opened",
          seconds_between(*last_resolved_end, now),
          0,
          assignee,
          *last_resolved_end,
          now};
}

} // namespace messenger::domain
