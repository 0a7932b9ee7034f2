#define CAF_SUITE net.account
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string base = "/api/v1/accounts/1";

struct fixture : test::api_node {};

} // namespace

CAF_TEST_FIXTURE_SCOPE(account_api_tests, fixture)

CAF_TEST(account show and update) {
  auto account = call("GET", base, nullptr, agent);
  CAF_CHECK_EQUAL(account["name"], "Acme");
  CAF_CHECK_EQUAL(account["status"], "active");
  call("PATCH", base, {{"name", "Acme Inc"}}, agent, 401);
  auto updated = call("PATCH", base, {{"name", "Acme Inc"}, {"auto_resolve_after", 60}}, admin);
  CAF_CHECK_EQUAL(updated["name"], "Acme Inc");
  CAF_CHECK_EQUAL(updated["settings"]["auto_resolve_after"], 60);
  call("GET", "/api/v1/accounts/2", nullptr, agent, 404);
}

CAF_TEST(agents are listed created updated and removed) {
  auto agents = call("GET", base + "/agents", nullptr, agent);
  CAF_REQUIRE_EQUAL(agents.size(), 2u);
  auto first = agents[0];
  CAF_CHECK_EQUAL(first["name"], "Ada");
  CAF_CHECK_EQUAL(first["role"], "administrator");
  CAF_CHECK_EQUAL(first["availability_status"], "online");
  CAF_CHECK_EQUAL(first["auto_offline"], true);

  call("POST", base + "/agents", {{"name", "Cy"}, {"email", "cy@acme.test"}}, agent, 401);
  call("POST", base + "/agents", {{"name", "Cy"}, {"email", "nope"}}, admin, 422);
  call("POST", base + "/agents", {{"email", "cy@acme.test"}, {"role", "owner"}}, admin, 422);
  auto cy
    = call("POST", base + "/agents",
           {{"agent", {{"name", "Cy"}, {"email", "Cy@Acme.test"}, {"role", "agent"}}}}, admin);
  CAF_CHECK_EQUAL(cy["email"], "cy@acme.test");
  CAF_CHECK_EQUAL(cy["role"], "agent");
  auto dup
    = call("POST", base + "/agents", {{"name", "Cy"}, {"email", "cy@acme.test"}}, admin, 422);
  CAF_CHECK(dup.contains("error"));
  auto path = base + "/agents/" + std::to_string(cy["id"].get<int64_t>());

  auto busy = call("PATCH", path, {{"availability", "busy"}, {"auto_offline", false}}, admin);
  CAF_CHECK_EQUAL(busy["availability_status"], "busy");
  CAF_CHECK_EQUAL(busy["auto_offline"], false);
  auto promoted = call("PATCH", path, {{"role", "administrator"}, {"name", "Cyrus"}}, admin);
  CAF_CHECK_EQUAL(promoted["role"], "administrator");
  CAF_CHECK_EQUAL(promoted["name"], "Cyrus");
  CAF_CHECK_EQUAL(promoted["availability_status"], "busy");
  call("PATCH", path, {{"availability", "away"}}, admin, 422);
  call("PATCH", base + "/agents/999", {{"name", "X"}}, admin, 404);

  call("DELETE", path, nullptr, agent, 401);
  call("DELETE", path, nullptr, admin);
  call("DELETE", path, nullptr, admin, 404);
  auto after = call("GET", base + "/agents", nullptr, admin);
  CAF_CHECK_EQUAL(after.size(), 2u);
}

CAF_TEST(profile availability goes through the operator actor) {
  auto profile = call("POST", "/api/v1/profile/availability",
                      {{"profile", {{"account_id", 1}, {"availability", "offline"}}}}, agent);
  auto accounts = profile["accounts"];
  CAF_REQUIRE_EQUAL(accounts.size(), 1u);
  CAF_CHECK_EQUAL(accounts[0]["availability"], "offline");
  auto listed = call("GET", base + "/agents", nullptr, agent);
  auto ben = listed[1];
  CAF_CHECK_EQUAL(ben["availability_status"], "offline");
  call("POST", "/api/v1/profile/availability",
       {{"profile", {{"account_id", 1}, {"availability", "sleepy"}}}}, agent, 422);
  call("POST", "/api/v1/profile/availability",
       {{"profile", {{"account_id", 7}, {"availability", "online"}}}}, agent, 401);
  call("POST", "/api/v1/profile/availability", {{"profile", {{"account_id", 1}}}}, "", 401);
}

