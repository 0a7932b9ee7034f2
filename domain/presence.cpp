#include "domain/presence.hpp"

namespace messenger::domain {

bool agent_presence::present(timestamp now, duration fresh_for) const {
  return connections > 0 || (last_ping && *last_ping > now - fresh_for);
}

availability agent_presence::status(timestamp now, duration fresh_for) const {
  if (!auto_offline)
    return configured;
  return present(now, fresh_for) ? configured : availability::offline;
}

bool agent_presence::eligible(timestamp now, duration fresh_for) const {
  return status(now, fresh_for) == availability::online;
}

opt_time agent_presence::expires_at(duration fresh_for) const {
  if (connections > 0 || !last_ping || !auto_offline)
    return std::nullopt;
  return *last_ping + fresh_for;
}

} // namespace messenger::domain
