#define CAF_SUITE net.conversations
#include "persistence/migrator.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg.hpp"

#include <caf/test/unit_test.hpp>

#include "app/node.hpp"
#include <nlohmann/json.hpp>

using namespace messenger;
using json = nlohmann::json;

namespace {

constexpr const char* admin_token = "admin-token-000000000001";
constexpr const char* agent_token = "agent-token-000000000002";
constexpr const char* outsider_token = "outsider-token-000000003";

struct fixture {
  test::temp_database db;
  std::unique_ptr<app::node> node;
  uint16_t port = 0;
  std::string base = "/api/v1/accounts/1/conversations/1";

  fixture() {
    CAF_REQUIRE(persistence::migrate(db.url(), persistence::embedded_migrations()).has_value());
    auto sql = [&](const std::string& s) { db.scalar(s); };
    sql("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (1, 'Acme', now(), now()), "
        "(2, 'Other', now(), now())");
    sql("INSERT INTO users (id, name, email, uid, created_at, updated_at) VALUES "
        "(100, 'Alice', 'alice@x.com', 'alice@x.com', now(), now()), "
        "(101, 'Bob', 'bob@x.com', 'bob@x.com', now(), now()), "
        "(102, 'Olga', 'olga@x.com', 'olga@x.com', now(), now())");
    sql("INSERT INTO account_users (account_id, user_id, role, created_at, updated_at) VALUES "
        "(1, 100, 1, now(), now()), (1, 101, 0, now(), now()), (2, 102, 1, now(), now())");
    sql(std::string{"INSERT INTO access_tokens (owner_type, owner_id, token_digest, created_at, "
                    "updated_at) VALUES ('User', 100, encode(sha256('"}
        + admin_token + "'::bytea), 'hex'), now(), now()), ('User', 101, encode(sha256('"
        + agent_token + "'::bytea), 'hex'), now(), now()), ('User', 102, encode(sha256('"
        + outsider_token + "'::bytea), 'hex'), now(), now())");
    sql("INSERT INTO channel_api (id, account_id, created_at, updated_at) VALUES (1, 1, now(), "
        "now())");
    sql("INSERT INTO inboxes (id, channel_id, account_id, name, channel_type, "
        "enable_auto_assignment, created_at, updated_at) VALUES (10, 1, 1, 'API', "
        "'Channel::Api', false, now(), now())");
    sql("INSERT INTO contacts (id, name, account_id, created_at, updated_at) VALUES (5, 'Carl', "
        "1, now(), now())");
    sql("INSERT INTO conversations (account_id, inbox_id, contact_id, created_at, updated_at, "
        "waiting_since) VALUES (1, 10, 5, now() AT TIME ZONE 'utc', now(), now() AT TIME ZONE "
        "'utc')");
    config::app_config cfg;
    cfg.database_url = db.url();
    cfg.http_addr = {"127.0.0.1", 0};
    cfg.node_id = "conversations-test";
    cfg.platform_token = "platform-token-for-tests-0123456789";
    node = std::make_unique<app::node>(cfg);
    auto bound = node->start();
    CAF_REQUIRE(bound.has_value());
    port = *bound;
  }

