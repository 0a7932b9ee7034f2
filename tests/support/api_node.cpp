#include "tests/support/api_node.hpp"

#include "persistence/migrator.hpp"
#include "tests/support/http_client.hpp"

#include <caf/test/unit_test.hpp>

namespace messenger::test {

using json = nlohmann::json;

api_node::api_node(std::function<void(config::app_config&)> tweak) {
  CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
  config::app_config cfg;
  cfg.database_url = db.url();
  cfg.http_addr = {"127.0.0.1", 0};
  cfg.node_id = "api-test";
  cfg.platform_token = platform;
  if (tweak)
    tweak(cfg);
  node = std::make_unique<app::node>(cfg);
  auto bound = node->start();
  CAF_REQUIRE(bound.has_value());
  port = *bound;
  call("POST", "/platform/api/v1/accounts", {{"name", "Acme"}}, platform);
  auto a = call("POST", "/platform/api/v1/users", {{"name", "Ada"}, {"email", "ada@acme.test"}},
                platform);
  auto b = call("POST", "/platform/api/v1/users", {{"name", "Ben"}, {"email", "ben@acme.test"}},
                platform);
  admin = a["access_token"].get<std::string>();
  agent = b["access_token"].get<std::string>();
  admin_id = a["id"].get<int64_t>();
  agent_id = b["id"].get<int64_t>();
  call("POST", "/platform/api/v1/accounts/1/account_users",
       {{"user_id", admin_id}, {"role", "administrator"}}, platform);
  call("POST", "/platform/api/v1/accounts/1/account_users",
       {{"user_id", agent_id}, {"role", "agent"}}, platform);
}

api_node::~api_node() {
  node->shutdown();
}

json api_node::call(const std::string& method, const std::string& target, const json& body,
                    const std::string& token, int expected) {
  std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
  if (!token.empty())
    headers.emplace("api_access_token", token);
  auto reply = http_call(port, method, target, body.is_null() ? "" : body.dump(), headers);
  CAF_CHECK_EQUAL(reply.status, expected);
  if (reply.status != expected)
    CAF_MESSAGE(method << " " << target << " -> " << reply.status << " " << reply.body);
  return json::parse(reply.body.empty() ? std::string{"null"} : reply.body, nullptr, false);
}

json api_node::make_inbox(const std::string& name, bool auto_assign) {
  return call(
    "POST", "/api/v1/accounts/1/inboxes",
    {{"name", name}, {"enable_auto_assignment", auto_assign}, {"channel", {{"type", "api"}}}},
    admin);
}

json api_node::make_contact(const std::string& name, const std::string& email, int64_t inbox) {
  return call("POST", "/api/v1/accounts/1/contacts",
              {{"name", name}, {"email", email}, {"inbox_id", inbox}}, admin)["payload"];
}

json api_node::make_conversation(int64_t inbox, int64_t contact) {
  return call("POST", "/api/v1/accounts/1/conversations",
              {{"inbox_id", inbox}, {"contact_id", contact}}, admin);
}

} // namespace messenger::test
