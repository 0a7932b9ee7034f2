#include "domain/last_seen.hpp"

namespace messenger::domain {

namespace {

constexpr auto throttle = std::chrono::hours{1};

bool has_messages_after(const conversation& conv, const opt_time& seen) {
  return conv.last_message_at && (!seen || *conv.last_message_at > *seen);
}

bool stale(const opt_time& seen, timestamp now) {
  return !seen || *seen < now - throttle;
}

} // namespace

last_seen_update agent_seen(conversation& conv, int64_t caller_user_id, timestamp now) {
  last_seen_update out;
  bool assignee = conv.assignee_id && *conv.assignee_id == caller_user_id;
  if (assignee && has_messages_after(conv, conv.assignee_last_seen_at)) {
    out.agent_changed = out.assignee_changed = true;
  } else if (!assignee && has_messages_after(conv, conv.agent_last_seen_at)) {
    out.agent_changed = true;
  } else if (stale(conv.agent_last_seen_at, now)
             || (assignee && stale(conv.assignee_last_seen_at, now))) {
    out.agent_changed = true;
    out.assignee_changed = assignee;
  }
  if (out.agent_changed)
    conv.agent_last_seen_at = now;
  if (out.assignee_changed)
    conv.assignee_last_seen_at = now;
  return out;
}

void mark_unread(conversation& conv) {
  if (conv.recent_incoming.empty()) {
    conv.agent_last_seen_at.reset();
    conv.assignee_last_seen_at.reset();
    return;
  }
  auto t = conv.recent_incoming.back() - std::chrono::seconds{1};
  conv.agent_last_seen_at = t;
  conv.assignee_last_seen_at = t;
}

bool contact_seen(conversation& conv, timestamp now) {
  conv.contact_last_seen_at = now;
  return true;
}

} // namespace messenger::domain
