#include "net/realtime.hpp"

#include "common/log.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace messenger::net {

namespace {

using json = nlohmann::json;
namespace rt = domain::realtime;
constexpr auto timeout = std::chrono::seconds{30};

/// presence.update to one subscriber (BEHAVIOUR.md §12): the account's agents and their
/// availability as PostgreSQL has it (the operator actors own presence; their in-memory
/// "present" bit is not collected here).
void send_presence(const api::context& ctx, std::weak_ptr<cable_connection> weak,
                   std::string identifier, int64_t account_id) {
  api::query(
    ctx,
    persistence::make_statement(
      "SELECT coalesce(json_object_agg(user_id::text, CASE availability WHEN 0 THEN 'online' "
      "WHEN 2 THEN 'busy' ELSE 'offline' END), '{}')::text AS users FROM account_users WHERE "
      "account_id = $1",
      {std::to_string(account_id)}),
    [weak, identifier, account_id](persistence::result_set& rs) {
      if (auto conn = weak.lock()) {
        json data = {{"account_id", account_id},
                     {"users", json::parse(rs.field(0, "users").text, nullptr, false)},
                     {"contacts", json::object()}};
        conn->send(rt::message_frame(identifier, "presence.update", data.dump()));
      }
      return api::deferred();
    },
    [](http_response) {});
}

} // namespace

void cable_hub::add(subscription sub) {
  std::lock_guard<std::mutex> guard{mutex_};
  // A repeated subscribe of the same identifier replaces the earlier one.
  std::erase_if(subs_, [&](const subscription& s) {
    return s.key == sub.key && s.identifier == sub.identifier;
  });
  subs_.push_back(std::move(sub));
}

void cable_hub::remove(const cable_connection* connection, const std::string& identifier) {
  std::lock_guard<std::mutex> guard{mutex_};
  std::erase_if(subs_, [&](const subscription& s) {
    return s.key == connection && s.identifier == identifier;
  });
}

void cable_hub::remove_all(const cable_connection* connection) {
  std::lock_guard<std::mutex> guard{mutex_};
  std::erase_if(subs_, [&](const subscription& s) { return s.key == connection; });
}

size_t cable_hub::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return subs_.size();
}

rt::event_facts facts_of(const actors::domain_event& ev) {
  rt::event_facts f;
  f.name = ev.name;
  f.account_id = ev.account_id;
  f.inbox_id = ev.inbox_id;
  f.contact_id = ev.contact_id;
  f.contact_inbox_id = ev.contact_inbox_id;
  f.actor_type = ev.by.type;
  f.actor_id = ev.by.id;
  if (ev.name == "message.created" || ev.name == "message.updated") {
    auto data = json::parse(ev.data, nullptr, false);
    if (data.is_object())
      f.private_or_activity = data.value("private", false) || data.value("message_type", 0) == 2;
  }
  return f;
}

void cable_hub::open_stream(const std::shared_ptr<sse_connection>& connection, rt::subscriber who,
                            std::optional<uint64_t> last_id) {
  std::lock_guard<std::mutex> guard{mutex_};
  std::string first;
  auto& buffer = buffers_.try_emplace(who.account_id, replay_capacity_).first->second;
  if (last_id) {
    auto missed = buffer.since(*last_id);
    if (!missed) {
      // Older than the window: the client must refetch; the stream continues from now.
      first = rt::sse_frame(buffer.last_id(), "resync", "{}");
    } else {
      for (const auto& ev : *missed)
        if (rt::delivers(ev.facts, who))
          first += rt::sse_frame(ev.id, ev.name, ev.data_json);
    }
  }
  streams_.push_back({connection, connection.get(), std::move(who)});
  connection->start(std::move(first));
}

void cable_hub::close_stream(const sse_connection* connection) {
  std::lock_guard<std::mutex> guard{mutex_};
  std::erase_if(streams_, [&](const stream& s) { return s.key == connection; });
}