CAF_TEST(profile update) {
  auto updated
    = call("PUT", "/api/v1/profile",
           {{"profile", {{"display_name", "Benny"}, {"message_signature", "-- B"}}}}, agent);
  CAF_CHECK_EQUAL(updated["display_name"], "Benny");
  CAF_CHECK_EQUAL(updated["available_name"], "Benny");
  CAF_CHECK_EQUAL(updated["message_signature"], "-- B");
  CAF_CHECK_EQUAL(updated["access_token"], agent);
  call("PUT", "/api/v1/profile", {{"profile", {{"email", "nope"}}}}, agent, 422);
  call("PUT", "/api/v1/profile", {{"profile", {{"name", "X"}}}}, "bogus", 401);
}

CAF_TEST(teams and team members) {
  call("POST", base + "/teams", {{"name", "Sales"}}, agent, 401);
  auto team = call("POST", base + "/teams", {{"team", {{"name", "Sales"}}}}, admin);
  CAF_CHECK_EQUAL(team["name"], "sales");
  CAF_CHECK_EQUAL(team["allow_auto_assign"], true);
  CAF_CHECK_EQUAL(team["is_member"], false);
  auto dup = call("POST", base + "/teams", {{"name", "sales"}}, admin, 422);
  CAF_CHECK(dup.contains("error"));
  call("POST", base + "/teams", json::object(), admin, 422);
  auto path = base + "/teams/" + std::to_string(team["id"].get<int64_t>());
  auto renamed = call("PATCH", path, {{"description", "deals"}}, admin);
  CAF_CHECK_EQUAL(renamed["description"], "deals");

  auto added = call("POST", path + "/team_members", {{"user_ids", {agent_id, 4242}}}, admin);
  CAF_CHECK_EQUAL(added.size(), 1u);
  auto members = call("PATCH", path + "/team_members", {{"user_ids", {admin_id}}}, admin);
  CAF_REQUIRE_EQUAL(members.size(), 1u);
  auto only = members[0];
  CAF_CHECK_EQUAL(only["id"], admin_id);
  auto shown = call("GET", path, nullptr, admin);
  CAF_CHECK_EQUAL(shown["is_member"], true);
  call("DELETE", path + "/team_members", {{"user_ids", {admin_id}}}, admin);
  auto none = call("GET", path + "/team_members", nullptr, agent);
  CAF_CHECK_EQUAL(none.size(), 0u);
  call("POST", base + "/teams/999/team_members", {{"user_ids", {admin_id}}}, admin, 404);
  auto teams = call("GET", base + "/teams", nullptr, agent);
  CAF_CHECK_EQUAL(teams.size(), 1u);
  call("DELETE", path, nullptr, admin);
  call("GET", path, nullptr, admin, 404);
}

CAF_TEST(labels and canned responses) {
  auto label = call("POST", base + "/labels", {{"title", "Billing"}, {"color", "#ff0000"}}, admin);
  CAF_CHECK_EQUAL(label["title"], "billing");
  call("POST", base + "/labels", {{"title", "bad label!"}}, admin, 422);
  call("POST", base + "/labels", {{"title", "billing"}}, admin, 422);
  call("POST", base + "/labels", {{"title", "x"}}, agent, 401);
  auto labels = call("GET", base + "/labels", nullptr, agent);
  CAF_CHECK_EQUAL(labels["payload"].size(), 1u);
  auto lpath = base + "/labels/" + std::to_string(label["id"].get<int64_t>());
  auto patched = call("PATCH", lpath, {{"description", "money"}}, admin);
  CAF_CHECK_EQUAL(patched["description"], "money");
  call("DELETE", lpath, nullptr, admin);
  call("GET", lpath, nullptr, admin, 404);

  auto canned
    = call("POST", base + "/canned_responses",
           {{"canned_response", {{"short_code", "hi"}, {"content", "Hello there"}}}}, agent);
  CAF_CHECK_EQUAL(canned["short_code"], "hi");
  call("POST", base + "/canned_responses", {{"short_code", "hi"}, {"content", "again"}}, agent,
       422);
  call("POST", base + "/canned_responses", {{"short_code", "bye"}, {"content", "Bye"}}, agent);
  auto found = call("GET", base + "/canned_responses?search=hell", nullptr, agent);
  CAF_CHECK_EQUAL(found.size(), 1u);
  auto all = call("GET", base + "/canned_responses", nullptr, agent);
  CAF_CHECK_EQUAL(all.size(), 2u);
  auto cpath = base + "/canned_responses/" + std::to_string(canned["id"].get<int64_t>());
  call("PATCH", cpath, {{"content", "Hi!"}}, agent, 401);
  auto changed = call("PATCH", cpath, {{"content", "Hi!"}}, admin);
  CAF_CHECK_EQUAL(changed["content"], "Hi!");
  call("DELETE", cpath, nullptr, admin);
  call("DELETE", cpath, nullptr, admin, 404);
}

