#define CAF_SUITE net.account
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <regex>
#include <set>

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string base = "/api/v1/accounts/1";

/// A Time as Rails renders it in JSON: ISO-8601 UTC with milliseconds and "Z".
bool is_iso_utc(const json& v) {
  static const std::regex iso{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"};
  return v.is_string() && std::regex_match(v.get<std::string>(), iso);
}

/// The Time fields of a reporting event that are not is_iso_utc, with their values.
json non_iso_times(const json& event) {
  json out = json::object();
  for (const char* key : {"created_at", "updated_at", "event_start_time", "event_end_time"})
    if (!is_iso_utc(event[key]))
      out[key] = event[key];
  return out;
}

struct fixture : test::api_node {
  /// The ids of the rows of `table` that match `where`.
  std::set<int64_t> ids_where(const std::string& table, const std::string& where) {
    std::set<int64_t> out;
    auto text = db.scalar("SELECT string_agg(id::text, ',') FROM " + table + " WHERE " + where);
    for (size_t at = 0; at < text.size();) {
      auto comma = std::min(text.find(',', at), text.size());
      out.insert(std::stoll(text.substr(at, comma - at)));
      at = comma + 1;
    }
    return out;
  }

  /// The ids of GET …/reporting_events?`query` (checking that meta.count agrees).
  std::set<int64_t> reported(const std::string& query) {
    auto answer = call("GET", base + "/reporting_events?" + query, nullptr, admin);
    std::set<int64_t> out;
    for (const auto& e : answer["payload"])
      out.insert(e["id"].get<int64_t>());
    CAF_CHECK_EQUAL(answer["meta"]["count"].get<size_t>(), out.size());
    return out;
  }

  std::string count(const std::string& table, const std::string& where) {
    return db.scalar("SELECT count(*) FROM " + table + " WHERE " + where);
  }
};

using ids = std::set<int64_t>;

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
  // created_at is a Time in _account.json.jbuilder: ISO-8601 UTC with "Z", the stored instant.
  CAF_CHECK(is_iso_utc(account["created_at"]));
  CAF_CHECK_EQUAL(updated["created_at"], account["created_at"]);
  db.scalar("UPDATE accounts SET created_at = '2024-02-29 23:59:58.123456' WHERE id = 1");
  auto moved = call("GET", base, nullptr, agent);
  CAF_CHECK_EQUAL(moved["created_at"], "2024-02-29T23:59:58.123Z");
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

  // Cy and Ben are members of an inbox and a team; Cy is assigned a conversation and is
  // also an agent of account 2, with an inbox there.
  auto cy_id = std::to_string(cy["id"].get<int64_t>());
  auto ben_id = std::to_string(agent_id);
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  call("POST", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", {cy["id"], agent_id}}},
       admin);
  auto team = call("POST", base + "/teams", {{"name", "sales"}}, admin)["id"].get<int64_t>();
  call("POST", base + "/teams/" + std::to_string(team) + "/team_members",
       {{"user_ids", {cy["id"], agent_id}}}, admin);
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact)["id"].get<int64_t>();
  call("POST", base + "/conversations/" + std::to_string(conv) + "/assignments",
       {{"assignee_id", cy["id"]}}, admin);
  call("POST", "/platform/api/v1/accounts", {{"name", "Other"}}, platform);
  auto oz = call("POST", "/platform/api/v1/users", {{"name", "Oz"}, {"email", "oz@other.test"}},
                 platform);
  call("POST", "/platform/api/v1/accounts/2/account_users",
       {{"user_id", oz["id"]}, {"role", "administrator"}}, platform);
  call("POST", "/platform/api/v1/accounts/2/account_users",
       {{"user_id", cy["id"]}, {"role", "agent"}}, platform);
  auto oz_token = oz["access_token"].get<std::string>();
  auto foreign = call("POST", "/api/v1/accounts/2/inboxes",
                      {{"name", "Elsewhere"}, {"channel", {{"type", "api"}}}}, oz_token)["id"];
  call("POST", "/api/v1/accounts/2/inbox_members",
       {{"inbox_id", foreign}, {"user_ids", {cy["id"]}}}, oz_token);
  auto of = [&](const std::string& user) {
    return std::vector<std::string>{
      count("account_users", "account_id = 1 AND user_id = " + user),
      count("inbox_members", "user_id = " + user
                               + " AND inbox_id IN (SELECT id FROM inboxes "
                                 "WHERE account_id = 1)"),
      count("team_members", "user_id = " + user
                              + " AND team_id IN (SELECT id FROM teams WHERE "
                                "account_id = 1)"),
      count("account_users", "account_id = 2 AND user_id = " + user),
      count("inbox_members", "user_id = " + user
                               + " AND inbox_id IN (SELECT id FROM inboxes "
                                 "WHERE account_id = 2)")};
  };
  using rows = std::vector<std::string>;
  CAF_REQUIRE_EQUAL(of(cy_id), (rows{"1", "1", "1", "1", "1"}));
  auto ben_before = of(ben_id);
  auto ada_before = of(std::to_string(admin_id));
  CAF_CHECK_EQUAL(ben_before, (rows{"1", "1", "1", "0", "0"}));

  call("DELETE", path, nullptr, agent, 401);
  CAF_CHECK_EQUAL(of(cy_id), (rows{"1", "1", "1", "1", "1"}));
  call("DELETE", path, nullptr, admin);
  // Account 1's membership, inbox and team memberships go; account 2's stay, and so do the
  // user row and the assignment of the open conversation (docs/api-compat.md).
  CAF_CHECK_EQUAL(of(cy_id), (rows{"0", "0", "0", "1", "1"}));
  CAF_CHECK_EQUAL(count("users", "id = " + cy_id), "1");
  CAF_CHECK_EQUAL(db.scalar("SELECT assignee_id FROM conversations WHERE account_id = 1 AND "
                            "display_id = "
                            + std::to_string(conv)),
                  cy_id);
  CAF_CHECK_EQUAL(of(ben_id), ben_before);
  CAF_CHECK_EQUAL(of(std::to_string(admin_id)), ada_before);
  auto members = call("GET", base + "/inbox_members/" + std::to_string(inbox), nullptr, admin);
  CAF_REQUIRE_EQUAL(members["payload"].size(), 1u);
  CAF_CHECK_EQUAL(members["payload"][0]["id"], agent_id);
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
  // Label validations answer Chatwoot's RecordInvalid shape (labels.create!).
  auto bad = call("POST", base + "/labels", {{"title", "bad label!"}}, admin, 422);
  CAF_CHECK_EQUAL(bad, json::parse(R"({"message":"Title is invalid","attributes":["title"]})"));
  auto taken = call("POST", base + "/labels", {{"title", "billing"}}, admin, 422);
  CAF_CHECK_EQUAL(
    taken, json::parse(R"({"message":"Title has already been taken","attributes":["title"]})"));
  auto blank = call("POST", base + "/labels", {{"color", "#00ff00"}}, admin, 422);
  CAF_CHECK_EQUAL(blank, json::parse(R"({"message":"Title must not be blank, Title is invalid",)"
                                     R"("attributes":["title"]})"));
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
  // The reporting_event partial renders its Times: ISO-8601 UTC with "Z".
  CAF_CHECK_EQUAL(non_iso_times(first), json::object());
  call("GET", base + "/reporting_events?since=abc", nullptr, admin, 422);
  auto of_conv = call("GET", cpath + "/reporting_events", nullptr, admin);
  CAF_CHECK_EQUAL(of_conv.size(), 2u);
  for (const auto& e : of_conv)
    CAF_CHECK_EQUAL(non_iso_times(e), json::object());
  // The stored instant, to the millisecond (truncated, as Rails does).
  auto first_id = std::to_string(first["id"].get<int64_t>());
  db.scalar("UPDATE reporting_events SET event_start_time = '2025-01-02 03:04:05.6789' WHERE id = "
            + first_id);
  auto moved = call("GET", base + "/reporting_events?name=first_response", nullptr, admin);
  CAF_CHECK_EQUAL(moved["payload"][0]["event_start_time"], "2025-01-02T03:04:05.678Z");
  call("GET", cpath + "/reporting_events", nullptr, agent, 401);
  call("GET", base + "/conversations/999/reporting_events", nullptr, admin, 404);
}