  test::http_reply call(const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::string& token = admin_token) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!token.empty())
      headers["api_access_token"] = token;
    return test::http_call(port, method, target, body, headers);
  }

  json call_json(const std::string& method, const std::string& target, const json& body = nullptr,
                 int expected = 200, const std::string& token = admin_token) {
    auto reply = call(method, target, body.is_null() ? std::string{} : body.dump(), token);
    CAF_CHECK_EQUAL(reply.status, expected);
    if (reply.status != expected)
      CAF_MESSAGE("body: " << reply.body);
    return json::parse(reply.body.empty() ? std::string{"null"} : reply.body, nullptr, false);
  }

  std::string q(const std::string& sql) { return db.scalar(sql); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(conversation_api_tests, fixture)

CAF_TEST(authentication and the conversation policy) {
  CAF_CHECK_EQUAL(call("GET", base, {}, "").status, 401);
  CAF_CHECK_EQUAL(call("GET", base, {}, "wrong").body, R"({"error":"Invalid Access Token"})");
  CAF_CHECK_EQUAL(call("GET", base, {}, outsider_token).body,
                  R"({"error":"You are not authorized to access this account"})");
  // Bob is an agent but no member of inbox 10.
  CAF_CHECK_EQUAL(call("GET", base, {}, agent_token).body,
                  R"({"error":"You are not authorized to do this action"})");
  CAF_CHECK_EQUAL(call("GET", "/api/v1/accounts/1/conversations/99").status, 404);
  CAF_CHECK_EQUAL(call("GET", "/api/v1/accounts/9/conversations/1").status, 404);
  q("INSERT INTO inbox_members (user_id, inbox_id, created_at, updated_at) VALUES (101, 10, "
    "now(), now())");
  CAF_CHECK_EQUAL(call("GET", base, {}, agent_token).status, 200);
}

CAF_TEST(show renders the conversation with display id and epoch times) {
  auto conv = call_json("GET", base);
  CAF_CHECK_EQUAL(conv["id"], 1);
  CAF_CHECK_EQUAL(conv["status"], "open");
  CAF_CHECK(conv["snoozed_until"].is_null());
  CAF_CHECK(conv["waiting_since"].is_number_integer());
  CAF_CHECK(conv["waiting_since"].get<int64_t>() > 0);
  CAF_CHECK_EQUAL(conv["first_reply_created_at"], 0);
  CAF_CHECK_EQUAL(conv["meta"]["sender"]["id"], 5);
}

CAF_TEST(messages are created through the actor and listed by cursor) {
  auto in
    = call_json("POST", base + "/messages", {{"content", "help!"}, {"message_type", "incoming"}});
  CAF_CHECK_EQUAL(in["message_type"], 0);
  CAF_CHECK_EQUAL(in["sender_type"], "Contact");
  CAF_CHECK_EQUAL(in["conversation_id"], 1);
  auto out = call_json("POST", base + "/messages", {{"content", "on it"}});
  CAF_CHECK_EQUAL(out["message_type"], 1);
  CAF_CHECK_EQUAL(out["sender_id"], 100);
  CAF_CHECK_EQUAL(q("SELECT (first_reply_created_at IS NOT NULL AND waiting_since IS NULL)::text "
                    "FROM conversations"),
                  "true");
  auto list = call_json("GET", base + "/messages");
  CAF_REQUIRE_EQUAL(list["payload"].size(), 2u);
  CAF_CHECK_EQUAL(list["payload"][0]["content"], "help!");
  auto before
    = call_json("GET", base + "/messages?before=" + std::to_string(out["id"].get<int64_t>()));
  CAF_CHECK_EQUAL(before["payload"].size(), 1u);
  auto after
    = call_json("GET", base + "/messages?after=" + std::to_string(in["id"].get<int64_t>()));
  CAF_CHECK_EQUAL(after["payload"].size(), 1u);
}

CAF_TEST(invalid messages are 422 and write nothing) {
  auto too_long
    = call_json("POST", base + "/messages", {{"content", std::string(150001, 'x')}}, 422);
  CAF_CHECK_EQUAL(too_long["error"],
                  "Validation failed: Content is too long (maximum is 150000 characters)");
  call_json("POST", base + "/messages", {{"content", "x"}, {"content_attributes", json::array()}},
            422);
  call_json("POST", base + "/messages", {{"content", "x"}, {"message_type", "sideways"}}, 422);
  CAF_CHECK_EQUAL(call("POST", base + "/messages", "{oops").status, 422);
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM messages"), "0");
}

CAF_TEST(members of the wrong type are 422 with their name and write nothing) {
  auto is_private = call_json("POST", base + "/messages", {{"content", "x"}, {"private", 5}}, 422);
  CAF_CHECK_EQUAL(is_private["error"], "Validation failed: private must be true or false");
  auto typing = call_json("POST", base + "/toggle_typing_status",
                          {{"typing_status", "on"}, {"is_private", "maybe"}}, 422);
  CAF_CHECK_EQUAL(typing["error"], "Validation failed: is_private must be true or false");
  auto source = call_json("POST", "/api/v1/accounts/1/conversations", {{"source_id", 5}}, 422);
  CAF_CHECK_EQUAL(source["error"], "Validation failed: source_id must be a string");
  // Digits beyond int64 are not a time (no out_of_range escaping as a 500).
  auto snooze
    = call_json("POST", base + "/toggle_status",
                {{"status", "snoozed"}, {"snoozed_until", "99999999999999999999999"}}, 422);
  CAF_CHECK_EQUAL(snooze["error"], "snoozed_until must be unix seconds");
  auto inbox = call_json("POST", "/api/v1/accounts/1/inboxes",
                         {{"name", "Hooks"}, {"enable_auto_assignment", "yes"}}, 422);
  CAF_CHECK_EQUAL(inbox["error"],
                  "Validation failed: enable_auto_assignment must be true or false");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM messages"), "0");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM conversations"), "1");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM inboxes"), "1");
  CAF_CHECK_EQUAL(q("SELECT status FROM conversations"), "0");
}

