#define CAF_SUITE net.inbox_admin
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string base = "/api/v1/accounts/1";

struct fixture : test::api_node {};

} // namespace

CAF_TEST_FIXTURE_SCOPE(inbox_admin_tests, fixture)

CAF_TEST(inboxes are updated and deleted by administrators) {
  auto inbox = make_inbox("Support");
  auto path = base + "/inboxes/" + std::to_string(inbox["id"].get<int64_t>());
  call("PATCH", path, {{"name", "Help"}}, agent, 401);
  call("PATCH", path, {{"enable_auto_assignment", "yes"}}, admin, 422);
  call("PATCH", path, {{"channel", {{"webhook_url", "gopher://x"}}}}, admin, 422);
  auto updated = call("PATCH", path,
                      {{"name", "Help"},
                       {"greeting_enabled", true},
                       {"greeting_message", "Hi!"},
                       {"channel", {{"webhook_url", "https://hooks.test/in"}}}},
                      admin);
  CAF_CHECK_EQUAL(updated["name"], "Help");
  CAF_CHECK_EQUAL(updated["greeting_enabled"], true);
  CAF_CHECK_EQUAL(updated["greeting_message"], "Hi!");
  CAF_CHECK_EQUAL(updated["webhook_url"], "https://hooks.test/in");
  auto cleared = call("PATCH", path, {{"channel", {{"webhook_url", ""}}}}, admin);
  CAF_CHECK(cleared["webhook_url"].is_null());
  call("PATCH", base + "/inboxes/999", {{"name", "X"}}, admin, 404);

  auto contact = make_contact("Jane", "jane@example.com", inbox["id"].get<int64_t>());
  make_conversation(inbox["id"].get<int64_t>(), contact["contact"]["id"].get<int64_t>());
  call("DELETE", path, nullptr, agent, 401);
  call("DELETE", path, nullptr, admin);
  call("GET", path, nullptr, admin, 404);
  auto list = call("GET", base + "/conversations?status=all", nullptr, admin);
  CAF_CHECK_EQUAL(list["data"]["meta"]["all_count"], 0);
  call("DELETE", path, nullptr, admin, 404);
}

CAF_TEST(inbox members are replaced with patch) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  call("POST", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", {admin_id}}}, admin);
  auto replaced = call("PATCH", base + "/inbox_members",
                       {{"inbox_id", inbox}, {"user_ids", {agent_id}}}, admin);
  CAF_REQUIRE_EQUAL(replaced["payload"].size(), 1u);
  auto only = replaced["payload"][0];
  CAF_CHECK_EQUAL(only["id"], agent_id);
  auto view = call("GET", base + "/inbox_members/" + std::to_string(inbox), nullptr, admin);
  CAF_CHECK_EQUAL(view["payload"].size(), 1u);
  call("PATCH", base + "/inbox_members", {{"inbox_id", 999}, {"user_ids", {agent_id}}}, admin, 404);
  call("PATCH", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", json::array()}}, agent,
       401);
}

CAF_TEST(turning auto assignment on assigns the waiting conversations) {
  auto inbox = make_inbox("Support", false)["id"].get<int64_t>();
  call("POST", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", {agent_id}}}, admin);
  // Online without presence: auto_offline off.
  call("PATCH", base + "/agents/" + std::to_string(agent_id),
       {{"availability", "online"}, {"auto_offline", false}}, admin);
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact);
  CAF_CHECK(!conv["meta"].contains("assignee"));
  auto path = base + "/conversations/" + std::to_string(conv["id"].get<int64_t>());
  call("PATCH", base + "/inboxes/" + std::to_string(inbox), {{"enable_auto_assignment", true}},
       admin);
  // The inbox actor assigns after the PATCH answered: poll the conversation (bounded).
  int64_t assignee = 0;
  for (int i = 0; i < 5000 && assignee == 0; ++i) {
    auto shown = call("GET", path, nullptr, admin);
    if (shown["meta"].contains("assignee"))
      assignee = shown["meta"]["assignee"]["id"].get<int64_t>();
  }
  CAF_CHECK_EQUAL(assignee, agent_id);
}

CAF_TEST(team assignment and list filters) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto team = call("POST", base + "/teams", {{"name", "billing"}}, admin);
  auto a = make_contact("Ann", "ann@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto b = make_contact("Bob", "bob@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto first = make_conversation(inbox, a)["id"].get<int64_t>();
  auto second = make_conversation(inbox, b)["id"].get<int64_t>();
  auto path = base + "/conversations/" + std::to_string(first);
  auto assigned = call("POST", path + "/assignments", {{"team_id", team["id"]}}, admin);
  CAF_CHECK_EQUAL(assigned["name"], "billing");
  auto shown = call("GET", path, nullptr, admin);
  CAF_CHECK_EQUAL(shown["team_id"], team["id"]);
  auto by_team
    = call("GET", base + "/conversations?team_id=" + std::to_string(team["id"].get<int64_t>()),
           nullptr, admin);
  CAF_REQUIRE_EQUAL(by_team["data"]["payload"].size(), 1u);
  CAF_CHECK_EQUAL(by_team["data"]["payload"][0]["id"], first);
  auto oldest = call("GET", base + "/conversations?sort_by=created_at_asc", nullptr, admin);
  CAF_CHECK_EQUAL(oldest["data"]["payload"][0]["id"], first);
  auto newest = call("GET", base + "/conversations?sort_by=created_at_desc", nullptr, admin);
  CAF_CHECK_EQUAL(newest["data"]["payload"][0]["id"], second);
  call("GET", base + "/conversations?sort_by=bogus", nullptr, admin, 422);
  call("GET", base + "/conversations?conversation_type=bogus", nullptr, admin, 422);
  auto unattended
    = call("GET", base + "/conversations?conversation_type=unattended", nullptr, admin);
  CAF_CHECK_EQUAL(unattended["data"]["meta"]["all_count"], 2);
  call("POST", base + "/conversations/" + std::to_string(second) + "/messages",
       {{"content", "answer"}}, admin);
  auto after_reply
    = call("GET", base + "/conversations?conversation_type=unattended", nullptr, admin);
  CAF_CHECK_EQUAL(after_reply["data"]["meta"]["all_count"], 1);
  auto recent = call("GET", base + "/conversations?updated_within=3600", nullptr, admin);
  CAF_CHECK_EQUAL(recent["data"]["payload"].size(), 2u);
  auto removed = call("POST", path + "/assignments", {{"team_id", 0}}, admin);
  CAF_CHECK(removed.is_null());
  auto again = call("GET", path, nullptr, admin);
  CAF_CHECK(again["team_id"].is_null());
}

CAF_TEST_FIXTURE_SCOPE_END()
