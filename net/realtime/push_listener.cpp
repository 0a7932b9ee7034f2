#include "net/api/render.hpp"
#include "net/realtime.hpp"
#include "net/realtime/presence.hpp"
#include "net/render/events.hpp"
#include "persistence/queries/messages.hpp"
#include "persistence/queries/realtime.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <utility>

namespace messenger::net {

namespace {

using json = nlohmann::json;
using steady = std::chrono::steady_clock;
namespace rt = domain::realtime;
namespace queries = persistence::queries::realtime;
using queries::push_key;
constexpr auto timeout = std::chrono::seconds{30};

/// How long looked-up push data (senders, assignees, teams, contact inboxes, channels) is
/// reused; contact events and presence changes drop their entries at once.
constexpr auto push_cache_ttl = std::chrono::seconds{60};
constexpr size_t push_cache_entries = 100000;

/// The cache key of a push key ("kind:id").
std::string key_of(const std::string& kind, int64_t id) {
  return kind + ":" + std::to_string(id);
}

std::string key_of(const push_key& key) {
  return key_of(key.kind, key.id);
}

/// One event on its way to the hub while the rest of its push data is read.
struct pending_push {
  actors::domain_event ev;
  json data; ///< render::event_data, completed by `complete`
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
void conversation_keys(const actors::domain_event& ev, std::vector<push_key>& keys) {
  if (ev.contact_id != 0)
    keys.push_back({"Contact", ev.contact_id});
  if (auto assignee = ev.conversation.assignee_id)
    keys.push_back({"User", assignee});
  if (auto team = ev.conversation.team_id)
    keys.push_back({"Team", team});
  if (ev.contact_inbox_id != 0)
    keys.push_back({"ContactInbox", ev.contact_inbox_id});
  if (ev.inbox_id != 0)
    keys.push_back({"Inbox", ev.inbox_id});
}

std::vector<push_key> keys_of(const pending_push& p) {
  std::vector<push_key> keys;
  const auto& ev = p.ev;
  if (ev.by.type == "User" && ev.by.id != 0)
    keys.push_back({"User", ev.by.id}); // `performer`
  switch (domain::payload_of(ev.kind)) {
    case domain::event_payload::message:
      if (!ev.message.sender_type.empty() && ev.message.sender_id != 0)
        keys.push_back({ev.message.sender_type, ev.message.sender_id});
      if (ev.contact_inbox_id != 0)
        keys.push_back({"ContactInbox", ev.contact_inbox_id});
      break;
    case domain::event_payload::conversation:
      conversation_keys(ev, keys);
      break;
    case domain::event_payload::typing:
      conversation_keys(ev, keys);
      if (ev.by.id != 0 && (ev.by.type == "User" || ev.by.type == "Contact"))
        keys.push_back({ev.by.type, ev.by.id});
      break;
    default:
      break;
  }
  return keys;
}

json found_or_null(const pending_push& p, const std::string& key) {
  auto it = p.found.find(key);
  return it == p.found.end() ? json(nullptr) : it->second;
}

/// Completes a conversation JSON (the actor's) to Conversation#push_event_data.
void complete_conversation(json& c, const pending_push& p) {
  const auto& ev = p.ev;
  auto contact_inbox = found_or_null(p, key_of("ContactInbox", ev.contact_inbox_id));
  auto assignee = ev.conversation.assignee_id;
  auto team = ev.conversation.team_id;
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
  const auto& ev = p.ev;
  d["performer"]
    = ev.by.type == "User" ? found_or_null(p, key_of("User", ev.by.id)) : json(nullptr);
  switch (domain::payload_of(ev.kind)) {
    case domain::event_payload::message: {
      const auto& msg = ev.message;
      if (!msg.sender_type.empty() && msg.sender_id != 0)
        d["sender"] = found_or_null(p, key_of(msg.sender_type, msg.sender_id));
      auto ci = found_or_null(p, key_of("ContactInbox", ev.contact_inbox_id));
      d["conversation"]["contact_inbox"]
        = {{"source_id", ci.is_object() ? ci.value("source_id", json(nullptr)) : json(nullptr)}};
      break;
    }
    case domain::event_payload::conversation:
      complete_conversation(d, p);
      break;
    case domain::event_payload::typing:
      complete_conversation(d["conversation"], p);
      d["user"] = found_or_null(p, key_of(ev.by.type, ev.by.id));
      break;
    default:
      break;
  }
  // Chatwoot adds the account to every payload.
  d["account_id"] = ev.account_id;
}

/// The listener plus its own timer message: an account's coalesced presence push is due.
using cable_listener_actor
  = actors::listener_actor::extend<caf::reacts_to<actors::presence_flush_atom, int64_t>>;
using listener_pointer = cable_listener_actor::pointer;

/// Publishes the conversation's events whose push data is complete, in order.
void drain(const std::shared_ptr<listener_state>& st, int64_t conversation_id) {
  auto it = st->queues.find(conversation_id);
  if (it == st->queues.end())
    return;
  auto& queue = it->second;
  while (!queue.empty() && queue.front()->outstanding == 0) {
    auto& p = *queue.front();
    complete(p);
    if (domain::payload_of(p.ev.kind) == domain::event_payload::contact)
      st->hub->publish(p.ev, render::contact_push(p.ev, p.data["performer"]));
    else
      st->hub->publish(p.ev, p.data.dump());
    queue.pop_front();
  }
  if (queue.empty())
    st->queues.erase(it);
}

/// The keys whose push data the cache holds go into `p.found`; the others are returned.
std::vector<push_key> take_cached(listener_state& st, pending_push& p) {
  auto now = steady::now();
  std::vector<push_key> missing;
  for (auto& key : keys_of(p)) {
    auto text = key_of(key);
    auto hit = st.cache.find(text);
    if (hit != st.cache.end() && hit->second.second > now)
      p.found[text] = hit->second.first;
    else if (std::none_of(missing.begin(), missing.end(),
                          [&](const push_key& k) { return k.kind == key.kind && k.id == key.id; }))
      missing.push_back(std::move(key));
  }
  return missing;
}

/// Reads the push data of `missing` in one statement into `p.found` and the cache.
void look_up(listener_pointer self, const std::shared_ptr<listener_state>& st,
             const std::shared_ptr<pending_push>& p, std::vector<push_key> missing,
             std::function<void()> done) {
  auto stmt = queries::push_data(missing);
  self->request(st->ctx.reader, timeout, actors::query_atom_v, std::move(stmt))
    .then(
      [st, p, missing, done](persistence::result_set& rs) {
        if (st->cache.size() > push_cache_entries)
          st->cache.clear();
        auto until = steady::now() + push_cache_ttl;
        for (const auto& key : missing)
          p->found[key_of(key)] = nullptr;
        for (const auto& row : queries::read_push_data(rs)) {
          auto value = row.body ? json::parse(row.body->json, nullptr, false) : json(nullptr);
          if (value.is_discarded())
            value = nullptr;
          auto key = key_of(row.key);
          st->cache[key] = {value, until};
          p->found[key] = std::move(value);
        }
        done();
      },
      [done](caf::error&) { done(); });
}

/// Conversation#push_event_data's `messages`: its last chat message (Message.chat: not an
/// activity, not private).
void read_last_message(listener_pointer self, const std::shared_ptr<listener_state>& st,
                       const std::shared_ptr<pending_push>& p, std::function<void()> done) {
  namespace messages = persistence::queries::messages;
  self
    ->request(st->ctx.reader, timeout, actors::query_atom_v,
              messages::last_chat(p->ev.conversation_id))
    .then(
      [p, done](persistence::result_set& rs) {
        auto found = messages::read_messages(rs);
        if (!found.empty())
          p->last_message = api::message_body(found.front(), p->ev.display_id);
        done();
      },
      [done](caf::error&) { done(); });
}

void push(listener_pointer self, const std::shared_ptr<listener_state>& st,
          const actors::domain_event& ev) {
  if (!domain::broadcast(ev.kind))
    return;
  auto payload = domain::payload_of(ev.kind);
  if (payload == domain::event_payload::contact)
    st->cache.erase(key_of("Contact", ev.contact_id)); // cached sender data is stale
  auto p = std::make_shared<pending_push>();
  p->ev = ev;
  p->data = render::event_data(ev);
  auto missing = take_cached(*st, *p);
  auto conversation = ev.conversation_id;
  st->queues[conversation].push_back(p);
  auto done = [st, p, conversation] {
    if (--p->outstanding == 0)
      drain(st, conversation);
  };
  if (!missing.empty()) {
    ++p->outstanding;
    look_up(self, st, p, std::move(missing), done);
  }
  if (payload == domain::event_payload::conversation || payload == domain::event_payload::typing) {
    ++p->outstanding;
    read_last_message(self, st, p, done);
  }
  if (p->outstanding == 0)
    drain(st, conversation);
}

/// presence.changed: coalesced, many agents arriving at once cost one push per account.
void presence_changed(listener_pointer self, const std::shared_ptr<listener_state>& st,
                      const actors::domain_event& ev) {
  auto user = ev.by.id;
  st->cache.erase(key_of("User", user));
  if (st->hub->note_presence(ev.account_id, user, ev.presence))
    self->delayed_send(self, st->presence_delay, actors::presence_flush_atom_v, ev.account_id);
}

/// presence.flush: the account's presence goes to its agents.
void presence_flush(const std::shared_ptr<listener_state>& st, int64_t account_id) {
  st->hub->presence_flushed(account_id);
  with_presence(st->ctx, st->hub, account_id, [h = st->hub, account_id](const std::string& d) {
    h->send_to_agents(account_id, "presence.update", d);
  });
}

} // namespace

actors::listener_actor spawn_cable_listener(const api::context& ctx, std::shared_ptr<cable_hub> hub,
                                            std::chrono::milliseconds presence_delay) {
  auto state = std::make_shared<listener_state>();
  state->ctx = ctx;
  state->hub = std::move(hub);
  state->presence_delay = presence_delay;
  // (The state travels as a spawn argument: CAF 0.17 needs at least one for function actors.)
  cable_listener_actor listener = ctx.sys->spawn(
    [](listener_pointer self,
       std::shared_ptr<listener_state> st) -> cable_listener_actor::behavior_type {
      return {
        [=](actors::event_atom, const actors::domain_event& ev) {
          if (ev.kind == domain::event_kind::presence_changed)
            return presence_changed(self, st, ev);
          push(self, st, ev);
        },
        [=](actors::presence_flush_atom, int64_t account_id) { presence_flush(st, account_id); },
      };
    },
    std::move(state));
  return listener;
}

} // namespace messenger::net