CAF_TEST(a repeated source_id returns the stored message and creates nothing) {
  auto first
    = call_json("POST", base + "/messages", {{"content", "one"}, {"source_id", "wamid.1"}});
  auto again
    = call_json("POST", base + "/messages", {{"content", "two"}, {"source_id", "wamid.1"}});
  CAF_CHECK_EQUAL(first["id"], again["id"]);
  CAF_CHECK_EQUAL(again["content"], "one");
  auto echo1 = call_json("POST", base + "/messages", {{"content", "e"}, {"echo_id", "tmp-7"}});
  auto echo2 = call_json("POST", base + "/messages", {{"content", "e"}, {"echo_id", "tmp-7"}});
  CAF_CHECK_EQUAL(echo1["id"], echo2["id"]);
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM messages WHERE message_type <> 2"), "2");
}

CAF_TEST(toggle status priority labels attributes assignments) {
  auto resolved = call_json("POST", base + "/toggle_status", {{"status", "resolved"}});
  CAF_CHECK_EQUAL(resolved["payload"]["current_status"], "resolved");
  CAF_CHECK_EQUAL(resolved["payload"]["conversation_id"], 1);
  auto snoozed = call_json("POST", base + "/toggle_status",
                           {{"status", "snoozed"}, {"snoozed_until", 4102444800}});
  CAF_CHECK_EQUAL(snoozed["payload"]["snoozed_until"], "2100-01-01T00:00:00.000Z");
  call_json("POST", base + "/toggle_status", {{"status", "sleeping"}}, 422);
  auto toggled = call_json("POST", base + "/toggle_status");
  CAF_CHECK_EQUAL(toggled["payload"]["current_status"], "open");
  CAF_CHECK_EQUAL(call("POST", base + "/toggle_priority", R"({"priority":"high"})").status, 200);
  CAF_CHECK_EQUAL(q("SELECT priority FROM conversations"), "2");
  call_json("POST", base + "/toggle_priority", {{"priority", "extreme"}}, 422);
  auto patched = call_json("PATCH", base, {{"priority", nullptr}});
  CAF_CHECK(patched["priority"].is_null());
  auto labels = call_json("POST", base + "/labels", {{"labels", {"VIP", "billing"}}});
  CAF_CHECK_EQUAL(labels["payload"], json({"billing", "vip"}));
  auto listed = call_json("GET", base + "/labels"); // a local: CAF_CHECK_EQUAL keeps references
  CAF_CHECK_EQUAL(listed["payload"], json({"billing", "vip"}));
  auto attrs
    = call_json("POST", base + "/custom_attributes", {{"custom_attributes", {{"plan", "pro"}}}});
  CAF_CHECK_EQUAL(attrs["custom_attributes"]["plan"], "pro");
  auto agent = call_json("POST", base + "/assignments", {{"assignee_id", 101}});
  CAF_CHECK_EQUAL(agent["id"], 101);
  CAF_CHECK_EQUAL(q("SELECT assignee_id FROM conversations"), "101");
  auto nobody = call_json("POST", base + "/assignments", {{"assignee_id", 999}});
  CAF_CHECK(nobody.is_null());
  CAF_CHECK_EQUAL(q("SELECT coalesce(assignee_id, 0) FROM conversations"), "0");
  auto seen = call_json("POST", base + "/update_last_seen");
  CAF_CHECK(seen["agent_last_seen_at"].get<int64_t>() > 0);
  CAF_CHECK_EQUAL(call("POST", base + "/toggle_typing_status", R"({"typing_status":"on"})").status,
                  200);
}

