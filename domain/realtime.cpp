#include "domain/realtime.hpp"

#include "domain/types.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace messenger::domain::realtime {

namespace {

using json = nlohmann::json;

bool agent_token(const event_facts& ev, const subscriber& sub) {
  return sub.agent
         && (sub.administrator
             || std::find(sub.inboxes.begin(), sub.inboxes.end(), ev.inbox_id)
                  != sub.inboxes.end());
}

/// The conversation's contact: its own contact inbox, or (HMAC-verified) every verified
/// contact inbox of the same contact.
bool contact_token(const event_facts& ev, const subscriber& sub) {
  if (sub.agent)
    return false;
  if (sub.contact_inbox_id != 0 && sub.contact_inbox_id == ev.contact_inbox_id)
    return true;
  return ev.contact_hmac_verified && sub.hmac_verified && sub.contact_id != 0
         && sub.contact_id == ev.contact_id;
}

bool is_actor(const event_facts& ev, const subscriber& sub) {
  if (sub.agent)
    return ev.actor_type == "User" && ev.actor_id == sub.user_id;
  return ev.actor_type == "Contact" && ev.actor_id == sub.contact_id;
}

int64_t integer(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end())
    return 0;
  if (it->is_number_integer())
    return it->get<int64_t>();
  if (it->is_string())
    return parse_id(it->get_ref<const std::string&>()).value_or(0);
  return 0;
}

} // namespace

bool delivers(const event_facts& ev, const subscriber& sub) {
  if (ev.account_id != sub.account_id || !broadcast(ev.kind))
    return false;
  using enum event_kind;
  switch (ev.kind) {
    case contact_created:
    case contact_updated:
      return sub.agent;
    case message_created:
    case message_updated:
      return agent_token(ev, sub) || (!ev.private_or_activity && contact_token(ev, sub));
    case conversation_created:
    case conversation_status_changed:
    case conversation_updated:
      return agent_token(ev, sub) || contact_token(ev, sub);
    case typing_on:
    case typing_off:
      return (agent_token(ev, sub) || contact_token(ev, sub)) && !is_actor(ev, sub);
    default:
      // first.reply.created, conversation.read, assignee.changed, team.changed: agents only.
      return agent_token(ev, sub);
  }
}

std::optional<cable_command> parse_command(const std::string& frame) {
  auto doc = json::parse(frame, nullptr, false);
  if (!doc.is_object() || !doc.contains("command") || !doc["command"].is_string()
      || !doc.contains("identifier") || !doc["identifier"].is_string())
    return std::nullopt;
  cable_command cmd;
  cmd.command = doc["command"].get<std::string>();
  cmd.identifier = doc["identifier"].get<std::string>();
  if (cmd.command != "subscribe" && cmd.command != "unsubscribe" && cmd.command != "message")
    return std::nullopt;
  if (cmd.command == "message") {
    // `data` is itself a JSON string: {"action": "update_presence", ...}.
    if (!doc.contains("data") || !doc["data"].is_string())
      return std::nullopt;
    auto data = json::parse(doc["data"].get<std::string>(), nullptr, false);
    if (!data.is_object() || !data.contains("action") || !data["action"].is_string())
      return std::nullopt;
    cmd.action = data["action"].get<std::string>();
  }
  return cmd;
}

std::optional<room_params> parse_room(const std::string& identifier) {
  auto doc = json::parse(identifier, nullptr, false);
  if (!doc.is_object() || !doc.contains("channel") || !doc["channel"].is_string()
      || !doc.contains("pubsub_token") || !doc["pubsub_token"].is_string())
    return std::nullopt;
  room_params p;
  p.channel = doc["channel"].get<std::string>();
  p.pubsub_token = doc["pubsub_token"].get<std::string>();
  p.account_id = integer(doc, "account_id");
  p.user_id = integer(doc, "user_id");
  if (p.pubsub_token.empty())
    return std::nullopt;
  return p;
}

std::string welcome_frame() {
  return R"({"type":"welcome"})";
}

std::string ping_frame(int64_t epoch_seconds) {
  return R"({"type":"ping","message":)" + std::to_string(epoch_seconds) + "}";
}

std::string confirm_frame(const std::string& identifier) {
  return json{{"identifier", identifier}, {"type", "confirm_subscription"}}.dump();
}

std::string reject_frame(const std::string& identifier) {
  return json{{"identifier", identifier}, {"type", "reject_subscription"}}.dump();
}

std::string message_frame_head(const std::string& identifier) {
  return R"({"identifier":)" + json(identifier).dump();
}

std::string message_frame_body(const std::string& event, const std::string& data_json) {
  // The data is spliced in as it is (already JSON) instead of being parsed again per socket.
  std::string out = R"(,"message":{"event":)";
  out += json(event).dump();
  out += R"(,"data":)";
  out += data_json.empty() ? std::string{"{}"} : data_json;
  out += "}}";
  return out;
}

std::string message_frame(const std::string& identifier, const std::string& event,
                          const std::string& data_json) {
  return message_frame_head(identifier) + message_frame_body(event, data_json);
}

std::string disconnect_frame(const std::string& reason, bool reconnect) {
  return json{{"type", "disconnect"}, {"reason", reason}, {"reconnect", reconnect}}.dump();
}

uint64_t replay_buffer::append(std::string name, std::string data_json, event_facts facts,
                               uint64_t id) {
  if (id != 0) {
    if (id < next_id_)
      return 0;
    next_id_ = id;
  }
  numbered_event ev;
  ev.id = next_id_++;
  ev.name = std::move(name);
  ev.data_json = std::move(data_json);
  ev.facts = std::move(facts);
  events_.push_back(std::move(ev));
  while (events_.size() > capacity_)
    events_.pop_front();
  return next_id_ - 1;
}

std::optional<std::vector<numbered_event>> replay_buffer::since(uint64_t last_id) const {
  std::vector<numbered_event> out;
  if (last_id >= next_id_ - 1)
    return out; // up to date (or from the future: nothing to replay)
  auto oldest = events_.empty() ? next_id_ : events_.front().id;
  if (last_id + 1 < oldest)
    return std::nullopt; // a gap: some events are gone
  for (const auto& ev : events_)
    if (ev.id > last_id)
      out.push_back(ev);
  return out;
}

std::string sse_frame(uint64_t id, const std::string& event, const std::string& data_json) {
  return "id: " + std::to_string(id) + "\nevent: " + event + "\ndata: " + data_json + "\n\n";
}

} // namespace messenger::domain::realtime