CAF_TEST(reporting events filters select exactly their events) {
  // Inbox A: Ada answers and resolves; inbox B: Ben (a member) answers.
  auto a = make_inbox("A")["id"].get<int64_t>();
  auto b = make_inbox("B")["id"].get<int64_t>();
  call("POST", base + "/inbox_members", {{"inbox_id", b}, {"user_ids", {agent_id}}}, admin);
  auto conv_in = [&](int64_t inbox, const std::string& email) {
    auto contact = make_contact(email, email, inbox)["contact"]["id"].get<int64_t>();
    return base + "/conversations/"
           + std::to_string(make_conversation(inbox, contact)["id"].get<int64_t>());
  };
  auto ca = conv_in(a, "ann@example.com");
  auto cb = conv_in(b, "bob@example.com");
  call("POST", ca + "/messages", {{"content", "help"}, {"message_type", "incoming"}}, admin);
  call("POST", ca + "/messages", {{"content", "sure"}}, admin);
  call("POST", ca + "/toggle_status", {{"status", "resolved"}}, admin);
  call("POST", cb + "/messages", {{"content", "help"}, {"message_type", "incoming"}}, admin);
  call("POST", cb + "/messages", {{"content", "sure"}}, agent);
  auto a_id = std::to_string(a);
  auto b_id = std::to_string(b);
  auto all = ids_where("reporting_events", "account_id = 1");
  auto in_a = ids_where("reporting_events", "inbox_id = " + a_id);
  auto in_b = ids_where("reporting_events", "inbox_id = " + b_id);
  auto first_responses = ids_where("reporting_events", "name = 'first_response'");
  auto by_ben = ids_where("reporting_events", "user_id = " + std::to_string(agent_id));
  CAF_REQUIRE_EQUAL(all.size(), 3u); // first_response (A), conversation_resolved (A), (B)
  CAF_REQUIRE_EQUAL(in_a.size(), 2u);
  CAF_REQUIRE_EQUAL(in_b.size(), 1u);
  CAF_REQUIRE_EQUAL(first_responses.size(), 2u);
  CAF_REQUIRE_EQUAL(by_ben, in_b);

  CAF_CHECK_EQUAL(reported(""), all);
  CAF_CHECK_EQUAL(reported("inbox_id=" + a_id), in_a);
  CAF_CHECK_EQUAL(reported("inbox_id=" + b_id), in_b);
  CAF_CHECK_EQUAL(reported("name=first_response"), first_responses);
  CAF_CHECK_EQUAL(reported("name=conversation_resolved&inbox_id=" + b_id), ids{});
  CAF_CHECK_EQUAL(reported("user_id=" + std::to_string(agent_id)), by_ben);
  CAF_CHECK_EQUAL(reported("inbox_id=" + a_id + "&name=first_response").size(), 1u);
  // since / until (epoch seconds, on created_at): B's event moves to 2020-06-01 00:00 UTC.
  db.scalar("UPDATE reporting_events SET created_at = '2020-06-01 00:00:00' WHERE inbox_id = "
            + b_id);
  CAF_CHECK_EQUAL(reported("until=1609459200"), in_b); // 2021-01-01
  CAF_CHECK_EQUAL(reported("since=1609459200"), in_a); // 2021-01-01
  CAF_CHECK_EQUAL(reported("since=1590969600"), all);  // exactly 2020-06-01: included
  CAF_CHECK_EQUAL(reported("since=1590969601"), in_a); // one second later: not
  CAF_CHECK_EQUAL(reported("since=1577836800&until=1590969600"), in_b); // 2020-01-01 .. 06-01
  call("GET", base + "/reporting_events?until=x", nullptr, admin, 422);
  call("GET", base + "/reporting_events?inbox_id=-1", nullptr, admin, 422);
  // Newest first.
  auto listed = call("GET", base + "/reporting_events", nullptr, admin)["payload"];
  CAF_REQUIRE_EQUAL(listed.size(), 3u);
  CAF_CHECK_EQUAL(listed[2]["inbox_id"], b);

  // The conversation's endpoint: its own events only, oldest first.
  auto of_a = call("GET", ca + "/reporting_events", nullptr, admin);
  CAF_REQUIRE_EQUAL(of_a.size(), 2u);
  CAF_CHECK_EQUAL(of_a[0]["name"], "first_response");
  CAF_CHECK_EQUAL(of_a[1]["name"], "conversation_resolved");
  CAF_CHECK_EQUAL((ids{of_a[0]["id"].get<int64_t>(), of_a[1]["id"].get<int64_t>()}), in_a);
  auto of_b = call("GET", cb + "/reporting_events", nullptr, agent); // Ben is a member of B
  CAF_REQUIRE_EQUAL(of_b.size(), 1u);
  CAF_CHECK_EQUAL(of_b[0]["id"], *in_b.begin());
  CAF_CHECK_EQUAL(of_b[0]["user_id"], agent_id);
  call("GET", ca + "/reporting_events", nullptr, agent, 401); // not a member of A
}

CAF_TEST_FIXTURE_SCOPE_END()