CAF_TEST(unread moves the agents last seen before the last incoming message) {
  call_json("POST", base + "/messages", {{"content", "one"}, {"message_type", "incoming"}});
  call_json("POST", base + "/messages", {{"content", "two"}, {"message_type", "incoming"}});
  call_json("POST", base + "/messages", {{"content", "answer"}});
  auto epoch = [&](const std::string& column) {
    return std::stoll(q("SELECT floor(extract(epoch FROM " + column
                        + "))::bigint FROM "
                          "conversations WHERE display_id = 1"));
  };
  auto seen = call_json("POST", base + "/update_last_seen");
  CAF_CHECK_EQUAL(q("SELECT (agent_last_seen_at > (SELECT max(created_at) FROM messages))::text "
                    "FROM conversations"),
                  "true");
  CAF_CHECK_EQUAL(seen["agent_last_seen_at"].get<int64_t>(), epoch("agent_last_seen_at"));
  // The incoming messages the dashboard counts as unread (BEHAVIOUR.md §8: created after
  // agent_last_seen_at).
  auto unread_in_db = [&] {
    return q("SELECT count(*) FROM messages m, conversations c WHERE c.display_id = 1 AND "
             "m.conversation_id = c.id AND m.message_type = 0 AND (c.agent_last_seen_at IS NULL "
             "OR m.created_at > c.agent_last_seen_at)");
  };
  CAF_CHECK_EQUAL(unread_in_db(), "0");
  // POST …/unread: agent_last_seen_at and assignee_last_seen_at = the last incoming
  // message's created_at - 1 s, so the conversation has unread messages again.
  auto unread = call_json("POST", base + "/unread");
  CAF_CHECK_EQUAL(q("SELECT (agent_last_seen_at = (SELECT max(created_at) FROM messages WHERE "
                    "message_type = 0) - interval '1 second' AND assignee_last_seen_at = "
                    "agent_last_seen_at)::text FROM conversations"),
                  "true");
  CAF_CHECK_NOT_EQUAL(unread_in_db(), "0");
  CAF_CHECK_EQUAL(unread["agent_last_seen_at"].get<int64_t>(), epoch("agent_last_seen_at"));
  auto shown = call_json("GET", base);
  CAF_CHECK_EQUAL(shown["agent_last_seen_at"].get<int64_t>(), epoch("agent_last_seen_at"));
  // Not throttled: reading again moves it past the messages.
  call_json("POST", base + "/update_last_seen");
  CAF_CHECK_EQUAL(unread_in_db(), "0");
  // Without incoming messages the last-seen times become NULL.
  auto other = call_json("POST", "/api/v1/accounts/1/conversations",
                         {{"inbox_id", 10}, {"contact_id", 5}})["id"]
                 .get<int64_t>();
  auto other_path = "/api/v1/accounts/1/conversations/" + std::to_string(other);
  call_json("POST", other_path + "/update_last_seen");
  auto other_where = " FROM conversations WHERE display_id = " + std::to_string(other);
  CAF_CHECK_EQUAL(q("SELECT (agent_last_seen_at IS NOT NULL)::text" + other_where), "true");
  call_json("POST", other_path + "/unread");
  CAF_CHECK_EQUAL(
    q("SELECT (agent_last_seen_at IS NULL AND assignee_last_seen_at IS NULL)::text" + other_where),
    "true");
  call_json("POST", "/api/v1/accounts/1/conversations/99/unread", nullptr, 404);
  call_json("POST", base + "/unread", nullptr, 401, agent_token); // not a member of inbox 10
}

