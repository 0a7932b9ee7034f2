#define CAF_SUITE net.ops
#include "tests/support/api_node.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <sstream>

using namespace messenger;
using json = nlohmann::json;

namespace {

const std::string base = "/api/v1/accounts/1";

struct fixture : test::api_node {
  fixture()
      : test::api_node([](config::app_config& cfg) {
          cfg.assignment_limit = 3;
          cfg.assignment_window_s = 600;
        }) {}

  json ops(const std::string& target, int expected = 200) {
    return call("GET", target, nullptr, platform, expected);
  }

  json inbox_view(int64_t inbox) { return ops("/ops/api/actors/inbox/" + std::to_string(inbox)); }

  /// The value of one sample of GET /metrics (`series` with its labels), 0 when absent.
  double metric(const std::string& series) {
    auto reply = test::http_call(port, "GET", "/metrics", {}, {{"api_access_token", platform}});
    CAF_REQUIRE_EQUAL(reply.status, 200);
    std::istringstream lines{reply.body};
    std::string line;
    while (std::getline(lines, line))
      if (line.rfind(series + " ", 0) == 0)
        return std::stod(line.substr(series.size() + 1));
    return 0;
  }

  /// An inbox with auto assignment whose members Ada and Ben are online (auto_offline off),
  /// once the inbox actor knows both are eligible.
  int64_t staffed_inbox() {
    auto inbox = make_inbox("Support", true)["id"].get<int64_t>();
    call("POST", base + "/inbox_members", {{"inbox_id", inbox}, {"user_ids", {admin_id, agent_id}}},
         admin);
    for (auto user : {admin_id, agent_id})
      call("PATCH", base + "/agents/" + std::to_string(user),
           {{"availability", "online"}, {"auto_offline", false}}, admin);
    CAF_REQUIRE(test::eventually([&] { return inbox_view(inbox)["eligible"].size() == 2; }));
    return inbox;
  }

  json conversation_of(int64_t display_id) {
    return call("GET", base + "/conversations/" + std::to_string(display_id), nullptr, admin);
  }
};

const char* ops_paths[] = {"/ops/api/actors", "/ops/api/actors?all=1", "/ops/api/actors/inbox/1",
                           "/ops/api/cluster", "/metrics"};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ops_tests, fixture)

CAF_TEST(every ops endpoint needs the platform token) {
  for (const auto* path : ops_paths) {
    CAF_MESSAGE(path);
    auto none = call("GET", path, nullptr, "", 401);
    CAF_CHECK_EQUAL(none["error"], "Invalid Access Token");
    call("GET", path, nullptr, "wrong-token", 401);
    call("GET", path, nullptr, admin, 401); // a user's token is not the platform token
  }
  auto page = test::http_call(port, "GET", "/ops");
  CAF_CHECK_EQUAL(page.status, 200);
  CAF_CHECK_EQUAL(page.headers["content-type"], "text/html; charset=utf-8");
  CAF_CHECK(page.body.find("id=\"login-form\"") != std::string::npos);
}

CAF_TEST(the inbox ring rotates and the limiter counts as conversations are assigned) {
  auto inbox = staffed_inbox();
  auto before = inbox_view(inbox);
  CAF_CHECK_EQUAL(before["kind"], "inbox");
  CAF_CHECK_EQUAL(before["node"], "api-test");
  CAF_REQUIRE_EQUAL(before["ring"].size(), 2u);
  CAF_CHECK(before["rate_limiter"].empty());
  CAF_CHECK_EQUAL(before["rate_limit"]["limit"], 3);
  CAF_CHECK_EQUAL(before["rate_limit"]["window_s"], 600);
  auto first_pick = before["ring"][0].get<int64_t>();
  auto second_pick = before["ring"][1].get<int64_t>();

  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact);
  json after;
  CAF_REQUIRE(test::eventually([&] {
    after = inbox_view(inbox);
    return after["rate_limiter"].size() == 1;
  }));
  CAF_CHECK_EQUAL(after["rate_limiter"][std::to_string(first_pick)], 1);
  // The agent just picked goes to the back: the other one is next now.
  CAF_CHECK_EQUAL(after["ring"], json::array({second_pick, first_pick}));
  CAF_CHECK(test::eventually([&] {
    auto shown = conversation_of(conv["id"].get<int64_t>());
    return shown["meta"].contains("assignee")
           && shown["meta"]["assignee"]["id"].get<int64_t>() == first_pick;
  }));

  auto other = make_contact("Joe", "joe@example.com", inbox)["contact"]["id"].get<int64_t>();
  make_conversation(inbox, other);
  CAF_REQUIRE(test::eventually([&] {
    after = inbox_view(inbox);
    return after["rate_limiter"].size() == 2;
  }));
  CAF_CHECK_EQUAL(after["rate_limiter"][std::to_string(second_pick)], 1);
  CAF_CHECK_EQUAL(after["ring"], json::array({first_pick, second_pick}));
  CAF_CHECK(after["queue"].empty());
}

