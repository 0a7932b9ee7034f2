#include "domain/conversation.hpp"

namespace messenger::domain {

int unread_count(const conversation& conv) {
  int count = 0;
  for (auto t : conv.recent_incoming)
    if (!conv.agent_last_seen_at || t > *conv.agent_last_seen_at)
      ++count;
  return count > 10 ? 10 : count;
}

void remember_incoming(conversation& conv, timestamp created_at) {
  conv.recent_incoming.push_back(created_at);
  if (conv.recent_incoming.size() > 10)
    conv.recent_incoming.erase(conv.recent_incoming.begin());
}

} // namespace messenger::domain
