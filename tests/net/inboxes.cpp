#define CAF_SUITE net.inboxes
#include "persistence/migrator.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include "app/node.hpp"
#include <nlohmann/json.hpp>

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string platform = "platform-token-for-tests-0123456789";

struct fixture {
  test::temp_database db;
  std::unique_ptr<app::node> node;
  uint16_t port = 0;
  std::string admin;
  std::string agent;
  int64_t agent_id = 0;

  fixture() {
    CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
    config::app_config cfg;
    cfg.database_url = db.url();
    cfg.http_addr = {"127.0.0.1", 0};
    cfg.node_id = "inboxes-test";
    cfg.platform_token = platform;
    node = std::make_unique<app::node>(cfg);
    auto bound = node->start();
    CAF_REQUIRE(bound.has_value());
    port = *bound;
    // Bootstrap through the Platform API, as an installation would.
    call_json("POST", "/platform/api/v1/accounts", {{"name", "Acme"}}, platform);
    auto a = call_json("POST", "/platform/api/v1/users",
                       {{"name", "Ada"}, {"email", "ada@acme.test"}}, platform);
    auto b = call_json("POST", "/platform/api/v1/users",
                       {{"name", "Ben"}, {"email", "ben@acme.test"}}, platform);
    admin = a["access_token"].get<std::string>();
    agent = b["access_token"].get<std::string>();
    agent_id = b["id"].get<int64_t>();
    call_json("POST", "/platform/api/v1/accounts/1/account_users",
              {{"user_id", a["id"]}, {"role", "administrator"}}, platform);
    call_json("POST", "/platform/api/v1/accounts/1/account_users",
              {{"user_id", b["id"]}, {"role", "agent"}}, platform);
  }

  json call_json(const std::string& method, const std::string& target, const json& body,
                 const std::string& token, int expected = 200) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"},
                                               {"api_access_token", token}};
    auto reply = test::http_call(port, method, target, body.is_null() ? "" : body.dump(), headers);
    CAF_CHECK_EQUAL(reply.status, expected);
    if (reply.status != expected)
      CAF_MESSAGE("body: " << reply.body);
    return json::parse(reply.body.empty() ? std::string{"null"} : reply.body, nullptr, false);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(inbox_api_tests, fixture)

CAF_TEST(administrators create api inboxes and manage members) {
  call_json("POST", "/api/v1/accounts/1/inboxes", {{"name", "Support"}}, agent, 401);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM inboxes"), "0");
  auto inbox = call_json(
    "POST", "/api/v1/accounts/1/inboxes",
    {{"name", "Support"}, {"channel", {{"type", "api"}, {"webhook_url", "https://hooks.test/x"}}}},
    admin);
  CAF_CHECK_EQUAL(inbox["channel_type"], "Channel::Api");
  CAF_CHECK_EQUAL(inbox["webhook_url"], "https://hooks.test/x");
  CAF_CHECK_EQUAL(inbox["inbox_identifier"].get<std::string>().size(), 24u);
  auto id = inbox["id"].get<int64_t>();
  call_json("POST", "/api/v1/accounts/1/inboxes",
            {{"name", "Bad"}, {"channel", {{"type", "api"}, {"webhook_url", "ftp://x"}}}}, admin,
            422);
  CAF_CHECK_EQUAL(db.scalar("SELECT string_agg(name, ',') FROM inboxes"), "Support");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM channel_api"), "1");
  // The agent sees no inbox until it is a member.
  auto none = call_json("GET", "/api/v1/accounts/1/inboxes", nullptr, agent);
  CAF_CHECK_EQUAL(none["payload"].size(), 0u);
  auto members = call_json("POST", "/api/v1/accounts/1/inbox_members",
                           {{"inbox_id", id}, {"user_ids", {agent_id, 424242}}}, admin);
  CAF_REQUIRE_EQUAL(members["payload"].size(), 1u); // unknown users are ignored
  CAF_CHECK_EQUAL(db.scalar("SELECT string_agg(user_id::text, ',') FROM inbox_members"),
                  std::to_string(agent_id));
  CAF_CHECK_EQUAL(members["payload"][0]["id"], agent_id);
  auto mine = call_json("GET", "/api/v1/accounts/1/inboxes", nullptr, agent);
  CAF_CHECK_EQUAL(mine["payload"].size(), 1u);
  CAF_CHECK(!mine["payload"][0].contains("hmac_token")); // secrets are for administrators
  auto listed
    = call_json("GET", "/api/v1/accounts/1/inbox_members/" + std::to_string(id), nullptr, agent);
  CAF_CHECK_EQUAL(listed["payload"].size(), 1u);
  call_json("DELETE", "/api/v1/accounts/1/inbox_members",
            {{"inbox_id", id}, {"user_ids", {agent_id}}}, admin);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM inbox_members"), "0");
  call_json("POST", "/api/v1/accounts/1/inbox_members", {{"inbox_id", 999}, {"user_ids", {1}}},
            admin, 404);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM inbox_members"), "0");
}

CAF_TEST(contacts get a contact inbox and a conversation end to end) {
  auto inbox = call_json("POST", "/api/v1/accounts/1/inboxes", {{"name", "API"}}, admin);
  auto created = call_json(
    "POST", "/api/v1/accounts/1/contacts",
    {{"name", "Carla"}, {"email", "Carla@Example.com"}, {"inbox_id", inbox["id"]}}, admin);
  auto contact = created["payload"]["contact"];
  CAF_CHECK_EQUAL(contact["email"], "carla@example.com");
  auto contact_inbox = created["payload"]["contact_inbox"];
  CAF_CHECK(!contact_inbox["source_id"].get<std::string>().empty());
  CAF_CHECK(!contact_inbox["pubsub_token"].get<std::string>().empty());
  auto dup = call_json("POST", "/api/v1/accounts/1/contacts",
                       {{"name", "Dup"}, {"email", "carla@example.com"}}, admin, 422);
  CAF_CHECK_EQUAL(dup["message"], "Email has already been taken"); // RecordInvalid's shape
  CAF_CHECK_EQUAL(dup["attributes"], json::array({"email"}));
  call_json("POST", "/api/v1/accounts/1/contacts", {{"phone_number", "12345"}}, admin, 422);
  CAF_CHECK_EQUAL(db.scalar("SELECT string_agg(name, ',') FROM contacts"), "Carla");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM contact_inboxes"), "1");
  auto conv = call_json("POST", "/api/v1/accounts/1/conversations",
                        {{"source_id", contact_inbox["source_id"]}}, admin);
  CAF_CHECK_EQUAL(conv["id"], 1);
  CAF_CHECK_EQUAL(conv["meta"]["sender"]["id"], contact["id"]);
}

CAF_TEST_FIXTURE_SCOPE_END()