size_t cable_hub::publish(const actors::domain_event& ev) {
  if (!rt::broadcast_event(ev.name))
    return 0;
  auto facts = facts_of(ev);
  // Chatwoot adds the account to every payload.
  auto data = json::parse(ev.data, nullptr, false);
  if (!data.is_object())
    return 0;
  data.erase("activity");
  data["account_id"] = ev.account_id;
  auto payload = data.dump();
  std::vector<std::pair<std::shared_ptr<cable_connection>, std::string>> out;
  std::vector<std::shared_ptr<sse_connection>> streams;
  std::string sse;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (const auto& s : subs_)
      if (rt::delivers(facts, s.who))
        if (auto c = s.connection.lock())
          out.emplace_back(std::move(c), rt::message_frame(s.identifier, ev.name, payload));
    // Numbered in the account's window whether or not a stream is open now: a client that
    // reconnects with Last-Event-ID gets it then.
    auto& buffer = buffers_.try_emplace(ev.account_id, replay_capacity_).first->second;
    auto id = buffer.append(ev.name, payload, facts);
    sse = rt::sse_frame(id, ev.name, payload);
    for (const auto& s : streams_)
      if (rt::delivers(facts, s.who))
        if (auto c = s.connection.lock())
          streams.push_back(std::move(c));
  }
  for (auto& [connection, frame] : out)
    connection->send(std::move(frame));
  for (auto& open : streams)
    open->send(sse);
  return out.size() + streams.size();
}

std::shared_ptr<cable_handler> make_cable_handler(const api::context& ctx,
                                                  std::shared_ptr<cable_hub> hub) {
  auto cable = std::make_shared<cable_handler>();
  cable->opened = [](const std::shared_ptr<cable_connection>& c) { c->send(rt::welcome_frame()); };
  cable->closed = [hub](const cable_connection* c) { hub->remove_all(c); };
  cable->frame = [ctx, hub](const std::shared_ptr<cable_connection>& c, const std::string& text) {
    auto cmd = rt::parse_command(text);
    if (!cmd)
      return; // ActionCable ignores what it does not understand
    std::weak_ptr<cable_connection> weak = c;
    const cable_connection* key = c.get();
    if (cmd->command == "unsubscribe") {
      hub->remove(key, cmd->identifier);
      return;
    }
    auto room = rt::parse_room(cmd->identifier);
    if (cmd->command == "message") {
      // perform('update_presence'): refresh the agent's presence (operator actor).
      if (cmd->action == "update_presence" && room && room->user_id != 0) {
        auto identifier = cmd->identifier;
        ask(
          *ctx.sys, ctx.registry, timeout,
          [ctx, account = room->account_id, weak, identifier](actors::operator_actor& op) {
            ask(
              *ctx.sys, op, timeout,
              [ctx, account, weak, identifier](actors::operator_view&) {
                send_presence(ctx, weak, identifier, account);
              },
              [](caf::error&) {}, actors::presence_atom_v, account);
          },
          [](caf::error&) {}, actors::operator_atom_v, room->user_id);
      }
      return;
    }
    auto identifier = cmd->identifier;
    auto reject = [weak, identifier] {
      if (auto conn = weak.lock())
        conn->send(rt::reject_frame(identifier));
    };
    if (!room || room->channel != "RoomChannel")
      return reject();
    auto confirm = [weak, hub, key, identifier](rt::subscriber who) {
      auto conn = weak.lock();
      if (!conn)
        return;
      hub->add({weak, key, identifier, who});
      conn->send(rt::confirm_frame(identifier));
    };
    if (room->user_id != 0) {
      // An agent: the user with this pubsub_token and id, member of the account.
      api::query(
        ctx,
        persistence::make_statement(
          "SELECT au.role, coalesce((SELECT string_agg(m.inbox_id::text, ',') FROM inbox_members "
          "m JOIN inboxes i ON i.id = m.inbox_id WHERE m.user_id = u.id AND i.account_id = $3), "
          "'') AS inboxes FROM users u JOIN account_users au ON au.user_id = u.id AND "
          "au.account_id = $3 WHERE u.pubsub_token = $1 AND u.id = $2",
          {room->pubsub_token, std::to_string(room->user_id), std::to_string(room->account_id)}),
        [ctx, room = *room, confirm, reject, weak, identifier](persistence::result_set& rs) {
          if (rs.rows.empty()) {
            reject();
            return api::deferred();
          }
          rt::subscriber who;
          who.account_id = room.account_id;
          who.user_id = room.user_id;
          who.administrator = rs.field(0, "role").text == "1";
          auto list = rs.field(0, "inboxes").text;
          for (size_t start = 0; start < list.size();) {
            auto end = list.find(',', start);
            if (end == std::string::npos)
              end = list.size();
            who.inboxes.push_back(std::stoll(list.substr(start, end - start)));
            start = end + 1;
          }
          confirm(who);
          // Subscribing counts as presence (BEHAVIOUR.md §10); the subscriber then gets the
          // account's presence.
          ask(
            *ctx.sys, ctx.registry, timeout,
            [ctx, account = room.account_id, weak, identifier](actors::operator_actor& op) {
              ask(
                *ctx.sys, op, timeout,
                [ctx, account, weak, identifier](actors::operator_view&) {
                  send_presence(ctx, weak, identifier, account);
                },
                [](caf::error&) {}, actors::presence_atom_v, account);
            },
            [](caf::error&) {}, actors::operator_atom_v, room.user_id);
          return api::deferred();
        },
        [reject](http_response res) {
          if (res.status != 0)
            reject();
        });
      return;
    }
    // A contact: the contact inbox with this pubsub_token.
    api::query(
      ctx,
      persistence::make_statement(
        "SELECT ci.id, ci.contact_id, coalesce(ci.hmac_verified, false) AS verified, i.account_id "
        "FROM contact_inboxes ci JOIN inboxes i ON i.id = ci.inbox_id WHERE ci.pubsub_token = $1",
        {room->pubsub_token}),
      [confirm, reject](persistence::result_set& rs) {
        if (rs.rows.empty()) {
          reject();
          return api::deferred();
        }
        rt::subscriber who;
        who.agent = false;
        who.account_id = std::stoll(rs.field(0, "account_id").text);
        who.contact_inbox_id = std::stoll(rs.field(0, "id").text);
        who.contact_id = std::stoll(rs.field(0, "contact_id").text);
        who.hmac_verified = rs.field(0, "verified").text == "t";
        confirm(who);
        return api::deferred();
      },
      [reject](http_response res) {
        if (res.status != 0)
          reject();
      });
  };
  return cable;
}

