#define CAF_SUITE net.render
#include "net/render/events.hpp"

#include <caf/test/unit_test.hpp>

#include <nlohmann/json.hpp>

using namespace messenger;
using json = nlohmann::json;
using domain::event_kind;

namespace {

domain::event conversation_event(event_kind kind) {
  domain::event ev;
  ev.kind = kind;
  ev.account_id = 1;
  ev.inbox_id = 2;
  ev.conversation_id = 30;
  ev.display_id = 3;
  ev.conversation.id = 30;
  ev.conversation.display_id = 3;
  ev.conversation.account_id = 1;
  ev.conversation.inbox_id = 2;
  ev.conversation.assignee_id = 7;
  ev.conversation.last_activity_at = 1'700'000'000'500'000;
  ev.conversation.created_at = 1'699'999'999'000'000;
  ev.conversation.labels = {"billing"};
  ev.conversation.custom_attributes = R"({"plan":"pro"})";
  ev.unread_count = 2;
  ev.activity = "Conversation was resolved by Ann";
  return ev;
}

domain::event message_event(uint8_t type) {
  auto ev = conversation_event(event_kind::message_created);
  ev.message.id = 11;
  ev.message.account_id = 1;
  ev.message.inbox_id = 2;
  ev.message.conversation_id = 30;
  ev.message.message_type = type;
  ev.message.content = "hello";
  ev.message.sender_type = "User";
  ev.message.sender_id = 7;
  ev.message.created_at = 1'700'000'000'250'000;
  ev.by = domain::performer{"User", 7, "Ann", false};
  return ev;
}

json parsed(const std::optional<std::string>& text) {
  CAF_REQUIRE(text.has_value());
  return json::parse(*text);
}

} // namespace

CAF_TEST(a conversation event renders the conversation without its activity) {
  auto data = net::render::event_data(conversation_event(event_kind::conversation_updated));
  CAF_CHECK_EQUAL(data["id"], 3);
  CAF_CHECK_EQUAL(data["assignee_id"], 7);
  CAF_CHECK(data["team_id"].is_null());
  CAF_CHECK(data["priority"].is_null());
  CAF_CHECK_EQUAL(data["last_activity_at"], 1'700'000'000);
  CAF_CHECK_EQUAL(data["timestamp"], 1'700'000'000);
  CAF_CHECK(data["first_reply_created_at"].is_null());
  CAF_CHECK_EQUAL(data["waiting_since"], 0);
  CAF_CHECK_EQUAL(data["unread_count"], 2);
  CAF_CHECK_EQUAL(data["labels"], json::array({"billing"}));
  CAF_CHECK_EQUAL(data["custom_attributes"]["plan"], "pro");
  CAF_CHECK(!data.contains("activity"));
}

CAF_TEST(a message event carries every column and the conversation summary) {
  auto data = net::render::event_data(message_event(1));
  CAF_CHECK_EQUAL(data["id"], 11);
  CAF_CHECK_EQUAL(data["conversation_id"], 3);
  CAF_CHECK_EQUAL(data["message_type"], 1);
  CAF_CHECK_EQUAL(data["processed_message_content"], "hello");
  CAF_CHECK_EQUAL(data["created_at"], 1'700'000'000);
  CAF_CHECK_EQUAL(data["updated_at"], "2023-11-14T22:13:20.250Z");
  CAF_CHECK_EQUAL(
    data["conversation"],
    (json{{"assignee_id", 7}, {"unread_count", 2}, {"last_activity_at", 1'700'000'000}}));
}

CAF_TEST(webhooks use the chatwoot webhook shapes and skip activity messages) {
  auto body = parsed(net::render::webhook_body(message_event(1)));
  CAF_CHECK_EQUAL(body["event"], "message_created");
  CAF_CHECK_EQUAL(body["message_type"], "outgoing");
  CAF_CHECK_EQUAL(body["created_at"], "2023-11-14T22:13:20.000Z");
  CAF_CHECK_EQUAL(body["conversation"], (json{{"id", 3}, {"inbox_id", 2}}));
  CAF_CHECK_EQUAL(body["inbox"], (json{{"id", 2}}));
  CAF_CHECK_EQUAL(body["sender"], (json{{"id", 7}, {"name", "Ann"}, {"type", "user"}}));
  CAF_CHECK_EQUAL(body["account"], (json{{"id", 1}}));
  CAF_CHECK(!net::render::webhook_body(message_event(2)).has_value()); // activity
  // Chatwoot's WebhookListener has no assignee_changed or first_reply_created.
  CAF_CHECK(!net::render::webhook_body(conversation_event(event_kind::assignee_changed)));
  auto resolved = parsed(
    net::render::webhook_body(conversation_event(event_kind::conversation_status_changed)));
  CAF_CHECK_EQUAL(resolved["event"], "conversation_status_changed");
  CAF_CHECK_EQUAL(resolved["id"], 3);
  CAF_CHECK(!resolved.contains("activity"));
}

CAF_TEST(typing webhooks name the typist) {
  auto ev = conversation_event(event_kind::typing_on);
  ev.is_private = true;
  ev.by = domain::performer{"Contact", 9, "Bo", false};
  auto body = parsed(net::render::webhook_body(ev));
  CAF_CHECK_EQUAL(body["event"], "conversation_typing_on");
  CAF_CHECK_EQUAL(body["is_private"], true);
  CAF_CHECK_EQUAL(body["user"], (json{{"id", 9}, {"name", "Bo"}, {"type", "contact"}}));
  CAF_CHECK_EQUAL(body["conversation"]["id"], 3);
}

CAF_TEST(contact events carry the contact document once rendered) {
  domain::event ev;
  ev.kind = event_kind::contact_updated;
  ev.account_id = 4;
  ev.contact_id = 5;
  ev.contact = net::render::contact_document(
    json{{"id", 5}, {"name", "Cy"}, {"contact_inboxes", json::array()}}, 4);
  auto doc = json::parse(ev.contact);
  CAF_CHECK(!doc.contains("contact_inboxes"));
  CAF_CHECK_EQUAL(doc["type"], "contact");
  CAF_CHECK_EQUAL(doc["account"], (json{{"id", 4}}));
  auto push = json::parse(net::render::contact_push(ev, nullptr));
  CAF_CHECK_EQUAL(push["account_id"], 4);
  CAF_CHECK(push["performer"].is_null());
  CAF_CHECK_EQUAL(push["name"], "Cy");
  auto hook = parsed(net::render::webhook_body(ev));
  CAF_CHECK_EQUAL(hook["event"], "contact_updated");
  CAF_CHECK_EQUAL(hook["id"], 5);
  CAF_CHECK_EQUAL(net::render::with_members("{}", "\"a\":1"), "{\"a\":1}");
  CAF_CHECK_EQUAL(net::render::with_members("{\"b\":2}", "\"a\":1"), "{\"a\":1,\"b\":2}");
}