CAF_TEST(a conversation shows its times and snooze timer and flood window) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto conv = make_conversation(inbox, contact);
  auto display = std::to_string(conv["id"].get<int64_t>());
  auto id = db.scalar("SELECT id FROM conversations WHERE display_id = " + display);
  auto path = "/ops/api/actors/conversation/" + id;
  auto open = ops(path);
  CAF_CHECK_EQUAL(open["status"], "open");
  CAF_CHECK(open["assignee_id"].is_null());
  CAF_CHECK(open["timers"].empty());
  CAF_CHECK_EQUAL(open["flood"]["count"], 0);
  CAF_CHECK(!open["waiting_since"].is_null());
  CAF_CHECK(open["first_reply_created_at"].is_null());

  auto conv_path = base + "/conversations/" + display;
  call("POST", conv_path + "/messages", {{"content", "help"}, {"message_type", "incoming"}}, admin);
  call("POST", conv_path + "/messages", {{"content", "sure"}}, admin);
  auto shown = ops(path);
  CAF_CHECK_EQUAL(shown["flood"]["count"], 2);
  CAF_CHECK(shown["waiting_since"].is_null()); // the agent's reply ended the wait
  CAF_CHECK(!shown["first_reply_created_at"].is_null());
  CAF_CHECK(!shown["last_activity_at"].is_null());

  auto due = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count()
             + 3600;
  call("POST", conv_path + "/toggle_status", {{"status", "snoozed"}, {"snoozed_until", due}},
       admin);
  auto snoozed = ops(path);
  CAF_CHECK_EQUAL(snoozed["status"], "snoozed");
  CAF_REQUIRE_EQUAL(snoozed["timers"].size(), 1u);
  CAF_CHECK_EQUAL(snoozed["timers"][0]["name"], "snooze");
  CAF_CHECK_EQUAL(snoozed["timers"][0]["due_at"], snoozed["snoozed_until"]);
  call("POST", conv_path + "/toggle_status", {{"status", "open"}}, admin);
  CAF_CHECK(ops(path)["timers"].empty());
}

CAF_TEST(an operator shows availability and presence) {
  call("PATCH", base + "/agents/" + std::to_string(agent_id),
       {{"availability", "busy"}, {"auto_offline", false}}, admin);
  auto op = ops("/ops/api/actors/operator/" + std::to_string(agent_id));
  CAF_CHECK_EQUAL(op["kind"], "operator");
  CAF_REQUIRE_EQUAL(op["accounts"].size(), 1u);
  CAF_CHECK_EQUAL(op["accounts"][0]["account_id"], 1);
  CAF_CHECK_EQUAL(op["accounts"][0]["configured"], "busy");
  CAF_CHECK_EQUAL(op["accounts"][0]["availability"], "busy");
  CAF_CHECK_EQUAL(op["accounts"][0]["auto_offline"], false);
  CAF_CHECK_EQUAL(op["accounts"][0]["connections"], 0);
  CAF_CHECK(op["accounts"][0]["last_ping_at"].is_null());
}

CAF_TEST(unknown entities answer 404 and activate nothing) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  inbox_view(inbox);
  auto counts = ops("/ops/api/actors");
  auto spawns = counts["spawns"];
  for (const auto* path :
       {"/ops/api/actors/inbox/999999", "/ops/api/actors/conversation/999999",
        "/ops/api/actors/operator/999999", "/ops/api/actors/widget/1", "/ops/api/actors/inbox/x",
        "/ops/api/actors/inbox/-1", "/ops/api/actors/inbox/0"}) {
    auto answer = ops(path, 404);
    CAF_CHECK_EQUAL(answer["error"], "Resource could not be found");
  }
  auto later = ops("/ops/api/actors");
  CAF_CHECK_EQUAL(later["actors"], counts["actors"]);
  CAF_CHECK_EQUAL(later["spawns"], spawns);
  CAF_CHECK_GREATER_OR_EQUAL(later["actors"]["inbox"].get<int64_t>(), 1);
  CAF_CHECK_GREATER_OR_EQUAL(later["spawns"]["inbox"].get<int64_t>(), 1);
}