CAF_TEST(unread_count is the number of incoming messages after the agents last seen) {
  // BEHAVIOUR.md §8: incoming messages (message_type 0) created after agent_last_seen_at
  // (all of them while it is NULL), at most 10. Every REST answer carries it: show, the
  // list, the contact's conversations and the answers of update_last_seen and unread.
  auto in_list = [&](const json& list) {
    for (const auto& c : list)
      if (c["id"] == 1)
        return c["unread_count"].get<int>();
    CAF_FAIL("conversation 1 is not listed: " << list.dump());
    return -1;
  };
  auto everywhere = [&] {
    auto shown = call_json("GET", base);
    auto list = call_json("GET", "/api/v1/accounts/1/conversations?status=all");
    auto of_contact = call_json("GET", "/api/v1/accounts/1/contacts/5/conversations");
    return std::vector<int>{shown["unread_count"].get<int>(), in_list(list["data"]["payload"]),
                            in_list(of_contact["payload"])};
  };
  auto all = [](int n) { return std::vector<int>{n, n, n}; };
  auto incoming = [&](int n) {
    for (int i = 0; i < n; ++i)
      call_json("POST", base + "/messages",
                {{"content", "in " + std::to_string(i)}, {"message_type", "incoming"}});
  };
  CAF_CHECK_EQUAL(everywhere(), all(0));
  incoming(3);
  CAF_CHECK_EQUAL(everywhere(), all(3));
  // Outgoing messages and private notes are not unread.
  call_json("POST", base + "/messages", {{"content", "on it"}});
  call_json("POST", base + "/messages", {{"content", "note"}, {"private", true}});
  CAF_CHECK_EQUAL(everywhere(), all(3));
  incoming(9); // 12 incoming: capped at 10
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM messages WHERE message_type = 0"), "12");
  CAF_CHECK_EQUAL(everywhere(), all(10));
  auto patched = call_json("PATCH", base, {{"priority", "high"}});
  CAF_CHECK_EQUAL(patched["unread_count"], 10);
  // update_last_seen: everything read.
  auto seen = call_json("POST", base + "/update_last_seen");
  CAF_CHECK_EQUAL(seen["unread_count"], 0);
  CAF_CHECK_EQUAL(everywhere(), all(0));
  incoming(1);
  CAF_CHECK_EQUAL(everywhere(), all(1));
  call_json("POST", base + "/messages", {{"content", "answer"}});
  CAF_CHECK_EQUAL(everywhere(), all(1));
  auto seen_again = call_json("POST", base + "/update_last_seen");
  CAF_CHECK_EQUAL(seen_again["unread_count"], 0);
  CAF_CHECK_EQUAL(everywhere(), all(0));
  // POST …/unread: last seen = the last incoming message - 1 s, so at least that message is
  // unread again (and whichever incoming messages came within the second before it).
  auto unread = call_json("POST", base + "/unread");
  auto expected = std::stoi(
    q("SELECT least(count(*), 10) FROM messages m, conversations c WHERE c.display_id = 1 AND "
      "m.conversation_id = c.id AND m.message_type = 0 AND m.created_at > c.agent_last_seen_at"));
  CAF_CHECK(expected >= 1);
  CAF_CHECK_EQUAL(unread["unread_count"], expected);
  CAF_CHECK_EQUAL(everywhere(), all(expected));
}

