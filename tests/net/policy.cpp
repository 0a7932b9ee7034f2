#define CAF_SUITE net.policy
#include "tests/support/api_node.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <thread>

using namespace messenger;
using json = nlohmann::json;

namespace {

struct fixture : test::api_node {
  std::string member;   ///< agent and member of the inbox
  std::string outsider; ///< user of account 2 only
  int64_t member_id = 0;
  int64_t inbox = 0;
  std::string conv_path;

  explicit fixture(std::function<void(config::app_config&)> tweak = {})
      : test::api_node(std::move(tweak)) {
    auto m = call("POST", "/platform/api/v1/users", {{"name", "Mia"}, {"email", "mia@acme.test"}},
                  platform);
    member = m["access_token"].get<std::string>();
    member_id = m["id"].get<int64_t>();
    call("POST", "/platform/api/v1/accounts/1/account_users",
         {{"user_id", member_id}, {"role", "agent"}}, platform);
    call("POST", "/platform/api/v1/accounts", {{"name", "Other"}}, platform);
    auto o = call("POST", "/platform/api/v1/users", {{"name", "Oz"}, {"email", "oz@other.test"}},
                  platform);
    outsider = o["access_token"].get<std::string>();
    call("POST", "/platform/api/v1/accounts/2/account_users",
         {{"user_id", o["id"]}, {"role", "administrator"}}, platform);
    inbox = make_inbox("Support")["id"].get<int64_t>();
    call("POST", "/api/v1/accounts/1/inbox_members",
         {{"inbox_id", inbox}, {"user_ids", {member_id}}}, admin);
    auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
    conv_path = "/api/v1/accounts/1/conversations/"
                + std::to_string(make_conversation(inbox, contact)["id"].get<int64_t>());
  }

  /// The status and body of `method target` with `token` (no expectation checked).
  test::http_reply raw(const std::string& method, const std::string& target,
                       const std::string& token, const json& body = nullptr) {
    return test::http_call(port, method, target, body.is_null() ? "" : body.dump(),
                           {{"Content-Type", "application/json"}, {"api_access_token", token}});
  }

  /// Polls `method target` (short backoff, bounded) until it answers 401 and returns the
  /// last answer.
  test::http_reply refused_eventually(const std::string& method, const std::string& target,
                                      const std::string& token, const json& body = nullptr) {
    test::http_reply last;
    test::eventually([&] {
      last = raw(method, target, token, body);
      return last.status == 401;
    });
    return last;
  }
};

/// Authentication and policy answers are kept 100 ms at the edge.
struct short_cache_fixture : fixture {
  short_cache_fixture() : fixture([](config::app_config& cfg) { cfg.edge_cache_ms = 100; }) {}
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(policy_tests, fixture)

CAF_TEST(conversation policy matrix) {
  call("GET", conv_path, nullptr, admin);
  call("GET", conv_path, nullptr, member);
  auto denied = call("GET", conv_path, nullptr, agent, 401);
  CAF_CHECK_EQUAL(denied["error"], "You are not authorized to do this action");
  auto foreign = call("GET", conv_path, nullptr, outsider, 401);
  CAF_CHECK_EQUAL(foreign["error"], "You are not authorized to access this account");
  auto platform_token = call("GET", conv_path, nullptr, platform, 401);
  CAF_CHECK_EQUAL(platform_token["error"], "Invalid Access Token");
  call("GET", conv_path, nullptr, "", 401);
  call("GET", conv_path, nullptr, "not-a-token", 401);
  // Writes follow the same policy.
  call("POST", conv_path + "/messages", {{"content", "hi"}}, member);
  call("POST", conv_path + "/messages", {{"content", "hi"}}, agent, 401);
  call("POST", conv_path + "/toggle_status", {{"status", "resolved"}}, outsider, 401);
  // The agent's list hides what it may not see; the member sees the conversation.
  auto hidden = call("GET", "/api/v1/accounts/1/conversations", nullptr, agent);
  CAF_CHECK_EQUAL(hidden["data"]["meta"]["all_count"], 0);
  auto visible = call("GET", "/api/v1/accounts/1/conversations", nullptr, member);
  CAF_CHECK_EQUAL(visible["data"]["meta"]["all_count"], 1);
}

CAF_TEST(foreign ids are not found and admin actions are refused to agents) {
  // Account 2's administrator asks for account 1's conversation through account 2.
  auto display = conv_path.substr(conv_path.rfind('/') + 1);
  call("GET", "/api/v1/accounts/2/conversations/" + display, nullptr, outsider, 404);
  call("GET", "/api/v1/accounts/999/conversations", nullptr, admin, 404);
  call("GET", "/api/v1/accounts/2/conversations", nullptr, admin, 401);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
         {"POST", "/api/v1/accounts/1/inboxes"},
         {"POST", "/api/v1/accounts/1/agents"},
         {"POST", "/api/v1/accounts/1/teams"},
         {"POST", "/api/v1/accounts/1/labels"},
         {"GET", "/api/v1/accounts/1/webhooks"},
         {"GET", "/api/v1/accounts/1/reporting_events"},
         {"PATCH", "/api/v1/accounts/1"}}) {
    auto body
      = call(method, path, json{{"name", "x"}, {"email", "x@y.z"}, {"title", "x"}}, member, 401);
    CAF_CHECK_EQUAL(body["error"], "You are not authorized to do this action");
  }
  // The Platform API takes only the platform token.
  call("GET", "/platform/api/v1/accounts/1", nullptr, admin, 401);
  call("GET", "/platform/api/v1/accounts/1", nullptr, platform);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(revocation_tests, short_cache_fixture)

CAF_TEST(a suspended account answers 401 account is suspended and takes no writes) {
  call("GET", conv_path, nullptr, member); // the edge now holds member's positive answers
  auto suspended
    = call("PATCH", "/platform/api/v1/accounts/1", {{"status", "suspended"}}, platform);
  CAF_CHECK_EQUAL(suspended["status"], "suspended");
  CAF_CHECK_EQUAL(db.scalar("SELECT status FROM accounts WHERE id = 1"), "1");
  // Refused at the latest when the cached answer expires (edge_cache_ms).
  auto read = refused_eventually("GET", conv_path, member);
  CAF_CHECK_EQUAL(read.status, 401);
  CAF_CHECK_EQUAL(read.body, R"({"error":"Account is suspended"})");
  auto messages = db.scalar("SELECT count(*) FROM messages");
  for (const auto& token : {admin, member, agent, outsider}) {
    auto write = raw("POST", conv_path + "/messages", token, {{"content", "while suspended"}});
    CAF_CHECK_EQUAL(write.status, 401);
    CAF_CHECK_EQUAL(write.body, R"({"error":"Account is suspended"})");
  }
  auto listed = raw("GET", "/api/v1/accounts/1/conversations", admin);
  CAF_CHECK_EQUAL(listed.body, R"({"error":"Account is suspended"})");
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages"), messages);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages WHERE content = 'while suspended'"),
                  "0");
  // Another account is not affected; the platform token still manages this one.
  call("GET", "/api/v1/accounts/2/conversations", nullptr, outsider);
  call("GET", "/platform/api/v1/accounts/1", nullptr, platform);
  // Reactivated: a grant counts at once (refusals are not cached).
  call("PATCH", "/platform/api/v1/accounts/1", {{"status", "active"}}, platform);
  call("POST", conv_path + "/messages", {{"content", "back"}}, member);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages WHERE content = 'back'"), "1");
}