CAF_TEST(actors and cluster show this node) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  inbox_view(inbox);
  auto mine = ops("/ops/api/actors");
  CAF_CHECK_EQUAL(mine["node"], "api-test");
  CAF_CHECK(!mine.contains("nodes"));
  for (const auto* path : {"/ops/api/actors?all=1", "/ops/api/actors?cluster=1"}) {
    auto all = ops(path);
    CAF_REQUIRE_EQUAL(all["nodes"].size(), 1u);
    CAF_CHECK_EQUAL(all["nodes"][0]["node"], "api-test");
    CAF_CHECK_EQUAL(all["nodes"][0]["live"], true);
    CAF_CHECK_EQUAL(all["nodes"][0]["actors"], mine["actors"]);
  }
  auto cluster = ops("/ops/api/cluster");
  CAF_CHECK_EQUAL(cluster["node"], "api-test");
  CAF_REQUIRE_EQUAL(cluster["nodes"].size(), 1u);
  auto self = cluster["nodes"][0];
  CAF_CHECK_EQUAL(self["id"], "api-test");
  CAF_CHECK_EQUAL(self["self"], true);
  CAF_CHECK_EQUAL(self["status"], "up");
  CAF_CHECK_EQUAL(self["live"], true);
  CAF_CHECK_EQUAL(self["incarnation"], cluster["self"]["incarnation"]);
  CAF_CHECK_GREATER(self["incarnation"].get<int64_t>(), 0);
  CAF_CHECK_EQUAL(self["owned"], mine["actors"]);
  CAF_CHECK_EQUAL(self["http_addr"], "127.0.0.1:" + std::to_string(port));
}

CAF_TEST(metrics move with traffic) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
  auto display = std::to_string(make_conversation(inbox, contact)["id"].get<int64_t>());
  const std::string shown
    = R"(messenger_http_requests_total{method="GET",route="/api/v1/accounts/:account_id/conversations/:conversation_id",status="200"})";
  const std::string incoming = R"(messenger_messages_created_total{type="incoming"})";
  const std::string batches = "messenger_persistence_batch_size_count";
  const std::string latency
    = R"(messenger_http_request_duration_seconds_count{method="GET",route="/api/v1/accounts/:account_id/conversations/:conversation_id"})";
  auto shown_before = metric(shown);
  auto latency_before = metric(latency);
  auto incoming_before = metric(incoming);
  auto batches_before = metric(batches);
  for (int i = 0; i < 3; ++i)
    conversation_of(std::stoll(display));
  call("POST", base + "/conversations/" + display + "/messages",
       {{"content", "help"}, {"message_type", "incoming"}}, admin);
  CAF_CHECK_EQUAL(metric(shown), shown_before + 3);
  CAF_CHECK_EQUAL(metric(latency), latency_before + 3);
  CAF_CHECK_GREATER(metric(batches), batches_before);
  // Counted by a listener of the published event (asynchronous).
  CAF_CHECK(test::eventually([&] { return metric(incoming) == incoming_before + 1; }));
  CAF_CHECK_GREATER_OR_EQUAL(metric(R"(messenger_actors_live{kind="conversation"})"), 1);
  CAF_CHECK_GREATER_OR_EQUAL(metric("messenger_cluster_members"), 1);

  auto unauthorized
    = R"(messenger_http_requests_total{method="GET",route="/metrics",status="401"})";
  auto refused_before = metric(unauthorized);
  call("GET", "/metrics", nullptr, "nope", 401);
  CAF_CHECK_EQUAL(metric(unauthorized), refused_before + 1);

  auto page = test::http_call(port, "GET", "/metrics", {}, {{"api_access_token", platform}});
  CAF_CHECK_EQUAL(page.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  CAF_CHECK(page.body.find("# TYPE messenger_http_request_duration_seconds histogram")
            != std::string::npos);
  CAF_CHECK(page.body.find("# TYPE messenger_http_requests_total counter") != std::string::npos);
}

CAF_TEST(every answer carries a request id) {
  auto generated = test::http_call(port, "GET", "/healthz");
  auto id = generated.headers["x-request-id"];
  CAF_CHECK_EQUAL(id.size(), 16u);
  CAF_CHECK_EQUAL(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  auto again = test::http_call(port, "GET", "/healthz");
  CAF_CHECK_NOT_EQUAL(again.headers["x-request-id"], id);
  auto given = test::http_call(port, "GET", "/api/v1/profile", {}, {{"X-Request-Id", "abc-123"}});
  CAF_CHECK_EQUAL(given.status, 401);
  CAF_CHECK_EQUAL(given.headers["x-request-id"], "abc-123");
  auto bad = test::http_call(port, "GET", "/healthz", {}, {{"X-Request-Id", "has space"}});
  CAF_CHECK_EQUAL(bad.headers["x-request-id"].size(), 16u);
}

CAF_TEST_FIXTURE_SCOPE_END()
