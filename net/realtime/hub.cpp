#include "net/realtime.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace messenger::net {

namespace {

using json = nlohmann::json;
namespace rt = domain::realtime;

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

rt::event_facts facts_of(const actors::domain_event& ev) {
  rt::event_facts f;
  f.kind = ev.kind;
  f.account_id = ev.account_id;
  f.inbox_id = ev.inbox_id;
  f.contact_id = ev.contact_id;
  f.contact_inbox_id = ev.contact_inbox_id;
  f.actor_type = ev.by.type;
  f.actor_id = ev.by.id;
  if (domain::payload_of(ev.kind) == domain::event_payload::message)
    f.private_or_activity = ev.message.is_private || ev.message.message_type == 2; // activity
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

size_t cable_hub::publish(const actors::domain_event& ev, const std::string& payload) {
  if (!domain::broadcast(ev.kind))
    return 0;
  auto facts = facts_of(ev);
  auto name = domain::to_string(ev.kind);
  auto body = std::make_shared<const std::string>(rt::message_frame_body(name, payload));
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
    auto id = buffer.append(name, payload, facts, ev.stream_id);
    sse = rt::sse_frame(id, name, payload);
    if (id != 0) // 0: a late duplicate of a numbered event, already sent
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

} // namespace messenger::net