CAF_TEST(webhooks are managed by administrators) {
  call("GET", base + "/webhooks", nullptr, agent, 401);
  auto made
    = call("POST", base + "/webhooks",
           {{"webhook", {{"url", "https://hooks.test/a"}, {"subscriptions", {"message_created"}}}}},
           admin);
  auto hook = made["payload"]["webhook"];
  CAF_CHECK_EQUAL(hook["url"], "https://hooks.test/a");
  CAF_CHECK_EQUAL(hook["subscriptions"], json({"message_created"}));
  CAF_CHECK(hook["secret"].is_string());
  call("POST", base + "/webhooks", {{"url", "ftp://x"}}, admin, 422);
  call("POST", base + "/webhooks", {{"url", "https://hooks.test/b"}, {"subscriptions", {"bogus"}}},
       admin, 422);
  auto dup = call("POST", base + "/webhooks", {{"url", "https://hooks.test/a"}}, admin, 422);
  CAF_CHECK_EQUAL(dup["error"], "Url has already been taken");
  auto defaults = call("POST", base + "/webhooks", {{"url", "https://hooks.test/c"}}, admin);
  CAF_CHECK_EQUAL(defaults["payload"]["webhook"]["subscriptions"].size(), 8u);
  auto list = call("GET", base + "/webhooks", nullptr, admin);
  CAF_CHECK_EQUAL(list["payload"]["webhooks"].size(), 2u);
  auto path = base + "/webhooks/" + std::to_string(hook["id"].get<int64_t>());
  auto patched = call("PATCH", path, {{"name", "crm"}}, admin);
  CAF_CHECK_EQUAL(patched["payload"]["webhook"]["name"], "crm");
  call("DELETE", path, nullptr, admin);
  call("DELETE", path, nullptr, admin, 404);
}

CAF_TEST(reporting events are listed for administrators) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact)["id"].get<int64_t>();
  auto cpath = base + "/conversations/" + std::to_string(conv);
  call("POST", cpath + "/messages", {{"content", "help"}, {"message_type", "incoming"}}, admin);
  call("POST", cpath + "/messages", {{"content", "sure"}}, admin);
  call("POST", cpath + "/toggle_status", {{"status", "resolved"}}, admin);
  call("GET", base + "/reporting_events", nullptr, agent, 401);
  auto events = call("GET", base + "/reporting_events", nullptr, admin);
  CAF_CHECK_EQUAL(events["meta"]["count"], 2);
  CAF_CHECK_EQUAL(events["meta"]["total_pages"], 1);
  auto named = call("GET", base + "/reporting_events?name=first_response", nullptr, admin);
  CAF_REQUIRE_EQUAL(named["payload"].size(), 1u);
  auto first = named["payload"][0];
  CAF_CHECK(first["value"].is_number());
  call("GET", base + "/reporting_events?since=abc", nullptr, admin, 422);
  auto of_conv = call("GET", cpath + "/reporting_events", nullptr, admin);
  CAF_CHECK_EQUAL(of_conv.size(), 2u);
  call("GET", cpath + "/reporting_events", nullptr, agent, 401);
  call("GET", base + "/conversations/999/reporting_events", nullptr, admin, 404);
}

CAF_TEST_FIXTURE_SCOPE_END()
