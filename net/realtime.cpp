#include "net/realtime.hpp"

#include "common/log.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/render.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <utility>

namespace messenger::net {

namespace {

using json = nlohmann::json;
namespace rt = domain::realtime;
constexpr auto timeout = std::chrono::seconds{30};

/// The account's presence (BEHAVIOUR.md §10, §12) as `presence.update` data: every agent of
/// the account with the status its operator actor last published, or — for agents whose
/// actor has published nothing on this node — what PostgreSQL implies without presence:
/// offline for auto_offline agents, their configured availability otherwise.
void with_presence(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
                   int64_t account_id, std::function<void(const std::string&)> done) {
  api::query(
    ctx,
    persistence::make_statement(
      "SELECT user_id, CASE WHEN auto_offline THEN 'offline' WHEN availability = 0 THEN "
      "'online' WHEN availability = 2 THEN 'busy' ELSE 'offline' END AS status FROM "
      "account_users WHERE account_id = $1",
      {std::to_string(account_id)}),
    [hub, account_id, done](persistence::result_set& rs) {
      auto published = hub->presence_of(account_id);
      json users = json::object();
      for (size_t i = 0; i < rs.rows.size(); ++i) {
        auto user = std::stoll(rs.field(i, "user_id").text);
        auto it = published.find(user);
        users[std::to_string(user)]
          = it != published.end() ? it->second : rs.field(i, "status").text;
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

/// presence.update to one subscriber, after its subscribe or `update_presence`.
void send_presence(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
                   std::weak_ptr<cable_connection> weak, std::string identifier,
                   int64_t account_id) {
  with_presence(ctx, hub, account_id, [weak, identifier](const std::string& data) {
    if (auto conn = weak.lock())
      conn->send(rt::message_frame(identifier, "presence.update", data));
  });
}

/// Refreshes the agent's presence in its operator actor, then answers with the account's.
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

} // namespace

void cable_hub::add(subscription sub) {
  sub.head = rt::message_frame_head(sub.identifier);
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

bool cable_hub::note_presence(int64_t account_id, int64_t user_id, std::string status) {
  std::lock_guard<std::mutex> guard{mutex_};
  presence_[account_id][user_id] = std::move(status);
  auto& pending = presence_pending_[account_id];
  return !std::exchange(pending, true);
}

void cable_hub::presence_flushed(int64_t account_id) {
  std::lock_guard<std::mutex> guard{mutex_};
  presence_pending_[account_id] = false;
}

std::unordered_map<int64_t, std::string> cable_hub::presence_of(int64_t account_id) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = presence_.find(account_id);
  return it == presence_.end() ? std::unordered_map<int64_t, std::string>{} : it->second;
}

size_t cable_hub::send_to_agents(int64_t account_id, const std::string& name,
                                 const std::string& data) {
  auto body = std::make_shared<const std::string>(rt::message_frame_body(name, data));
  std::vector<std::pair<std::shared_ptr<cable_connection>, std::string>> out;
  std::vector<std::shared_ptr<sse_connection>> streams;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (const auto& s : subs_)
      if (s.who.agent && s.who.account_id == account_id)
        if (auto c = s.connection.lock())
          out.emplace_back(std::move(c), s.head);
    for (const auto& s : streams_)
      if (s.who.agent && s.who.account_id == account_id)
        if (auto c = s.connection.lock())
          streams.push_back(std::move(c));
  }
  // Unnumbered: presence is a snapshot, not part of the replayable history.
  auto sse = "event: " + name + "\ndata: " + data + "\n\n";
  for (auto& [connection, head] : out)
    connection->send(std::move(head), body);
  for (auto& open : streams)
    open->send(sse);
  return out.size() + streams.size();
}

std::vector<int64_t> cable_hub::online_contacts(int64_t account_id) const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<int64_t> out;
  for (const auto& s : subs_)
    if (!s.who.agent && s.who.account_id == account_id
        && std::find(out.begin(), out.end(), s.who.contact_id) == out.end())
      out.push_back(s.who.contact_id);
  return out;
}

size_t cable_hub::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return subs_.size();
}

rt::event_facts facts_of(const actors::domain_event& ev, const json& data) {
  rt::event_facts f;
  f.name = ev.name;
  f.account_id = ev.account_id;
  f.inbox_id = ev.inbox_id;
  f.contact_id = ev.contact_id;
  f.contact_inbox_id = ev.contact_inbox_id;
  f.actor_type = ev.by.type;
  f.actor_id = ev.by.id;
  if ((ev.name == "message.created" || ev.name == "message.updated") && data.is_object()) {
    auto is_private = data.find("private");
    auto type = data.find("message_type");
    f.private_or_activity
      = (is_private != data.end() && is_private->is_boolean() && is_private->get<bool>())
        || (type != data.end() && type->is_number_integer() && type->get<int>() == 2);
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

size_t cable_hub::publish(const actors::domain_event& ev, json data) {
  if (!rt::broadcast_event(ev.name))
    return 0;
  auto facts = facts_of(ev, data);
  // Chatwoot adds the account to every payload.
  data.erase("activity");
  data["account_id"] = ev.account_id;
  auto payload = data.dump();
  auto body = std::make_shared<const std::string>(rt::message_frame_body(ev.name, payload));
  std::vector<std::pair<std::shared_ptr<cable_connection>, std::string>> out;
  std::vector<std::shared_ptr<sse_connection>> streams;
  std::string sse;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (const auto& s : subs_)
      if (rt::delivers(facts, s.who))
        if (auto c = s.connection.lock())
          out.emplace_back(std::move(c), s.head);
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
  for (auto& [connection, head] : out)
    connection->send(std::move(head), body);
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
      if (cmd->action == "update_presence" && room && room->user_id != 0)
        refresh_presence(ctx, hub, room->user_id, room->account_id, weak, cmd->identifier);
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
      hub->add({weak, key, identifier, who, {}});
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
        [ctx, hub, room = *room, confirm, reject, weak, identifier](persistence::result_set& rs) {
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
          refresh_presence(ctx, hub, room.user_id, room.account_id, weak, identifier);
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

namespace {

using steady = std::chrono::steady_clock;

/// How long looked-up push data (senders, assignees, teams, contact inboxes, channels) is
/// reused; contact events and presence changes drop their entries at once.
constexpr auto push_cache_ttl = std::chrono::seconds{60};
constexpr size_t push_cache_entries = 100000;

enum class push_kind { plain, message, conversation, typing };

push_kind kind_of(const std::string& name) {
  if (name == "message.created" || name == "message.updated" || name == "first.reply.created")
    return push_kind::message;
  if (name == "conversation.typing_on" || name == "conversation.typing_off")
    return push_kind::typing;
  if (name.starts_with("contact."))
    return push_kind::plain;
  return push_kind::conversation; // conversation.*, assignee.changed, team.changed
}

int64_t id_in(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string key_of(const std::string& kind, int64_t id) {
  return kind + ":" + std::to_string(id);
}

/// One event on its way to the hub while the rest of its push data is read.
struct pending_push {
  actors::domain_event ev;
  json data;
  push_kind kind = push_kind::plain;
  std::unordered_map<std::string, json> found;
  json last_message; ///< the conversation's last chat message (conversation data)
  int outstanding = 0;
};

struct listener_state {
  api::context ctx;
  std::shared_ptr<cable_hub> hub;
  std::chrono::milliseconds presence_delay{};
  std::unordered_map<std::string, std::pair<json, steady::time_point>> cache;
  /// Per conversation, events in publish order: one waiting for a read holds back the later
  /// ones of its conversation, never those of others.
  std::unordered_map<int64_t, std::deque<std::shared_ptr<pending_push>>> queues;
};

/// The keys a conversation's push data needs (meta.sender, meta.assignee, meta.team,
/// contact_inbox, channel).
void conversation_keys(const json& c, const actors::domain_event& ev,
                       std::vector<std::string>& keys) {
  if (ev.contact_id != 0)
    keys.push_back(key_of("Contact", ev.contact_id));
  if (auto assignee = id_in(c, "assignee_id"))
    keys.push_back(key_of("User", assignee));
  if (auto team = id_in(c, "team_id"))
    keys.push_back(key_of("Team", team));
  if (ev.contact_inbox_id != 0)
    keys.push_back(key_of("ContactInbox", ev.contact_inbox_id));
  if (ev.inbox_id != 0)
    keys.push_back(key_of("Inbox", ev.inbox_id));
}

std::vector<std::string> keys_of(const pending_push& p) {
  std::vector<std::string> keys;
  const auto& d = p.data;
  if (p.ev.by.type == "User" && p.ev.by.id != 0)
    keys.push_back(key_of("User", p.ev.by.id)); // `performer`
  switch (p.kind) {
    case push_kind::message: {
      auto type = d.find("sender_type");
      if (type != d.end() && type->is_string() && id_in(d, "sender_id") != 0)
        keys.push_back(key_of(type->get<std::string>(), id_in(d, "sender_id")));
      if (p.ev.contact_inbox_id != 0)
        keys.push_back(key_of("ContactInbox", p.ev.contact_inbox_id));
      break;
    }
    case push_kind::conversation:
      conversation_keys(d, p.ev, keys);
      break;
    case push_kind::typing:
      if (d.contains("conversation"))
        conversation_keys(d["conversation"], p.ev, keys);
      if (p.ev.by.id != 0 && (p.ev.by.type == "User" || p.ev.by.type == "Contact"))
        keys.push_back(key_of(p.ev.by.type, p.ev.by.id));
      break;
    case push_kind::plain:
      break;
  }
  return keys;
}

/// Reads push data for `keys` (kind:id) in one statement.
persistence::statement lookup_statement(const std::vector<std::string>& keys) {
  std::string kinds = "{";
  std::string ids = "{";
  for (const auto& key : keys) {
    auto colon = key.find(':');
    if (kinds.size() > 1) {
      kinds += ',';
      ids += ',';
    }
    kinds += key.substr(0, colon);
    ids += key.substr(colon + 1);
  }
  kinds += '}';
  ids += '}';
  return persistence::make_statement(
    "SELECT k.kind, k.id, CASE k.kind WHEN 'User' THEN messenger_sender_json('User', k.id)::text "
    "WHEN 'Contact' THEN messenger_sender_json('Contact', k.id)::text "
    "WHEN 'Team' THEN (SELECT jsonb_build_object('id', t.id, 'name', t.name)::text FROM teams t "
    "WHERE t.id = k.id) "
    "WHEN 'ContactInbox' THEN (SELECT jsonb_build_object('id', ci.id, 'contact_id', "
    "ci.contact_id, 'inbox_id', ci.inbox_id, 'source_id', ci.source_id, 'hmac_verified', "
    "coalesce(ci.hmac_verified, false), 'pubsub_token', ci.pubsub_token, 'created_at', "
    "ci.created_at, 'updated_at', ci.updated_at)::text FROM contact_inboxes ci WHERE ci.id = "
    "k.id) "
    "WHEN 'Inbox' THEN (SELECT to_jsonb(i.channel_type)::text FROM inboxes i WHERE i.id = k.id) "
    "END AS body FROM unnest($1::text[], $2::bigint[]) AS k(kind, id)",
    {kinds, ids});
}

json found_or_null(const pending_push& p, const std::string& key) {
  auto it = p.found.find(key);
  return it == p.found.end() ? json(nullptr) : it->second;
}

/// Completes a conversation JSON (the actor's) to Conversation#push_event_data.
void complete_conversation(json& c, const pending_push& p) {
  const auto& ev = p.ev;
  auto contact_inbox = found_or_null(p, key_of("ContactInbox", ev.contact_inbox_id));
  auto assignee = id_in(c, "assignee_id");
  auto team = id_in(c, "team_id");
  c["meta"]
    = {{"sender", found_or_null(p, key_of("Contact", ev.contact_id))},
       {"assignee", assignee != 0 ? found_or_null(p, key_of("User", assignee)) : json(nullptr)},
       {"team", team != 0 ? found_or_null(p, key_of("Team", team)) : json(nullptr)},
       {"hmac_verified",
        contact_inbox.is_object() ? contact_inbox.value("hmac_verified", false) : false}};
  c["contact_inbox"] = contact_inbox;
  c["channel"] = found_or_null(p, key_of("Inbox", ev.inbox_id));
  c["can_reply"] = true;
  c["messages"] = p.last_message.is_object() ? json::array({p.last_message}) : json::array();
  c["updated_at"] = static_cast<double>(ev.at) / 1e6;
}

/// The event's data completed to Chatwoot's push_event_data shapes, with the acting agent as
/// `performer` (Current.user: null when a contact or the system acted).
void complete(pending_push& p) {
  auto& d = p.data;
  d["performer"]
    = p.ev.by.type == "User" ? found_or_null(p, key_of("User", p.ev.by.id)) : json(nullptr);
  switch (p.kind) {
    case push_kind::message: {
      auto type = d.find("sender_type");
      if (type != d.end() && type->is_string() && id_in(d, "sender_id") != 0)
        d["sender"] = found_or_null(p, key_of(type->get<std::string>(), id_in(d, "sender_id")));
      auto ci = found_or_null(p, key_of("ContactInbox", p.ev.contact_inbox_id));
      if (!d.contains("conversation") || !d["conversation"].is_object())
        d["conversation"] = json::object();
      d["conversation"]["contact_inbox"]
        = {{"source_id", ci.is_object() ? ci.value("source_id", json(nullptr)) : json(nullptr)}};
      break;
    }
    case push_kind::conversation:
      complete_conversation(d, p);
      break;
    case push_kind::typing:
      if (d.contains("conversation") && d["conversation"].is_object())
        complete_conversation(d["conversation"], p);
      d["user"] = found_or_null(p, key_of(p.ev.by.type, p.ev.by.id));
      break;
    case push_kind::plain:
      break;
  }
}

using listener_pointer = actors::listener_actor::pointer;

/// Publishes the conversation's events whose push data is complete, in order.
void drain(const std::shared_ptr<listener_state>& st, int64_t conversation_id) {
  auto it = st->queues.find(conversation_id);
  if (it == st->queues.end())
    return;
  auto& queue = it->second;
  while (!queue.empty() && queue.front()->outstanding == 0) {
    auto& p = *queue.front();
    complete(p);
    st->hub->publish(p.ev, std::move(p.data));
    queue.pop_front();
  }
  if (queue.empty())
    st->queues.erase(it);
}

void push(listener_pointer self, const std::shared_ptr<listener_state>& st,
          const actors::domain_event& ev) {
  if (!rt::broadcast_event(ev.name))
    return;
  auto p = std::make_shared<pending_push>();
  p->ev = ev;
  p->data = json::parse(ev.data, nullptr, false);
  if (!p->data.is_object())
    return;
  p->kind = kind_of(ev.name);
  if (p->kind == push_kind::plain) // contact events: cached sender data is stale
    st->cache.erase(key_of("Contact", id_in(p->data, "id")));
  auto now = steady::now();
  std::vector<std::string> missing;
  for (auto& key : keys_of(*p)) {
    auto hit = st->cache.find(key);
    if (hit != st->cache.end() && hit->second.second > now)
      p->found[key] = hit->second.first;
    else if (std::find(missing.begin(), missing.end(), key) == missing.end())
      missing.push_back(std::move(key));
  }
  auto conversation = ev.conversation_id;
  st->queues[conversation].push_back(p);
  auto done = [self, st, p, conversation] {
    if (--p->outstanding == 0)
      drain(st, conversation);
  };
  if (!missing.empty()) {
    ++p->outstanding;
    self->request(st->ctx.reader, timeout, actors::query_atom_v, lookup_statement(missing))
      .then(
        [st, p, missing, done](persistence::result_set& rs) {
          if (st->cache.size() > push_cache_entries)
            st->cache.clear();
          auto until = steady::now() + push_cache_ttl;
          for (const auto& key : missing)
            p->found[key] = nullptr;
          for (size_t i = 0; i < rs.rows.size(); ++i) {
            auto key = rs.field(i, "kind").text + ":" + rs.field(i, "id").text;
            const auto& body = rs.field(i, "body");
            auto value = body.is_null ? json(nullptr) : json::parse(body.text, nullptr, false);
            if (value.is_discarded())
              value = nullptr;
            st->cache[key] = {value, until};
            p->found[key] = std::move(value);
          }
          done();
        },
        [done](caf::error&) { done(); });
  }
  if (p->kind == push_kind::conversation || p->kind == push_kind::typing) {
    // Conversation#push_event_data's `messages`: its last chat message (Message.chat: not
    // an activity, not private).
    ++p->outstanding;
    self
      ->request(st->ctx.reader, timeout, actors::query_atom_v,
                persistence::make_statement(
                  "SELECT " MESSENGER_MESSAGE_COLUMNS " FROM messages m WHERE m.conversation_id "
                  "= $1 AND m.message_type <> 2 AND NOT m.private ORDER BY m.id DESC LIMIT 1",
                  {std::to_string(ev.conversation_id)}))
      .then(
        [p, done](persistence::result_set& rs) {
          if (!rs.rows.empty())
            p->last_message = api::message_body(rs, 0, p->ev.display_id);
          done();
        },
        [done](caf::error&) { done(); });
  }
  if (p->outstanding == 0)
    drain(st, conversation);
}

} // namespace

actors::listener_actor spawn_cable_listener(const api::context& ctx, std::shared_ptr<cable_hub> hub,
                                            std::chrono::milliseconds presence_delay) {
  auto state = std::make_shared<listener_state>();
  state->ctx = ctx;
  state->hub = std::move(hub);
  state->presence_delay = presence_delay;
  // (The state travels as a spawn argument: CAF 0.17 needs at least one for function actors.)
  return ctx.sys->spawn(
    [](listener_pointer self,
       std::shared_ptr<listener_state> st) -> actors::listener_actor::behavior_type {
      return {
        [=](actors::event_atom, const actors::domain_event& ev) {
          if (ev.name == "presence.changed") {
            // Coalesced: many agents arriving at once cost one push per account.
            auto data = json::parse(ev.data, nullptr, false);
            if (!data.is_object())
              return;
            auto user = id_in(data, "user_id");
            st->cache.erase(key_of("User", user));
            if (st->hub->note_presence(ev.account_id, user,
                                       data.value("status", std::string{"offline"}))) {
              actors::domain_event flush;
              flush.name = "presence.flush";
              flush.account_id = ev.account_id;
              self->delayed_send(self, st->presence_delay, actors::event_atom_v, std::move(flush));
            }
            return;
          }
          if (ev.name == "presence.flush") {
            st->hub->presence_flushed(ev.account_id);
            with_presence(st->ctx, st->hub, ev.account_id,
                          [h = st->hub, account = ev.account_id](const std::string& d) {
                            h->send_to_agents(account, "presence.update", d);
                          });
            return;
          }
          push(self, st, ev);
        },
      };
    },
    std::move(state));
}

} // namespace messenger::net
