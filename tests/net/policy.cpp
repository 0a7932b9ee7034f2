#define CAF_SUITE net.policy
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger;
using json = nlohmann::json;

namespace {

struct fixture : test::api_node {
  std::string member;   ///< agent and member of the inbox
  std::string outsider; ///< user of account 2 only
  int64_t member_id = 0;
  std::string conv_path;

  fixture() {
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
    auto inbox = make_inbox("Support")["id"].get<int64_t>();
    call("POST", "/api/v1/accounts/1/inbox_members",
         {{"inbox_id", inbox}, {"user_ids", {member_id}}}, admin);
    auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
    conv_path = "/api/v1/accounts/1/conversations/"
                + std::to_string(make_conversation(inbox, contact)["id"].get<int64_t>());
  }
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
