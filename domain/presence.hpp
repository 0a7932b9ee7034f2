#pragma once

#include "domain/types.hpp"

#include <cstdint>

namespace messenger::domain {

/// An agent's presence in one account (§10, CONTRACT.md "Presence and eligibility").
struct agent_presence {
  availability configured = availability::online; ///< account_users.availability
  bool auto_offline = true;
  opt_time last_ping;
  uint32_t connections = 0; ///< live /cable subscriptions

  /// A live subscription, or a ping within `fresh_for`.
  bool present(timestamp now, duration fresh_for) const;
  /// auto_offline=false: the configured availability; else present ? configured : offline.
  availability status(timestamp now, duration fresh_for) const;
  /// Eligible for auto-assignment: status exactly `online`.
  bool eligible(timestamp now, duration fresh_for) const;
  /// When a present-by-ping agent stops being present (nullopt when not by ping alone).
  opt_time expires_at(duration fresh_for) const;
};

} // namespace messenger::domain
