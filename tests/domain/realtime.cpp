#define CAF_SUITE domain.realtime
#include "domain/realtime.hpp"

#include <caf/test/unit_test.hpp>

#include <nlohmann/json.hpp>

using namespace messenger::domain::realtime;
using json = nlohmann::json;

namespace {

subscriber admin() {
  subscriber s;
  s.account_id = 1;
  s.user_id = 1;
  s.administrator = true;
  return s;
}

subscriber member(int64_t inbox) {
  subscriber s;
  s.account_id = 1;
  s.user_id = 2;
  s.inboxes = {inbox};
  return s;
}

subscriber contact(int64_t contact_id, int64_t contact_inbox, bool verified = false) {
  subscriber s;
  s.agent = false;
  s.account_id = 1;
  s.contact_id = contact_id;
  s.contact_inbox_id = contact_inbox;
  s.hmac_verified = verified;
  return s;
}

event_facts facts(std::string_view name) {
  event_facts ev;
  auto kind = messenger::domain::event_kind_named(name);
  CAF_REQUIRE(kind.has_value());
  ev.kind = *kind;
  ev.account_id = 1;
  ev.inbox_id = 10;
  ev.contact_id = 50;
  ev.contact_inbox_id = 500;
  return ev;
}

} // namespace

CAF_TEST(conversation and message events reach members admins and the contact) {
  auto ev = facts("message.created");
  CAF_CHECK(delivers(ev, admin()));
  CAF_CHECK(delivers(ev, member(10)));
  CAF_CHECK(!delivers(ev, member(11)));
  CAF_CHECK(delivers(ev, contact(50, 500)));
  CAF_CHECK(!delivers(ev, contact(51, 501)));
  auto other_account = admin();
  other_account.account_id = 2;
  CAF_CHECK(!delivers(ev, other_account));
  ev.private_or_activity = true; // private notes and activity: agents only
  CAF_CHECK(delivers(ev, member(10)));
  CAF_CHECK(!delivers(ev, contact(50, 500)));
  for (const char* name :
       {"conversation.created", "conversation.status_changed", "conversation.updated"}) {
    CAF_CHECK(delivers(facts(name), contact(50, 500)));
    CAF_CHECK(delivers(facts(name), member(10)));
  }
  for (const char* name :
       {"assignee.changed", "conversation.read", "team.changed", "first.reply.created"}) {
    CAF_CHECK(delivers(facts(name), member(10)));
    CAF_CHECK(!delivers(facts(name), contact(50, 500)));
  }
  // Internal events are not broadcast.
  CAF_CHECK(!delivers(facts("conversation.opened"), admin()));
  CAF_CHECK(!delivers(facts("reply.created"), admin()));
}

CAF_TEST(hmac verified contacts get the events of all their verified contact inboxes) {
  auto ev = facts("message.created");
  ev.contact_hmac_verified = true;
  CAF_CHECK(delivers(ev, contact(50, 999, true)));
  CAF_CHECK(!delivers(ev, contact(50, 999, false)));
  ev.contact_hmac_verified = false;
  CAF_CHECK(!delivers(ev, contact(50, 999, true)));
}

CAF_TEST(typing skips the actor and contact events reach every agent of the account) {
  auto typing = facts("conversation.typing_on");
  typing.actor_type = "User";
  typing.actor_id = 2;
  CAF_CHECK(!delivers(typing, member(10)));
  CAF_CHECK(delivers(typing, admin()));
  CAF_CHECK(delivers(typing, contact(50, 500)));
  typing.actor_type = "Contact";
  typing.actor_id = 50;
  CAF_CHECK(!delivers(typing, contact(50, 500)));
  CAF_CHECK(delivers(typing, member(10)));
  auto created = facts("contact.created");
  CAF_CHECK(delivers(created, member(11)));
  CAF_CHECK(!delivers(created, contact(50, 500)));
}

