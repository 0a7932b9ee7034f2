#include "net/realtime/presence.hpp"

#include "domain/realtime.hpp"
#include "net/actor_bridge.hpp"
#include "persistence/queries/realtime.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

namespace messenger::net {

namespace {

using json = nlohmann::json;
namespace rt = domain::realtime;
namespace queries = persistence::queries::realtime;
constexpr auto timeout = std::chrono::seconds{30};

/// presence.update to one subscriber, after its subscribe or `update_presence`.
void send_presence(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
                   std::weak_ptr<cable_connection> weak, std::string identifier,
                   int64_t account_id) {
  with_presence(ctx, hub, account_id, [weak, identifier](const std::string& data) {
    if (auto conn = weak.lock())
      conn->send(rt::message_frame(identifier, "presence.update", data));
  });
}

} // namespace

void with_presence(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
                   int64_t account_id, std::function<void(const std::string&)> done) {
  api::query(
    ctx, queries::configured_presence(account_id),
    [hub, account_id, done](persistence::result_set& rs) {
      auto published = hub->presence_of(account_id);
      json users = json::object();
      for (const auto& row : queries::read_presence(rs)) {
        auto it = published.find(row.user_id);
        users[std::to_string(row.user_id)] = it != published.end() ? it->second : row.status;
      }
      json contacts = json::object();
      for (auto contact : hub->online_contacts(account_id))
        contacts[std::to_string(contact)] = "online";
      json data = {
        {"account_id", account_id}, {"users", std::move(users)}, {"contacts", std::move(contacts)}};
      done(data.dump());
      return api::deferred();
    },
    [](http_response) {});
}

void refresh_presence(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
                      int64_t user_id, int64_t account_id, std::weak_ptr<cable_connection> weak,
                      std::string identifier) {
  ask(
    *ctx.sys, ctx.registry, timeout,
    [ctx, hub, account_id, weak, identifier](actors::operator_actor& op) {
      ask(
        *ctx.sys, op, timeout,
        [ctx, hub, account_id, weak, identifier](actors::operator_view&) {
          send_presence(ctx, hub, weak, identifier, account_id);
        },
        [](caf::error&) {}, actors::presence_atom_v, account_id);
    },
    [](caf::error&) {}, actors::operator_atom_v, user_id);
}

} // namespace messenger::net
