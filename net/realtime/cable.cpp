#include "net/realtime.hpp"
#include "net/realtime/presence.hpp"
#include "persistence/queries/realtime.hpp"

#include <memory>
#include <string>
#include <utility>

namespace messenger::net {

namespace {

namespace rt = domain::realtime;
namespace queries = persistence::queries::realtime;

/// One subscribe command on one connection: its answers (confirm, reject) go back to it.
struct subscribe_request {
  std::shared_ptr<cable_hub> hub;
  std::weak_ptr<cable_connection> weak;
  const cable_connection* key = nullptr;
  std::string identifier;

  void reject() const {
    if (auto conn = weak.lock())
      conn->send(rt::reject_frame(identifier));
  }

  void confirm(rt::subscriber who) const {
    auto conn = weak.lock();
    if (!conn)
      return;
    hub->add({weak, key, identifier, std::move(who), {}});
    conn->send(rt::confirm_frame(identifier));
  }

  /// The error side of a query: reject unless the answer was handed on.
  std::function<void(http_response)> reject_on_error() const {
    return [self = *this](http_response res) {
      if (res.status != 0)
        self.reject();
    };
  }
};

/// An agent: the user with this pubsub_token and id, member of the account.
void subscribe_agent(const api::context& ctx, const subscribe_request& sub,
                     const rt::room_params& room) {
  api::query(
    ctx, queries::agent_subscriber(room.pubsub_token, room.user_id, room.account_id),
    [ctx, sub, room](persistence::result_set& rs) {
      auto row = queries::read_agent_subscriber(rs);
      if (!row) {
        sub.reject();
        return api::deferred();
      }
      rt::subscriber who;
      who.account_id = room.account_id;
      who.user_id = room.user_id;
      who.administrator = row->administrator;
      who.inboxes = row->inboxes;
      sub.confirm(who);
      // Subscribing counts as presence (BEHAVIOUR.md §10); the subscriber then gets the
      // account's presence.
      refresh_presence(ctx, sub.hub, room.user_id, room.account_id, sub.weak, sub.identifier);
      return api::deferred();
    },
    sub.reject_on_error());
}

/// A contact: the contact inbox with this pubsub_token.
void subscribe_contact(const api::context& ctx, const subscribe_request& sub,
                       const rt::room_params& room) {
  api::query(
    ctx, queries::contact_subscriber(room.pubsub_token),
    [sub](persistence::result_set& rs) {
      auto row = queries::read_contact_subscriber(rs);
      if (!row) {
        sub.reject();
        return api::deferred();
      }
      rt::subscriber who;
      who.agent = false;
      who.account_id = row->account_id;
      who.contact_inbox_id = row->contact_inbox_id;
      who.contact_id = row->contact_id;
      who.hmac_verified = row->hmac_verified;
      sub.confirm(who);
      return api::deferred();
    },
    sub.reject_on_error());
}

/// One client frame: subscribe, unsubscribe or perform('update_presence').
void on_frame(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
              const std::shared_ptr<cable_connection>& c, const std::string& text) {
  auto cmd = rt::parse_command(text);
  if (!cmd)
    return; // ActionCable ignores what it does not understand
  if (cmd->command == "unsubscribe") {
    hub->remove(c.get(), cmd->identifier);
    return;
  }
  auto room = rt::parse_room(cmd->identifier);
  if (cmd->command == "message") {
    // perform('update_presence'): refresh the agent's presence (operator actor).
    if (cmd->action == "update_presence" && room && room->user_id != 0)
      refresh_presence(ctx, hub, room->user_id, room->account_id, c, cmd->identifier);
    return;
  }
  subscribe_request sub{hub, c, c.get(), cmd->identifier};
  if (!room || room->channel != "RoomChannel")
    return sub.reject();
  if (room->user_id != 0)
    return subscribe_agent(ctx, sub, *room);
  subscribe_contact(ctx, sub, *room);
}

} // namespace

std::shared_ptr<cable_handler> make_cable_handler(const api::context& ctx,
                                                  std::shared_ptr<cable_hub> hub) {
  auto cable = std::make_shared<cable_handler>();
  cable->opened = [](const std::shared_ptr<cable_connection>& c) { c->send(rt::welcome_frame()); };
  cable->closed = [hub](const cable_connection* c) { hub->remove_all(c); };
  cable->frame = [ctx, hub](const std::shared_ptr<cable_connection>& c, const std::string& text) {
    on_frame(ctx, hub, c, text);
  };
  return cable;
}

} // namespace messenger::net