CAF_TEST(action cable frames and commands) {
  CAF_CHECK_EQUAL(welcome_frame(), R"({"type":"welcome"})");
  CAF_CHECK_EQUAL(ping_frame(1700000000), R"({"type":"ping","message":1700000000})");
  const std::string id
    = R"({"channel":"RoomChannel","pubsub_token":"tok","account_id":1,"user_id":"7"})";
  auto confirm = json::parse(confirm_frame(id));
  CAF_CHECK_EQUAL(confirm["type"], "confirm_subscription");
  CAF_CHECK_EQUAL(confirm["identifier"], id);
  auto msg = json::parse(message_frame(id, "message.created", R"({"id":5})"));
  CAF_CHECK_EQUAL(msg["message"]["event"], "message.created");
  CAF_CHECK_EQUAL(msg["message"]["data"]["id"], 5);
  CAF_CHECK_EQUAL(msg["identifier"], id);
  // The fan-out sends head (per subscription) + body (per event): the same frame.
  auto split = message_frame_head(id) + message_frame_body("message.created", R"({"id":5})");
  CAF_CHECK_EQUAL(split, message_frame(id, "message.created", R"({"id":5})"));
  auto sub = parse_command(json{{"command", "subscribe"}, {"identifier", id}}.dump());
  CAF_REQUIRE(sub.has_value());
  CAF_CHECK_EQUAL(sub->command, "subscribe");
  auto room = parse_room(sub->identifier);
  CAF_REQUIRE(room.has_value());
  CAF_CHECK_EQUAL(room->pubsub_token, "tok");
  CAF_CHECK_EQUAL(room->account_id, 1);
  CAF_CHECK_EQUAL(room->user_id, 7);
  auto perform = parse_command(
    json{{"command", "message"}, {"identifier", id}, {"data", R"({"action":"update_presence"})"}}
      .dump());
  CAF_REQUIRE(perform.has_value());
  CAF_CHECK_EQUAL(perform->action, "update_presence");
  CAF_CHECK(!parse_command("not json"));
  CAF_CHECK(!parse_command(R"({"command":"subscribe"})"));
  CAF_CHECK(!parse_command(R"({"command":"explode","identifier":"x"})"));
  CAF_CHECK(!parse_room(R"({"channel":"RoomChannel"})"));
}

CAF_TEST(the replay buffer resumes after an id or asks for a resync) {
  replay_buffer buffer{3};
  for (int i = 0; i < 5; ++i)
    buffer.append("message.created", "{}", facts("message.created"));
  CAF_CHECK_EQUAL(buffer.last_id(), 5u);
  CAF_CHECK_EQUAL(buffer.size(), 3u);
  auto after3 = buffer.since(3);
  CAF_REQUIRE(after3.has_value());
  CAF_REQUIRE_EQUAL(after3->size(), 2u);
  CAF_CHECK_EQUAL(after3->at(0).id, 4u);
  CAF_CHECK_EQUAL(after3->at(1).id, 5u);
  auto current = buffer.since(5);
  CAF_REQUIRE(current.has_value());
  CAF_CHECK(current->empty());
  CAF_CHECK(!buffer.since(1).has_value()); // 2 is gone: resync
  CAF_CHECK(buffer.since(2).has_value());
  CAF_CHECK_EQUAL(sse_frame(4, "message.created", R"({"id":1})"),
                  "id: 4\nevent: message.created\ndata: {\"id\":1}\n\n");
}

CAF_TEST(every event kind has one chatwoot name and the tables agree) {
  using messenger::domain::event_kind;
  using messenger::domain::event_payload;
  namespace d = messenger::domain;
  for (uint8_t i = 0; i <= static_cast<uint8_t>(event_kind::presence_changed); ++i) {
    auto kind = static_cast<event_kind>(i);
    auto named = d::event_kind_named(d::event_name(kind));
    CAF_REQUIRE(named.has_value());
    CAF_CHECK(*named == kind);
  }
  CAF_CHECK(!d::event_kind_named("presence.flush").has_value());
  CAF_CHECK_EQUAL(d::event_name(event_kind::typing_on), "conversation.typing_on");
  CAF_CHECK_EQUAL(d::webhook_name(event_kind::message_created), "message_created");
  CAF_CHECK_EQUAL(d::webhook_name(event_kind::typing_off), "conversation_typing_off");
  // Chatwoot sends no webhook for these (WebhookListener has no handler).
  CAF_CHECK_EQUAL(d::webhook_name(event_kind::assignee_changed), "");
  CAF_CHECK_EQUAL(d::webhook_name(event_kind::first_reply_created), "");
  CAF_CHECK(!d::broadcast(event_kind::presence_changed));
  CAF_CHECK(!d::broadcast(event_kind::conversation_opened));
  CAF_CHECK(d::broadcast(event_kind::team_changed));
  CAF_CHECK(d::payload_of(event_kind::first_reply_created) == event_payload::message);
  CAF_CHECK(d::payload_of(event_kind::typing_on) == event_payload::typing);
  CAF_CHECK(d::payload_of(event_kind::contact_updated) == event_payload::contact);
}
