#define CAF_SUITE net.contacts
#include "tests/support/api_node.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <thread>

using namespace messenger;
using json = nlohmann::json;

namespace {

struct fixture : test::api_node {
  int64_t inbox = 0;
  fixture() { inbox = make_inbox("Support")["id"].get<int64_t>(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(contact_api_tests, fixture)

CAF_TEST(contacts are created listed searched and shown with chatwoot shapes) {
  auto created = make_contact("Jane Roe", "Jane@Example.com", inbox);
  auto contact = created["contact"];
  auto id = contact["id"].get<int64_t>();
  CAF_CHECK_EQUAL(contact["email"], "jane@example.com");
  CAF_CHECK(contact["created_at"].is_number_integer());
  CAF_CHECK(contact["custom_attributes"].is_object());
  CAF_CHECK_EQUAL(contact["contact_inboxes"].size(), 1u);
  auto source_id = created["contact_inbox"]["source_id"].get<std::string>();
  CAF_CHECK(!source_id.empty());
  CAF_CHECK_EQUAL(created["contact_inbox"]["inbox"]["id"], inbox);
  // A contact without email, phone or identifier is not "resolved": the list hides it.
  call("POST", "/api/v1/accounts/1/contacts", {{"name", "Anonymous"}}, admin);
  call("POST", "/api/v1/accounts/1/contacts",
       {{"name", "Bob"}, {"phone_number", "+15550100"}, {"custom_attributes", {{"plan", "pro"}}}},
       agent);

  auto list = call("GET", "/api/v1/accounts/1/contacts?sort=name", nullptr, agent);
  CAF_CHECK_EQUAL(list["meta"]["count"], 2);
  CAF_CHECK_EQUAL(list["meta"]["current_page"], 1);
  auto first = list["payload"][0];
  CAF_CHECK_EQUAL(first["name"], "Bob");
  auto page2 = call("GET", "/api/v1/accounts/1/contacts?page=2", nullptr, agent);
  CAF_CHECK_EQUAL(page2["payload"].size(), 0u);
  auto bare
    = call("GET", "/api/v1/accounts/1/contacts?include_contact_inboxes=false", nullptr, agent);
  auto bare_first = bare["payload"][0];
  CAF_CHECK(!bare_first.contains("contact_inboxes"));

  auto found = call("GET", "/api/v1/accounts/1/contacts/search?q=jane", nullptr, agent);
  CAF_CHECK_EQUAL(found["payload"].size(), 1u);
  CAF_CHECK_EQUAL(found["meta"]["has_more"], false);
  auto by_phone = call("GET", "/api/v1/accounts/1/contacts/search?q=5550", nullptr, agent);
  CAF_CHECK_EQUAL(by_phone["payload"].size(), 1u);
  auto none = call("GET", "/api/v1/accounts/1/contacts/search?q=%27%3B%20drop", nullptr, agent);
  CAF_CHECK_EQUAL(none["payload"].size(), 0u);
  call("GET", "/api/v1/accounts/1/contacts/search", nullptr, agent, 422);
  call("GET", "/api/v1/accounts/1/contacts?page=-1", nullptr, agent, 422);
  call("GET", "/api/v1/accounts/1/contacts?page=99999999999", nullptr, agent, 422);
  call("GET", "/api/v1/accounts/1/contacts?sort=password", nullptr, agent, 422);

  auto shown = call("GET", "/api/v1/accounts/1/contacts/" + std::to_string(id), nullptr, agent);
  CAF_CHECK_EQUAL(shown["payload"]["id"], id);
  call("GET", "/api/v1/accounts/1/contacts/999999", nullptr, agent, 404);
  call("GET", "/api/v1/accounts/1/contacts/abc", nullptr, agent, 404);
}

CAF_TEST(updates merge attributes and duplicates are rejected) {
  auto id = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  make_contact("Joe", "joe@example.com", inbox);
  auto path = "/api/v1/accounts/1/contacts/" + std::to_string(id);
  call("PATCH", path, {{"custom_attributes", {{"plan", "pro"}}}}, agent);
  auto updated = call("PUT", path, {{"name", "Jane Roe"}, {"custom_attributes", {{"tier", 2}}}},
                      agent)["payload"];
  CAF_CHECK_EQUAL(updated["name"], "Jane Roe");
  CAF_CHECK_EQUAL(updated["custom_attributes"]["plan"], "pro");
  CAF_CHECK_EQUAL(updated["custom_attributes"]["tier"], 2);
  // Model validations answer Chatwoot's RecordInvalid shape (`save!`, render_record_invalid).
  auto dup = call("PATCH", path, {{"email", "joe@example.com"}}, agent, 422);
  CAF_CHECK_EQUAL(
    dup, json::parse(R"({"message":"Email has already been taken","attributes":["email"]})"));
  auto dup_create = call("POST", "/api/v1/accounts/1/contacts",
                         {{"name", "Joe 2"}, {"email", "JOE@example.com"}}, agent, 422);
  CAF_CHECK_EQUAL(dup_create, dup);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM contacts WHERE name = 'Joe 2'"), "0");
  auto bad_email = call("PATCH", path, {{"email", "not-an-email"}}, agent, 422);
  CAF_CHECK_EQUAL(bad_email,
                  json::parse(R"({"message":"Email Invalid email","attributes":["email"]})"));
  auto bad_phone = call("PATCH", path, {{"phone_number", "0123"}}, agent, 422);
  CAF_CHECK_EQUAL(bad_phone, json::parse(R"({"message":"Phone number should be in e164 format",)"
                                         R"("attributes":["phone_number"]})"));
  call("PATCH", path, {{"custom_attributes", "x"}}, agent, 422);
  call("PATCH", "/api/v1/accounts/1/contacts/424242", {{"name", "X"}}, agent, 404);
  auto still = call("GET", path, nullptr, agent)["payload"];
  CAF_CHECK_EQUAL(still["email"], "jane@example.com");
}

CAF_TEST(last_activity_at is left out of a contact while it is unset) {
  // _contact.json.jbuilder renders it `if resource[:last_activity_at].present?`: no key, not
  // null, wherever the contact partial is shown (the contact, a conversation's meta.sender).
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"];
  auto id = contact["id"].get<int64_t>();
  auto sid = std::to_string(id);
  CAF_REQUIRE_EQUAL(db.scalar("SELECT last_activity_at IS NULL FROM contacts WHERE id = " + sid),
                    "t");
  CAF_CHECK(!contact.contains("last_activity_at"));
  auto display = make_conversation(inbox, id)["id"].get<int64_t>();
  CAF_REQUIRE_EQUAL(db.scalar("SELECT last_activity_at IS NULL FROM contacts WHERE id = " + sid),
                    "t");
  auto conv_path = "/api/v1/accounts/1/conversations/" + std::to_string(display);
  auto shown = call("GET", conv_path, nullptr, admin);
  CAF_CHECK_EQUAL(shown["meta"]["sender"]["id"], id);
  CAF_CHECK(!shown["meta"]["sender"].contains("last_activity_at"));
  auto listed = call("GET", "/api/v1/accounts/1/conversations", nullptr, admin);
  CAF_REQUIRE_EQUAL(listed["data"]["payload"].size(), 1u);
  CAF_CHECK(!listed["data"]["payload"][0]["meta"]["sender"].contains("last_activity_at"));
  auto path = "/api/v1/accounts/1/contacts/" + sid;
  auto of_contact = call("GET", path + "/conversations", nullptr, admin);
  CAF_REQUIRE_EQUAL(of_contact["payload"].size(), 1u);
  CAF_CHECK(!of_contact["payload"][0]["meta"]["sender"].contains("last_activity_at"));
  auto unset = call("GET", path, nullptr, admin)["payload"];
  CAF_CHECK(!unset.contains("last_activity_at"));
  // Once set, it is there as epoch seconds.
  db.scalar("UPDATE contacts SET last_activity_at = '2024-05-06 07:08:09.5' WHERE id = " + sid);
  auto set = call("GET", path, nullptr, admin)["payload"];
  CAF_CHECK_EQUAL(set["last_activity_at"], 1714979289);
  auto after = call("GET", path + "/conversations", nullptr, admin);
  CAF_CHECK_EQUAL(after["payload"][0]["meta"]["sender"]["last_activity_at"], 1714979289);
}

CAF_TEST(contact conversations contact inboxes and delete) {
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"];
  auto id = contact["id"].get<int64_t>();
  auto conv = make_conversation(inbox, id);
  CAF_CHECK_EQUAL(conv["meta"]["sender"]["email"], "jane@example.com");
  auto path = "/api/v1/accounts/1/contacts/" + std::to_string(id);
  auto convs = call("GET", path + "/conversations", nullptr, admin);
  CAF_CHECK_EQUAL(convs["payload"].size(), 1u);
  CAF_CHECK_EQUAL(convs["payload"][0]["id"], conv["id"]);
  // The agent is not a member of the inbox: its conversations are not shown to him.
  auto hidden = call("GET", path + "/conversations", nullptr, agent);
  CAF_CHECK_EQUAL(hidden["payload"].size(), 0u);

  auto other = make_inbox("Sales")["id"].get<int64_t>();
  auto ci
    = call("POST", path + "/contact_inboxes", {{"inbox_id", other}, {"source_id", "ext-1"}}, admin);
  CAF_CHECK_EQUAL(ci["source_id"], "ext-1");
  CAF_CHECK_EQUAL(ci["inbox"]["id"], other);
  auto again
    = call("POST", path + "/contact_inboxes", {{"inbox_id", other}, {"source_id", "ext-1"}}, admin);
  CAF_CHECK_EQUAL(again["source_id"], "ext-1");
  call("POST", path + "/contact_inboxes", {{"inbox_id", other}}, agent, 404);
  call("POST", path + "/contact_inboxes", json::object(), admin, 422);
  auto contactable = call("GET", path + "/contactable_inboxes", nullptr, admin);
  CAF_CHECK_EQUAL(contactable["payload"].size(), 2u);

  // The delete takes the contact's contact inboxes, conversations (in every inbox), their
  // messages and reporting events (docs/api-compat.md); another contact of the same inboxes
  // keeps all of its rows.
  auto joe = make_contact("Joe", "joe@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto joe_conv = make_conversation(inbox, joe)["id"].get<int64_t>();
  auto sales_conv = make_conversation(other, id)["id"].get<int64_t>();
  for (auto display : {conv["id"].get<int64_t>(), sales_conv, joe_conv}) {
    auto cpath = "/api/v1/accounts/1/conversations/" + std::to_string(display);
    call("POST", cpath + "/messages", {{"content", "help"}, {"message_type", "incoming"}}, admin);
    call("POST", cpath + "/messages", {{"content", "sure"}}, admin); // first_response
  }
  auto of = [&](int64_t who) {
    auto c = std::to_string(who);
    auto in_convs
      = " WHERE conversation_id IN (SELECT id FROM conversations WHERE contact_id = " + c + ")";
    return std::vector<std::string>{
      db.scalar("SELECT count(*) FROM contacts WHERE id = " + c),
      db.scalar("SELECT count(*) FROM contact_inboxes WHERE contact_id = " + c),
      db.scalar("SELECT count(*) FROM conversations WHERE contact_id = " + c),
      db.scalar("SELECT count(*) FROM messages" + in_convs),
      db.scalar("SELECT count(*) FROM reporting_events" + in_convs)};
  };
  using rows = std::vector<std::string>;
  CAF_REQUIRE_EQUAL(of(id), (rows{"1", "2", "2", "4", "2"}));
  auto joe_before = of(joe);
  CAF_CHECK_EQUAL(joe_before, (rows{"1", "1", "1", "2", "1"}));
  auto doomed_ids = db.scalar("SELECT string_agg(id::text, ',') FROM conversations WHERE "
                              "contact_id = "
                              + std::to_string(id));

  call("DELETE", path, nullptr, agent, 401);
  CAF_CHECK_EQUAL(of(id), (rows{"1", "2", "2", "4", "2"}));
  call("DELETE", path, nullptr, admin);
  call("GET", path, nullptr, admin, 404);
  // The conversation was read through the edge cache (its access answer is kept for
  // edge_cache_ms): it is refused at the latest when that answer expires.
  auto gone = "/api/v1/accounts/1/conversations/" + std::to_string(conv["id"].get<int64_t>());
  CAF_CHECK(test::eventually([&] {
    return test::http_call(port, "GET", gone, {}, {{"api_access_token", admin}}).status == 404;
  }));
  CAF_CHECK_EQUAL(of(id), (rows{"0", "0", "0", "0", "0"}));
  // Also by the conversations' own ids (the counts above go through conversations).
  CAF_CHECK_EQUAL(
    db.scalar("SELECT count(*) FROM messages WHERE conversation_id IN (" + doomed_ids + ")"), "0");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM reporting_events WHERE conversation_id IN ("
                            + doomed_ids + ")"),
                  "0");
  CAF_CHECK_EQUAL(of(joe), joe_before);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM inboxes"), "2");
  auto left = call("GET", "/api/v1/accounts/1/conversations?status=all", nullptr, admin);
  CAF_REQUIRE_EQUAL(left["data"]["payload"].size(), 1u);
  CAF_CHECK_EQUAL(left["data"]["payload"][0]["id"], joe_conv);
  call("DELETE", path, nullptr, admin, 404);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(contact_label_tests, fixture)

CAF_TEST(contact labels are replaced) {
  auto id = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto path = "/api/v1/accounts/1/contacts/" + std::to_string(id) + "/labels";
  auto set = call("POST", path, {{"labels", {"VIP", "billing"}}}, agent);
  CAF_CHECK_EQUAL(set["payload"], json({"billing", "vip"}));
  auto replaced = call("POST", path, {{"labels", {"vip"}}}, agent);
  CAF_CHECK_EQUAL(replaced["payload"], json({"vip"}));
  auto shown = call("GET", path, nullptr, agent);
  CAF_CHECK_EQUAL(shown["payload"], json({"vip"}));
  call("GET", "/api/v1/accounts/1/contacts/999/labels", nullptr, agent, 404);
  call("POST", "/api/v1/accounts/1/contacts/999/labels", {{"labels", {"x"}}}, agent, 404);
}

CAF_TEST_FIXTURE_SCOPE_END()
