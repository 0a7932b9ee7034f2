#define CAF_SUITE net.platform
#include "persistence/migrator.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include "app/node.hpp"
#include <nlohmann/json.hpp>

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string platform_token = "platform-token-for-tests-0123456789";

struct fixture {
  test::temp_database db;
  std::unique_ptr<app::node> node;
  uint16_t port = 0;

  fixture() {
    CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
    config::app_config cfg;
    cfg.database_url = db.url();
    cfg.http_addr = {"127.0.0.1", 0};
    cfg.node_id = "platform-test";
    cfg.platform_token = platform_token;
    node = std::make_unique<app::node>(cfg);
    auto bound = node->start();
    CAF_REQUIRE(bound.has_value());
    port = *bound;
  }

  test::http_reply call(const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::string& token = platform_token) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!token.empty())
      headers["api_access_token"] = token;
    return test::http_call(port, method, target, body, headers);
  }

  json call_json(const std::string& method, const std::string& target, const json& body = {},
                 int expected = 200) {
    auto reply = call(method, target, body.is_null() ? std::string{} : body.dump());
    CAF_CHECK_EQUAL(reply.status, expected);
    return json::parse(reply.body.empty() ? std::string{"null"} : reply.body, nullptr, false);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(platform_tests, fixture)

CAF_TEST(the platform token is required) {
  auto none = call("POST", "/platform/api/v1/accounts", R"({"name":"x"})", "");
  CAF_CHECK_EQUAL(none.status, 401);
  CAF_CHECK_EQUAL(none.body, R"({"error":"Invalid Access Token"})");
  auto wrong = call("POST", "/platform/api/v1/accounts", R"({"name":"x"})", "nope");
  CAF_CHECK_EQUAL(wrong.status, 401);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM accounts"), "0");
}

CAF_TEST(accounts can be created read updated and deleted) {
  auto created = call_json("POST", "/platform/api/v1/accounts", {{"name", "Acme"}});
  CAF_REQUIRE(created.is_object());
  auto id = created["id"].get<int64_t>();
  CAF_CHECK_EQUAL(created["name"].get<std::string>(), "Acme");
  CAF_CHECK_EQUAL(created["status"].get<std::string>(), "active");
  auto path = "/platform/api/v1/accounts/" + std::to_string(id);
  CAF_CHECK_EQUAL(call_json("GET", path)["name"].get<std::string>(), "Acme");
  auto patched = call_json("PATCH", path, {{"name", "Acme Inc"}, {"status", "suspended"}});
  CAF_CHECK_EQUAL(patched["name"].get<std::string>(), "Acme Inc");
  CAF_CHECK_EQUAL(patched["status"].get<std::string>(), "suspended");
  CAF_CHECK_EQUAL(
    db.scalar("SELECT name || ':' || status FROM accounts WHERE id = " + std::to_string(id)),
    "Acme Inc:1");
  CAF_CHECK_EQUAL(call_json("GET", path)["status"].get<std::string>(), "suspended");
  call_json("DELETE", path);
  call_json("GET", path, nullptr, 404);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM accounts"), "0");
  // The per-account display_id sequence went with the account.
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'conv_dpid_seq_"
                            + std::to_string(id) + "'"),
                  "0");
}

CAF_TEST(bad input is a 4xx and writes nothing) {
  call_json("POST", "/platform/api/v1/accounts", {{"name", ""}}, 422);
  auto garbage = call("POST", "/platform/api/v1/accounts", "{not json");
  CAF_CHECK_EQUAL(garbage.status, 422);
  call_json("GET", "/platform/api/v1/accounts/abc", nullptr, 404);
  call_json("GET", "/platform/api/v1/accounts/999999", nullptr, 404);
  call_json("POST", "/platform/api/v1/users", {{"name", "No Mail"}}, 422);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM accounts"), "0");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM users"), "0");
}

CAF_TEST(users get an access token that is stored only as a digest) {
  auto user = call_json("POST", "/platform/api/v1/users",
                        {{"name", "Jane"}, {"email", "Jane@Example.com"}, {"password", "s3cret!"}});
  CAF_REQUIRE(user.is_object());
  auto token = user["access_token"].get<std::string>();
  CAF_CHECK_EQUAL(token.size(), 24u);
  CAF_CHECK_EQUAL(user["pubsub_token"].get<std::string>().size(), 24u);
  CAF_CHECK_EQUAL(user["email"].get<std::string>(), "jane@example.com");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM access_tokens WHERE token IS NULL AND "
                            "token_digest = encode(sha256('"
                            + token + "'::bytea), 'hex')"),
                  "1");
  CAF_CHECK_EQUAL(db.scalar("SELECT encrypted_password = crypt('s3cret!', encrypted_password) "
                            "FROM users"),
                  "t");
  // The owner sees its own token in the profile.
  auto profile = call("GET", "/api/v1/profile", {}, token);
  CAF_CHECK_EQUAL(profile.status, 200);
  auto body = json::parse(profile.body, nullptr, false);
  CAF_CHECK_EQUAL(body["id"], user["id"]);
  CAF_CHECK_EQUAL(body["access_token"].get<std::string>(), token);
  CAF_CHECK_EQUAL(call("GET", "/api/v1/profile", {}, "not-a-token").status, 401);
  auto id = std::to_string(user["id"].get<int64_t>());
  auto patched = call_json("PATCH", "/platform/api/v1/users/" + id, {{"display_name", "JJ"}});
  CAF_CHECK_EQUAL(patched["available_name"].get<std::string>(), "JJ");
  call_json("DELETE", "/platform/api/v1/users/" + id);
  CAF_CHECK_EQUAL(call("GET", "/api/v1/profile", {}, token).status, 401);
}

CAF_TEST(account users link users to accounts with a role) {
  auto account = call_json("POST", "/platform/api/v1/accounts", {{"name", "Acme"}});
  auto user
    = call_json("POST", "/platform/api/v1/users", {{"name", "Bob"}, {"email", "bob@example.com"}});
  auto path = "/platform/api/v1/accounts/" + std::to_string(account["id"].get<int64_t>())
              + "/account_users";
  auto linked = call_json("POST", path, {{"user_id", user["id"]}, {"role", "administrator"}});
  CAF_CHECK_EQUAL(linked["role"].get<std::string>(), "administrator");
  auto list = call_json("GET", path);
  CAF_REQUIRE_EQUAL(list.size(), 1u);
  CAF_CHECK_EQUAL(list[0]["user_id"], user["id"]);
  auto fetched
    = call_json("GET", "/platform/api/v1/users/" + std::to_string(user["id"].get<int64_t>()));
  CAF_REQUIRE_EQUAL(fetched["accounts"].size(), 1u);
  CAF_CHECK_EQUAL(fetched["accounts"][0]["role"].get<std::string>(), "administrator");
  call_json("POST", path, {{"user_id", 987654}}, 404);
  call_json("DELETE", path, {{"user_id", user["id"]}});
  CAF_CHECK_EQUAL(call_json("GET", path).size(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