std::shared_ptr<sse_handler> make_sse_handler(const api::context& ctx,
                                              std::shared_ptr<cable_hub> hub) {
  auto sse = std::make_shared<sse_handler>();
  sse->closed = [hub](const sse_connection* c) { hub->close_stream(c); };
  sse->opened = [ctx, hub](const std::shared_ptr<sse_connection>& c, http_request req) {
    // The account from the path; the token from the header or ?api_access_token=.
    static const std::string prefix = "/api/v1/accounts/";
    req.params["account_id"] = req.path.substr(prefix.size(), req.path.rfind('/') - prefix.size());
    if (req.header("api_access_token").empty())
      if (auto it = req.query.find("api_access_token"); it != req.query.end())
        req.headers["api_access_token"] = it->second;
    std::optional<uint64_t> last_id;
    auto last = req.header("last-event-id");
    if (last.empty())
      if (auto it = req.query.find("last_event_id"); it != req.query.end())
        last = it->second;
    if (auto parsed = domain::parse_id(last))
      last_id = static_cast<uint64_t>(*parsed);
    std::weak_ptr<sse_connection> weak = c;
    responder respond = [weak](http_response res) {
      if (auto conn = weak.lock(); conn && res.status != 0)
        conn->reject(std::move(res));
    };
    api::with_account_user(ctx, req, respond, [ctx, hub, weak, last_id, respond](api::caller who) {
      api::query(
        ctx,
        persistence::make_statement(
          "SELECT coalesce(string_agg(m.inbox_id::text, ','), '') AS inboxes FROM inbox_members "
          "m JOIN inboxes i ON i.id = m.inbox_id WHERE m.user_id = $1 AND i.account_id = $2",
          {std::to_string(who.user_id), std::to_string(who.account_id)}),
        [hub, weak, last_id, who](persistence::result_set& rs) {
          auto conn = weak.lock();
          if (!conn)
            return api::deferred();
          rt::subscriber sub;
          sub.account_id = who.account_id;
          sub.user_id = who.user_id;
          sub.administrator = who.administrator;
          auto list = rs.field(0, "inboxes").text;
          for (size_t start = 0; start < list.size();) {
            auto end = list.find(',', start);
            if (end == std::string::npos)
              end = list.size();
            sub.inboxes.push_back(std::stoll(list.substr(start, end - start)));
            start = end + 1;
          }
          hub->open_stream(conn, std::move(sub), last_id);
          return api::deferred();
        },
        respond);
    });
  };
  return sse;
}

actors::listener_actor spawn_cable_listener(caf::actor_system& sys,
                                            std::shared_ptr<cable_hub> hub) {
  // (The hub travels as a spawn argument: CAF 0.17 needs at least one for function actors.)
  return sys.spawn(
    [](actors::listener_actor::pointer,
       std::shared_ptr<cable_hub> h) -> actors::listener_actor::behavior_type {
      return {
        [h](actors::event_atom, const actors::domain_event& ev) { h->publish(ev); },
      };
    },
    std::move(hub));
}

} // namespace messenger::net