CAF_TEST(an agent removed from the account is refused within the edge cache window) {
  call("GET", conv_path, nullptr, member);
  call("DELETE", "/api/v1/accounts/1/agents/" + std::to_string(member_id), nullptr, admin);
  auto read = refused_eventually("GET", conv_path, member);
  CAF_CHECK_EQUAL(read.status, 401);
  CAF_CHECK_EQUAL(read.body, R"({"error":"You are not authorized to access this account"})");
  auto messages = db.scalar("SELECT count(*) FROM messages");
  auto write = raw("POST", conv_path + "/messages", member, {{"content", "after removal"}});
  CAF_CHECK_EQUAL(write.status, 401);
  CAF_CHECK_EQUAL(db.scalar("SELECT count(*) FROM messages"), messages);
  call("GET", conv_path, nullptr, admin); // the others keep their access
}

CAF_TEST(a member removed from the inbox is refused within the edge cache window) {
  call("GET", conv_path, nullptr, member);
  call("DELETE", "/api/v1/accounts/1/inbox_members",
       {{"inbox_id", inbox}, {"user_ids", {member_id}}}, admin);
  auto read = refused_eventually("GET", conv_path, member);
  CAF_CHECK_EQUAL(read.status, 401);
  CAF_CHECK_EQUAL(read.body, R"({"error":"You are not authorized to do this action"})");
  auto toggled = raw("POST", conv_path + "/toggle_status", member, {{"status", "resolved"}});
  CAF_CHECK_EQUAL(toggled.status, 401);
  CAF_CHECK_EQUAL(db.scalar("SELECT status FROM conversations"), "0");
  // Still an agent of the account: account-level reads work.
  call("GET", "/api/v1/accounts/1/agents", nullptr, member);
}

CAF_TEST(a deleted users token is refused within the edge cache window) {
  call("GET", conv_path, nullptr, member);
  call("DELETE", "/platform/api/v1/users/" + std::to_string(member_id), nullptr, platform);
  CAF_CHECK_EQUAL(
    db.scalar("SELECT count(*) FROM access_tokens WHERE owner_id = " + std::to_string(member_id)),
    "0");
  auto read = refused_eventually("GET", conv_path, member);
  CAF_CHECK_EQUAL(read.status, 401);
  CAF_CHECK_EQUAL(read.body, R"({"error":"Invalid Access Token"})");
  auto listed = raw("GET", "/api/v1/accounts/1/conversations", member);
  CAF_CHECK_EQUAL(listed.body, R"({"error":"Invalid Access Token"})");
}

CAF_TEST_FIXTURE_SCOPE_END()