CAF_TEST(the list filters pages and counts) {
  q("INSERT INTO conversations (account_id, inbox_id, contact_id, status, assignee_id, "
    "created_at, updated_at, last_activity_at) SELECT 1, 10, 5, CASE WHEN g % 3 = 0 THEN 1 ELSE "
    "0 END, CASE WHEN g % 2 = 0 THEN 100 END, now(), now(), now() - g * interval '1 minute' FROM "
    "generate_series(1, 30) g");
  auto open = call_json("GET", "/api/v1/accounts/1/conversations");
  auto meta = open["data"]["meta"];
  CAF_CHECK_EQUAL(meta["all_count"], 21); // 20 open of the 30 + the fixture's one
  CAF_CHECK_EQUAL(meta["mine_count"], 10);
  CAF_CHECK_EQUAL(meta["unassigned_count"], 11);
  CAF_CHECK_EQUAL(meta["assigned_count"], 10);
  CAF_CHECK_EQUAL(open["data"]["payload"].size(), 21u > 25u ? 25u : 21u);
  auto page2 = call_json("GET", "/api/v1/accounts/1/conversations?status=all&page=2");
  CAF_CHECK_EQUAL(page2["data"]["payload"].size(), 6u); // 31 in all, 25 per page
  auto mine = call_json("GET", "/api/v1/accounts/1/conversations?assignee_type=me");
  CAF_CHECK_EQUAL(mine["data"]["payload"].size(), 10u);
  CAF_CHECK_EQUAL(mine["data"]["meta"]["all_count"], 21); // counts ignore assignee_type
  auto counts = call_json("GET", "/api/v1/accounts/1/conversations/meta?status=resolved");
  CAF_CHECK_EQUAL(counts["meta"]["all_count"], 10);
  call_json("GET", "/api/v1/accounts/1/conversations?status=bogus", nullptr, 422);
  // Ordered by last activity, newest first.
  auto first = open["data"]["payload"][0]["last_activity_at"].get<int64_t>();
  auto second = open["data"]["payload"][1]["last_activity_at"].get<int64_t>();
  CAF_CHECK(first >= second);
  // Agents only see conversations of their inboxes.
  auto agent = call_json("GET", "/api/v1/accounts/1/conversations", nullptr, 200, agent_token);
  CAF_CHECK_EQUAL(agent["data"]["meta"]["all_count"], 0);
}

CAF_TEST(conversations are created through the inbox with a first message) {
  auto created
    = call_json("POST", "/api/v1/accounts/1/conversations",
                {{"inbox_id", 10}, {"contact_id", 5}, {"message", {{"content", "Hi Carl"}}}});
  CAF_CHECK_EQUAL(created["id"], 2);
  CAF_CHECK_EQUAL(created["status"], "open");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM messages m JOIN conversations c ON c.id = "
                    "m.conversation_id WHERE c.display_id = 2 AND m.content = 'Hi Carl'"),
                  "1");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM contact_inboxes WHERE inbox_id = 10 AND contact_id = 5"),
                  "1");
  auto again = call_json("POST", "/api/v1/accounts/1/conversations",
                         {{"inbox_id", 10}, {"contact_id", 5}, {"status", "pending"}});
  CAF_CHECK_EQUAL(again["id"], 3);
  CAF_CHECK_EQUAL(again["status"], "pending");
  CAF_CHECK_EQUAL(q("SELECT count(*) FROM contact_inboxes"), "1"); // reused
  call_json("POST", "/api/v1/accounts/1/conversations", {{"inbox_id", 10}, {"contact_id", 999}},
            404);
  call_json("POST", "/api/v1/accounts/1/conversations",
            {{"inbox_id", 10}, {"contact_id", 5}, {"status", "nope"}}, 422);
  call_json("POST", "/api/v1/accounts/1/conversations", {{"inbox_id", 10}, {"contact_id", 5}}, 401,
            agent_token);
}

CAF_TEST_FIXTURE_SCOPE_END()
