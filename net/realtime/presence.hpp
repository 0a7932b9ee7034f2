#pragma once

#include "net/api/context.hpp"
#include "net/realtime.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

/// Presence on the realtime edge (BEHAVIOUR.md §10, §12), shared by /cable and the push
/// listener.
namespace messenger::net {

/// The account's presence as `presence.update` data: every agent of the account with the
/// status its operator actor last published, or — for agents whose actor has published
/// nothing on this node — what PostgreSQL implies without presence: offline for
/// auto_offline agents, their configured availability otherwise; and the contacts with a
/// live /cable subscription.
void with_presence(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
                   int64_t account_id, std::function<void(const std::string&)> done);

/// Refreshes the agent's presence in its operator actor, then sends the account's presence
/// to the one subscription (`identifier` on the connection).
void refresh_presence(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
                      int64_t user_id, int64_t account_id, std::weak_ptr<cable_connection> weak,
                      std::string identifier);

} // namespace messenger::net
